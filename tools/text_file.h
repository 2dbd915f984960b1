#pragma once
// The bytes of a text file given on the command line (-f), or a clear error naming it.
#include <string>

namespace vkllm::cli {

std::string read_text_file(const std::string& path);

}  // namespace vkllm::cli
