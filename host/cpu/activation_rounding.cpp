#include "host/cpu/activation_rounding.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/util/fp16.h"
#include "host/cpu/cpu_features.h"

#if VKLLM_HAVE_X86
#include <immintrin.h>
#endif

namespace vkllm::cpu {
namespace {

// q8_0 / q8_1 as ggml's AVX2 path makes them: scale 127/amax, round half to even, fp16 delta.
void round_q8_0(const float* x, float* out, int64_t n) {
  for (int64_t b = 0; b < n; b += 32) {
    float amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[b + j]));
    const float d = fp16_to_fp32(fp32_to_fp16(amax / 127.0f));
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    for (int j = 0; j < 32; ++j) out[b + j] = d * std::nearbyint(x[b + j] * id);
  }
}

// q8_K: blocks of 256, scale -127/max of the signed extreme, float delta.
void round_q8_k(const float* x, float* out, int64_t n) {
  for (int64_t b = 0; b < n; b += 256) {
    float amax = 0, max = 0;
    for (int j = 0; j < 256; ++j)
      if (std::fabs(x[b + j]) > amax) {
        amax = std::fabs(x[b + j]);
        max = x[b + j];
      }
    if (amax == 0) {
      std::fill(out + b, out + b + 256, 0.0f);
      continue;
    }
    const float iscale = -127.0f / max;
    const float d = 1.0f / iscale;
    for (int j = 0; j < 256; ++j) out[b + j] = d * std::min(127.0f, std::nearbyint(iscale * x[b + j]));
  }
}

}  // namespace

void round_activations(GgmlType weight_type, const float* x, float* out, int64_t n) {
  switch (weight_type) {
    case GgmlType::Q4_0: case GgmlType::Q4_1: case GgmlType::Q5_0: case GgmlType::Q5_1: case GgmlType::Q8_0:
      if (n % 32 == 0) return round_q8_0(x, out, n);
      break;
    case GgmlType::Q2_K: case GgmlType::Q3_K: case GgmlType::Q4_K: case GgmlType::Q5_K: case GgmlType::Q6_K:
      if (n % 256 == 0) return round_q8_k(x, out, n);
      break;
    case GgmlType::F16:
      for (int64_t i = 0; i < n; ++i) out[i] = fp16_to_fp32(fp32_to_fp16(x[i]));
      return;
    case GgmlType::BF16:
      for (int64_t i = 0; i < n; ++i) out[i] = bf16_to_fp32(fp32_to_bf16(x[i]));
      return;
    default:
      break;
  }
  std::memcpy(out, x, sizeof(float) * n);
}

void to_f16(const float* x, uint16_t* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = fp32_to_fp16(x[i]);
}

#if VKLLM_HAVE_X86

VKLLM_AVX2 void to_f16_avx2(const float* x, uint16_t* out, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), h);
  }
  if (i < n) to_f16(x + i, out + i, n - i);
}

VKLLM_AVX2 void round_activations_avx2(GgmlType weight_type, const float* x, float* out, int64_t n) {
  if (weight_type != GgmlType::F16 && weight_type != GgmlType::BF16) return round_activations(weight_type, x, out, n);
  const bool f16 = weight_type == GgmlType::F16;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    __m256 r;
    if (f16) {
      r = _mm256_cvtph_ps(_mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    } else {  // fp32_to_bf16: round half to even on the high 16 bits; NaNs made quiet
      const __m256i u = _mm256_castps_si256(v);
      const __m256i odd = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
      const __m256i rounded = _mm256_add_epi32(u, _mm256_add_epi32(_mm256_set1_epi32(0x7fff), odd));
      const __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, _mm256_set1_epi32(0x7fffffff)), _mm256_set1_epi32(0x7f800000));
      const __m256i quiet = _mm256_or_si256(u, _mm256_set1_epi32(64 << 16));
      const __m256i high = _mm256_blendv_epi8(rounded, quiet, nan);
      r = _mm256_castsi256_ps(_mm256_and_si256(high, _mm256_set1_epi32(int(0xffff0000u))));
    }
    _mm256_storeu_ps(out + i, r);
  }
  if (i < n) round_activations(weight_type, x + i, out + i, n - i);
}

#else

void to_f16_avx2(const float* x, uint16_t* out, int64_t n) { to_f16(x, out, n); }

void round_activations_avx2(GgmlType weight_type, const float* x, float* out, int64_t n) {
  round_activations(weight_type, x, out, n);
}

#endif

}  // namespace vkllm::cpu
