#pragma once
// The pieces a forward pass is cut into by placement: runs of consecutive layers, each on one
// backend (the CPU or a Vulkan device), and the output head. Activations cross between stages as
// host rows of floats, [n_tokens][n_embd].
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vkllm {

class LayerStage {
 public:
  virtual ~LayerStage() = default;
  // Runs this stage's layers over x in place for n_tokens tokens at positions n_past, n_past+1, ...;
  // their keys and values go into this stage's cache cells of those positions.
  virtual void forward(std::span<float> x, int64_t n_tokens, int n_past) = 0;
  virtual std::string describe() const = 0;  // "layers 0-5 on CPU"
};

class HeadStage {
 public:
  virtual ~HeadStage() = default;
  // Logits [n_rows][n_vocab] of the final hidden states x [n_rows][n_embd].
  virtual std::vector<float> forward(std::span<const float> x, int64_t n_rows) = 0;
  virtual std::string describe() const = 0;
};

}  // namespace vkllm
