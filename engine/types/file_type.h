#pragma once
// general.file_type: llama.cpp's llama_ftype, the "mostly" type a quantizer was asked for.
#include <cstdint>
#include <string>

namespace vkllm {

// "Q4_K_M", "F16", ...; "unknown (N)" for ids llama.cpp never assigned.
std::string file_type_name(int64_t file_type);

}  // namespace vkllm
