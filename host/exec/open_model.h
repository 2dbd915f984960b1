#pragma once
// Builds the LanguageModel the options ask for: the CPU backend, one Vulkan device, or a placement
// of layers across devices and the CPU.
#include <memory>

#include "engine/model/model_file.h"
#include "engine/session/batched_model.h"
#include "engine/session/language_model.h"
#include "host/exec/exec_options.h"
#include "host/exec/placement.h"
#include "host/vulkan/device_info.h"

namespace vkllm {

std::unique_ptr<LanguageModel> open_language_model(const ModelFile& model, const ExecOptions& options);

// The same model for n_seq sequences decoded together (the server's slots); options.n_ctx is the
// total context, split evenly between the sequences (llama-server's -c and -np).
std::unique_ptr<BatchedModel> open_batched_model(const ModelFile& model, const ExecOptions& options, int n_seq);

// The physical devices --devices names (the default device when none); throws on a bad index.
std::vector<vk::DeviceInfo> choose_devices(const vk::Instance& instance, const ExecOptions& options);
// What each chosen device may hold: its free device-local memory, capped by --vram-budget.
std::vector<DeviceMemory> device_memory(const std::vector<vk::DeviceInfo>& devices, const ExecOptions& options);
// The placement of this model on those devices; throws when an explicit -ngl does not fit.
Placement plan_model(const ModelFile& model, const ExecOptions& options, const std::vector<DeviceMemory>& devices);

// The placement open_language_model would make, computed without loading anything (a Vulkan
// instance is opened, and closed again, only to read the devices when -ngl is not 0).
struct PlannedPlacement {
  std::vector<DeviceMemory> devices;
  Placement placement;
};
PlannedPlacement plan_without_loading(const ModelFile& model, const ExecOptions& options);

// The context size options resolve to for this model.
int resolve_context_size(const Hparams& hp, const ExecOptions& options);

}  // namespace vkllm
