// AVX2 dot products of eight Q4_0 rows with up to eight q8_0 tokens, summed as
// q4_0_block_sum_dot (q8_dot.h) sums them: one exact integer dot product per 32-element block and
// row, then one fused multiply-add per block, with rows in the eight float lanes. The integer sums
// come from unsigned nibbles (maddubs with the signed activations) less 8 times the activations'
// block sum (computed once per token, ActivationFormat::Q8_0_SUMS); integers are exact, so the
// floats equal the scalar emulation's. Rows come as the file has them, or grouped by eight
// (q4_0_x8_layout.h), which spares the transpose.
#include "host/cpu/row_dot.h"

#include <algorithm>
#include <cstring>

#include "engine/quant/blocks.h"
#include "host/cpu/avx2_helpers.h"

#if VKLLM_HAVE_X86
#include <immintrin.h>

namespace vkllm::cpu {
namespace {

constexpr int kRows = 8;

// Eight rows' 32 levels of a block, transposed to t[c]: dword r of t[c] holds levels 4c..4c+3
// of row r. An 8x8 transpose of dwords: pairs, then quads, then halves.
VKLLM_AVX2 inline void transpose_rows(const __m256i q[kRows], __m256i t[kRows]) {
  __m256i a[kRows], b[kRows];
  for (int i = 0; i < kRows; i += 2) {
    a[i] = _mm256_unpacklo_epi32(q[i], q[i + 1]);
    a[i + 1] = _mm256_unpackhi_epi32(q[i], q[i + 1]);
  }
  for (int i = 0; i < kRows; i += 4) {
    b[i] = _mm256_unpacklo_epi64(a[i], a[i + 2]);
    b[i + 1] = _mm256_unpackhi_epi64(a[i], a[i + 2]);
    b[i + 2] = _mm256_unpacklo_epi64(a[i + 1], a[i + 3]);
    b[i + 3] = _mm256_unpackhi_epi64(a[i + 1], a[i + 3]);
  }
  for (int c = 0; c < 4; ++c) {
    t[c] = _mm256_permute2x128_si256(b[c], b[c + 4], 0x20);
    t[c + 4] = _mm256_permute2x128_si256(b[c], b[c + 4], 0x31);
  }
}

// Block i of the eight rows starting at w: levels transposed (t), scales (lane r: row r's).
// As the file has them, rows w_stride apart (rows past n_rows repeat the last); grouped, the
// group's block i holds the scales and then the four chunks, each the low and high nibbles of
// two of t.
template <bool Grouped>
VKLLM_AVX2 inline __m256 load_block(const uint8_t* w, size_t w_stride, int n_rows, int64_t i, __m256i t[kRows]) {
  if constexpr (Grouped) {
    const uint8_t* blk = w + size_t(i) * kRows * sizeof(BlockQ4_0);
    const __m256i low = _mm256_set1_epi8(0x0f);
    for (int c = 0; c < 4; ++c) {
      const __m256i packed = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + 2 * kRows + 32 * c));
      t[c] = _mm256_and_si256(packed, low);
      t[c + 4] = _mm256_and_si256(_mm256_srli_epi16(packed, 4), low);
    }
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blk)));
  } else {
    const BlockQ4_0* b[kRows];
    __m256i q[kRows];
    for (int r = 0; r < kRows; ++r) {
      b[r] = reinterpret_cast<const BlockQ4_0*>(w + size_t(std::min(r, n_rows - 1)) * w_stride) + i;
      q[r] = avx2::bytes_from_nibbles_32(b[r]->qs);
    }
    transpose_rows(q, t);
    return _mm256_cvtph_ps(_mm_setr_epi16(short(b[0]->d), short(b[1]->d), short(b[2]->d), short(b[3]->d),
                                          short(b[4]->d), short(b[5]->d), short(b[6]->d), short(b[7]->d)));
  }
}

// Lane r: the exact dot product of row r's levels (t, transposed) with one token's 32 quants.
// maddubs of chunk c with the token's chunk c broadcast gives two int16 per row, each a sum of two
// products (|.| <= 2*15*128); eight chunks summed in int16 stay within 30720, and a final madd
// widens each row's pair to int32.
VKLLM_AVX2 inline __m256i row_dots(const __m256i t[kRows], const int8_t* qs) {
  __m256i sum = _mm256_setzero_si256();
  for (int c = 0; c < kRows; ++c) {
    int32_t chunk;
    std::memcpy(&chunk, qs + 4 * c, sizeof(chunk));
    sum = _mm256_add_epi16(sum, _mm256_maddubs_epi16(t[c], _mm256_set1_epi32(chunk)));
  }
  return _mm256_madd_epi16(sum, _mm256_set1_epi16(1));
}

// x holds ActivationFormat::Q8_0_SUMS rows: nb q8_0 blocks, then the offsets and scales.
template <int NT, bool Grouped>
VKLLM_AVX2 void dot_tile(const uint8_t* w, size_t w_stride, int n_rows, const uint8_t* x, size_t x_stride,
                         int64_t nb, float* out) {
  const size_t tail = q8_0_sums_tail(nb);
  __m256 acc[NT];
  for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
  for (int64_t i = 0; i < nb; ++i) {
    __m256i tq[kRows];
    const __m256 dw = load_block<Grouped>(w, w_stride, n_rows, i, tq);
    for (int t = 0; t < NT; ++t) {
      const uint8_t* xt = x + size_t(t) * x_stride;
      const auto* y = reinterpret_cast<const BlockQ8_0*>(xt) + i;
      const auto* offsets = reinterpret_cast<const int32_t*>(xt + tail);
      const auto* scales = reinterpret_cast<const float*>(offsets + nb);
      const __m256i isum = _mm256_sub_epi32(row_dots(tq, y->qs), _mm256_set1_epi32(offsets[i]));
      const __m256 d = _mm256_mul_ps(dw, _mm256_set1_ps(scales[i]));
      acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), d, acc[t]);
    }
  }
  for (int t = 0; t < NT; ++t) {
    alignas(32) float lanes[kRows];
    _mm256_store_ps(lanes, acc[t]);
    for (int r = 0; r < n_rows; ++r) out[r * NT + t] = lanes[r];
  }
}

template <bool Grouped>
VKLLM_AVX2 void dot_q4_0_x8(const uint8_t* w, size_t w_stride, int n_rows, const uint8_t* x, size_t x_stride,
                            int n_tokens, int64_t n, float* out) {
  const int64_t nb = n / kQK;
  switch (n_tokens) {
    case 1: return dot_tile<1, Grouped>(w, w_stride, n_rows, x, x_stride, nb, out);
    case 2: return dot_tile<2, Grouped>(w, w_stride, n_rows, x, x_stride, nb, out);
    case 3: return dot_tile<3, Grouped>(w, w_stride, n_rows, x, x_stride, nb, out);
    case 4: return dot_tile<4, Grouped>(w, w_stride, n_rows, x, x_stride, nb, out);
    case 5: return dot_tile<5, Grouped>(w, w_stride, n_rows, x, x_stride, nb, out);
    case 6: return dot_tile<6, Grouped>(w, w_stride, n_rows, x, x_stride, nb, out);
    case 7: return dot_tile<7, Grouped>(w, w_stride, n_rows, x, x_stride, nb, out);
    default: return dot_tile<8, Grouped>(w, w_stride, n_rows, x, x_stride, nb, out);
  }
}

}  // namespace

RowDot q4_0_x8_dot_avx2() { return dot_q4_0_x8<false>; }
RowDot q4_0_x8_grouped_dot_avx2() { return dot_q4_0_x8<true>; }

}  // namespace vkllm::cpu

#else

namespace vkllm::cpu {
RowDot q4_0_x8_dot_avx2() { return nullptr; }
RowDot q4_0_x8_grouped_dot_avx2() { return nullptr; }
}  // namespace vkllm::cpu

#endif
