#pragma once
// Human-readable sizes and counts for terminal output.
#include <cstdint>
#include <string>

namespace vkllm::cli {

std::string format_bytes(uint64_t bytes);   // "2.07 MiB"
std::string format_count(uint64_t count);   // "3.67 M"

}  // namespace vkllm::cli
