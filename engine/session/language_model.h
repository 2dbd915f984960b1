#pragma once
// What a session drives: a model with a KV cache that turns tokens into logits. Backends (the CPU
// reference, one Vulkan device, a placement across several) implement it; sessions never see which.
#include <cstdint>
#include <span>
#include <vector>

namespace vkllm {

class LanguageModel {
 public:
  virtual ~LanguageModel() = default;

  // Evaluates `tokens` at positions n_past(), n_past()+1, ... and appends them to the KV cache.
  // Returns logits ([n][n_vocab]) for every token when all_logits, else for the last one only.
  virtual std::vector<float> forward(std::span<const int32_t> tokens, bool all_logits) = 0;

  virtual int n_past() const = 0;
  virtual int n_ctx() const = 0;
  virtual int n_vocab() const = 0;
  // Forgets the cached tokens (the next forward starts at position 0).
  virtual void reset() = 0;
};

}  // namespace vkllm
