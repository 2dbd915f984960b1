#pragma once
// The scalar statement of ggml's hsum_float_8 (avx2_helpers.h): the order in which eight float
// lanes are added, ((a0+a4) + (a2+a6)) + ((a1+a5) + (a3+a7)), for the scalar twins of AVX2 kernels.

namespace vkllm::cpu {

inline float sum_lanes8(const float* a) {
  const float s0 = a[0] + a[4], s1 = a[1] + a[5], s2 = a[2] + a[6], s3 = a[3] + a[7];
  return (s0 + s2) + (s1 + s3);
}

}  // namespace vkllm::cpu
