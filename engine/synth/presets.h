#pragma once
// Shapes of real llama-family models, for synthesizing files with random weights.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vkllm::synth {

struct Preset {
  std::string_view name;
  std::string_view like;  // the real model whose shape this is
  uint32_t n_vocab, n_embd, n_layer, n_head, n_head_kv, n_ff, n_ctx_train;
  float rope_freq_base;
};

const std::vector<Preset>& presets();
std::optional<Preset> find_preset(std::string_view name);
// Parameters of a model of this shape (untied output).
uint64_t parameter_count(const Preset& p);

}  // namespace vkllm::synth
