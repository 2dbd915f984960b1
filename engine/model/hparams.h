#pragma once
// Hyperparameters of a llama-family model, read only from GGUF metadata.
#include <cstdint>
#include <string>

#include "engine/gguf/gguf_file.h"

namespace vkllm {

enum class RopeType {
  Normal,  // rotates adjacent pairs (x[2i], x[2i+1]): llama in GGUF's layout
  Neox,    // rotates (x[i], x[i + n_rot/2]): qwen2, gpt-neox
};

enum class Architecture { Llama, Qwen2 };

struct Hparams {
  Architecture arch = Architecture::Llama;
  std::string arch_name;
  uint32_t n_vocab = 0;
  uint32_t n_ctx_train = 0;
  uint32_t n_embd = 0;
  uint32_t n_layer = 0;
  uint32_t n_ff = 0;
  uint32_t n_head = 0;
  uint32_t n_head_kv = 0;
  uint32_t head_dim = 0;  // key/value length per head
  uint32_t n_rot = 0;     // rotated dimensions per head
  float rope_freq_base = 10000.0f;
  float rope_freq_scale = 1.0f;  // positions are multiplied by this (linear scaling)
  float rms_eps = 1e-5f;
  RopeType rope_type = RopeType::Normal;

  uint32_t n_embd_q() const { return n_head * head_dim; }
  uint32_t n_embd_kv() const { return n_head_kv * head_dim; }
  uint32_t n_gqa() const { return n_head / n_head_kv; }
};

// Throws vkllm::Error naming the key when one is missing, mistyped or inconsistent.
Hparams read_hparams(const gguf::File& file);

}  // namespace vkllm
