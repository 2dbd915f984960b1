#pragma once
// The tensors of a llama-family model, found by name and checked against the hyperparameters.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/gguf/gguf_file.h"
#include "engine/model/hparams.h"

namespace vkllm {

// A weight in the file: a matrix of `rows` rows of `cols` elements (ggml: ne[1] x ne[0]).
struct WeightRef {
  const gguf::TensorInfo* info = nullptr;
  std::span<const uint8_t> data;
  // The CPU backend's copy of a weight with its rows grouped by eight (host/cpu/row_groups.h):
  // row(8g) is where group g starts, the rows in between are not rows of the file.
  bool grouped_x8 = false;

  explicit operator bool() const { return info != nullptr; }
  GgmlType type() const { return info->type; }
  uint64_t cols() const { return info->shape[0]; }
  uint64_t rows() const { return info->n_elements / info->shape[0]; }
  uint64_t row_bytes() const { return info->n_bytes / rows(); }
  const uint8_t* row(uint64_t r) const { return data.data() + r * row_bytes(); }
};

struct LayerWeights {
  WeightRef attn_norm, wq, wk, wv, wo;
  WeightRef bq, bk, bv;  // qwen2 only
  WeightRef ffn_norm, w_gate, w_up, w_down;
};

struct ModelWeights {
  WeightRef token_embd, output_norm;
  WeightRef output;  // token_embd when the model ties its embeddings
  bool tied_output = false;
  std::vector<LayerWeights> layers;
};

// Throws vkllm::Error naming the tensor when one is missing, misshapen or of a type we cannot run.
ModelWeights bind_weights(const gguf::File& file, const Hparams& hp);

}  // namespace vkllm
