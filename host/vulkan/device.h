#pragma once
// A logical device on one physical device, with its compute queue, memory pool, pipeline cache and
// lazily created pipelines. Opening the same physical device twice gives two independent Devices.
#include <vulkan/vulkan.h>

#include <memory>
#include <string>
#include <string_view>

#include "host/vulkan/device_info.h"
#include "host/vulkan/handle.h"
#include "host/vulkan/window.h"

namespace vkllm::vk {

class Instance;
class Queue;
class MemoryPool;
class PipelineCache;
class PipelineSet;
struct Pipeline;

class Device {
 public:
  // `label` names this logical device in logs and debug names (e.g. "device 0").
  Device(const Instance& instance, const DeviceInfo& info, std::string label);
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  VkDevice handle() const { return device_.get(); }
  const DeviceInfo& info() const { return info_; }
  const Instance& instance() const { return instance_; }
  const std::string& label() const { return label_; }
  const WindowLayout& windows() const { return windows_; }

  Queue& queue() { return *queue_; }
  MemoryPool& memory() { return *memory_; }
  PipelineCache& pipeline_cache() { return *pipeline_cache_; }
  PipelineSet& pipelines() { return *pipelines_; }

  // Names a Vulkan object for validation messages and debuggers (prefixed with the device label).
  void set_name(VkObjectType type, uint64_t handle, std::string_view name) const;

  PFN_vkCmdPushDescriptorSetKHR cmd_push_descriptor_set = nullptr;

 private:
  const Instance& instance_;
  DeviceInfo info_;
  std::string label_;
  WindowLayout windows_;
  UniqueDevice device_;
  // Declared after device_: destroyed before it.
  std::unique_ptr<Queue> queue_;
  std::unique_ptr<PipelineCache> pipeline_cache_;
  std::unique_ptr<MemoryPool> memory_;
  std::unique_ptr<PipelineSet> pipelines_;
};

}  // namespace vkllm::vk
