// Dot products of F32/F16/BF16 weight rows with activations rounded to the weight's type as ggml
// converts them (F16's held in 2 bytes, BF16's as f32: kActivationType), in the orders of llama.cpp's
// AVX-512 build: the build that made shared/golden, and what most servers run. The AVX2 build sums in
// 8-lane orders and lands a last bit away now and then, which is enough to move a greedy choice at a
// near tie; these kernels follow the 16-lane orders on every host, holding each 16-lane vector as two
// 8-lane halves.
// - one token, F32/F16 (ggml_vec_dot_f32/_f16): element i of each 64-element step goes to lane i % 16
//   of accumulator i / 16, fused; the accumulators are added (0+2) + (1+3), then the lanes by
//   _mm512_reduce_add_ps (sum_lanes16). Elements past the last whole step: a plain sum (F16's in
//   double, as ggml's).
// - one token, BF16 (ggml_vec_dot_bf16 without AVX512-BF16): 32-element steps into two 16-lane
//   accumulators, multiply then add (not fused), each reduced and added in double.
// - two or more tokens (llamafile's tinyBLAS<16>, DotKernel::batch_dot): lane i % 16 of one fused
//   chain per output, then sum_lanes16; only for rows of whole 16-element steps, as tinyBLAS.
// The scalar twins fuse exactly where the vector kernels do, so both give the same floats.
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

// Activations come in the weight's type, except BF16's: f32 rounded to bf16 (widening bf16 costs the
// batch tile more than the bytes it saves; measured 64 -> 53 GFLOPS at 4096 x 4096 x 32).
template <GgmlType T>
constexpr GgmlType kActivationType = T == GgmlType::BF16 ? GgmlType::F32 : T;

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
float x_at(const uint8_t* x, int64_t i) {
  return weight_at<kActivationType<T>>(x, i);
}

// The elements from i on, after the vector steps: ggml's F32 kernel keeps its sum in float, the
// others in double.
template <GgmlType T>
float add_rest(double sum, const uint8_t* row, const uint8_t* x, int64_t i, int64_t n) {
  if constexpr (T == GgmlType::F32) {
    auto s = float(sum);
    for (; i < n; ++i) s += weight_at<T>(row, i) * x_at<T>(x, i);
    return s;
  } else {
    for (; i < n; ++i) sum += double(weight_at<T>(row, i) * x_at<T>(x, i));
    return float(sum);
  }
}

template <GgmlType T>
float dot_one_scalar(const uint8_t* row, const uint8_t* x, int64_t n) {
  int64_t i = 0;
  if constexpr (T == GgmlType::BF16) {
    float acc[32] = {};
    for (; i + 32 <= n; i += 32)
      for (int l = 0; l < 32; ++l) acc[l] = weight_at<T>(row, i + l) * x_at<T>(x, i + l) + acc[l];
    return add_rest<T>(double(sum_lanes16(acc)) + double(sum_lanes16(acc + 16)), row, x, i, n);
  } else {
    float acc[64] = {};
    for (; i + 64 <= n; i += 64)
      for (int l = 0; l < 64; ++l) acc[l] = std::fma(weight_at<T>(row, i + l), x_at<T>(x, i + l), acc[l]);
    float lanes[16];
    for (int l = 0; l < 16; ++l) lanes[l] = (acc[l] + acc[32 + l]) + (acc[16 + l] + acc[48 + l]);
    return add_rest<T>(sum_lanes16(lanes), row, x, i, n);
  }
}

template <GgmlType T>
void dot_float_scalar(const uint8_t* w, size_t w_stride, int n_rows, const uint8_t* x, size_t x_stride, int n_tokens,
                      int64_t n, float* out) {
  for (int r = 0; r < n_rows; ++r, out += n_tokens)
    for (int t = 0; t < n_tokens; ++t)
      out[t] = dot_one_scalar<T>(w + r * w_stride, x + size_t(t) * x_stride, n);
}

// Rows of n % 16 != 0 elements end with the plain sum of the rest (ggml would not take this path for
// them; the kernel only needs an answer).
template <GgmlType T>
void dot_float_batch_scalar(const uint8_t* w, size_t w_stride, int n_rows, const uint8_t* x, size_t x_stride,
                            int n_tokens, int64_t n, float* out) {
  for (int r = 0; r < n_rows; ++r, out += n_tokens)
    for (int t = 0; t < n_tokens; ++t) {
      const uint8_t* row = w + r * w_stride;
      const uint8_t* xt = x + size_t(t) * x_stride;
      float acc[16] = {};
      int64_t i = 0;
      for (; i + 16 <= n; i += 16)
        for (int l = 0; l < 16; ++l) acc[l] = std::fma(weight_at<T>(row, i + l), x_at<T>(xt, i + l), acc[l]);
      float sum = sum_lanes16(acc);
      for (; i < n; ++i) sum += weight_at<T>(row, i) * x_at<T>(xt, i);
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

template <GgmlType T>
VKLLM_AVX2 inline __m256 load_x8(const uint8_t* x, int64_t i) {
  return load8<kActivationType<T>>(x, i);
}

// _mm512_reduce_add_ps of the 16-lane vector (lo, hi).
VKLLM_AVX2 inline float reduce16(__m256 lo, __m256 hi) { return avx2::hsum_float_8(_mm256_add_ps(lo, hi)); }

template <GgmlType T>
VKLLM_AVX2 float dot_one_avx2(const uint8_t* row, const uint8_t* x, int64_t n) {
  int64_t i = 0;
  if constexpr (T == GgmlType::BF16) {
    __m256 acc[4];  // lanes 0-7 and 8-15 of the first accumulator, then of the second
    for (auto& a : acc) a = _mm256_setzero_ps();
    for (; i + 32 <= n; i += 32)
      for (int k = 0; k < 4; ++k)
        acc[k] = _mm256_add_ps(_mm256_mul_ps(load8<T>(row, i + 8 * k), load_x8<T>(x, i + 8 * k)), acc[k]);
    return add_rest<T>(double(reduce16(acc[0], acc[1])) + double(reduce16(acc[2], acc[3])), row, x, i, n);
  } else {
    __m256 acc[8];  // acc[2j + h]: lanes 8h..8h+7 of accumulator j
    for (auto& a : acc) a = _mm256_setzero_ps();
    for (; i + 64 <= n; i += 64)
      for (int k = 0; k < 8; ++k)
        acc[k] = _mm256_fmadd_ps(load8<T>(row, i + 8 * k), load_x8<T>(x, i + 8 * k), acc[k]);
    const __m256 lo = _mm256_add_ps(_mm256_add_ps(acc[0], acc[4]), _mm256_add_ps(acc[2], acc[6]));
    const __m256 hi = _mm256_add_ps(_mm256_add_ps(acc[1], acc[5]), _mm256_add_ps(acc[3], acc[7]));
    return add_rest<T>(reduce16(lo, hi), row, x, i, n);
  }
}

template <GgmlType T>
VKLLM_AVX2 void dot_float_avx2(const uint8_t* w, size_t w_stride, int n_rows, const uint8_t* x, size_t x_stride,
                               int n_tokens, int64_t n, float* out) {
  for (int r = 0; r < n_rows; ++r, out += n_tokens)
    for (int t = 0; t < n_tokens; ++t)
      out[t] = dot_one_avx2<T>(w + r * w_stride, x + size_t(t) * x_stride, n);
}

// One half of the lanes (from element `begin`, every 16) of a tile's chains over [begin, end); the
// first chunk starts them from zero instead of from `sums`.
template <GgmlType T, int R, int NT, bool kFirst>
VKLLM_AVX2 __attribute__((always_inline)) inline void batch_half(const uint8_t* w, size_t w_stride, const uint8_t* const* xt,
                                                                 int64_t begin, int64_t end, __m256 (&sums)[R][NT]) {
  __m256 acc[R][NT];
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < NT; ++t) acc[r][t] = kFirst ? _mm256_setzero_ps() : sums[r][t];
  for (int64_t i = begin; i < end; i += 16) {
    __m256 xv[NT];
    for (int t = 0; t < NT; ++t) xv[t] = load_x8<T>(xt[t], i);
    for (int r = 0; r < R; ++r) {
      const __m256 wv = load8<T>(w + r * w_stride, i);
      for (int t = 0; t < NT; ++t) acc[r][t] = _mm256_fmadd_ps(wv, xv[t], acc[r][t]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < NT; ++t) sums[r][t] = acc[r][t];
}

// R rows x NT tokens of the tinyBLAS order (R * NT <= 12 accumulators, as tinyBLAS's 4x3 tiles).
// Sixteen lanes would need two registers per output, so the tile takes the row in chunks (which
// stay in L1) and each chunk in two passes: lanes 0-7 of its 16-element steps, then lanes 8-15,
// each half's accumulators kept in memory between chunks. Every lane's chain is unchanged.
template <GgmlType T, int R, int NT>
VKLLM_AVX2 void dot_float_batch_tile(const uint8_t* w, size_t w_stride, const uint8_t* x, size_t x_stride, int64_t n,
                                     int n_tokens_out, float* out) {
  // Measured (4096 x 4096, 32 and 512 tokens): f32 rows want short chunks; f16 ones (weights and
  // activations in 2 bytes) long ones, 1024: 79 GFLOPS against 75 at 256.
  constexpr int64_t kChunk = T == GgmlType::F32 ? 64 : T == GgmlType::F16 ? 1024 : 256;
  const uint8_t* xt[NT];
  for (int t = 0; t < NT; ++t) xt[t] = x + size_t(t) * x_stride;
  const int64_t steps_end = n / 16 * 16;
  __m256 halves[2][R][NT];
  const int64_t first_end = std::min(steps_end, kChunk);
  batch_half<T, R, NT, true>(w, w_stride, xt, 0, first_end, halves[0]);
  batch_half<T, R, NT, true>(w, w_stride, xt, 8, first_end, halves[1]);
  for (int64_t c = kChunk; c < steps_end; c += kChunk) {
    const int64_t c_end = std::min(steps_end, c + kChunk);
    batch_half<T, R, NT, false>(w, w_stride, xt, c, c_end, halves[0]);
    batch_half<T, R, NT, false>(w, w_stride, xt, c + 8, c_end, halves[1]);
  }
  // reduce16 of every output, eight at a time (hsum_float_8x8; a last group of fewer repeats its last).
  constexpr int kOutputs = R * NT;
  float sums[(kOutputs + 7) / 8 * 8];
  for (int first = 0; first < kOutputs; first += 8) {
    __m256 v[8];
    for (int j = 0; j < 8; ++j) {
      const int i = std::min(first + j, kOutputs - 1);
      v[j] = _mm256_add_ps(halves[0][i / NT][i % NT], halves[1][i / NT][i % NT]);
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, avx2::hsum_float_8x8(v));
    for (int j = 0; j < 8; ++j) sums[first + j] = lanes[j % 2 * 4 + j / 2];
  }
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < NT; ++t) {
      float sum = sums[r * NT + t];
      for (int64_t k = steps_end; k < n; ++k) sum += weight_at<T>(w + r * w_stride, k) * x_at<T>(xt[t], k);
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
