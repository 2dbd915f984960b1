#pragma once
// How the user asked a model to be run: context, threads, placement across devices, cache types.
#include <cstdint>
#include <optional>
#include <vector>

#include "engine/types/ggml_type.h"

namespace vkllm {

class Profiler;
class UploadProgress;

struct ExecOptions {
  int n_ctx = 0;            // 0: the model's training context, at most 4096
  int n_threads = 0;        // CPU threads; 0: one per core
  int n_batch = 512;        // most tokens per forward pass (sizes scratch buffers)
  int n_ubatch = 512;       // -ub: tokens per micro-batch, overlapping across layer stages
  int n_gpu_layers = -1;    // -1: as many as fit ("auto")
  std::vector<int> devices;            // Vulkan device indices; empty: the default device
  std::vector<float> tensor_split;     // proportions of GPU layers per device; empty: by free memory
  std::vector<uint64_t> vram_budget;   // bytes per device; empty: the device's own budget
  GgmlType cache_type_k = GgmlType::F16;
  GgmlType cache_type_v = GgmlType::F16;
  // CPU layers: a run of 64+ query tokens of one sequence through llama.cpp's tiled flash attention
  // (f32, its current choice for such batches); false: token by token with the f16 accumulator, as
  // llama.cpp computed every batch before it had the tiled path (and as shared/golden was made).
  bool cpu_tiled_attention = true;
  // Vulkan passes of a few tokens (decoding) replay a command buffer recorded once per shape;
  // false records every pass afresh (so does VKLLM_NO_REPLAY=1, vk::RuntimeOptions::replay).
  bool replay_recordings = true;
  // Vulkan layers over an f16 cache: attention as ggml's CPU flash attention computes it (cells in
  // order, an f16 accumulator: ops::AttentionOptions::ggml_order), so greedy output follows
  // llama.cpp's through near-ties. Unset: on CPU Vulkan devices for runs of one sequence's tokens
  // under 64 (llama.cpp's CPU backend takes its tiled f32 path from 64 on, and one walk in order over
  // a long prompt is slow), never on GPUs (where the split kernel is far faster on long contexts).
  std::optional<bool> ggml_attention;
  // Vulkan layers and output: rms_norm, rope, swiglu and q8_0 matmuls of a few columns in ggml's CPU
  // order (ops::SumOrder::Ggml), bit-identical to the CPU layers, so a split does not change results.
  // Unset: on CPU Vulkan devices with shaderFloat64 (lavapipe), never on GPUs (one invocation walks
  // each row of rms_norm there).
  std::optional<bool> ggml_order;
  Profiler* profiler = nullptr;        // when set, every dispatch is timed into it
  UploadProgress* progress = nullptr;  // set while the model loads
};

}  // namespace vkllm
