#pragma once
// llama.cpp spells some flags with one dash and several letters (-ngl, -ts, -ctk); CLI11 reads a
// single dash as a one-letter flag. This maps those spellings to our long names before parsing.
#include <string>
#include <vector>

namespace vkllm::cli {

// argv with every llama.cpp multi-letter short flag ("-ngl", or "-ngl=3") replaced by its long name.
std::vector<std::string> translate_llama_flags(int argc, char** argv);

}  // namespace vkllm::cli
