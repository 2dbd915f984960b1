#pragma once
// The matrix-vector product through uniform buffers (shaders/mul_mat_vec_ubo*.comp): for CPU Vulkan
// devices, where uniform loads are gathers and storage loads are per-lane loops.
#include "host/ops/ops.h"
#include "host/ops/tensor.h"
#include "host/vulkan/recorder.h"

namespace vkllm::ops {

// Whether mul_mat_vec_ubo can take this product (a column of x, and at least one weight row, fit a
// uniform buffer at an allowed offset; the device has the uniform-buffer descriptors it needs).
bool mul_mat_vec_ubo_fits(const vk::Device& device, const Tensor& weight, const Tensor& x);

// dst[m, n] = weight[k, m]^T x[k, n], column by column (each reads the weight again: for the few
// columns of decoding); the caller has checked shapes and mul_mat_vec_ubo_fits.
void mul_mat_vec_ubo(vk::Recorder& rec, const Tensor& weight, const Tensor& x, const Tensor& dst);

// F32/F16 weights in ggml's order (SumOrder::Ggml): the columns of runs of two or more (runs: the
// lengths of runs of one sequence's consecutive columns; empty: one run of all) as llamafile's
// tinyBLAS where the tensor qualifies, the others as ggml_vec_dot; F16's x rounded to f16 values.
void mul_mat_vec_ubo_ggml(vk::Recorder& rec, const Tensor& weight, const Tensor& x, const Tensor& dst,
                          std::span<const int64_t> runs);

// The same with x as q8 integers (ops::Q8Columns): for weight types ggml pairs with q8 activations.
// Column stride of that layout on this device, and whether a product fits it.
uint64_t q8_column_bytes(const vk::Device& device, uint64_t k);
bool mul_mat_vec_ubo_q8_fits(const vk::Device& device, const Tensor& weight, const Q8Columns& x);
// SumOrder::Ggml: where has_ggml_order says (the caller checks).
void mul_mat_vec_ubo_q8(vk::Recorder& rec, const Tensor& weight, const Q8Columns& x, const Tensor& dst,
                        SumOrder order = SumOrder::Device, std::span<const int64_t> runs = {});

}  // namespace vkllm::ops
