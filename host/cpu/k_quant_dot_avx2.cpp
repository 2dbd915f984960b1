// AVX2 K-quant kernels: each super-block's levels are unpacked in registers, 32 at a time, and
// dotted with up to eight tokens' q8_K activations in 16-bit pair sums scaled per 16 elements (the
// scales spread across lanes by byte shuffles). The integer lane sums are those of
// k_quant_decode.h's unpacked form and the floats are combined as ggml's AVX2 kernels do
// (kq::LaneSums is the scalar statement of that order), or for Q2_K/Q4_K tensors of 8k rows as
// llama.cpp's repacked gemv/gemm do (kq::RepackedSums), so results equal the scalar kernels'.
#include <cstddef>
#include <cstring>

#include "engine/quant/blocks.h"
#include "host/cpu/avx2_helpers.h"
#include "host/cpu/count_dispatch.h"
#include "host/cpu/row_dot.h"

#if VKLLM_HAVE_X86
#include <immintrin.h>

namespace vkllm::cpu {
namespace {

VKLLM_AVX2 inline __m256i load(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

// Q4_K's eight 6-bit sub-block scales (bytes 0..7) and mins (bytes 8..15), unpacked from the 12
// packed bytes with word operations (the layout of scale_min_k4).
VKLLM_AVX2 inline __m128i q4_k_scales_mins(const uint8_t* packed) {
  constexpr uint32_t low6 = 0x3f3f3f3f, low4 = 0x0f0f0f0f, low2 = 0x03030303;
  uint32_t u[3];
  std::memcpy(u, packed, 12);
  const uint32_t mins_hi = ((u[2] >> 4) & low4) | (((u[1] >> 6) & low2) << 4);
  const uint32_t scales_hi = (u[2] & low4) | (((u[0] >> 6) & low2) << 4);
  return _mm_set_epi32(int(mins_hi), int(u[1] & low6), int(scales_hi), int(u[0] & low6));
}

// Lane t: the sum of v[t]'s eight lanes (t < NT; the rest 0).
template <int NT>
VKLLM_AVX2 inline __m256i sums_by_token(const __m256i* v) {
  __m256i p[8];
  for (int t = 0; t < 8; ++t) p[t] = t < NT ? v[t] : _mm256_setzero_si256();
  const __m256i q0 = _mm256_hadd_epi32(_mm256_hadd_epi32(p[0], p[1]), _mm256_hadd_epi32(p[2], p[3]));
  const __m256i q1 = _mm256_hadd_epi32(_mm256_hadd_epi32(p[4], p[5]), _mm256_hadd_epi32(p[6], p[7]));
  return _mm256_add_epi32(_mm256_permute2x128_si256(q0, q1, 0x20), _mm256_permute2x128_si256(q0, q1, 0x31));
}

// From each token's eight sub-block min terms m[t]: out[g] lane t = m[t][2g] + m[t][2g+1].
template <int NT>
VKLLM_AVX2 inline void min_pairs_by_token(const __m256i* m, __m256i* out) {
  __m256i p[8];
  for (int t = 0; t < 8; ++t) p[t] = t < NT ? m[t] : _mm256_setzero_si256();
  __m256 even[2], odd[2];  // tokens 4k..4k+3: g 0 | g 2, and g 1 | g 3
  for (int k = 0; k < 2; ++k) {
    const __m256 a = _mm256_castsi256_ps(_mm256_hadd_epi32(p[4 * k], p[4 * k + 1]));
    const __m256 b = _mm256_castsi256_ps(_mm256_hadd_epi32(p[4 * k + 2], p[4 * k + 3]));
    even[k] = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
    odd[k] = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
  }
  out[0] = _mm256_castps_si256(_mm256_permute2f128_ps(even[0], even[1], 0x20));
  out[1] = _mm256_castps_si256(_mm256_permute2f128_ps(odd[0], odd[1], 0x20));
  out[2] = _mm256_castps_si256(_mm256_permute2f128_ps(even[0], even[1], 0x31));
  out[3] = _mm256_castps_si256(_mm256_permute2f128_ps(odd[0], odd[1], 0x31));
}

// The gemv order's two chains (lane 0: scaled sums, lane 1: min terms) take one super-block: the
// integer sums of sumi's and mins8's lanes, each times its scale product, fused.
struct GemvChains {
  __m128 acc = _mm_setzero_ps();
  VKLLM_AVX2 void add(float d, float dmin, __m256i sumi, __m256i mins8) {
    const __m256i h = _mm256_hadd_epi32(sumi, mins8);  // s01 s23 m01 m23 | s45 s67 m45 m67
    const __m256i h2 = _mm256_hadd_epi32(h, h);         // s0-3 m0-3 s0-3 m0-3 | s4-7 m4-7 ...
    const __m128i sums = _mm_add_epi32(_mm256_castsi256_si128(h2), _mm256_extracti128_si256(h2, 1));
    acc = _mm_fmadd_ps(_mm_cvtepi32_ps(sums), _mm_setr_ps(d, dmin, d, dmin), acc);
  }
  VKLLM_AVX2 float value() const { return _mm_cvtss_f32(_mm_sub_ss(acc, _mm_movehdup_ps(acc))); }
};

// Order: ggml's vec_dot (Lanes), or the orders of llama.cpp's repacked kernels (Gemv, Gemm;
// k_quant_decode.h).
enum class Order { Lanes, Gemv, Gemm };

// The gemm order's chains hold the NT tokens in lanes. Lane t of *d / *dmin: token t's scale of
// super-block i times the weight's d / dmin.
template <int NT>
VKLLM_AVX2 inline void scales_by_token(const uint8_t* x, size_t x_stride, int64_t i, float bd, float bdmin, __m256* d,
                                       __m256* dmin) {
  alignas(32) float dy[8] = {};
  for (int t = 0; t < NT; ++t) dy[t] = (reinterpret_cast<const BlockQ8_K*>(x + size_t(t) * x_stride) + i)->d;
  *d = _mm256_mul_ps(_mm256_set1_ps(bd), _mm256_load_ps(dy));
  *dmin = _mm256_mul_ps(_mm256_set1_ps(bdmin), _mm256_load_ps(dy));
}

template <int NT>
VKLLM_AVX2 inline void store_by_token(__m256 chain, __m256 chain_min, float* out) {
  alignas(32) float values[8];
  _mm256_store_ps(values, _mm256_sub_ps(chain, chain_min));
  for (int t = 0; t < NT; ++t) out[t] = values[t];
}

// Q4_K and Q5_K: levels straight from the nibbles (and Q5_K's fifth bits), scales and mins in
// registers, nothing stored between unpacking and use (a one-token product waits on instructions,
// not memory). NT tokens, a constant so the sums stay in registers; O: the order of the floats.
template <GgmlType T, int NT, Order O = Order::Lanes>
VKLLM_AVX2 void dot_q45_k_row(const uint8_t* w, const uint8_t* x, size_t x_stride, int64_t n, float* out) {
  static_assert(T == GgmlType::Q4_K || T == GgmlType::Q5_K);
  static_assert(O == Order::Lanes || T == GgmlType::Q4_K);
  constexpr bool repacked = O != Order::Lanes;
  const __m256i m4 = _mm256_set1_epi8(0xF), bit4 = _mm256_set1_epi8(0x10);
  __m256i pick[4][2];  // chunk 2g / 2g+1: its sub-block's scale in all sixteen 16-bit lanes
  for (int g = 0; g < 4; ++g)
    for (int h = 0; h < 2; ++h) pick[g][h] = _mm256_set1_epi16(int16_t(0x0100 * (2 * (2 * g + h) + 1) + 2 * (2 * g + h)));
  __m256 acc[NT];
  __m128 acc_m[NT];
  float summs[NT];
  GemvChains chains[NT];  // the gemv order
  __m256 chain = _mm256_setzero_ps(), chain_min = _mm256_setzero_ps();  // the gemm order, lane t: token t
  for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps(), acc_m[t] = _mm_setzero_ps(), summs[t] = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const auto* b = reinterpret_cast<const Block<T>*>(w) + i;
    const __m256i sm16 = _mm256_cvtepu8_epi16(q4_k_scales_mins(b->scales));
    const __m256i scales = _mm256_broadcastsi128_si256(_mm256_castsi256_si128(sm16));
    const __m128i mins = _mm256_extracti128_si256(sm16, 1);
    const __m256i mins16 = _mm256_set_m128i(_mm_unpackhi_epi16(mins, mins), _mm_unpacklo_epi16(mins, mins));
    const float bd = avx2::half_to_float(b->d), bdmin = avx2::half_to_float(b->dmin);
    __m256i qh = _mm256_setzero_si256();  // Q5_K's fifth bits
    if constexpr (T == GgmlType::Q5_K) qh = load(b->qh);
    __m256i sumi[NT];
    for (int t = 0; t < NT; ++t) sumi[t] = _mm256_setzero_si256();
    __m256 d_by_token = _mm256_setzero_ps(), dmin_by_token = _mm256_setzero_ps();
    if constexpr (O == Order::Gemm) scales_by_token<NT>(x, x_stride, i, bd, bdmin, &d_by_token, &dmin_by_token);
    // The gemm order's four products of this block, chained after the loop in the same order: chained
    // inside it, `chain` went through memory on every step (register pressure) and its latency ruled.
    __m256 block_sums[4];
    for (int g = 0; g < 4; ++g) {
      const __m256i v = load(b->qs + 32 * g);
      __m256i lo = _mm256_and_si256(v, m4), hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), m4);
      if constexpr (T == GgmlType::Q5_K) {  // bits 2g and 2g+1 of qh to bit 4 (16-bit shifts keep them in their byte)
        const __m256i to_lo = 2 * g <= 4 ? _mm256_slli_epi16(qh, 4 - 2 * g) : _mm256_srli_epi16(qh, 2 * g - 4);
        const __m256i to_hi = 2 * g + 1 <= 4 ? _mm256_slli_epi16(qh, 3 - 2 * g) : _mm256_srli_epi16(qh, 2 * g - 3);
        lo = _mm256_or_si256(lo, _mm256_and_si256(to_lo, bit4));
        hi = _mm256_or_si256(hi, _mm256_and_si256(to_hi, bit4));
      }
      const __m256i scale_lo = _mm256_shuffle_epi8(scales, pick[g][0]), scale_hi = _mm256_shuffle_epi8(scales, pick[g][1]);
      for (int t = 0; t < NT; ++t) {
        const auto* y = reinterpret_cast<const BlockQ8_K*>(x + size_t(t) * x_stride) + i;
        const __m256i p_lo = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, load(y->qs + 64 * g)), scale_lo);
        const __m256i p_hi = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, load(y->qs + 64 * g + 32)), scale_hi);
        if constexpr (O == Order::Gemm) sumi[t] = _mm256_add_epi32(p_lo, p_hi);  // this 64 only
        else sumi[t] = _mm256_add_epi32(sumi[t], _mm256_add_epi32(p_lo, p_hi));
      }
      if constexpr (O == Order::Gemm) block_sums[g] = _mm256_cvtepi32_ps(sums_by_token<NT>(sumi));
    }
    if constexpr (O == Order::Gemm) {
      for (int g = 0; g < 4; ++g) chain = _mm256_fmadd_ps(block_sums[g], d_by_token, chain);
      __m256i mins8[NT], pairs[4];
      for (int t = 0; t < NT; ++t)
        mins8[t] = _mm256_madd_epi16(load((reinterpret_cast<const BlockQ8_K*>(x + size_t(t) * x_stride) + i)->bsums), mins16);
      min_pairs_by_token<NT>(mins8, pairs);
      for (int g = 0; g < 4; ++g) chain_min = _mm256_fmadd_ps(_mm256_cvtepi32_ps(pairs[g]), dmin_by_token, chain_min);
      continue;
    }
    for (int t = 0; t < NT; ++t) {
      const auto* y = reinterpret_cast<const BlockQ8_K*>(x + size_t(t) * x_stride) + i;
      const float d = y->d * bd, dmin = -y->d * bdmin;
      const __m256i mins8 = _mm256_madd_epi16(load(y->bsums), mins16);
      if constexpr (O == Order::Gemv) {
        chains[t].add(d, y->d * bdmin, sumi[t], mins8);
        continue;
      }
      if constexpr (T == GgmlType::Q4_K) {
        const __m256i pairs = _mm256_hadd_epi32(mins8, mins8);
        const __m128i prod = _mm_unpacklo_epi64(_mm256_castsi256_si128(pairs), _mm256_extracti128_si256(pairs, 1));
        acc_m[t] = _mm_fmadd_ps(_mm_set1_ps(dmin), _mm_cvtepi32_ps(prod), acc_m[t]);
      } else {
        summs[t] = _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(dmin), _mm_set_ss(float(avx2::hsum_i32_8(mins8))), _mm_set_ss(summs[t])));
      }
      acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi[t]), acc[t]);
    }
  }
  if constexpr (O == Order::Gemm) return store_by_token<NT>(chain, chain_min, out);
  for (int t = 0; t < NT; ++t) {
    if constexpr (repacked) out[t] = chains[t].value();
    else out[t] = avx2::hsum_float_8(acc[t]) + (T == GgmlType::Q4_K ? avx2::hsum_float_4(acc_m[t]) : summs[t]);
  }
}

// Q2_K's, Q3_K's and Q6_K's sixteen 16-element scales as 16-bit lanes (Q2_K: and its mins).
template <GgmlType T>
VKLLM_AVX2 inline __m256i k16_scales(const uint8_t* block, __m256i* mins16) {
  if constexpr (T == GgmlType::Q2_K) {
    const auto* b = reinterpret_cast<const BlockQ2_K*>(block);
    const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b->scales)), m4 = _mm_set1_epi8(0xF);
    *mins16 = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(packed, 4), m4));
    return _mm256_cvtepu8_epi16(_mm_and_si128(packed, m4));
  } else if constexpr (T == GgmlType::Q3_K) {  // scale_q3_k's unpacking, four bytes at a time
    const auto* b = reinterpret_cast<const BlockQ3_K*>(block);
    constexpr uint32_t low4 = 0x0f0f0f0f, low2 = 0x03030303;
    uint32_t u[3];
    std::memcpy(u, b->scales, 12);
    const __m128i biased = _mm_set_epi32(int(((u[1] >> 4) & low4) | (((u[2] >> 6) & low2) << 4)),
                                         int(((u[0] >> 4) & low4) | (((u[2] >> 4) & low2) << 4)),
                                         int((u[1] & low4) | (((u[2] >> 2) & low2) << 4)),
                                         int((u[0] & low4) | ((u[2] & low2) << 4)));
    return _mm256_cvtepi8_epi16(_mm_sub_epi8(biased, _mm_set1_epi8(32)));
  } else {
    static_assert(T == GgmlType::Q6_K);
    const auto* b = reinterpret_cast<const BlockQ6_K*>(block);
    return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b->scales)));
  }
}

// Levels of 32-element chunk 4 * half + j, from the half's bit planes loaded once (planes[0..2]).
template <GgmlType T>
VKLLM_AVX2 inline void k16_planes(const uint8_t* block, int half, __m256i* planes) {
  if constexpr (T == GgmlType::Q2_K) {
    planes[0] = load(reinterpret_cast<const BlockQ2_K*>(block)->qs + 32 * half);
  } else if constexpr (T == GgmlType::Q3_K) {
    const auto* b = reinterpret_cast<const BlockQ3_K*>(block);
    planes[0] = load(b->qs + 32 * half), planes[1] = load(b->hmask);
  } else {
    const auto* b = reinterpret_cast<const BlockQ6_K*>(block);
    planes[0] = load(b->ql + 64 * half), planes[1] = load(b->ql + 64 * half + 32), planes[2] = load(b->qh + 32 * half);
  }
}

template <GgmlType T>
VKLLM_AVX2 inline __m256i k16_levels(const __m256i* planes, int half, int j) {
  const __m256i m2 = _mm256_set1_epi8(3), m4 = _mm256_set1_epi8(0xF);
  if constexpr (T == GgmlType::Q2_K) {
    return _mm256_and_si256(_mm256_srl_epi16(planes[0], _mm_cvtsi32_si128(2 * j)), m2);
  } else if constexpr (T == GgmlType::Q3_K) {
    const __m256i low = _mm256_and_si256(_mm256_srl_epi16(planes[0], _mm_cvtsi32_si128(2 * j)), m2);
    const __m256i bit = _mm256_set1_epi8(char(1 << (4 * half + j)));
    const __m256i clear = _mm256_cmpeq_epi8(_mm256_and_si256(planes[1], bit), _mm256_setzero_si256());
    return _mm256_sub_epi8(low, _mm256_and_si256(clear, _mm256_set1_epi8(4)));
  } else {
    const __m256i ql = planes[j & 1];
    const __m256i nibble = j < 2 ? _mm256_and_si256(ql, m4) : _mm256_and_si256(_mm256_srli_epi16(ql, 4), m4);
    const __m256i qh = planes[2];  // bits 2j, 2j+1 of each byte to bits 4, 5
    const __m256i moved = j == 0 ? _mm256_slli_epi16(qh, 4) : j == 1 ? _mm256_slli_epi16(qh, 2) : j == 2 ? qh : _mm256_srli_epi16(qh, 2);
    const __m256i high = _mm256_and_si256(moved, _mm256_set1_epi8(0x30));
    return _mm256_sub_epi8(_mm256_or_si256(nibble, high), _mm256_set1_epi8(32));
  }
}

// Q2_K, Q3_K and Q6_K the same way: levels from their bit planes, each 16 elements' scale spread by
// one permute and one byte shuffle. O: as dot_q45_k_row (Q2_K's repacked orders; its gemm takes a
// super-block in two halves of 128).
template <GgmlType T, int NT, Order O = Order::Lanes>
VKLLM_AVX2 void dot_k16_row(const uint8_t* w, const uint8_t* x, size_t x_stride, int64_t n, float* out) {
  static_assert(O == Order::Lanes || T == GgmlType::Q2_K);
  constexpr bool signed_levels = T != GgmlType::Q2_K;
  GemvChains chains[NT];                                                // the gemv order
  __m256 chain = _mm256_setzero_ps(), chain_min = _mm256_setzero_ps();  // the gemm order, lane t: token t
  // Within a 32-bit lane holding scales 2k and 2k+1: the first in the low half, the second in the high.
  const __m256i spread = _mm256_set_epi8(3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2,  //
                                         1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0);
  __m256 acc[NT];
  for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const uint8_t* block = w + size_t(i) * sizeof(Block<T>);
    __m256i mins16 = _mm256_setzero_si256();
    const __m256i scales16 = k16_scales<T>(block, &mins16);
    const auto* b = reinterpret_cast<const Block<T>*>(block);
    const float bd = avx2::half_to_float(b->d);
    float bdmin = 0;
    if constexpr (T == GgmlType::Q2_K) bdmin = avx2::half_to_float(b->dmin);
    __m256 d_by_token = _mm256_setzero_ps(), dmin_by_token = _mm256_setzero_ps();
    if constexpr (O == Order::Gemm) scales_by_token<NT>(x, x_stride, i, bd, bdmin, &d_by_token, &dmin_by_token);
    __m256i sumi[NT];
    for (int t = 0; t < NT; ++t) sumi[t] = _mm256_setzero_si256();
    for (int half = 0; half < 2; ++half) {
      if constexpr (O == Order::Gemm)
        for (int t = 0; t < NT; ++t) sumi[t] = _mm256_setzero_si256();  // this half only
      __m256i planes[3];
      k16_planes<T>(block, half, planes);
      for (int j = 0; j < 4; ++j) {
        const int k = 4 * half + j;  // 32-element chunk of the super-block
        const __m256i q = k16_levels<T>(planes, half, j);
        const __m256i scale = _mm256_shuffle_epi8(_mm256_permutevar8x32_epi32(scales16, _mm256_set1_epi32(k)), spread);
        const __m256i unsigned_q = signed_levels ? _mm256_sign_epi8(q, q) : q;
        for (int t = 0; t < NT; ++t) {
          const auto* y = reinterpret_cast<const BlockQ8_K*>(x + size_t(t) * x_stride) + i;
          const __m256i qy = signed_levels ? _mm256_sign_epi8(load(y->qs + 32 * k), q) : load(y->qs + 32 * k);
          sumi[t] = _mm256_add_epi32(sumi[t], _mm256_madd_epi16(_mm256_maddubs_epi16(unsigned_q, qy), scale));
        }
      }
      if constexpr (O == Order::Gemm)
        chain = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums_by_token<NT>(sumi)), d_by_token, chain);
    }
    if constexpr (O != Order::Lanes) {
      __m256i mins8[NT];  // lane l: the min term of 32-element chunk l
      for (int t = 0; t < NT; ++t)
        mins8[t] = _mm256_madd_epi16(load((reinterpret_cast<const BlockQ8_K*>(x + size_t(t) * x_stride) + i)->bsums), mins16);
      if constexpr (O == Order::Gemv) {
        for (int t = 0; t < NT; ++t) {
          const float dy = (reinterpret_cast<const BlockQ8_K*>(x + size_t(t) * x_stride) + i)->d;
          chains[t].add(dy * bd, dy * bdmin, sumi[t], mins8[t]);
        }
      } else {
        for (int half = 0; half < 2; ++half) {
          const __m256i keep = half == 0 ? _mm256_setr_epi32(-1, -1, -1, -1, 0, 0, 0, 0) : _mm256_setr_epi32(0, 0, 0, 0, -1, -1, -1, -1);
          __m256i in_half[NT];
          for (int t = 0; t < NT; ++t) in_half[t] = _mm256_and_si256(mins8[t], keep);
          chain_min = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums_by_token<NT>(in_half)), dmin_by_token, chain_min);
        }
      }
      continue;
    }
    for (int t = 0; t < NT; ++t) {
      const auto* y = reinterpret_cast<const BlockQ8_K*>(x + size_t(t) * x_stride) + i;
      if constexpr (T == GgmlType::Q2_K) {
        const float dmin = -y->d * bdmin;
        acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(dmin), _mm256_cvtepi32_ps(_mm256_madd_epi16(load(y->bsums), mins16)), acc[t]);
      }
      acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(y->d * bd), _mm256_cvtepi32_ps(sumi[t]), acc[t]);
    }
  }
  if constexpr (O == Order::Gemm) return store_by_token<NT>(chain, chain_min, out);
  for (int t = 0; t < NT; ++t) out[t] = O == Order::Gemv ? chains[t].value() : avx2::hsum_float_8(acc[t]);
}

template <GgmlType T>
VKLLM_AVX2 void dot_k_avx2(const uint8_t* w, size_t w_stride, int n_rows, const uint8_t* x, size_t x_stride,
                           int n_tokens, int64_t n, float* out) {
  for (int r = 0; r < n_rows; ++r) {
    const uint8_t* row = w + r * w_stride;
    float* row_out = out + r * n_tokens;
    with_count(n_tokens, [&](auto nt) {
      if constexpr (T == GgmlType::Q4_K || T == GgmlType::Q5_K) dot_q45_k_row<T, nt.value>(row, x, x_stride, n, row_out);
      else dot_k16_row<T, nt.value>(row, x, x_stride, n, row_out);
    });
  }
}

template <GgmlType T, Order O>
VKLLM_AVX2 void dot_k_repacked_avx2(const uint8_t* w, size_t w_stride, int n_rows, const uint8_t* x, size_t x_stride,
                                    int n_tokens, int64_t n, float* out) {
  for (int r = 0; r < n_rows; ++r)
    with_count(n_tokens, [&](auto nt) {
      if constexpr (T == GgmlType::Q4_K) dot_q45_k_row<T, nt.value, O>(w + r * w_stride, x, x_stride, n, out + r * n_tokens);
      else dot_k16_row<T, nt.value, O>(w + r * w_stride, x, x_stride, n, out + r * n_tokens);
    });
}

}  // namespace

RowDot k_repacked_dot_avx2(GgmlType weight_type, bool gemm) {
  switch (weight_type) {
    case GgmlType::Q2_K: return gemm ? dot_k_repacked_avx2<GgmlType::Q2_K, Order::Gemm> : dot_k_repacked_avx2<GgmlType::Q2_K, Order::Gemv>;
    case GgmlType::Q4_K: return gemm ? dot_k_repacked_avx2<GgmlType::Q4_K, Order::Gemm> : dot_k_repacked_avx2<GgmlType::Q4_K, Order::Gemv>;
    default: return nullptr;
  }
}

// quantize_q8_k with the same float steps: the first element of largest magnitude sets the scale,
// -127 / max times each element rounded half to even, capped at 127, then the 16-element sums.
VKLLM_AVX2 void quantize_q8_k_avx2(const float* x, int64_t n, void* out) {
  auto* blocks = static_cast<BlockQ8_K*>(out);
  const __m256 sign = _mm256_set1_ps(-0.0f);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float* xb = x + i * kQK_K;
    BlockQ8_K& b = blocks[i];
    __m256 amax8 = _mm256_setzero_ps();
    for (int j = 0; j < kQK_K; j += 8) amax8 = _mm256_max_ps(amax8, _mm256_andnot_ps(sign, _mm256_loadu_ps(xb + j)));
    __m128 m = _mm_max_ps(_mm256_extractf128_ps(amax8, 1), _mm256_castps256_ps128(amax8));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    const float amax = _mm_cvtss_f32(_mm_max_ss(m, _mm_movehdup_ps(m)));
    if (amax == 0) {
      std::memset(&b, 0, sizeof(b));
      continue;
    }
    const __m256 target = _mm256_set1_ps(amax);
    float max = 0;
    for (int j = 0; j < kQK_K; j += 8) {
      const __m256 v = _mm256_loadu_ps(xb + j);
      const int hits = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_andnot_ps(sign, v), target, _CMP_EQ_OQ));
      if (hits != 0) {
        max = xb[j + __builtin_ctz(unsigned(hits))];
        break;
      }
    }
    const float iscale = -127.0f / max;
    const __m256 scale = _mm256_set1_ps(iscale);
    const __m256i cap = _mm256_set1_epi32(127), order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (int j = 0; j < kQK_K; j += 32) {
      __m256i q[4];
      for (int k = 0; k < 4; ++k)
        q[k] = _mm256_min_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(scale, _mm256_loadu_ps(xb + j + 8 * k))), cap);
      const __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
      const __m256i levels = _mm256_permutevar8x32_epi32(packed, order);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(b.qs + j), levels);
      // 16-element sums: pairs, then quads, then the two halves of each 16.
      const __m256i quads = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi8(1), levels), _mm256_set1_epi16(1));
      const __m256i sums = _mm256_hadd_epi32(_mm256_hadd_epi32(quads, quads), quads);
      b.bsums[j / 16] = int16_t(_mm256_extract_epi32(sums, 0));
      b.bsums[j / 16 + 1] = int16_t(_mm256_extract_epi32(sums, 4));
    }
    b.d = 1.0f / iscale;
  }
}

RowDot k_quant_dot_avx2(GgmlType weight_type) {
  switch (weight_type) {
    case GgmlType::Q2_K: return dot_k_avx2<GgmlType::Q2_K>;
    case GgmlType::Q3_K: return dot_k_avx2<GgmlType::Q3_K>;
    case GgmlType::Q4_K: return dot_k_avx2<GgmlType::Q4_K>;
    case GgmlType::Q5_K: return dot_k_avx2<GgmlType::Q5_K>;
    case GgmlType::Q6_K: return dot_k_avx2<GgmlType::Q6_K>;
    default: return nullptr;
  }
}

}  // namespace vkllm::cpu

#else

namespace vkllm::cpu {
RowDot k_quant_dot_avx2(GgmlType) { return nullptr; }
RowDot k_repacked_dot_avx2(GgmlType, bool) { return nullptr; }
void quantize_q8_k_avx2(const float*, int64_t, void*) {}
}  // namespace vkllm::cpu

#endif
