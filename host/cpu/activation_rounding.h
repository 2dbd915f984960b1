#pragma once
// ggml's CPU backend multiplies a quantized weight with activations quantized to 8 bits (q8_0,
// q8_1 or q8_K, by weight type) and an f16 weight with f16 activations. We round activations
// the same way so that near-ties between logits resolve as they do in llama.cpp.
#include <cstdint>

#include "engine/types/ggml_type.h"

namespace vkllm::cpu {

// out[i] = the value x[i] takes after the round trip through the activation type that ggml pairs
// with weights of `weight_type` (x unchanged for f32 weights). n is the row length.
void round_activations(GgmlType weight_type, const float* x, float* out, int64_t n);

// The same for F16 and BF16 weights with AVX2/F16C (the same floats, eight at a time); other types
// go to round_activations. Call only when cpu_path() is CpuPath::Avx2.
void round_activations_avx2(GgmlType weight_type, const float* x, float* out, int64_t n);

// x as f16 halves, rounded as ggml converts (half to even): the bits of round_activations(F16, ...)
// in two bytes each. The _avx2 one converts with F16C, eight at a time (call only on CpuPath::Avx2).
void to_f16(const float* x, uint16_t* out, int64_t n);
void to_f16_avx2(const float* x, uint16_t* out, int64_t n);

}  // namespace vkllm::cpu
