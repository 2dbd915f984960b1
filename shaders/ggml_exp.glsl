// e^x as ggml's vector kernels compute it (ggml_v_expf, AVX-512 form), to the bit: the same steps
// as host/cpu/ggml_exp.h, with every fused multiply-add through fma_rn. Needs FLOAT64.
#ifndef VKLLM_GGML_EXP_GLSL
#define VKLLM_GGML_EXP_GLSL
#include "exact_float.glsl"

float ggml_exp(float x) {
  const float shift = 12582912.0;  // 0x1.8p23: adding it rounds to an integer
  const float z = fma_rn(x, uintBitsToFloat(0x3fb8aa3bu), shift);  // log2(e)
  precise const float n = z - shift;
  if (isnan(n)) return n;
  if (abs(n) > 192.0) return n <= 0.0 ? 0.0 : uintBitsToFloat(0x7f800000u);
  const float b = fma_rn(-n, uintBitsToFloat(0x35bfbe8eu), fma_rn(-n, uintBitsToFloat(0x3f317200u), x));  // ln2 lo, hi
  precise const float u = b * b;
  const float c0 = uintBitsToFloat(0x3c072010u), c1 = uintBitsToFloat(0x3d2b9f17u), c2 = uintBitsToFloat(0x3e2aaf33u),
              c3 = uintBitsToFloat(0x3efffedbu), c4 = uintBitsToFloat(0x3f7ffff6u);
  const float j = fma_rn(fma_rn(fma_rn(c0, b, c1), u, fma_rn(c2, b, c3)), u, fma_rn(c4, b, 1.0));
  // 2^n * j: exact for normal results. GLSL leaves ldexp's overflow undefined, so beyond 2^127 a
  // multiplication finishes it (j < 1 may still give a float at n = 128). Results below the normal
  // range may flush to 0 on devices without denormals.
  if (n > 127.0) return ldexp(j, 127) * ldexp(1.0, int(n) - 127);
  return ldexp(j, int(n));
}

#endif  // VKLLM_GGML_EXP_GLSL
