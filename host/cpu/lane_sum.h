#pragma once
// Scalar statements of the orders in which ggml adds the float lanes of a vector, for the scalar
// twins of the AVX2 kernels: hsum_float_8 (avx2_helpers.h), ((a0+a4) + (a2+a6)) + ((a1+a5) + (a3+a7)),
// and AVX-512's _mm512_reduce_add_ps, the same halving one level up (a_i + a_{i+8} first).

namespace vkllm::cpu {

inline float sum_lanes8(const float* a) {
  const float s0 = a[0] + a[4], s1 = a[1] + a[5], s2 = a[2] + a[6], s3 = a[3] + a[7];
  return (s0 + s2) + (s1 + s3);
}

inline float sum_lanes16(const float* a) {
  float h[8];
  for (int i = 0; i < 8; ++i) h[i] = a[i] + a[i + 8];
  return sum_lanes8(h);
}

}  // namespace vkllm::cpu
