#pragma once
// CPU reference quantization, bit-exact with ggml's quantize_row_*_ref: what llama-quantize
// writes for these types when it is given no importance matrix. Tests prove the exactness
// byte for byte against files llama-quantize made.
#include <cstdint>

#include "engine/types/ggml_type.h"

namespace vkllm {

// True for F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0.
bool can_quantize(GgmlType type);

// Encodes n floats from src into dst, which must hold row_bytes(type, n) bytes (any alignment).
// Throws vkllm::Error when the type has no encoder or n is not a multiple of its block size.
void quantize_row(GgmlType type, const float* src, void* dst, int64_t n);

}  // namespace vkllm
