#pragma once
// The q4_0/q8_0/q4_K matrix-vector product through uniform texel buffers
// (shaders/mul_mat_vec_texel.comp), for CPU Vulkan devices: the whole weight in one binding, so one
// dispatch per column (or per four).
#include "host/ops/tensor.h"
#include "host/vulkan/recorder.h"

namespace vkllm::ops {

// Whether mul_mat_vec_texel can take this product: a CPU device (with shaderFloat64 where the kernel
// rounds x), q4_0/q8_0/q4_K rows of whole 256-element super-blocks, the weight and the columns of x
// at offsets a texel view may start at.
bool mul_mat_vec_texel_fits(const vk::Device& device, const Tensor& weight, const Tensor& x);

// Whether the kernel reads x rounded as ggml's CPU backend rounds it for this weight type
// (cpu::round_activations): q4_0 and q4_K multiply integers, x rounded to q8_0 / q8_K blocks; q8_0
// reads x as it is.
bool mul_mat_vec_texel_rounds_x(GgmlType weight_type);

// dst[m, n] = weight[k, m]^T x[k, n], column by column; the caller has checked shapes and fits.
void mul_mat_vec_texel(vk::Recorder& rec, const Tensor& weight, const Tensor& x, const Tensor& dst);

}  // namespace vkllm::ops
