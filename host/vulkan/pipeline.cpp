#include "host/vulkan/pipeline.h"

#include <chrono>
#include <string>
#include <vector>

#include "engine/util/check.h"
#include "engine/util/log.h"
#include "host/vulkan/device.h"
#include "host/vulkan/pipeline_cache.h"
#include "host/vulkan/vk_check.h"

namespace vkllm::vk {

const Pipeline& PipelineSet::get(shaders::ShaderId id) {
  const auto index = static_cast<size_t>(id);
  VKLLM_ASSERT(index < shaders::kShaderCount, "bad ShaderId {}", index);
  std::lock_guard lock(mutex_);
  if (!pipelines_[index]) pipelines_[index] = create(id);
  return *pipelines_[index];
}

size_t PipelineSet::created() const {
  std::lock_guard lock(mutex_);
  size_t count = 0;
  for (const auto& pipeline : pipelines_) count += pipeline != nullptr;
  return count;
}

std::unique_ptr<Pipeline> PipelineSet::create(shaders::ShaderId id) {
  const auto start = std::chrono::steady_clock::now();
  const shaders::ShaderInfo& shader = shaders::shader_info(id);
  const VkDevice device = device_.handle();
  auto pipeline = std::make_unique<Pipeline>();
  pipeline->id = id;
  pipeline->layout = reflect_compute_shader(shader.spirv);
  pipeline->params_bytes = shader.params_bytes;

  uint32_t descriptors = 0;
  std::vector<VkDescriptorSetLayoutBinding> bindings;
  for (const ShaderBinding& b : pipeline->layout.bindings) {
    bindings.push_back({b.binding, descriptor_type(b), b.count, VK_SHADER_STAGE_COMPUTE_BIT, nullptr});
    descriptors += b.count;
  }
  const auto& limits = device_.info().limits;
  if (descriptors > limits.max_push_descriptors || descriptors > limits.max_storage_buffers_per_stage)
    fail("shader {} needs {} storage-buffer descriptors; device '{}' allows {}", shader.name, descriptors,
         device_.info().name, std::min(limits.max_push_descriptors, limits.max_storage_buffers_per_stage));

  auto set_info = make_struct<VkDescriptorSetLayoutCreateInfo>(VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO);
  set_info.flags = VK_DESCRIPTOR_SET_LAYOUT_CREATE_PUSH_DESCRIPTOR_BIT_KHR;
  set_info.bindingCount = uint32_t(bindings.size());
  set_info.pBindings = bindings.data();
  VkDescriptorSetLayout set_layout = VK_NULL_HANDLE;
  VKLLM_VK_CHECK(vkCreateDescriptorSetLayout(device, &set_info, nullptr, &set_layout));
  pipeline->set_layout = UniqueDescriptorSetLayout(device, set_layout);

  const VkPushConstantRange push_range{VK_SHADER_STAGE_COMPUTE_BIT, 0, shader.params_bytes};
  auto layout_info = make_struct<VkPipelineLayoutCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO);
  layout_info.setLayoutCount = 1;
  layout_info.pSetLayouts = &set_layout;
  layout_info.pushConstantRangeCount = pipeline->layout.has_push_constants ? 1 : 0;
  layout_info.pPushConstantRanges = &push_range;
  VkPipelineLayout pipeline_layout = VK_NULL_HANDLE;
  VKLLM_VK_CHECK(vkCreatePipelineLayout(device, &layout_info, nullptr, &pipeline_layout));
  pipeline->pipeline_layout = UniquePipelineLayout(device, pipeline_layout);

  auto module_info = make_struct<VkShaderModuleCreateInfo>(VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO);
  module_info.codeSize = shader.spirv.size_bytes();
  module_info.pCode = shader.spirv.data();
  VkShaderModule module = VK_NULL_HANDLE;
  VKLLM_VK_CHECK(vkCreateShaderModule(device, &module_info, nullptr, &module));
  UniqueShaderModule module_owner(device, module);

  // Specialization constant 0 is the window stride of windowed bindings (shaders/window.glsl);
  // shaders without it ignore the entry.
  const uint32_t window_stride = uint32_t(device_.windows().stride);
  const VkSpecializationMapEntry entry{0, 0, sizeof(uint32_t)};
  const VkSpecializationInfo specialization{1, &entry, sizeof(window_stride), &window_stride};

  auto info = make_struct<VkComputePipelineCreateInfo>(VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO);
  info.stage = make_struct<VkPipelineShaderStageCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO);
  info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  info.stage.module = module;
  info.stage.pName = "main";
  info.stage.pSpecializationInfo = &specialization;
  info.layout = pipeline_layout;
  VkPipeline handle = VK_NULL_HANDLE;
  VKLLM_VK_CHECK(vkCreateComputePipelines(device, device_.pipeline_cache().handle(), 1, &info, nullptr, &handle));
  pipeline->pipeline = UniquePipeline(device, handle);
  device_.pipeline_cache().mark_dirty();

  const std::string name(shader.name);
  device_.set_name(VK_OBJECT_TYPE_PIPELINE, uint64_t(handle), name);
  device_.set_name(VK_OBJECT_TYPE_PIPELINE_LAYOUT, uint64_t(pipeline_layout), name);
  device_.set_name(VK_OBJECT_TYPE_DESCRIPTOR_SET_LAYOUT, uint64_t(set_layout), name);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  spdlog::debug("vulkan: pipeline {} created in {:.2f} ms", shader.name, ms);
  return pipeline;
}

}  // namespace vkllm::vk
