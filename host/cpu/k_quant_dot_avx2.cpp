// AVX2 K-quant kernels: each super-block is unpacked once into levels (k_quant_decode.h) and
// dotted with up to four tokens' q8_K activations in 16-bit pair sums scaled per 16 elements, the
// floats combined as ggml's AVX2 kernels do (kq::LaneSums is the scalar statement of that order).
#include "host/cpu/avx2_helpers.h"
#include "host/cpu/k_quant_decode.h"
#include "host/cpu/row_dot.h"

#if VKLLM_HAVE_X86
#include <immintrin.h>

namespace vkllm::cpu {
namespace {

VKLLM_AVX2 inline __m256i load(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
VKLLM_AVX2 inline void store(int8_t* p, __m256i v) { _mm256_store_si256(reinterpret_cast<__m256i*>(p), v); }


template <GgmlType T>
VKLLM_AVX2 inline void unpack_levels(const uint8_t* p, int8_t* q) {
  const __m256i m2 = _mm256_set1_epi8(3), m4 = _mm256_set1_epi8(0xF);
  if constexpr (T == GgmlType::Q2_K) {
    const auto* b = reinterpret_cast<const BlockQ2_K*>(p);
    for (int half = 0; half < 2; ++half) {
      const __m256i v = load(b->qs + 32 * half);
      store(q + 128 * half, _mm256_and_si256(v, m2));
      store(q + 128 * half + 32, _mm256_and_si256(_mm256_srli_epi16(v, 2), m2));
      store(q + 128 * half + 64, _mm256_and_si256(_mm256_srli_epi16(v, 4), m2));
      store(q + 128 * half + 96, _mm256_and_si256(_mm256_srli_epi16(v, 6), m2));
    }
  } else if constexpr (T == GgmlType::Q3_K) {
    const auto* b = reinterpret_cast<const BlockQ3_K*>(p);
    const __m256i hm = load(b->hmask), four = _mm256_set1_epi8(4), zero = _mm256_setzero_si256();
    for (int half = 0; half < 2; ++half) {
      const __m256i v = load(b->qs + 32 * half);
      for (int j = 0; j < 4; ++j) {
        const __m256i low = _mm256_and_si256(_mm256_srl_epi16(v, _mm_cvtsi32_si128(2 * j)), m2);
        const __m256i bit = _mm256_set1_epi8(char(1 << (4 * half + j)));
        const __m256i clear = _mm256_cmpeq_epi8(_mm256_and_si256(hm, bit), zero);
        store(q + 128 * half + 32 * j, _mm256_sub_epi8(low, _mm256_and_si256(clear, four)));
      }
    }
  } else if constexpr (T == GgmlType::Q4_K) {
    const auto* b = reinterpret_cast<const BlockQ4_K*>(p);
    for (int g = 0; g < 4; ++g) {
      const __m256i v = load(b->qs + 32 * g);
      store(q + 64 * g, _mm256_and_si256(v, m4));
      store(q + 64 * g + 32, _mm256_and_si256(_mm256_srli_epi16(v, 4), m4));
    }
  } else if constexpr (T == GgmlType::Q5_K) {
    const auto* b = reinterpret_cast<const BlockQ5_K*>(p);
    const __m256i hb = load(b->qh), sixteen = _mm256_set1_epi8(16);
    for (int g = 0; g < 4; ++g) {
      const __m256i v = load(b->qs + 32 * g);
      const __m256i bit_lo = _mm256_set1_epi8(char(1 << (2 * g))), bit_hi = _mm256_set1_epi8(char(2 << (2 * g)));
      const __m256i add_lo = _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(hb, bit_lo), bit_lo), sixteen);
      const __m256i add_hi = _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(hb, bit_hi), bit_hi), sixteen);
      store(q + 64 * g, _mm256_or_si256(_mm256_and_si256(v, m4), add_lo));
      store(q + 64 * g + 32, _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(v, 4), m4), add_hi));
    }
  } else {
    static_assert(T == GgmlType::Q6_K);
    const auto* b = reinterpret_cast<const BlockQ6_K*>(p);
    const __m256i m30 = _mm256_set1_epi8(0x30), offset = _mm256_set1_epi8(32);
    for (int half = 0; half < 2; ++half) {
      const __m256i ql0 = load(b->ql + 64 * half), ql1 = load(b->ql + 64 * half + 32), qh = load(b->qh + 32 * half);
      int8_t* out = q + 128 * half;
      const __m256i h0 = _mm256_and_si256(_mm256_slli_epi16(qh, 4), m30);
      const __m256i h1 = _mm256_and_si256(_mm256_slli_epi16(qh, 2), m30);
      const __m256i h2 = _mm256_and_si256(qh, m30);
      const __m256i h3 = _mm256_and_si256(_mm256_srli_epi16(qh, 2), m30);
      store(out, _mm256_sub_epi8(_mm256_or_si256(_mm256_and_si256(ql0, m4), h0), offset));
      store(out + 32, _mm256_sub_epi8(_mm256_or_si256(_mm256_and_si256(ql1, m4), h1), offset));
      store(out + 64, _mm256_sub_epi8(_mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4), h2), offset));
      store(out + 96, _mm256_sub_epi8(_mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4), h3), offset));
    }
  }
}

template <GgmlType T>
VKLLM_AVX2 void dot_k_row(const uint8_t* w, const uint8_t* x, size_t x_stride, int n_tokens, int64_t n, float* out) {
  constexpr bool signed_levels = T == GgmlType::Q3_K || T == GgmlType::Q6_K;
  const size_t bytes = kq::block_bytes(T);
  kq::Unpacked b;
  __m256 acc[kMaxDotTokens];
  __m128 acc_m[kMaxDotTokens];
  float summs[kMaxDotTokens];
  for (int t = 0; t < n_tokens; ++t) acc[t] = _mm256_setzero_ps(), acc_m[t] = _mm_setzero_ps(), summs[t] = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const uint8_t* block = w + size_t(i) * bytes;
    kq::unpack_scales<T>(block, b);
    unpack_levels<T>(block, b.q);
    __m256i scales[8];  // chunk k: sub-block 2k's scale in the low 8 lanes, 2k+1's in the high
    for (int k = 0; k < 8; ++k) scales[k] = _mm256_set_m128i(_mm_set1_epi16(b.scale[2 * k + 1]), _mm_set1_epi16(b.scale[2 * k]));
    const __m256i mins = load(b.min);
    for (int t = 0; t < n_tokens; ++t) {
      const auto* y = reinterpret_cast<const BlockQ8_K*>(x + size_t(t) * x_stride) + i;
      __m256i sumi = _mm256_setzero_si256();
      for (int k = 0; k < 8; ++k) {
        const __m256i qx = _mm256_load_si256(reinterpret_cast<const __m256i*>(b.q + 32 * k));
        const __m256i qy = load(y->qs + 32 * k);
        const __m256i pairs = signed_levels ? _mm256_maddubs_epi16(_mm256_sign_epi8(qx, qx), _mm256_sign_epi8(qy, qx))
                                            : _mm256_maddubs_epi16(qx, qy);
        sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(pairs, scales[k]));
      }
      const float d = y->d * b.d, dmin = -y->d * b.dmin;
      if constexpr (T == GgmlType::Q2_K || T == GgmlType::Q4_K || T == GgmlType::Q5_K) {
        const __m256i mins8 = _mm256_madd_epi16(load(y->bsums), mins);
        if constexpr (T == GgmlType::Q2_K) {
          acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(dmin), _mm256_cvtepi32_ps(mins8), acc[t]);
        } else if constexpr (T == GgmlType::Q4_K) {
          const __m256i pairs = _mm256_hadd_epi32(mins8, mins8);  // lanes 0,1 | 4,5: m0+m1, m2+m3 | m4+m5, m6+m7
          const __m128i prod = _mm_unpacklo_epi64(_mm256_castsi256_si128(pairs), _mm256_extracti128_si256(pairs, 1));
          acc_m[t] = _mm_fmadd_ps(_mm_set1_ps(dmin), _mm_cvtepi32_ps(prod), acc_m[t]);
        } else {
          summs[t] = _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(dmin), _mm_set_ss(float(avx2::hsum_i32_8(mins8))), _mm_set_ss(summs[t])));
        }
      }
      acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc[t]);
    }
  }
  for (int t = 0; t < n_tokens; ++t) {
    const float lanes = avx2::hsum_float_8(acc[t]);
    if constexpr (T == GgmlType::Q4_K)
      out[t] = lanes + avx2::hsum_float_4(acc_m[t]);
    else if constexpr (T == GgmlType::Q5_K)
      out[t] = lanes + summs[t];
    else
      out[t] = lanes;
  }
}

template <GgmlType T>
VKLLM_AVX2 void dot_k_avx2(const uint8_t* w, size_t w_stride, int n_rows, const uint8_t* x, size_t x_stride,
                           int n_tokens, int64_t n, float* out) {
  for (int r = 0; r < n_rows; ++r) dot_k_row<T>(w + r * w_stride, x, x_stride, n_tokens, n, out + r * n_tokens);
}

}  // namespace

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
}  // namespace vkllm::cpu

#endif
