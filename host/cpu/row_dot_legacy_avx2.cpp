// AVX2 dot products of Q4_0/Q4_1/Q5_0/Q5_1/Q8_0 rows with q8_0/q8_1 activations: ggml's AVX2
// vec_dot kernels instruction for instruction (integer sums of four, one fused multiply-add per
// block in eight lanes, hsum_float_8), so the floats equal q8_dot.cpp's scalar emulation. One call
// decodes each weight block once for up to four tokens.
#include "host/cpu/row_dot.h"

#include <cstring>

#include "engine/quant/blocks.h"

#if VKLLM_HAVE_X86
#include <immintrin.h>

namespace vkllm::cpu {
namespace {

VKLLM_AVX2 inline float half_to_float(uint16_t h) { return _cvtsh_ss(h); }

// 32 nibbles -> 32 bytes: low nibbles are elements 0..15, high nibbles 16..31.
VKLLM_AVX2 inline __m256i bytes_from_nibbles_32(const uint8_t* qs) {
  const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m256i both = _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed);
  return _mm256_and_si256(both, _mm256_set1_epi8(0x0f));
}

// Byte j is 0xff where bit j of the 32-bit word is set.
VKLLM_AVX2 inline __m256i bytes_from_bits_32(const uint8_t* qh) {
  uint32_t bits;
  std::memcpy(&bits, qh, 4);
  const __m256i shuffle = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0);
  __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32(int(bits)), shuffle);
  const __m256i bit_mask = _mm256_set1_epi64x(int64_t(0x7fbfdfeff7fbfdfe));
  bytes = _mm256_or_si256(bytes, bit_mask);
  return _mm256_cmpeq_epi8(bytes, _mm256_set1_epi64x(-1));
}

// Lane j: the integer sum of products of bytes 4j..4j+3, as a float. ax unsigned, sy signed.
VKLLM_AVX2 inline __m256 sum_us8_quads(__m256i ax, __m256i sy) {
  const __m256i pairs = _mm256_maddubs_epi16(ax, sy);
  return _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
}

VKLLM_AVX2 inline __m256 sum_i8_quads(__m256i x, __m256i y) {
  return sum_us8_quads(_mm256_sign_epi8(x, x), _mm256_sign_epi8(y, x));
}

// ggml's hsum_float_8: (a0+a4 + a2+a6) + (a1+a5 + a3+a7).
VKLLM_AVX2 inline float hsum_float_8(__m256 x) {
  __m128 r = _mm_add_ps(_mm256_extractf128_ps(x, 1), _mm256_castps256_ps128(x));
  r = _mm_add_ps(r, _mm_movehl_ps(r, r));
  r = _mm_add_ss(r, _mm_movehdup_ps(r));
  return _mm_cvtss_f32(r);
}

// Signed levels (q8_0 partners) or unsigned ones (q8_1 partners) of block i, with its scales.
struct Decoded {
  __m256i q;
  float d, m;
};

template <GgmlType T>
VKLLM_AVX2 inline Decoded decode(const uint8_t* row, int64_t i) {
  const auto* b = reinterpret_cast<const Block<T>*>(row) + i;
  if constexpr (T == GgmlType::Q4_0) {
    return {_mm256_sub_epi8(bytes_from_nibbles_32(b->qs), _mm256_set1_epi8(8)), half_to_float(b->d), 0};
  } else if constexpr (T == GgmlType::Q5_0) {
    const __m256i high = _mm256_andnot_si256(bytes_from_bits_32(b->qh), _mm256_set1_epi8(char(0xf0)));
    return {_mm256_or_si256(bytes_from_nibbles_32(b->qs), high), half_to_float(b->d), 0};
  } else if constexpr (T == GgmlType::Q8_0) {
    return {_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b->qs)), half_to_float(b->d), 0};
  } else if constexpr (T == GgmlType::Q4_1) {
    return {bytes_from_nibbles_32(b->qs), half_to_float(b->d), half_to_float(b->m)};
  } else {
    static_assert(T == GgmlType::Q5_1);
    const __m256i high = _mm256_and_si256(bytes_from_bits_32(b->qh), _mm256_set1_epi8(0x10));
    return {_mm256_or_si256(bytes_from_nibbles_32(b->qs), high), half_to_float(b->d), half_to_float(b->m)};
  }
}

template <GgmlType T, int NT>
VKLLM_AVX2 void dot_q8_0_partner(const void* w, const uint8_t* x, size_t x_stride, int64_t nb, float* out) {
  const auto* row = static_cast<const uint8_t*>(w);
  __m256 acc[NT];
  for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
  for (int64_t i = 0; i < nb; ++i) {
    const Decoded q = decode<T>(row, i);
    for (int t = 0; t < NT; ++t) {
      const auto* y = reinterpret_cast<const BlockQ8_0*>(x + size_t(t) * x_stride) + i;
      const __m256 d = _mm256_set1_ps(q.d * half_to_float(y->d));
      const __m256i qy = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y->qs));
      acc[t] = _mm256_fmadd_ps(d, sum_i8_quads(q.q, qy), acc[t]);
    }
  }
  for (int t = 0; t < NT; ++t) out[t] = hsum_float_8(acc[t]);
}

template <GgmlType T, int NT>
VKLLM_AVX2 void dot_q8_1_partner(const void* w, const uint8_t* x, size_t x_stride, int64_t nb, float* out) {
  const auto* row = static_cast<const uint8_t*>(w);
  __m256 acc[NT];
  float min_sum[NT];
  for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps(), min_sum[t] = 0;
  for (int64_t i = 0; i < nb; ++i) {
    const Decoded q = decode<T>(row, i);
    for (int t = 0; t < NT; ++t) {
      const auto* y = reinterpret_cast<const BlockQ8_1*>(x + size_t(t) * x_stride) + i;
      min_sum[t] = _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(q.m), _mm_set_ss(half_to_float(y->s)), _mm_set_ss(min_sum[t])));
      const __m256 d = _mm256_set1_ps(q.d * half_to_float(y->d));
      const __m256i qy = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y->qs));
      acc[t] = _mm256_fmadd_ps(d, sum_us8_quads(q.q, qy), acc[t]);
    }
  }
  for (int t = 0; t < NT; ++t) out[t] = hsum_float_8(acc[t]) + min_sum[t];
}

template <GgmlType T, int NT>
VKLLM_AVX2 void dot_tokens(const void* w, const uint8_t* x, size_t x_stride, int64_t nb, float* out) {
  if constexpr (T == GgmlType::Q4_1 || T == GgmlType::Q5_1)
    dot_q8_1_partner<T, NT>(w, x, x_stride, nb, out);
  else
    dot_q8_0_partner<T, NT>(w, x, x_stride, nb, out);
}

template <GgmlType T>
VKLLM_AVX2 void dot_legacy(const void* w, const uint8_t* x, size_t x_stride, int n_tokens, int64_t n, float* out) {
  const int64_t nb = n / kQK;
  for (int t = 0; t < n_tokens; t += 4) {
    const uint8_t* xt = x + size_t(t) * x_stride;
    switch (n_tokens - t >= 4 ? 4 : n_tokens - t) {
      case 1: dot_tokens<T, 1>(w, xt, x_stride, nb, out + t); break;
      case 2: dot_tokens<T, 2>(w, xt, x_stride, nb, out + t); break;
      case 3: dot_tokens<T, 3>(w, xt, x_stride, nb, out + t); break;
      default: dot_tokens<T, 4>(w, xt, x_stride, nb, out + t); break;
    }
  }
}

}  // namespace

RowDot legacy_dot_avx2(GgmlType weight_type) {
  switch (weight_type) {
    case GgmlType::Q4_0: return dot_legacy<GgmlType::Q4_0>;
    case GgmlType::Q4_1: return dot_legacy<GgmlType::Q4_1>;
    case GgmlType::Q5_0: return dot_legacy<GgmlType::Q5_0>;
    case GgmlType::Q5_1: return dot_legacy<GgmlType::Q5_1>;
    case GgmlType::Q8_0: return dot_legacy<GgmlType::Q8_0>;
    default: return nullptr;
  }
}

}  // namespace vkllm::cpu

#else

namespace vkllm::cpu {
RowDot legacy_dot_avx2(GgmlType) { return nullptr; }
}  // namespace vkllm::cpu

#endif
