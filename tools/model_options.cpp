#include "tools/model_options.h"

#include <charconv>

#include "engine/util/check.h"

namespace vkllm::cli {
namespace {

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  size_t begin = 0;
  while (true) {
    const size_t comma = text.find(',', begin);
    parts.push_back(text.substr(begin, comma == std::string::npos ? std::string::npos : comma - begin));
    if (comma == std::string::npos) break;
    begin = comma + 1;
  }
  return parts;
}

}  // namespace

std::vector<int> parse_int_list(const std::string& text, const std::string& flag) {
  std::vector<int> out;
  if (text.empty()) return out;
  for (const auto& part : split_commas(text)) {
    int value = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (ec != std::errc() || end != part.data() + part.size() || part.empty())
      fail("{}: '{}' is not an integer (expected a comma-separated list like 0,1)", flag, part);
    out.push_back(value);
  }
  return out;
}

std::vector<float> parse_float_list(const std::string& text, const std::string& flag) {
  std::vector<float> out;
  if (text.empty()) return out;
  for (const auto& part : split_commas(text)) {
    float value = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (ec != std::errc() || end != part.data() + part.size() || part.empty())
      fail("{}: '{}' is not a number (expected a comma-separated list like 3,1)", flag, part);
    out.push_back(value);
  }
  return out;
}

int parse_gpu_layers(const std::string& text) {
  if (text == "auto" || text == "-1") return -1;
  const auto values = parse_int_list(text, "-ngl");
  if (values.size() != 1 || values[0] < 0) fail("-ngl takes a layer count or 'auto', got '{}'", text);
  return values[0];
}

GgmlType parse_cache_type(const std::string& text, const std::string& flag) {
  const auto type = type_from_name(text);
  if (!type || (*type != GgmlType::F16 && *type != GgmlType::F32 && *type != GgmlType::Q8_0))
    fail("{}: unsupported cache type '{}' (f16, q8_0 or f32)", flag, text);
  return *type;
}

ExecOptions ModelOptions::exec() const {
  ExecOptions o;
  o.n_ctx = n_ctx;
  if (n_batch <= 0) fail("-b must be positive, got {}", n_batch);
  o.n_batch = n_batch;
  if (n_ubatch <= 0) fail("-ub must be positive, got {}", n_ubatch);
  o.n_ubatch = n_ubatch;
  if (n_threads < 0) fail("-t must not be negative, got {}", n_threads);
  o.n_threads = n_threads;
  o.n_gpu_layers = parse_gpu_layers(n_gpu_layers);
  o.devices = parse_int_list(devices, "--devices");
  o.tensor_split = parse_float_list(tensor_split, "--tensor-split");
  for (const int mib : parse_int_list(vram_budget, "--vram-budget")) {
    if (mib < 0) fail("--vram-budget must not be negative, got {}", mib);
    o.vram_budget.push_back(uint64_t(mib) << 20);
  }
  o.cache_type_k = parse_cache_type(cache_type_k, "--cache-type-k");
  o.cache_type_v = parse_cache_type(cache_type_v, "--cache-type-v");
  if (attention == "ggml") o.ggml_attention = true;
  else if (attention == "split") o.ggml_attention = false;
  else if (attention != "auto") fail("--attention: expected ggml, split or auto, got '{}'", attention);
  if (kernel_order == "ggml") o.ggml_order = true;
  else if (kernel_order == "device") o.ggml_order = false;
  else if (kernel_order != "auto") fail("--kernel-order: expected ggml, device or auto, got '{}'", kernel_order);
  return o;
}

std::unique_ptr<const ModelFile> ModelOptions::open_model() const {
  return ModelFile::open(model, no_mmap ? gguf::LoadMode::Read : gguf::LoadMode::Mmap);
}

void add_model_options(CLI::App* sub, ModelOptions& o) {
  sub->add_option("-m,--model", o.model, "GGUF model file")->required();
  sub->add_flag("--no-mmap", o.no_mmap, "Read the model into memory instead of mapping it");
  add_placement_options(sub, o);
}

void add_placement_options(CLI::App* sub, ModelOptions& o) {
  sub->add_option("-c,--ctx-size", o.n_ctx, "Context size in tokens (0: the model's, at most 4096)");
  sub->add_option("-b,--batch-size", o.n_batch, "Prompt tokens per forward pass");
  sub->add_option("--ubatch-size", o.n_ubatch,
                  "-ub: tokens per micro-batch when layers span several devices (or CPU and GPU): one stage starts the "
                  "next micro-batch while the following stage works on this one (passes longer than this are cut)");
  sub->add_option("-t,--threads", o.n_threads, "CPU threads (0: one per core)");
  sub->add_option("--n-gpu-layers,--gpu-layers", o.n_gpu_layers,
                  "-ngl: layers on the GPU: a count (the last N; more than the layer count moves the output too) or auto");
  sub->add_option("--tensor-split", o.tensor_split, "-ts: GPU layers per device in proportion, e.g. 3,1");
  sub->add_option("--devices", o.devices, "-dev: Vulkan devices to use, e.g. 0 or 0,1 (0,0: one GPU opened twice)");
  sub->add_option("--vram-budget", o.vram_budget, "Most MiB to use per device, e.g. 512,512");
  sub->add_option("--cache-type-k", o.cache_type_k, "-ctk: KV cache type for K: f16, q8_0, f32");
  sub->add_option("--cache-type-v", o.cache_type_v, "-ctv: KV cache type for V: f16, q8_0, f32");
  sub->add_option("--attention", o.attention,
                  "Vulkan attention over an f16 cache: ggml (cells in order with an f16 accumulator, as llama.cpp's CPU "
                  "backend: the same greedy output at near-ties), split (split over the cells: faster on long "
                  "contexts), auto (ggml on CPU devices such as lavapipe, split on GPUs)");
  sub->add_option("--kernel-order", o.kernel_order,
                  "Vulkan rms_norm, rope, swiglu and q8_0 matmuls: ggml (summed as llama.cpp's CPU backend, to the bit: "
                  "the same results as the CPU layers; needs shaderFloat64), device (the device's fastest order), "
                  "auto (ggml on CPU devices such as lavapipe, device on GPUs)");
}

}  // namespace vkllm::cli
