#pragma once
// e^x as ggml's vector kernels compute it (ggml_v_expf), not libm's expf: a split x = n ln2 + b and a
// degree-5 polynomial j ~ e^b, every step fused, then j * 2^n. This is the AVX-512 build's form
// (1 inside the polynomial, 2^n applied by an exact scaling, vscalefps), the one that made
// shared/golden; ggml's AVX2 form adds the 1 in a final fma(j, 2^n, 2^n) and differs in the last bit
// now and then, which is enough to move a q8 rounding downstream. The scalar and the AVX2 forms here
// give identical floats (std::fma is exact); where 2^n leaves the normal range (|x| beyond ~87) both
// scale with std::ldexp, and beyond |n| = 192 give 0 or infinity, as vscalefps's caller does.
#include <bit>
#include <cmath>
#include <cstdint>

#include "host/cpu/cpu_features.h"

#if VKLLM_HAVE_X86
#include <immintrin.h>
#endif

namespace vkllm::cpu {

namespace ggml_exp_constants {
constexpr float kShift = 0x1.8p23f;  // adding it rounds to an integer
constexpr float kLog2e = 0x1.715476p+0f;
constexpr float kLn2Hi = 0x1.62e4p-1f, kLn2Lo = 0x1.7f7d1cp-20f;
constexpr float kC0 = 0x1.0e4020p-7f, kC1 = 0x1.573e2ep-5f, kC2 = 0x1.555e66p-3f, kC3 = 0x1.fffdb6p-2f,
                kC4 = 0x1.ffffecp-1f;
constexpr float kMaxExponent = 126.0f;  // 2^n a normal float
constexpr float kOutOfRange = 192.0f;   // beyond: 0 or infinity
}  // namespace ggml_exp_constants

// 2^n * j for the integer-valued float n: exact in the normal range, one rounding below it (as
// AVX-512's vscalefps).
inline float scale_by_power_of_two(float j, float n) { return std::ldexp(j, int(n)); }

inline float ggml_exp(float x) {
  using namespace ggml_exp_constants;
  const float z = std::fma(x, kLog2e, kShift);
  const float n = z - kShift;
  if (std::isnan(n)) return n;
  if (std::fabs(n) > kOutOfRange) return n <= 0.0f ? 0.0f : INFINITY;
  const float b = std::fma(-n, kLn2Lo, std::fma(-n, kLn2Hi, x));
  const float u = b * b;
  const float j = std::fma(std::fma(std::fma(kC0, b, kC1), u, std::fma(kC2, b, kC3)), u, std::fma(kC4, b, 1.0f));
  return scale_by_power_of_two(j, n);
}

#if VKLLM_HAVE_X86

// Eight lanes of ggml_exp; a lane out of the polynomial's range other than -inf makes all eight go
// through the scalar form (rare: only inputs beyond ~87 in magnitude).
VKLLM_AVX2 inline __m256 ggml_exp8(__m256 x) {
  using namespace ggml_exp_constants;
  const __m256 shift = _mm256_set1_ps(kShift);
  const __m256 z = _mm256_fmadd_ps(x, _mm256_set1_ps(kLog2e), shift);
  const __m256 n = _mm256_sub_ps(z, shift);
  const __m256 abs_n = _mm256_and_ps(n, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff)));
  // NLE_UQ: true for NaN as well, as the scalar form's !(|n| <= max). -inf (a masked score) is
  // out of range too, but its e^x is simply 0.
  const __m256 neg_inf = _mm256_cmp_ps(x, _mm256_set1_ps(-INFINITY), _CMP_EQ_OQ);
  const __m256 out = _mm256_cmp_ps(abs_n, _mm256_set1_ps(kMaxExponent), _CMP_NLE_UQ);
  if (_mm256_movemask_ps(_mm256_andnot_ps(neg_inf, out)) != 0) {
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, x);
    for (float& v : lanes) v = ggml_exp(v);
    return _mm256_load_ps(lanes);
  }
  const __m256 b = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Lo), _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Hi), x));
  const __m256 scale = _mm256_castsi256_ps(
      _mm256_add_epi32(_mm256_slli_epi32(_mm256_castps_si256(z), 23), _mm256_set1_epi32(0x3f800000)));
  const __m256 u = _mm256_mul_ps(b, b);
  const __m256 j = _mm256_fmadd_ps(
      _mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_set1_ps(kC0), b, _mm256_set1_ps(kC1)), u,
                      _mm256_fmadd_ps(_mm256_set1_ps(kC2), b, _mm256_set1_ps(kC3))),
      u, _mm256_fmadd_ps(_mm256_set1_ps(kC4), b, _mm256_set1_ps(1.0f)));
  return _mm256_andnot_ps(neg_inf, _mm256_mul_ps(j, scale));
}

#endif

}  // namespace vkllm::cpu
