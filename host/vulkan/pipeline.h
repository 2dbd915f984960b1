#pragma once
// Compute pipelines, one per ShaderId, created on first use. The descriptor set layout (push
// descriptors, storage buffers only) and the workgroup size come from the SPIR-V itself.
#include <vulkan/vulkan.h>

#include <array>
#include <memory>
#include <mutex>

#include "host/vulkan/handle.h"
#include "host/vulkan/spirv_reflect.h"
#include "shaders/shader_id.h"

namespace vkllm::vk {

class Device;

struct Pipeline {
  shaders::ShaderId id{};
  ShaderLayout layout;
  uint32_t params_bytes = 0;
  UniqueDescriptorSetLayout set_layout;
  UniquePipelineLayout pipeline_layout;
  UniquePipeline pipeline;
};

class PipelineSet {
 public:
  explicit PipelineSet(Device& device) : device_(device) {}

  // The pipeline of `id`, created (through the device's pipeline cache) on first use. Thread-safe.
  const Pipeline& get(shaders::ShaderId id);
  size_t created() const;

 private:
  std::unique_ptr<Pipeline> create(shaders::ShaderId id);

  Device& device_;
  mutable std::mutex mutex_;
  std::array<std::unique_ptr<Pipeline>, shaders::kShaderCount> pipelines_;
};

}  // namespace vkllm::vk
