#pragma once
// Dot products of legacy-quantized weight rows with activations quantized to 8 bits, computed the
// way ggml's x86 CPU backend does: integer sums over groups of four elements in eight lanes, each
// lane accumulated across blocks with a fused multiply-add, then one fixed horizontal sum. Same
// order, same rounding, so near-tied logits resolve as in llama.cpp.
#include <cstdint>
#include <vector>

#include "engine/quant/blocks.h"

namespace vkllm::cpu {

// The activation format a weight type pairs with: Q8_0 for Q4_0/Q5_0/Q8_0, Q8_1 for Q4_1/Q5_1,
// nullopt-like F32 for types without an integer path here.
GgmlType q8_partner(GgmlType weight_type);

// Quantizes n activations (n % 32 == 0) into blocks of q8_partner(weight_type).
void quantize_activations(GgmlType partner, const float* x, int64_t n, std::vector<uint8_t>& out);
// The same into out, which holds n / 32 blocks of the partner type.
void quantize_activations(GgmlType partner, const float* x, int64_t n, void* out);

// Dot of one weight row (n elements of weight_type) with activations quantized for it.
float q8_dot(GgmlType weight_type, const void* weight_row, const void* activations, int64_t n);

// Dot of one Q4_0 row with q8_0 activations as llama.cpp's x86 CPU backend computes it for Q4_0
// tensors whose row count is a multiple of 8 (it repacks those eight rows at a time and runs
// ggml_gemv/gemm_q4_0_8x8_q8_0): each block's exact integer dot product, then
// acc = fma(isum, d_w * d_x, acc), blocks in order, no lanes.
float q4_0_block_sum_dot(const void* weight_row, const void* activations, int64_t n);

}  // namespace vkllm::cpu
