// Dot products of F32/F16/BF16 weight rows with f32 activations (already rounded to the weight's
// precision, as ggml converts them), in the two orders llama.cpp's x86 build uses:
// - one token (ggml_vec_dot_f16 on AVX2): lane i%32 of each 32-element chunk in four 8-float
//   accumulators, then ggml's reduction order. The AVX2 path fuses each multiply-add as ggml does;
//   the scalar one does not, so they agree to rounding only.
// - two or more (llamafile's tinyBLAS, DotKernel::batch_dot): lane i%8 in one accumulator, fused,
//   then hsum_float_8; here the scalar path fuses too (std::fma), so the two give equal floats.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/util/fp16.h"
#include "host/cpu/avx2_helpers.h"
#include "host/cpu/count_dispatch.h"
#include "host/cpu/lane_sum.h"
#include "host/cpu/row_dot.h"

#if VKLLM_HAVE_X86
#include <immintrin.h>
#endif

namespace vkllm::cpu {
namespace {

// (a0+a2) + (a1+a3) lane-wise, then t_i = s_i + s_{i+4}, then (t0+t1) + (t2+t3).
float reduce_lanes(const float (&acc)[32]) {
  float s[8];
  for (int i = 0; i < 8; ++i) s[i] = (acc[i] + acc[16 + i]) + (acc[8 + i] + acc[24 + i]);
  const float t0 = s[0] + s[4], t1 = s[1] + s[5], t2 = s[2] + s[6], t3 = s[3] + s[7];
  return (t0 + t1) + (t2 + t3);
}

template <GgmlType T>
float weight_at(const uint8_t* row, int64_t i) {
  if constexpr (T == GgmlType::F32) {
    float v;
    std::memcpy(&v, row + 4 * i, 4);
    return v;
  } else {
    uint16_t h;
    std::memcpy(&h, row + 2 * i, 2);
    return T == GgmlType::F16 ? fp16_to_fp32(h) : bf16_to_fp32(h);
  }
}

template <GgmlType T>
void dot_float_scalar(const uint8_t* w, size_t w_stride, int n_rows, const uint8_t* x, size_t x_stride, int n_tokens,
                      int64_t n, float* out) {
  for (int r = 0; r < n_rows; ++r, out += n_tokens)
  for (int t = 0; t < n_tokens; ++t) {
    const uint8_t* row = w + r * w_stride;
    const auto* xt = reinterpret_cast<const float*>(x + size_t(t) * x_stride);
    float acc[32] = {};
    int64_t i = 0;
    for (; i + 32 <= n; i += 32)
      for (int l = 0; l < 32; ++l) acc[l] += weight_at<T>(row, i + l) * xt[i + l];
    float sum = reduce_lanes(acc);
    for (; i < n; ++i) sum += weight_at<T>(row, i) * xt[i];
    out[t] = sum;
  }
}

// llamafile's tinyBLAS order (DotKernel::batch_dot): lane l of each output sums elements 8j+l with
// a fused multiply-add, then hsum_float_8's order. Rows of n % 8 != 0 elements end with the plain
// sum of the rest (ggml would not take this path for them; the kernel only needs an answer).
template <GgmlType T>
void dot_float_batch_scalar(const uint8_t* w, size_t w_stride, int n_rows, const uint8_t* x, size_t x_stride,
                            int n_tokens, int64_t n, float* out) {
  for (int r = 0; r < n_rows; ++r, out += n_tokens)
    for (int t = 0; t < n_tokens; ++t) {
      const uint8_t* row = w + r * w_stride;
      const auto* xt = reinterpret_cast<const float*>(x + size_t(t) * x_stride);
      float acc[8] = {};
      int64_t i = 0;
      for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; ++l) acc[l] = std::fma(weight_at<T>(row, i + l), xt[i + l], acc[l]);
      float sum = sum_lanes8(acc);
      for (; i < n; ++i) sum += weight_at<T>(row, i) * xt[i];
      out[t] = sum;
    }
}

#if VKLLM_HAVE_X86

template <GgmlType T>
VKLLM_AVX2 inline __m256 load8(const uint8_t* row, int64_t i) {
  if constexpr (T == GgmlType::F32) {
    return _mm256_loadu_ps(reinterpret_cast<const float*>(row) + i);
  } else {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 2 * i));
    if constexpr (T == GgmlType::F16) return _mm256_cvtph_ps(h);
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  }
}

VKLLM_AVX2 inline float reduce(__m256 a0, __m256 a1, __m256 a2, __m256 a3) {
  const __m256 s = _mm256_add_ps(_mm256_add_ps(a0, a2), _mm256_add_ps(a1, a3));
  const __m128 t = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
  const __m128 u = _mm_hadd_ps(t, t);
  return _mm_cvtss_f32(_mm_hadd_ps(u, u));
}

template <GgmlType T, int NT>
VKLLM_AVX2 void dot_float_tokens(const uint8_t* row, const uint8_t* x, size_t x_stride, int64_t n, float* out) {
  __m256 acc[NT][4];
  const float* xt[NT];
  for (int t = 0; t < NT; ++t) {
    xt[t] = reinterpret_cast<const float*>(x + size_t(t) * x_stride);
    for (int j = 0; j < 4; ++j) acc[t][j] = _mm256_setzero_ps();
  }
  int64_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int j = 0; j < 4; ++j) {
      const __m256 wv = load8<T>(row, i + 8 * j);
      for (int t = 0; t < NT; ++t) acc[t][j] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(xt[t] + i + 8 * j), acc[t][j]);
    }
  for (int t = 0; t < NT; ++t) {
    float sum = reduce(acc[t][0], acc[t][1], acc[t][2], acc[t][3]);
    for (int64_t k = i; k < n; ++k) sum += weight_at<T>(row, k) * xt[t][k];
    out[t] = sum;
  }
}

// R rows x NT tokens of the tinyBLAS order, one accumulator each (R * NT <= 12, as tinyBLAS's
// 4x3 tiles on sixteen registers).
template <GgmlType T, int R, int NT>
VKLLM_AVX2 void dot_float_batch_tile(const uint8_t* w, size_t w_stride, const uint8_t* x, size_t x_stride, int64_t n,
                                     int n_tokens_out, float* out) {
  __m256 acc[R][NT];
  const float* xt[NT];
  for (int t = 0; t < NT; ++t) xt[t] = reinterpret_cast<const float*>(x + size_t(t) * x_stride);
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < NT; ++t) acc[r][t] = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 xv[NT];
    for (int t = 0; t < NT; ++t) xv[t] = _mm256_loadu_ps(xt[t] + i);
    for (int r = 0; r < R; ++r) {
      const __m256 wv = load8<T>(w + r * w_stride, i);
      for (int t = 0; t < NT; ++t) acc[r][t] = _mm256_fmadd_ps(wv, xv[t], acc[r][t]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < NT; ++t) {
      float sum = avx2::hsum_float_8(acc[r][t]);
      for (int64_t k = i; k < n; ++k) sum += weight_at<T>(w + r * w_stride, k) * xt[t][k];
      out[r * n_tokens_out + t] = sum;
    }
}

template <GgmlType T, int R>
VKLLM_AVX2 void dot_float_batch_rows(const uint8_t* w, size_t w_stride, const uint8_t* x, size_t x_stride,
                                     int n_tokens, int64_t n, float* out) {
  int t = 0;
  for (; t + 3 <= n_tokens; t += 3)
    dot_float_batch_tile<T, R, 3>(w, w_stride, x + size_t(t) * x_stride, x_stride, n, n_tokens, out + t);
  if (n_tokens - t == 2) dot_float_batch_tile<T, R, 2>(w, w_stride, x + size_t(t) * x_stride, x_stride, n, n_tokens, out + t);
  if (n_tokens - t == 1) dot_float_batch_tile<T, R, 1>(w, w_stride, x + size_t(t) * x_stride, x_stride, n, n_tokens, out + t);
}

template <GgmlType T>
VKLLM_AVX2 void dot_float_batch_avx2(const uint8_t* w, size_t w_stride, int n_rows, const uint8_t* x, size_t x_stride,
                                     int n_tokens, int64_t n, float* out) {
  with_count(std::min(n_rows, 4), [&](auto nr) { dot_float_batch_rows<T, nr.value>(w, w_stride, x, x_stride, n_tokens, n, out); });
}

template <GgmlType T>
VKLLM_AVX2 void dot_float_avx2(const uint8_t* w, size_t w_stride, int n_rows, const uint8_t* x, size_t x_stride,
                               int n_tokens, int64_t n, float* out) {
  for (int r = 0; r < n_rows; ++r, out += n_tokens) {
    const uint8_t* row = w + r * w_stride;
    int t = 0;
    for (; t + 2 <= n_tokens; t += 2) dot_float_tokens<T, 2>(row, x + size_t(t) * x_stride, x_stride, n, out + t);
    if (t < n_tokens) dot_float_tokens<T, 1>(row, x + size_t(t) * x_stride, x_stride, n, out + t);
  }
}

#endif

}  // namespace

RowDot float_dot_scalar(GgmlType weight_type) {
  switch (weight_type) {
    case GgmlType::F32: return dot_float_scalar<GgmlType::F32>;
    case GgmlType::F16: return dot_float_scalar<GgmlType::F16>;
    case GgmlType::BF16: return dot_float_scalar<GgmlType::BF16>;
    default: return nullptr;
  }
}

RowDot float_batch_dot_scalar(GgmlType weight_type) {
  switch (weight_type) {
    case GgmlType::F32: return dot_float_batch_scalar<GgmlType::F32>;
    case GgmlType::F16: return dot_float_batch_scalar<GgmlType::F16>;
    case GgmlType::BF16: return dot_float_batch_scalar<GgmlType::BF16>;
    default: return nullptr;
  }
}

RowDot float_batch_dot_avx2(GgmlType weight_type) {
#if VKLLM_HAVE_X86
  switch (weight_type) {
    case GgmlType::F32: return dot_float_batch_avx2<GgmlType::F32>;
    case GgmlType::F16: return dot_float_batch_avx2<GgmlType::F16>;
    case GgmlType::BF16: return dot_float_batch_avx2<GgmlType::BF16>;
    default: return nullptr;
  }
#else
  return nullptr;
#endif
}

RowDot float_dot_avx2(GgmlType weight_type) {
#if VKLLM_HAVE_X86
  switch (weight_type) {
    case GgmlType::F32: return dot_float_avx2<GgmlType::F32>;
    case GgmlType::F16: return dot_float_avx2<GgmlType::F16>;
    case GgmlType::BF16: return dot_float_avx2<GgmlType::BF16>;
    default: return nullptr;
  }
#else
  return nullptr;
#endif
}

}  // namespace vkllm::cpu
