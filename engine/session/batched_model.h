#pragma once
// What the server drives: one loaded model decoding several sequences at once. Each sequence (a
// server slot) owns n_ctx_per_seq() cache cells; a step evaluates tokens of any sequences together,
// and every token sees exactly the earlier positions of its own sequence, so a sequence's logits do
// not depend on what else shares its batch (up to float summation order in batched kernels).
#include <cstdint>
#include <span>
#include <vector>

namespace vkllm {

struct BatchToken {
  int32_t token = 0;
  int32_t seq = 0;           // 0 .. n_seq() - 1
  int32_t pos = 0;           // 0 .. n_ctx_per_seq() - 1; earlier positions of seq must be in the cache
  bool logits = false;       // return this token's logits
};

class BatchedModel {
 public:
  virtual ~BatchedModel() = default;

  virtual int n_seq() const = 0;
  virtual int n_ctx_per_seq() const = 0;
  virtual int n_vocab() const = 0;
  // Logits ([count][n_vocab]) of the tokens that asked for them, in batch order. A bad seq, pos or
  // token id throws vkllm::Error before anything is evaluated.
  virtual std::vector<float> decode(std::span<const BatchToken> batch) = 0;
};

}  // namespace vkllm
