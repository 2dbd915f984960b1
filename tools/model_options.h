#pragma once
// The flags every command that runs a model shares (llama.cpp's names), and turning them into the
// loaded model and its ExecOptions.
#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "engine/model/model_file.h"
#include "host/exec/exec_options.h"

namespace vkllm::cli {

struct ModelOptions {
  std::string model;
  int n_ctx = 0;
  int n_batch = 512;
  int n_ubatch = 512;
  int n_threads = 0;
  std::string n_gpu_layers = "auto";
  std::string tensor_split;
  std::string devices;
  std::string vram_budget;  // MiB per device
  std::string cache_type_k = "f16";
  std::string cache_type_v = "f16";
  std::string attention = "auto";  // Vulkan attention over an f16 cache: ggml, split or auto
  std::string kernel_order = "auto";  // Vulkan rms_norm, rope, swiglu, q8_0 matmul: ggml, device or auto
  bool no_mmap = false;

  ExecOptions exec() const;  // throws vkllm::Error on a malformed value
  std::unique_ptr<const ModelFile> open_model() const;
};

// -m, --no-mmap and the placement options.
void add_model_options(CLI::App* sub, ModelOptions& options);
// -c, -b, -ub, -t, -ngl, -ts, --devices, --vram-budget, -ctk, -ctv.
void add_placement_options(CLI::App* sub, ModelOptions& options);

// Parsers for list-valued flags, shared with bench: "1,2,3"; throws vkllm::Error naming the flag.
std::vector<int> parse_int_list(const std::string& text, const std::string& flag);
std::vector<float> parse_float_list(const std::string& text, const std::string& flag);
// "auto" -> -1, else a non-negative count.
int parse_gpu_layers(const std::string& text);
GgmlType parse_cache_type(const std::string& text, const std::string& flag);

}  // namespace vkllm::cli
