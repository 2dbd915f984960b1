#pragma once
// Writes a llama-architecture GGUF with random weights of a preset's shape and a byte-level SPM
// vocabulary: a standard file llama.cpp loads, for benchmarks that need no download.
#include <cstdint>
#include <filesystem>

#include "engine/synth/presets.h"
#include "engine/types/ggml_type.h"

namespace vkllm::synth {

struct SynthOptions {
  GgmlType type = GgmlType::Q4_0;  // of the matrices; norms stay f32, token embeddings use it too
  uint64_t seed = 1;
};

// Throws vkllm::Error when the type cannot be written or a matrix row does not fit its blocks.
void write_synth_model(const Preset& preset, const SynthOptions& options, const std::filesystem::path& path);

}  // namespace vkllm::synth
