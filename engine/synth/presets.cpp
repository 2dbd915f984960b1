#include "engine/synth/presets.h"

namespace vkllm::synth {

const std::vector<Preset>& presets() {
  static const std::vector<Preset> all = {
      {"tiny", "a test-sized llama", 4096, 256, 4, 4, 2, 768, 2048, 10000.0f},
      {"134m", "a 134M-parameter llama (SmolLM-135M-like)", 49152, 576, 30, 9, 3, 1536, 2048, 10000.0f},
      {"1b", "Llama 3.2 1B", 128256, 2048, 16, 32, 8, 8192, 131072, 500000.0f},
      {"3b", "Llama 3.2 3B", 128256, 3072, 28, 24, 8, 8192, 131072, 500000.0f},
      {"7b", "Llama 2 7B", 32000, 4096, 32, 32, 32, 11008, 4096, 10000.0f},
      {"8b", "Llama 3.1 8B", 128256, 4096, 32, 32, 8, 14336, 131072, 500000.0f},
      {"13b", "Llama 2 13B", 32000, 5120, 40, 40, 40, 13824, 4096, 10000.0f},
      {"70b", "Llama 3.1 70B", 128256, 8192, 80, 64, 8, 28672, 131072, 500000.0f},
  };
  return all;
}

std::optional<Preset> find_preset(std::string_view name) {
  for (const auto& p : presets())
    if (p.name == name) return p;
  return std::nullopt;
}

uint64_t parameter_count(const Preset& p) {
  const uint64_t head_dim = p.n_embd / p.n_head, kv = uint64_t(p.n_head_kv) * head_dim;
  const uint64_t layer = 2ull * p.n_embd * p.n_embd + 2ull * p.n_embd * kv + 3ull * p.n_embd * p.n_ff + 2ull * p.n_embd;
  return 2ull * p.n_vocab * p.n_embd + p.n_embd + layer * p.n_layer;
}

}  // namespace vkllm::synth
