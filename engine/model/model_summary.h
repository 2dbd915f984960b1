#pragma once
// What `inspect` tells about a model file: architecture, hyperparameters, tokenizer, sizes.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/gguf/gguf_file.h"

namespace vkllm {

struct SpecialToken {
  std::string role;  // "bos", "eos", "unk", "pad", ...
  int64_t id = -1;
  std::string text;  // empty when the id is outside the vocabulary
};

struct TokenizerSummary {
  std::string model;  // tokenizer.ggml.model: "llama" (SPM), "gpt2" (BPE), ...
  std::string pre;    // tokenizer.ggml.pre
  uint64_t vocab_size = 0;
  uint64_t n_merges = 0;
  std::optional<bool> add_bos, add_eos;
  std::vector<SpecialToken> specials;
};

struct ModelSummary {
  std::string architecture;  // empty for files without general.architecture
  std::string name;
  std::string file_type;     // from general.file_type, empty when absent
  uint64_t n_params = 0;     // elements over all tensors
  uint64_t tensor_bytes = 0;
  std::vector<const gguf::KeyValue*> hparams;  // keys under "<architecture>."
  std::optional<TokenizerSummary> tokenizer;   // when the file carries one
};

ModelSummary summarize(const gguf::File& file);

}  // namespace vkllm
