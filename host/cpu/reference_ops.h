#pragma once
// Plain CPU references for every Vulkan kernel: slow, obvious, and computed in double where it
// matters. The op tests compare against these; a --check mode can reuse them.
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/types/ggml_type.h"

namespace vkllm::cpu {

using Shape = std::array<uint64_t, 4>;

enum class BinaryOp { Add, Mul };
// dst (shape a_ne) = a op b, b (shape b_ne) repeated over a.
std::vector<float> binary(BinaryOp op, std::span<const float> a, const Shape& a_ne, std::span<const float> b,
                          const Shape& b_ne);

std::vector<float> scale(std::span<const float> x, float factor);
std::vector<float> silu(std::span<const float> x);
std::vector<float> gelu(std::span<const float> x);  // tanh approximation
std::vector<float> swiglu(std::span<const float> gate, std::span<const float> up);

std::vector<float> rms_norm(std::span<const float> x, std::span<const float> weight, uint64_t ncols, float eps);

struct SoftmaxArgs {
  uint64_t ncols = 0;
  uint64_t rows_per_head = 1;
  float scale = 1.0f;
  std::span<const float> mask;  // empty: none; else [ncols, rows_per_head]
  bool causal = false;
  uint32_t n_past = 0;
};
std::vector<float> softmax(std::span<const float> x, const SoftmaxArgs& args);

struct RopeArgs {
  uint64_t head_dim = 0;
  uint64_t n_heads = 0;
  uint64_t n_dims = 0;
  bool neox = false;
  float freq_base = 10000.0f;
  float freq_scale = 1.0f;
};
// x [head_dim, n_heads, positions.size()].
std::vector<float> rope(std::span<const float> x, std::span<const int32_t> positions, const RopeArgs& args);

std::vector<int32_t> argmax(std::span<const float> x, uint64_t ncols);

// Rows `indices` of src (ncols per row, any type dequantize_row supports) as f32.
std::vector<float> get_rows(GgmlType type, std::span<const uint8_t> src, uint64_t ncols,
                            std::span<const int32_t> indices);

}  // namespace vkllm::cpu
