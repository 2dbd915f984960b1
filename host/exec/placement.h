#pragma once
// Where each layer of a model runs (llama.cpp's -ngl / -ts meaning) and the memory that takes,
// decided before anything is loaded.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/model/hparams.h"
#include "engine/model/model_weights.h"
#include "engine/types/ggml_type.h"

namespace vkllm {

constexpr int kCpu = -1;

struct DeviceMemory {
  std::string name;     // "device 0 (llvmpipe)"
  uint64_t budget = 0;  // bytes this device may use
};

struct PlacementRequest {
  int n_gpu_layers = -1;           // -1: as many as fit
  std::vector<float> tensor_split; // per device; empty: in proportion to budgets
  int n_ctx = 0;
  GgmlType cache_type_k = GgmlType::F16;
  GgmlType cache_type_v = GgmlType::F16;
  uint32_t n_batch = 512;          // sizes the scratch activations
};

struct Placement {
  std::vector<int> layer_device;  // per layer: index into the devices, or kCpu
  int head_device = kCpu;         // output norm + output matrix
  int n_gpu_layers = 0;           // as resolved (auto -> a number)
  std::vector<uint64_t> device_bytes;  // weights + KV cache + scratch per device
  uint64_t host_bytes = 0;             // CPU-resident weights + CPU KV cache + scratch

  // "layers 0-3 on CPU", "layers 4-5 on device 0", "output on device 0".
  std::vector<std::string> describe(const std::vector<DeviceMemory>& devices) const;
};

// Bytes of one layer's weights and of its KV cache for n_ctx cells.
uint64_t layer_weight_bytes(const LayerWeights& layer);
uint64_t layer_cache_bytes(const Hparams& hp, int n_ctx, GgmlType k_type, GgmlType v_type);

// Throws vkllm::Error when an explicit -ngl does not fit, naming the device and the shortfall in MiB.
Placement plan_placement(const Hparams& hp, const ModelWeights& weights, const std::vector<DeviceMemory>& devices,
                         const PlacementRequest& request);

}  // namespace vkllm
