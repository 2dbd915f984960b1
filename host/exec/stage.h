#pragma once
// The pieces a forward pass is cut into by placement: runs of consecutive layers, each on one
// backend (the CPU or a Vulkan device), and the output head. Activations cross between stages as
// host rows of floats, [n_tokens][n_embd].
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vkllm {

// The tokens of one forward pass: sequence and position of each. Sequence s owns the cache cells
// [s * n_ctx_per_seq, (s + 1) * n_ctx_per_seq); position p of it lives in cell s * n_ctx_per_seq + p,
// and a token attends to the positions <= its own of its own sequence.
struct StageBatch {
  std::span<const int32_t> seq;
  std::span<const int32_t> pos;

  int64_t size() const { return int64_t(pos.size()); }
  // Sequence 0 at consecutive positions: cells [0, n_kv) hold positions [0, n_kv) of one sequence.
  bool single_sequence() const;
  // Lengths of the runs of one sequence's consecutive tokens, in order (the unit both backends pick
  // their prompt-path kernels by, so that a sequence's results do not depend on its batch-mates).
  std::vector<int64_t> runs() const;
  // A sub-range of the tokens.
  StageBatch slice(int64_t begin, int64_t count) const {
    return {seq.subspan(size_t(begin), size_t(count)), pos.subspan(size_t(begin), size_t(count))};
  }
};

class LayerStage {
 public:
  virtual ~LayerStage() = default;
  // Runs this stage's layers over x ([batch.size()][n_embd]) in place; the tokens' keys and values
  // go into their cache cells.
  virtual void forward(std::span<float> x, const StageBatch& batch) = 0;
  virtual std::string describe() const = 0;  // "layers 0-5 on CPU"
};

class HeadStage {
 public:
  virtual ~HeadStage() = default;
  // Logits [n_rows][n_vocab] of the final hidden states x [n_rows][n_embd]; runs: the lengths of the
  // runs of consecutive rows of one sequence (summing to n_rows), for backends whose sums depend on
  // how many rows a product has (cpu_ops.h: matmul).
  virtual std::vector<float> forward(std::span<const float> x, int64_t n_rows, std::span<const int64_t> runs) = 0;
  virtual std::string describe() const = 0;
};

}  // namespace vkllm
