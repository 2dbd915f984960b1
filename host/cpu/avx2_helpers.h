#pragma once
// Small AVX2 helpers shared by the *_avx2.cpp kernels; each is compiled for AVX2 only, so include
// this only from code that runs when cpu_path() == CpuPath::Avx2.
#include "host/cpu/cpu_features.h"

#if VKLLM_HAVE_X86
#include <immintrin.h>

#include <cstdint>

namespace vkllm::cpu::avx2 {

VKLLM_AVX2 inline float half_to_float(uint16_t h) { return _cvtsh_ss(h); }

// ggml's hsum_float_8: ((a0+a4) + (a2+a6)) + ((a1+a5) + (a3+a7)).
VKLLM_AVX2 inline float hsum_float_8(__m256 x) {
  __m128 r = _mm_add_ps(_mm256_extractf128_ps(x, 1), _mm256_castps256_ps128(x));
  r = _mm_add_ps(r, _mm_movehl_ps(r, r));
  r = _mm_add_ss(r, _mm_movehdup_ps(r));
  return _mm_cvtss_f32(r);
}

// hsum_float_8 of eight vectors at once, with the same additions in the same order (so the same
// floats): lanes 0-3 of the result are the sums of v[0], v[2], v[4], v[6], lanes 4-7 of v[1], v[3],
// v[5], v[7].
VKLLM_AVX2 inline __m256 hsum_float_8x8(const __m256 (&v)[8]) {
  __m256 pairs[4];  // pairs[i]: a_j + a_(j+4) of v[2i] (low half) and of v[2i+1] (high half)
  for (int i = 0; i < 4; ++i)
    pairs[i] = _mm256_add_ps(_mm256_permute2f128_ps(v[2 * i], v[2 * i + 1], 0x31),
                             _mm256_permute2f128_ps(v[2 * i], v[2 * i + 1], 0x20));
  __m256 halves[2];  // (a0+a4) + (a2+a6) and (a1+a5) + (a3+a7) of four vectors
  for (int i = 0; i < 2; ++i)
    halves[i] = _mm256_add_ps(_mm256_shuffle_ps(pairs[2 * i], pairs[2 * i + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                              _mm256_shuffle_ps(pairs[2 * i], pairs[2 * i + 1], _MM_SHUFFLE(3, 2, 3, 2)));
  return _mm256_hadd_ps(halves[0], halves[1]);
}

// (a0+a2) + (a1+a3), as ggml reduces its 4-lane accumulators.
VKLLM_AVX2 inline float hsum_float_4(__m128 r) {
  r = _mm_add_ps(r, _mm_movehl_ps(r, r));
  r = _mm_add_ss(r, _mm_movehdup_ps(r));
  return _mm_cvtss_f32(r);
}

// 32 nibbles -> 32 bytes: low nibbles are elements 0..15, high nibbles 16..31.
VKLLM_AVX2 inline __m256i bytes_from_nibbles_32(const uint8_t* qs) {
  const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m256i both = _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed);
  return _mm256_and_si256(both, _mm256_set1_epi8(0x0f));
}

VKLLM_AVX2 inline int32_t hsum_i32_8(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

}  // namespace vkllm::cpu::avx2

#endif
