#pragma once
// general.file_type: llama.cpp's llama_ftype, the "mostly" type a quantizer was asked for.
#include <cstdint>
#include <optional>
#include <string>

#include "engine/types/ggml_type.h"

namespace vkllm {

// "Q4_K_M", "F16", ...; "unknown (N)" for ids llama.cpp never assigned.
std::string file_type_name(int64_t file_type);

// The file type of a model whose matrices are all `type`; nullopt for types with no such id.
std::optional<int64_t> file_type_for(GgmlType type);

}  // namespace vkllm
