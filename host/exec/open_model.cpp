#include "host/exec/open_model.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "engine/util/check.h"
#include "host/cpu/cpu_layers.h"
#include "host/cpu/flash_attention.h"
#include "host/exec/pipeline_model.h"
#include "host/exec/placement.h"
#include "host/exec/upload_progress.h"
#include "host/exec/vulkan_stage.h"
#include "host/vulkan/device.h"
#include "host/vulkan/device_info.h"
#include "host/vulkan/instance.h"

namespace vkllm {

std::vector<vk::DeviceInfo> choose_devices(const vk::Instance& instance, const ExecOptions& options) {
  const auto infos = vk::enumerate_devices(instance);
  if (infos.empty()) fail("no Vulkan device found (is mesa-vulkan-drivers installed?)");
  std::vector<int> wanted = options.devices;
  if (wanted.empty()) wanted.push_back(int(vk::default_device_index(infos)));
  std::vector<vk::DeviceInfo> chosen;
  for (const int index : wanted) {
    if (index < 0 || size_t(index) >= infos.size())
      fail("--devices: there is no Vulkan device {} ({} found; see `vkllm devices`)", index, infos.size());
    chosen.push_back(infos[size_t(index)]);
  }
  return chosen;
}

std::vector<DeviceMemory> device_memory(const std::vector<vk::DeviceInfo>& devices, const ExecOptions& options) {
  if (!options.vram_budget.empty() && options.vram_budget.size() != devices.size())
    fail("--vram-budget has {} values for {} devices", options.vram_budget.size(), devices.size());
  std::vector<DeviceMemory> out;
  for (size_t i = 0; i < devices.size(); ++i) {
    uint64_t budget = 0;
    for (const auto& heap : devices[i].heaps)
      if (heap.device_local) budget = std::max(budget, heap.budget > heap.usage ? heap.budget - heap.usage : 0);
    if (!options.vram_budget.empty()) budget = std::min(budget, options.vram_budget[i]);
    out.push_back({fmt::format("device {} ({})", i, devices[i].name), budget});
  }
  return out;
}

Placement plan_model(const ModelFile& model, const ExecOptions& options, const std::vector<DeviceMemory>& devices) {
  PlacementRequest request;
  request.n_gpu_layers = options.n_gpu_layers;
  request.tensor_split = options.tensor_split;
  request.n_ctx = resolve_context_size(model.hp, options);
  request.cache_type_k = options.cache_type_k;
  request.cache_type_v = options.cache_type_v;
  request.n_batch = uint32_t(std::max(options.n_batch, 1));
  return plan_placement(model.hp, model.weights, devices, request);
}


PlannedPlacement plan_without_loading(const ModelFile& model, const ExecOptions& options) {
  std::vector<vk::DeviceInfo> chosen;
  if (options.n_gpu_layers != 0) {
    const vk::Instance instance(vk::options_from_environment());
    chosen = choose_devices(instance, options);
  }
  PlannedPlacement out;
  out.devices = device_memory(chosen, options);
  out.placement = plan_model(model, options, out.devices);
  return out;
}

int resolve_context_size(const Hparams& hp, const ExecOptions& options) {
  if (options.n_ctx < 0) fail("-c must not be negative, got {}", options.n_ctx);
  if (options.n_ctx > 0) return options.n_ctx;
  return int(std::clamp<uint32_t>(hp.n_ctx_train, 1, 4096));
}

namespace {

std::unique_ptr<PipelineModel> open_pipeline(const ModelFile& model, const ExecOptions& options, int n_seq) {
  const Hparams& hp = model.hp;
  const int n_ctx = resolve_context_size(hp, options);
  if (n_seq <= 0) fail("--parallel must be at least 1, got {}", n_seq);
  const int n_ctx_seq = n_ctx / n_seq;
  if (n_ctx_seq <= 0) fail("-c {} leaves no context for each of {} sequences", n_ctx, n_seq);
  auto backends = std::make_unique<Backends>();
  backends->pool = std::make_unique<cpu::ThreadPool>(options.n_threads);
  std::vector<vk::DeviceInfo> chosen;
  if (options.n_gpu_layers != 0) {
    backends->instance = std::make_unique<vk::Instance>(vk::options_from_environment());
    chosen = choose_devices(*backends->instance, options);
  }
  const auto memory = device_memory(chosen, options);
  const Placement plan = plan_model(model, options, memory);
  for (size_t i = 0; i < chosen.size(); ++i) {
    const bool used = std::count(plan.layer_device.begin(), plan.layer_device.end(), int(i)) > 0 ||
                      plan.head_device == int(i);
    // Every chosen device is opened, even one the plan leaves empty, so indices stay aligned.
    backends->devices.push_back(std::make_unique<vk::Device>(*backends->instance, chosen[i], fmt::format("device {}", i)));
    if (!used) spdlog::warn("device {} ({}) gets no layers", i, chosen[i].name);
  }
  if (options.n_gpu_layers < 0 && plan.n_gpu_layers <= int(hp.n_layer) && !memory.empty())
    spdlog::warn("-ngl auto: only {} of {} layers fit the GPU budget; the rest run on the CPU", plan.n_gpu_layers,
                 hp.n_layer + 1);
  for (const auto& line : plan.describe(memory)) spdlog::info("placement: {}", line);

  // The CPU cache holds f16, f32 or q8_0; another type runs there in f16 (said once, like every fallback).
  const GgmlType cpu_cache_k = cpu::cpu_cache_type(options.cache_type_k), cpu_cache_v = cpu::cpu_cache_type(options.cache_type_v);
  if (std::count(plan.layer_device.begin(), plan.layer_device.end(), kCpu) > 0 &&
      (cpu_cache_k != options.cache_type_k || cpu_cache_v != options.cache_type_v))
    spdlog::warn("CPU layers keep their KV cache in {}/{} (asked: {}/{})", type_name(cpu_cache_k),
                 type_name(cpu_cache_v), type_name(options.cache_type_k), type_name(options.cache_type_v));
  uint64_t gpu_bytes = 0;  // weights to upload
  for (uint32_t l = 0; l < hp.n_layer; ++l)
    if (plan.layer_device[l] != kCpu) gpu_bytes += layer_weight_bytes(model.weights.layers[l]);
  if (plan.head_device != kCpu)
    gpu_bytes += model.weights.output_norm.info->n_bytes + model.weights.output.info->n_bytes;
  UploadProgress progress(gpu_bytes);
  ExecOptions stage_options = options;
  stage_options.progress = &progress;
  if (backends->instance) stage_options.replay_recordings &= backends->instance->options().replay;
  std::vector<std::unique_ptr<LayerStage>> stages;
  const uint32_t n_layer = hp.n_layer;
  for (uint32_t begin = 0; begin < n_layer;) {
    uint32_t end = begin;
    const int where = plan.layer_device[begin];
    while (end < n_layer && plan.layer_device[end] == where) ++end;
    if (where == kCpu)
      stages.push_back(
          std::make_unique<cpu::CpuLayers>(hp, model.weights, begin, end, n_seq, n_ctx_seq, cpu_cache_k,
                                           cpu_cache_v, options.cpu_tiled_attention, *backends->pool));
    else
      stages.push_back(std::make_unique<VulkanLayers>(*backends->devices[size_t(where)], hp, model.weights, begin, end,
                                                      n_seq, n_ctx_seq, stage_options));
    begin = end;
  }
  std::unique_ptr<HeadStage> head;
  if (plan.head_device == kCpu)
    head = std::make_unique<cpu::CpuHead>(hp, model.weights, *backends->pool);
  else
    head = std::make_unique<VulkanHead>(*backends->devices[size_t(plan.head_device)], hp, model.weights, stage_options);
  return std::make_unique<PipelineModel>(model, n_seq, n_ctx_seq, std::move(backends), std::move(stages),
                                         std::move(head), options.n_ubatch);
}

}  // namespace

std::unique_ptr<LanguageModel> open_language_model(const ModelFile& model, const ExecOptions& options) {
  return open_pipeline(model, options, 1);
}

std::unique_ptr<BatchedModel> open_batched_model(const ModelFile& model, const ExecOptions& options, int n_seq) {
  return open_pipeline(model, options, n_seq);
}

}  // namespace vkllm
