#pragma once
// GGUF metadata as JSON, for `inspect --json` and tools.
#include <nlohmann/json.hpp>

#include <cstddef>

#include "engine/gguf/gguf_value.h"

namespace vkllm::gguf {

// Strings are kept byte for byte (vocabularies hold byte tokens that are not UTF-8): dump with
// nlohmann::json::error_handler_t::replace. Arrays longer than max_array_items become {"array_of": TYPE, "length": N} instead of their items.
nlohmann::json to_json(const Value& value, size_t max_array_items = SIZE_MAX);

// A short one-line rendering for terminal output: long strings and arrays are abbreviated.
std::string to_display_string(const Value& value);

}  // namespace vkllm::gguf
