#pragma once
// CPU reference dequantization: decodes ggml blocks to float, bit-exact with ggml's
// dequantize_row_* (same operations in the same order, no fused multiply-add).
// It is the yardstick the GPU kernels are tested against and the fallback for --check.
#include <cstdint>
#include <span>

#include "engine/types/ggml_type.h"

namespace vkllm {

// True for the types dequantize_row decodes (F32, F16, BF16, Q4_0..Q8_0, Q2_K..Q6_K).
bool can_dequantize(GgmlType type);

// Decodes n elements of `type` starting at src (any alignment) into dst.
// Throws vkllm::Error when the type has no decoder or n is not a multiple of its block size.
void dequantize_row(GgmlType type, const void* src, float* dst, int64_t n);

// Checked form for whole tensors: src must hold exactly the bytes of dst.size() elements.
void dequantize(GgmlType type, std::span<const uint8_t> src, std::span<float> dst);

}  // namespace vkllm
