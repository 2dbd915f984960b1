// AVX2 dot products of Q4_0/Q4_1/Q5_0/Q5_1/Q8_0 rows with q8_0/q8_1 activations: ggml's AVX2
// vec_dot kernels instruction for instruction (integer sums of four, one fused multiply-add per
// block in eight lanes, hsum_float_8), so the floats equal q8_dot.cpp's scalar emulation. One call
// decodes each weight block once for up to eight tokens; rows come from the file or from the groups
// of legacy_x8_layout.h.
#include "host/cpu/row_dot.h"

#include <cstddef>
#include <cstring>

#include "engine/quant/blocks.h"
#include "engine/util/fp16.h"
#include "host/cpu/avx2_helpers.h"
#include "host/cpu/count_dispatch.h"
#include "host/cpu/legacy_x8_layout.h"

#if VKLLM_HAVE_X86
#include <immintrin.h>

namespace vkllm::cpu {
namespace {

using avx2::bytes_from_nibbles_32;
using avx2::half_to_float;
using avx2::hsum_float_8;

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


// Signed levels (q8_0 partners) or unsigned ones (q8_1 partners) of block i, with its scales.
struct Decoded {
  __m256i q;
  float d, m;
};

template <GgmlType T>
VKLLM_AVX2 inline Decoded decode(const uint8_t* block) {
  const auto* b = reinterpret_cast<const Block<T>*>(block);
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

// Where the weight blocks are: block i of row r at w + r * row_step + i * block_step (the file's
// rows: row_step = row bytes, block_step = block bytes; legacy_x8_layout.h's groups: the reverse
// of that, by eight).
struct BlockSteps {
  size_t row_step, block_step;
};

// R rows x NT tokens (one of them 1), each pair with its own accumulator chain. The activation scales
// (and q8_1 sums) come as floats from the row's tail (q8_scales_tail); d_w * d_x is the same float
// product ggml forms, only in all lanes at once.
template <GgmlType T, int R, int NT>
VKLLM_AVX2 void dot_tile(const uint8_t* w, BlockSteps steps, const uint8_t* x, size_t x_stride, int64_t nb, float* out) {
  constexpr bool q8_1 = T == GgmlType::Q4_1 || T == GgmlType::Q5_1;
  constexpr size_t x_block_bytes = q8_1 ? sizeof(BlockQ8_1) : sizeof(BlockQ8_0);
  constexpr size_t levels_at = q8_1 ? offsetof(BlockQ8_1, qs) : offsetof(BlockQ8_0, qs);
  const size_t tail = q8_scales_tail(q8_1 ? ActivationFormat::Q8_1 : ActivationFormat::Q8_0, nb);
  const float* scales[NT];
  for (int t = 0; t < NT; ++t) scales[t] = reinterpret_cast<const float*>(x + size_t(t) * x_stride + tail);
  __m256 acc[R][NT];
  float min_sum[R][NT];
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < NT; ++t) acc[r][t] = _mm256_setzero_ps(), min_sum[r][t] = 0;
  for (int64_t i = 0; i < nb; ++i) {
    for (int r = 0; r < R; ++r) {
      const Decoded q = decode<T>(w + size_t(r) * steps.row_step + size_t(i) * steps.block_step);
      const __m256 dw = _mm256_set1_ps(q.d);
      const __m256i unsigned_w = q8_1 ? q.q : _mm256_sign_epi8(q.q, q.q);
      for (int t = 0; t < NT; ++t) {
        const auto* qy = reinterpret_cast<const __m256i*>(x + size_t(t) * x_stride + size_t(i) * x_block_bytes + levels_at);
        const __m256 d = _mm256_mul_ps(dw, _mm256_broadcast_ss(scales[t] + i));
        __m256i signed_y = _mm256_loadu_si256(qy);
        if constexpr (q8_1) {
          min_sum[r][t] = _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(q.m), _mm_set_ss(scales[t][nb + i]), _mm_set_ss(min_sum[r][t])));
        } else {
          signed_y = _mm256_sign_epi8(signed_y, q.q);
        }
        acc[r][t] = _mm256_fmadd_ps(d, sum_us8_quads(unsigned_w, signed_y), acc[r][t]);
      }
    }
  }
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < NT; ++t) {
      if constexpr (q8_1)
        out[r * NT + t] = hsum_float_8(acc[r][t]) + min_sum[r][t];
      else
        out[r * NT + t] = hsum_float_8(acc[r][t]);
    }
}

// One token: rows side by side. Several tokens: a row at a time against up to eight of them.
// Grouped: w is a group of legacy_x8_layout.h (w_stride unused).
template <GgmlType T, bool grouped>
VKLLM_AVX2 void dot_legacy(const uint8_t* w, size_t w_stride, int n_rows, const uint8_t* x, size_t x_stride,
                           int n_tokens, int64_t n, float* out) {
  const int64_t nb = n / kQK;
  constexpr size_t block_bytes = sizeof(Block<T>);
  const BlockSteps steps = grouped ? BlockSteps{block_bytes, kLegacyGroupRows * block_bytes} : BlockSteps{w_stride, block_bytes};
  if (n_tokens == 1)
    return with_count(n_rows, [&](auto nr) { dot_tile<T, nr.value, 1>(w, steps, x, x_stride, nb, out); });
  // A row at a time against up to eight tokens: each block decoded once, the sums in registers.
  with_count(n_tokens, [&](auto nt) {
    for (int r = 0; r < n_rows; ++r)
      dot_tile<T, 1, nt.value>(w + r * steps.row_step, steps, x, x_stride, nb, out + r * n_tokens);
  });
}

}  // namespace

// q8_0 / q8_1 as the scalar quantize_activations makes them (and ggml's AVX2 quantize_row_q8_*):
// the same amax, the same x * (127 / amax) products, rounded half to even.
VKLLM_AVX2 void quantize_legacy_avx2(GgmlType partner, const float* x, int64_t n, uint8_t* out) {
  const bool with_sum = partner == GgmlType::Q8_1;
  const size_t block_bytes = with_sum ? sizeof(BlockQ8_1) : sizeof(BlockQ8_0);
  const __m256 sign = _mm256_set1_ps(-0.0f);
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  for (int64_t i = 0; i < n / kQK; ++i) {
    const float* xb = x + i * kQK;
    __m256 v[4];
    __m256 amax8 = _mm256_setzero_ps();
    for (int j = 0; j < 4; ++j) {
      v[j] = _mm256_loadu_ps(xb + 8 * j);
      amax8 = _mm256_max_ps(amax8, _mm256_andnot_ps(sign, v[j]));
    }
    __m128 m = _mm_max_ps(_mm256_extractf128_ps(amax8, 1), _mm256_castps256_ps128(amax8));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    const float amax = _mm_cvtss_f32(m);
    const float d = amax / 127.0f;
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    const __m256 mul = _mm256_set1_ps(id);
    __m256i q[4];
    for (int j = 0; j < 4; ++j)
      q[j] = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v[j], mul), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    uint8_t* block = out + size_t(i) * block_bytes;
    const uint16_t dh = fp32_to_fp16(d);
    std::memcpy(block, &dh, 2);
    if (with_sum) {
      const int32_t sum = avx2::hsum_i32_8(_mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3])));
      const uint16_t sh = fp32_to_fp16(d * float(sum));
      std::memcpy(block + 2, &sh, 2);
    }
    const __m256i packed16_01 = _mm256_packs_epi32(q[0], q[1]), packed16_23 = _mm256_packs_epi32(q[2], q[3]);
    const __m256i packed8 = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(packed16_01, packed16_23), order);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(block + (with_sum ? 4 : 2)), packed8);
  }
}

template <bool grouped>
RowDot legacy_kernel(GgmlType weight_type) {
  switch (weight_type) {
    case GgmlType::Q4_0: return grouped ? nullptr : dot_legacy<GgmlType::Q4_0, false>;
    case GgmlType::Q4_1: return dot_legacy<GgmlType::Q4_1, grouped>;
    case GgmlType::Q5_0: return dot_legacy<GgmlType::Q5_0, grouped>;
    case GgmlType::Q5_1: return dot_legacy<GgmlType::Q5_1, grouped>;
    case GgmlType::Q8_0: return dot_legacy<GgmlType::Q8_0, grouped>;
    default: return nullptr;
  }
}

RowDot legacy_dot_avx2(GgmlType weight_type) { return legacy_kernel<false>(weight_type); }
RowDot legacy_grouped_dot_avx2(GgmlType weight_type) { return legacy_kernel<true>(weight_type); }

}  // namespace vkllm::cpu

#else

namespace vkllm::cpu {
RowDot legacy_dot_avx2(GgmlType) { return nullptr; }
RowDot legacy_grouped_dot_avx2(GgmlType) { return nullptr; }
void quantize_legacy_avx2(GgmlType, const float*, int64_t, uint8_t*) {}
}  // namespace vkllm::cpu

#endif
