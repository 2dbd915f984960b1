#include "tools/llama_flags.h"

#include <array>
#include <string_view>
#include <utility>

namespace vkllm::cli {

std::vector<std::string> translate_llama_flags(int argc, char** argv) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kNames = {{
      {"-ngl", "--n-gpu-layers"},
      {"-ts", "--tensor-split"},
      {"-ctk", "--cache-type-k"},
      {"-ctv", "--cache-type-v"},
      {"-dev", "--devices"},
      {"-tb", "--threads-batch"},
      {"-np", "--parallel"},
      {"-fa", "--flash-attn"},
      {"-ub", "--ubatch-size"},
  }};
  std::vector<std::string> out;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    for (const auto& [short_name, long_name] : kNames) {
      if (arg == short_name) {
        arg = long_name;
      } else if (arg.starts_with(short_name) && arg.size() > short_name.size() && arg[short_name.size()] == '=') {
        arg = std::string(long_name) + arg.substr(short_name.size());
      }
    }
    out.push_back(std::move(arg));
  }
  return out;
}

}  // namespace vkllm::cli
