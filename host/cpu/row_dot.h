#pragma once
// Dot products of up to DotKernel::rows weight rows, in their file type, with up to kMaxDotTokens
// activation rows prepared in the format ggml pairs with that type:
//   Q4_0, Q5_0, Q8_0 -> q8_0     Q4_1, Q5_1 -> q8_1     Q2_K..Q6_K -> q8_K
//   F16 -> f16 (2 bytes each)     BF16 -> f32 rounded to bf16     F32 -> f32
// Legacy types sum like ggml's AVX2 vec_dot (see q8_dot.h), except Q4_0 tensors with a multiple of
// 8 rows, which sum like llama.cpp's repacked Q4_0 kernels (q4_0_block_sum_dot); float types in the
// 16-lane orders of float_dot.cpp; K-quants sum each super-block exactly in integers.
// The scalar and AVX2 kernels of the integer formats give identical floats; the float formats
// agree to rounding.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/model/model_weights.h"
#include "engine/types/ggml_type.h"
#include "host/cpu/batch_runs.h"
#include "host/cpu/cpu_features.h"

namespace vkllm::cpu {

constexpr int kMaxDotRows = 8;  // the most rows any kernel takes per call
constexpr int kMaxDotTokens = 8;  // the most tokens any kernel takes per call

// Q8_0 and Q8_1 rows are ggml's blocks followed by their scales as floats (Q8_1: the scales, then
// the sums), so kernels broadcast them from memory instead of converting f16 per block and token
// (q8_scales_tail). Q8_0_SUMS: q8_0 blocks, then (from the same 4-byte boundary) each block's
// integer sum times 8 (int32) and each block's scale as a float, for kernels that take Q4_0's
// unsigned levels and subtract their offset of 8 times that sum (q8_0_sums_tail).
enum class ActivationFormat { F32, F16, BF16, Q8_0, Q8_1, Q8_K, Q8_0_SUMS };

// Row r starts at w + r * w_stride, token t's activations at x + t * x_stride; n elements each.
// out[r * n_tokens + t] for r < n_rows (1..DotKernel::rows), t < n_tokens (1..DotKernel::tokens). Several
// rows of one token run as independent accumulator chains, which hides FMA latency in decoding.
using RowDot = void (*)(const uint8_t* w, size_t w_stride, int n_rows, const uint8_t* x, size_t x_stride,
                        int n_tokens, int64_t n, float* out);

// The row length llamafile's tinyBLAS needs a multiple of (DotKernel::batch_step of the float types).
constexpr int64_t kBatchDotStep = 16;

struct DotKernel {
  ActivationFormat format = ActivationFormat::F32;
  RowDot dot = nullptr;  // null: no kernel for this type (dequantize and use the F32 one)
  int rows = 4;          // rows per call it is made for (it takes 1..rows)
  int tokens = 4;        // the most tokens per call (each weight block is decoded once per call)
  // For products of several tokens, where llama.cpp sums differently (its prompt path): the first
  // batch_tokens(n, cols) tokens go through batch_dot, the rest through `dot`.
  // - F32/F16/BF16 tensors of 4k rows: llamafile's tinyBLAS (one 16-lane fused multiply-add chain
  //   per output, then the halving sum of the lanes), for every token of two or more, when rows
  //   are whole 16-element steps (tinyBLAS declines others);
  // - Q2_K and Q4_K tensors of 8k rows: the repacked gemm, for tokens in whole fours of a product
  //   of four or more; the rest go through the repacked gemv (`dot`).
  // Null: `dot` for any count.
  RowDot batch_dot = nullptr;
  int batch_group = 1;      // batch_dot takes whole groups of this many tokens
  int64_t batch_step = 1;   // and rows whose length is a multiple of this

  int64_t batch_tokens(int64_t n_tokens, int64_t cols) const {
    if (batch_dot == nullptr || cols % batch_step != 0) return 0;
    return batch_part_of_run(n_tokens, batch_group);
  }
};

// rows_in_tensor: the weight's row count when known (0: not known), which picks llama.cpp's
// repacked summation for Q4_0, Q2_K and Q4_K tensors of 8k rows and its tiled-GEMM order (batch_dot) for
// float tensors of 4k rows.
DotKernel dot_kernel(GgmlType weight_type, CpuPath path, int64_t rows_in_tensor = 0);
// The kernel for a weight as it is held: by type and row count, or a grouped kernel for a copy with
// its rows grouped by eight (row_groups.h).
DotKernel dot_kernel(const WeightRef& w, CpuPath path);

// Where a Q8_0_SUMS row of nb blocks keeps its int32 offsets (8 x block sum); nb f32 scales follow.
inline size_t q8_0_sums_tail(int64_t nb) { return (size_t(nb) * 34 + 3) / 4 * 4; }
// Where a Q8_0 or Q8_1 row of nb blocks keeps its nb f32 scales (Q8_1: then its nb f32 sums).
inline size_t q8_scales_tail(ActivationFormat format, int64_t nb) {
  return format == ActivationFormat::Q8_1 ? size_t(nb) * 36 : q8_0_sums_tail(nb);
}

// Bytes of one prepared activation row of n elements (a multiple of 32 bytes, so rows stay aligned).
size_t activation_row_bytes(ActivationFormat format, int64_t n);

// Converts n floats to the format (n a multiple of its block size); out holds activation_row_bytes.
void prepare_activations(ActivationFormat format, const float* x, int64_t n, uint8_t* out, CpuPath path);

// Kernels by family, for dot_kernel and the tests.
RowDot legacy_dot_scalar(GgmlType weight_type);
RowDot legacy_dot_avx2(GgmlType weight_type);
// The same over a group of eight rows in legacy_x8_layout.h (w_stride unused; not Q4_0).
RowDot legacy_grouped_dot_scalar(GgmlType weight_type);
RowDot legacy_grouped_dot_avx2(GgmlType weight_type);
RowDot k_quant_dot_scalar(GgmlType weight_type);
RowDot k_quant_dot_avx2(GgmlType weight_type);
// Q2_K and Q4_K in the orders of llama.cpp's repacked gemv or gemm (tensors of 8k rows;
// k_quant_decode.h); null for other types.
RowDot k_repacked_dot_scalar(GgmlType weight_type, bool gemm);
RowDot k_repacked_dot_avx2(GgmlType weight_type, bool gemm);
RowDot float_dot_scalar(GgmlType weight_type);
RowDot float_dot_avx2(GgmlType weight_type);
// The tiled-GEMM order of DotKernel::batch_dot (the scalar one fuses with std::fma: equal floats).
RowDot float_batch_dot_scalar(GgmlType weight_type);
RowDot float_batch_dot_avx2(GgmlType weight_type);
RowDot q4_0_x8_dot_scalar();
RowDot q4_0_x8_dot_avx2();
// The same over a group of eight rows in the grouped layout (q4_0_x8_layout.h); w_stride is unused.
RowDot q4_0_x8_grouped_dot_scalar();
RowDot q4_0_x8_grouped_dot_avx2();

// q8_0 / q8_1 blocks of n activations (n % 32 == 0), as quantize_activations (q8_dot.h) makes them.
void quantize_legacy_avx2(GgmlType partner, const float* x, int64_t n, uint8_t* out);

// Quantizes n activations (n % 256 == 0) into q8_K blocks as ggml's quantize_row_q8_K does; the
// AVX2 version gives the same bytes.
void quantize_q8_k(const float* x, int64_t n, void* out);
void quantize_q8_k_avx2(const float* x, int64_t n, void* out);

}  // namespace vkllm::cpu
