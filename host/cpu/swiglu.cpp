// silu(gate) * up as llama.cpp's CPU backend computes it: silu(x) = x / (1 + e^-x) with e^x from
// ggml's vector kernels (a split x = n ln2 + b, 2^n built in the exponent bits, a degree-5
// polynomial for e^b, every step fused), not libm's expf; the two differ in the last bit now and
// then, and a last bit is enough to move a q8 rounding downstream. The scalar and AVX2 paths give
// identical floats (std::fma is exact).
#include <bit>
#include <cmath>
#include <cstdint>

#include "host/cpu/cpu_features.h"
#include "host/cpu/cpu_ops.h"

#if VKLLM_HAVE_X86
#include <immintrin.h>
#endif

namespace vkllm::cpu {
namespace {

constexpr float kShift = 0x1.8p23f;  // adding it rounds to an integer
constexpr float kLog2e = 0x1.715476p+0f;
constexpr float kLn2Hi = 0x1.62e4p-1f, kLn2Lo = 0x1.7f7d1cp-20f;
constexpr float kC0 = 0x1.0e4020p-7f, kC1 = 0x1.573e2ep-5f, kC2 = 0x1.555e66p-3f, kC3 = 0x1.fffdb6p-2f,
                kC4 = 0x1.ffffecp-1f;
constexpr float kMaxExponent = 126.0f;  // beyond it 2^n leaves the normal range: use expf

float exp_scalar(float x) {
  const float z = std::fma(x, kLog2e, kShift);
  const float n = z - kShift;
  if (!(std::fabs(n) <= kMaxExponent)) return std::exp(x);
  const float b = std::fma(-n, kLn2Lo, std::fma(-n, kLn2Hi, x));
  const float scale = std::bit_cast<float>((std::bit_cast<uint32_t>(z) << 23) + 0x3f800000u);
  const float u = b * b;
  const float p = std::fma(std::fma(std::fma(kC0, b, kC1), u, std::fma(kC2, b, kC3)), u, kC4 * b);
  return std::fma(p, scale, scale);
}

void swiglu_scalar(float* gate, const float* up, int64_t n) {
  for (int64_t i = 0; i < n; ++i) gate[i] = gate[i] / (1.0f + exp_scalar(0.0f - gate[i])) * up[i];
}

#if VKLLM_HAVE_X86

VKLLM_AVX2 void swiglu_avx2(float* gate, const float* up, int64_t n) {
  const __m256 one = _mm256_set1_ps(1.0f), shift = _mm256_set1_ps(kShift);
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 g = _mm256_loadu_ps(gate + i);
    const __m256 x = _mm256_sub_ps(_mm256_setzero_ps(), g);
    const __m256 z = _mm256_fmadd_ps(x, _mm256_set1_ps(kLog2e), shift);
    const __m256 nn = _mm256_sub_ps(z, shift);
    const __m256 big = _mm256_cmp_ps(_mm256_and_ps(nn, abs_mask), _mm256_set1_ps(kMaxExponent), _CMP_GT_OQ);
    if (_mm256_movemask_ps(big) != 0) {  // some |x| > ~87: the scalar code handles that group
      swiglu_scalar(gate + i, up + i, 8);
      continue;
    }
    const __m256 b = _mm256_fnmadd_ps(nn, _mm256_set1_ps(kLn2Lo), _mm256_fnmadd_ps(nn, _mm256_set1_ps(kLn2Hi), x));
    const __m256 scale = _mm256_castsi256_ps(
        _mm256_add_epi32(_mm256_slli_epi32(_mm256_castps_si256(z), 23), _mm256_set1_epi32(0x3f800000)));
    const __m256 u = _mm256_mul_ps(b, b);
    const __m256 p = _mm256_fmadd_ps(
        _mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_set1_ps(kC0), b, _mm256_set1_ps(kC1)), u,
                        _mm256_fmadd_ps(_mm256_set1_ps(kC2), b, _mm256_set1_ps(kC3))),
        u, _mm256_mul_ps(_mm256_set1_ps(kC4), b));
    const __m256 e = _mm256_fmadd_ps(p, scale, scale);
    const __m256 silu = _mm256_div_ps(g, _mm256_add_ps(one, e));
    _mm256_storeu_ps(gate + i, _mm256_mul_ps(silu, _mm256_loadu_ps(up + i)));
  }
  swiglu_scalar(gate + i, up + i, n - i);
}

#endif

}  // namespace

void swiglu(float* gate, const float* up, int64_t n) {
#if VKLLM_HAVE_X86
  if (cpu_path() == CpuPath::Avx2) return swiglu_avx2(gate, up, n);
#endif
  swiglu_scalar(gate, up, n);
}

}  // namespace vkllm::cpu
