#include "host/cpu/tiled_attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/util/check.h"
#include "engine/util/fp16.h"
#include "host/cpu/avx2_helpers.h"
#include "host/cpu/ggml_exp.h"
#include "host/cpu/lane_sum.h"
#include "host/cpu/small_gemm.h"

namespace vkllm::cpu {
namespace {

constexpr int T = kAttentionTile;

#if VKLLM_HAVE_X86
VKLLM_AVX2 void f16_to_f32_avx2(const uint8_t* src, int64_t n, float* out) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * i))));
  for (; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, src + 2 * i, 2);
    out[i] = avx2::half_to_float(h);
  }
}
#endif

// Cell j of a cache as floats (conversion from f16 is exact, so both paths agree).
void load_row(CacheRows rows, int64_t j, int64_t n, float* out, CpuPath path) {
  const uint8_t* src = rows.data + size_t(j) * rows.stride;
  if (rows.type == GgmlType::F32) return void(std::memcpy(out, src, size_t(n) * sizeof(float)));
#if VKLLM_HAVE_X86
  if (path == CpuPath::Avx2) return f16_to_f32_avx2(src, n, out);
#else
  (void)path;
#endif
  for (int64_t i = 0; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, src + 2 * i, 2);
    out[i] = fp16_to_fp32(h);
  }
}

// row[i] = e^(row[i] - max) for a row of T scores; returns their sum as ggml_vec_soft_max_f32 forms
// it in its AVX-512 build (each group of 16 summed in float by _mm512_reduce_add_ps's halving, the
// groups in double).
double softmax_row_scalar(float* row, float max) {
  double sum = 0;
  for (int i = 0; i < T; i += 16) {
    for (int l = 0; l < 16; ++l) row[i + l] = ggml_exp(row[i + l] - max);
    sum += double(sum_lanes16(row + i));
  }
  return sum;
}

#if VKLLM_HAVE_X86
VKLLM_AVX2 double softmax_row_avx2(float* row, float max) {
  const __m256 vmax = _mm256_set1_ps(max);
  double sum = 0;
  for (int i = 0; i < T; i += 16) {
    const __m256 lo = ggml_exp8(_mm256_sub_ps(_mm256_loadu_ps(row + i), vmax));
    const __m256 hi = ggml_exp8(_mm256_sub_ps(_mm256_loadu_ps(row + i + 8), vmax));
    _mm256_storeu_ps(row + i, lo);
    _mm256_storeu_ps(row + i + 8, hi);
    sum += double(avx2::hsum_float_8(_mm256_add_ps(lo, hi)));
  }
  return sum;
}
#endif

double softmax_row(float* row, float max, CpuPath path) {
#if VKLLM_HAVE_X86
  if (path == CpuPath::Avx2) return softmax_row_avx2(row, max);
#else
  (void)path;
#endif
  return softmax_row_scalar(row, max);
}

}  // namespace

bool use_tiled_attention(int64_t n_tokens, GgmlType k, GgmlType v, int64_t head_dim) {
  return n_tokens >= T && k == v && (k == GgmlType::F32 || k == GgmlType::F16) && head_dim % 8 == 0;
}

void tiled_attention(const QueryBlock& b, CacheRows k, CacheRows v, int64_t hd, float scale, TiledScratch& s,
                     CpuPath path) {
  VKLLM_ASSERT(b.rows >= 1 && b.rows <= T && hd % 8 == 0, "{} query rows of head size {}", b.rows, hd);
  VKLLM_ASSERT(use_tiled_attention(T, k.type, v.type, hd), "tiled attention over a {}/{} cache", type_name(k.type),
               type_name(v.type));
  const int rows = b.rows;
  s.k_t.resize(size_t(hd) * T);
  s.v.resize(size_t(T) * size_t(hd));
  s.scores.resize(size_t(T) * T);
  s.k_row.resize(size_t(hd));
  float* row_f32 = s.k_row.data();
  s.acc.assign(size_t(rows) * size_t(hd), 0.0f);
  float max[T], sum[T];
  std::fill_n(max, T, -INFINITY);
  std::fill_n(sum, T, 0.0f);
  const int64_t key_end = *std::max_element(b.n_keys, b.n_keys + rows);

  std::vector<float>& k_t = s.k_t;
  for (int64_t kv0 = 0; kv0 < key_end; kv0 += T) {
    const int nk = int(std::min<int64_t>(T, key_end - kv0));
    // keys transposed, [dim][key], zero beyond the last key
    for (int tk = 0; tk < T; ++tk) {
      if (tk < nk) load_row(k, kv0 + tk, hd, row_f32, path);
      for (int64_t d = 0; d < hd; ++d) k_t[size_t(d) * T + size_t(tk)] = tk < nk ? row_f32[d] : 0.0f;
    }
    float* scores = s.scores.data();
    std::fill_n(scores, size_t(rows) * T, 0.0f);
    gemm_accumulate(scores, T, b.q, b.q_stride, k_t.data(), T, rows, hd, T, path);

    // key_end is the largest n_keys, so some query sees this block
    for (int r = 0; r < rows; ++r) {
      float* row = scores + size_t(r) * T;
      const int visible = int(std::clamp<int64_t>(b.n_keys[r] - kv0, 0, T));
      for (int c = 0; c < T; ++c) row[c] = c < visible ? row[c] * scale : -INFINITY;
      if (visible == 0) {  // nothing this query may see in this block
        std::fill_n(row, T, 0.0f);
        continue;
      }
      const float tile_max = *std::max_element(row, row + visible);
      const float new_max = std::fmax(max[r], tile_max);
      if (new_max > max[r]) {
        const float ms = std::exp(max[r] - new_max);
        float* acc = s.acc.data() + size_t(r) * size_t(hd);
        for (int64_t d = 0; d < hd; ++d) acc[d] *= ms;
        sum[r] *= ms;
      }
      max[r] = new_max;
      sum[r] = float(double(sum[r]) + softmax_row(row, new_max, path));
    }
    for (int tk = 0; tk < nk; ++tk) load_row(v, kv0 + tk, hd, s.v.data() + size_t(tk) * size_t(hd), path);
    gemm_accumulate(s.acc.data(), hd, scores, T, s.v.data(), hd, rows, nk, hd, path);
  }

  for (int r = 0; r < rows; ++r) {
    const float inv = sum[r] == 0.0f ? 0.0f : 1.0f / sum[r];
    const float* acc = s.acc.data() + size_t(r) * size_t(hd);
    float* out = b.out + r * b.out_stride;
    for (int64_t d = 0; d < hd; ++d) out[d] = acc[d] * inv;
  }
}

}  // namespace vkllm::cpu
