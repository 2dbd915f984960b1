#pragma once
// Reference quantisation for the block formats the kernels read, bit-compatible with ggml's
// reference (non-SIMD) code. Used to build test inputs and to check dequantising kernels.
#include <cstdint>
#include <span>
#include <vector>

#include "engine/types/ggml_type.h"

namespace vkllm::cpu {

// Supported: F32, F16, Q8_0, Q4_0. `x` holds whole blocks.
std::vector<uint8_t> quantize(GgmlType type, std::span<const float> x);
std::vector<float> dequantize(GgmlType type, std::span<const uint8_t> data, uint64_t n);

}  // namespace vkllm::cpu
