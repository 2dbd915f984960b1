#include "host/cpu/flash_attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/quant/blocks.h"
#include "engine/quant/dequantize.h"
#include "engine/util/check.h"
#include "engine/util/fp16.h"
#include "host/cpu/q8_dot.h"
#include "host/cpu/row_dot.h"

#if VKLLM_HAVE_X86
#include <immintrin.h>
#endif

namespace vkllm::cpu {
namespace {

// The accumulator steps, one function per cache type and path. Both paths fuse the multiply-add
// (std::fma is exact everywhere), so they give the same bits.
void scale_f16_scalar(uint16_t* y, float a, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = fp32_to_fp16(fp16_to_fp32(y[i]) * a);
}

void mad_f16_scalar(uint16_t* y, const uint16_t* x, float a, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = fp32_to_fp16(std::fma(fp16_to_fp32(x[i]), a, fp16_to_fp32(y[i])));
}

void scale_f32_scalar(float* y, float a, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] *= a;
}

void mad_f32_scalar(float* y, const float* x, float a, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::fma(x[i], a, y[i]);
}

#if VKLLM_HAVE_X86

VKLLM_AVX2 void scale_f16_avx2(uint16_t* y, float a, int64_t n) {
  const __m256 va = _mm256_set1_ps(a);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(y + i))), va);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
  }
  scale_f16_scalar(y + i, a, n - i);
}

VKLLM_AVX2 void mad_f16_avx2(uint16_t* y, const uint16_t* x, float a, int64_t n) {
  const __m256 va = _mm256_set1_ps(a);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 acc = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(y + i)));
    const __m256 v = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i),
                     _mm256_cvtps_ph(_mm256_fmadd_ps(v, va, acc), _MM_FROUND_TO_NEAREST_INT));
  }
  mad_f16_scalar(y + i, x + i, a, n - i);
}

VKLLM_AVX2 void scale_f32_avx2(float* y, float a, int64_t n) {
  const __m256 va = _mm256_set1_ps(a);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(y + i), va));
  scale_f32_scalar(y + i, a, n - i);
}

VKLLM_AVX2 void mad_f32_avx2(float* y, const float* x, float a, int64_t n) {
  const __m256 va = _mm256_set1_ps(a);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(_mm256_loadu_ps(x + i), va, _mm256_loadu_ps(y + i)));
  mad_f32_scalar(y + i, x + i, a, n - i);
}

#endif

struct Accumulator {
  void (*scale_f16)(uint16_t*, float, int64_t) = scale_f16_scalar;
  void (*mad_f16)(uint16_t*, const uint16_t*, float, int64_t) = mad_f16_scalar;
  void (*scale_f32)(float*, float, int64_t) = scale_f32_scalar;
  void (*mad_f32)(float*, const float*, float, int64_t) = mad_f32_scalar;
};

Accumulator accumulator(CpuPath path) {
  Accumulator a;
#if VKLLM_HAVE_X86
  if (path == CpuPath::Avx2) a = {scale_f16_avx2, mad_f16_avx2, scale_f32_avx2, mad_f32_avx2};
#else
  (void)path;
#endif
  return a;
}

}  // namespace

size_t cache_bytes(GgmlType type, int64_t n) {
  if (type == GgmlType::F32) return size_t(n) * 4;
  if (type == GgmlType::F16) return size_t(n) * 2;
  if (type == GgmlType::Q8_0) {
    if (n % 32 != 0) fail("a q8_0 KV cache needs rows of whole blocks of 32, not {}", n);
    return size_t(n / 32) * sizeof(BlockQ8_0);
  }
  fail("the CPU KV cache holds f32, f16 or q8_0, not {}", type_name(type));
}

void store_cache_row(GgmlType type, const float* x, int64_t n, uint8_t* out) {
  if (type == GgmlType::F32) {
    std::memcpy(out, x, size_t(n) * sizeof(float));
  } else if (type == GgmlType::F16) {
    for (int64_t i = 0; i < n; ++i) {
      const uint16_t h = fp32_to_fp16(x[i]);
      std::memcpy(out + 2 * i, &h, 2);
    }
  } else {
    VKLLM_ASSERT(type == GgmlType::Q8_0, "cache type {}", type_name(type));
    quantize_activations(GgmlType::Q8_0, x, n, out);
  }
}

void flash_attention(const float* q, CacheRows k, CacheRows v, int64_t n_keys, int64_t head_dim, float scale,
                     float* out, AttentionScratch& s, CpuPath path) {
  // Scores first (they do not depend on the running maximum), several keys per dot call.
  const DotKernel dot = dot_kernel(k.type, path);
  VKLLM_ASSERT(dot.dot != nullptr, "no dot kernel for a {} cache", type_name(k.type));
  s.q.resize((activation_row_bytes(dot.format, head_dim) + 3) / 4);
  auto* q_bytes = reinterpret_cast<uint8_t*>(s.q.data());
  prepare_activations(dot.format, q, head_dim, q_bytes, path);
  s.scores.resize(size_t(n_keys));
  for (int64_t j = 0; j < n_keys; j += dot.rows) {
    const int nr = int(std::min<int64_t>(dot.rows, n_keys - j));
    dot.dot(k.data + size_t(j) * k.stride, k.stride, nr, q_bytes, 0, 1, head_dim, &s.scores[size_t(j)]);
  }

  const Accumulator acc = accumulator(path);
  const bool f16 = v.type == GgmlType::F16, q8 = v.type == GgmlType::Q8_0;
  if (f16) {
    s.acc16.assign(size_t(head_dim), 0);
  } else {
    VKLLM_ASSERT(v.type == GgmlType::F32 || q8, "cache type {}", type_name(v.type));
    s.acc.assign(size_t(head_dim), 0.0f);
    if (q8) s.v_row.resize(size_t(head_dim));
  }
  float max = -INFINITY, sum = 0.0f;
  for (int64_t j = 0; j < n_keys; ++j) {
    const float score = s.scores[size_t(j)] * scale;
    float ms = 1.0f, vs = 1.0f;  // rescale of what is summed so far; weight of this value
    if (score > max) {
      ms = std::exp(max - score);
      max = score;
      if (f16) acc.scale_f16(s.acc16.data(), ms, head_dim);
      else acc.scale_f32(s.acc.data(), ms, head_dim);
    } else {
      vs = std::exp(score - max);
    }
    const uint8_t* vj = v.data + size_t(j) * v.stride;
    if (f16) {
      acc.mad_f16(s.acc16.data(), reinterpret_cast<const uint16_t*>(vj), vs, head_dim);
    } else if (q8) {
      dequantize_row(GgmlType::Q8_0, vj, s.v_row.data(), head_dim);
      acc.mad_f32(s.acc.data(), s.v_row.data(), vs, head_dim);
    } else {
      acc.mad_f32(s.acc.data(), reinterpret_cast<const float*>(vj), vs, head_dim);
    }
    sum = std::fma(sum, ms, vs);
  }
  const float inv = sum == 0.0f ? 0.0f : 1.0f / sum;
  for (int64_t i = 0; i < head_dim; ++i) out[i] = (f16 ? fp16_to_fp32(s.acc16[size_t(i)]) : s.acc[size_t(i)]) * inv;
}

}  // namespace vkllm::cpu
