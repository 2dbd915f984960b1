#pragma once
// Kernel launchers: each checks its tensors, fills the kernel's push constants and records one
// dispatch. They record only; the caller submits. Tensors are contiguous, f32 unless stated.
#include <cstdint>

#include "host/ops/tensor.h"

namespace vkllm::vk {
class Recorder;
}

namespace vkllm::ops {

// dst = a + b and dst = a * b; b broadcasts (repeats) over a's shape.
void add(vk::Recorder& rec, const Tensor& a, const Tensor& b, const Tensor& dst);
void mul(vk::Recorder& rec, const Tensor& a, const Tensor& b, const Tensor& dst);

// Elementwise maps; src and dst may exceed maxStorageBufferRange (windowed bindings).
void scale(vk::Recorder& rec, const Tensor& src, float factor, const Tensor& dst);
void silu(vk::Recorder& rec, const Tensor& src, const Tensor& dst);
void gelu(vk::Recorder& rec, const Tensor& src, const Tensor& dst);
// Copy with conversion between f32 and f16 (either direction, or same type).
void copy(vk::Recorder& rec, const Tensor& src, const Tensor& dst);

// dst = silu(gate) * up.
void swiglu(vk::Recorder& rec, const Tensor& gate, const Tensor& up, const Tensor& dst);

// dst = x / sqrt(mean(x^2) + eps) * weight, per row; weight has ne[0] elements.
void rms_norm(vk::Recorder& rec, const Tensor& x, const Tensor& weight, float eps, const Tensor& dst);

struct SoftmaxOptions {
  float scale = 1.0f;
  const Tensor* mask = nullptr;  // additive, [ncols, rows_per_head]
  bool causal = false;
  uint32_t n_past = 0;  // key positions before the first query row
};
// Row softmax of x [ncols, rows_per_head, heads...]; rows_per_head = x.ne[1] (query positions).
void softmax(vk::Recorder& rec, const Tensor& x, const SoftmaxOptions& options, const Tensor& dst);

enum class RopeMode { Normal, Neox };
struct RopeOptions {
  RopeMode mode = RopeMode::Normal;
  uint32_t n_dims = 0;  // rotated dims per head; 0: all of head_dim
  float freq_base = 10000.0f;
  float freq_scale = 1.0f;
};
// x [head_dim, n_heads, n_tokens], positions i32 [n_tokens]; dst like x (may be x itself).
void rope(vk::Recorder& rec, const Tensor& x, const Tensor& positions, const RopeOptions& options, const Tensor& dst);

// dst i32 [nrows]: the index of each row's maximum (lowest index on ties).
void argmax(vk::Recorder& rec, const Tensor& x, const Tensor& dst);

// dst f32 [ncols, n] = rows indices[0..n) of src (f32, f16, q8_0 or q4_0 [ncols, nrows]).
void get_rows(vk::Recorder& rec, const Tensor& src, const Tensor& indices, const Tensor& dst);

}  // namespace vkllm::ops
