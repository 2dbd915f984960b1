// silu(gate) * up as llama.cpp's CPU backend computes it: silu(x) = x / (1 + e^-x) with e^x from
// ggml's vector kernels (ggml_exp.h), not libm's expf. The scalar and AVX2 paths give identical
// floats.
#include <cstdint>

#include "host/cpu/cpu_features.h"
#include "host/cpu/cpu_ops.h"
#include "host/cpu/ggml_exp.h"

#if VKLLM_HAVE_X86
#include <immintrin.h>
#endif

namespace vkllm::cpu {
namespace {

void swiglu_scalar(float* gate, const float* up, int64_t n) {
  for (int64_t i = 0; i < n; ++i) gate[i] = gate[i] / (1.0f + ggml_exp(0.0f - gate[i])) * up[i];
}

#if VKLLM_HAVE_X86

VKLLM_AVX2 void swiglu_avx2(float* gate, const float* up, int64_t n) {
  const __m256 one = _mm256_set1_ps(1.0f);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 g = _mm256_loadu_ps(gate + i);
    const __m256 e = ggml_exp8(_mm256_sub_ps(_mm256_setzero_ps(), g));
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
