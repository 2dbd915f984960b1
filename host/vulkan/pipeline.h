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

// Uniform texel buffers are viewed as four 32-bit words per texel (a GLSL usamplerBuffer; floats are
// read with uintBitsToFloat).
constexpr VkFormat kTexelFormat = VK_FORMAT_R32G32B32A32_UINT;
constexpr uint64_t kTexelBytes = 16;

inline VkDescriptorType descriptor_type(const ShaderBinding& b) {
  return b.texel ? VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER
                 : b.uniform ? VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
}

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
