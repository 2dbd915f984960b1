#pragma once
// C += A · B for the small f32 blocks of tiled attention, as ggml's simd_gemm sums them: every
// element of C is one chain of fused multiply-adds over k in order, starting from its old value.
// The scalar and AVX2 paths therefore give identical floats.
#include <cstdint>

#include "host/cpu/cpu_features.h"

namespace vkllm::cpu {

// C[m x n] (row stride ldc) += A[m x k] (row stride lda) · B[k x n] (row stride ldb); n % 8 == 0.
void gemm_accumulate(float* c, int64_t ldc, const float* a, int64_t lda, const float* b, int64_t ldb, int64_t m,
                     int64_t k, int64_t n, CpuPath path);

}  // namespace vkllm::cpu
