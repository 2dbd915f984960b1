#pragma once
// The Vulkan instance: optional validation layer plus a debug messenger that logs and counts every
// validation warning or error, so tests can fail on any of them.
#include <vulkan/vulkan.h>

#include <atomic>
#include <cstdint>
#include <vector>

#include "host/vulkan/options.h"

namespace vkllm::vk {

class Instance {
 public:
  explicit Instance(const RuntimeOptions& options);
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  VkInstance handle() const { return instance_; }
  const RuntimeOptions& options() const { return options_; }
  bool validation_enabled() const { return messenger_ != VK_NULL_HANDLE; }
  bool debug_utils_enabled() const { return set_object_name_ != nullptr; }

  // Warnings and errors reported by the validation layer since the instance was created.
  uint64_t validation_messages() const { return validation_messages_.load(); }

  std::vector<VkPhysicalDevice> physical_devices() const;

  // Names an object for validation messages and debuggers; a no-op without debug utils.
  void set_object_name(VkDevice device, VkObjectType type, uint64_t handle, const char* name) const;

 private:
  static VkBool32 VKAPI_CALL on_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                        VkDebugUtilsMessageTypeFlagsEXT types,
                                        const VkDebugUtilsMessengerCallbackDataEXT* data, void* user);

  RuntimeOptions options_;
  VkInstance instance_ = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
  PFN_vkSetDebugUtilsObjectNameEXT set_object_name_ = nullptr;
  std::atomic<uint64_t> validation_messages_{0};
};

}  // namespace vkllm::vk
