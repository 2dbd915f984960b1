#include "host/vulkan/device.h"

#include <vector>

#include "engine/util/check.h"
#include "engine/util/log.h"
#include "host/vulkan/instance.h"
#include "host/vulkan/memory_pool.h"
#include "host/vulkan/pipeline.h"
#include "host/vulkan/pipeline_cache.h"
#include "host/vulkan/queue.h"
#include "host/vulkan/vk_check.h"

namespace vkllm::vk {
namespace {

// What every vkllm shader relies on; a device without one of these cannot run them.
void require_features(const DeviceInfo& info) {
  const DeviceFeatures& f = info.features;
  const std::pair<bool, const char*> required[] = {
      {f.timeline_semaphore, "timelineSemaphore"},
      {f.push_descriptor, VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME},
      {f.storage_16bit, "storageBuffer16BitAccess"},
      {f.storage_8bit, "storageBuffer8BitAccess"},
      {f.int8_arithmetic, "shaderInt8"},
      {f.int16, "shaderInt16"},
      {f.dynamic_storage_buffer_indexing, "shaderStorageBufferArrayDynamicIndexing"},
      {(info.limits.subgroup_operations & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT) != 0, "subgroup arithmetic"},
  };
  for (const auto& [present, name] : required)
    if (!present) fail("device '{}' lacks {}, which vkllm's shaders need", info.name, name);
}

}  // namespace

Device::Device(const Instance& instance, const DeviceInfo& info, std::string label)
    : instance_(instance), info_(info), label_(std::move(label)), windows_(WindowLayout::for_device(info.limits)) {
  require_features(info_);
  const DeviceFeatures& f = info_.features;
  const bool v13 = info_.api_version >= VK_API_VERSION_1_3;

  std::vector<const char*> extensions = {VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME};
  if (f.memory_budget) extensions.push_back(VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
  if (!v13 && f.subgroup_size_control) extensions.push_back(VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME);
  if (!v13 && f.integer_dot_product) extensions.push_back(VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME);

  auto features = make_struct<VkPhysicalDeviceFeatures2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2);
  features.features.shaderInt16 = VK_TRUE;
  features.features.shaderInt64 = f.int64;
  features.features.shaderFloat64 = f.float64;
  features.features.shaderStorageBufferArrayDynamicIndexing = VK_TRUE;
  auto f11 = make_struct<VkPhysicalDeviceVulkan11Features>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES);
  f11.storageBuffer16BitAccess = VK_TRUE;
  auto f12 = make_struct<VkPhysicalDeviceVulkan12Features>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES);
  f12.storageBuffer8BitAccess = VK_TRUE;
  f12.shaderInt8 = VK_TRUE;
  f12.shaderFloat16 = f.fp16_arithmetic;
  f12.timelineSemaphore = VK_TRUE;
  f12.hostQueryReset = f.host_query_reset;
  auto size_control =
      make_struct<VkPhysicalDeviceSubgroupSizeControlFeatures>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES);
  size_control.subgroupSizeControl = f.subgroup_size_control;
  size_control.computeFullSubgroups = f.compute_full_subgroups;
  auto dot =
      make_struct<VkPhysicalDeviceShaderIntegerDotProductFeatures>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_FEATURES);
  dot.shaderIntegerDotProduct = f.integer_dot_product;
  features.pNext = &f11;
  f11.pNext = &f12;
  void** tail = &f12.pNext;
  if (f.subgroup_size_control) {
    *tail = &size_control;
    tail = &size_control.pNext;
  }
  if (f.integer_dot_product) *tail = &dot;

  const float priority = 1.0f;
  auto queue_info = make_struct<VkDeviceQueueCreateInfo>(VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO);
  queue_info.queueFamilyIndex = info_.compute_queue_family;
  queue_info.queueCount = 1;
  queue_info.pQueuePriorities = &priority;

  auto create = make_struct<VkDeviceCreateInfo>(VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO);
  create.pNext = &features;
  create.queueCreateInfoCount = 1;
  create.pQueueCreateInfos = &queue_info;
  create.enabledExtensionCount = uint32_t(extensions.size());
  create.ppEnabledExtensionNames = extensions.data();
  VkDevice device = VK_NULL_HANDLE;
  VKLLM_VK_CHECK(vkCreateDevice(info_.physical, &create, nullptr, &device));
  device_ = UniqueDevice(device);

  cmd_push_descriptor_set =
      reinterpret_cast<PFN_vkCmdPushDescriptorSetKHR>(vkGetDeviceProcAddr(device, "vkCmdPushDescriptorSetKHR"));
  VKLLM_ASSERT(cmd_push_descriptor_set != nullptr, "vkCmdPushDescriptorSetKHR not loaded");

  set_name(VK_OBJECT_TYPE_DEVICE, uint64_t(device), "device");
  queue_ = std::make_unique<Queue>(device, info_.compute_queue_family, 0);
  set_name(VK_OBJECT_TYPE_QUEUE, uint64_t(queue_->handle()), "compute queue");
  set_name(VK_OBJECT_TYPE_SEMAPHORE, uint64_t(queue_->timeline()), "timeline");
  const auto& options = instance_.options();
  pipeline_cache_ = std::make_unique<PipelineCache>(device, info_, options.pipeline_cache ? options.cache_dir : "");
  memory_ = std::make_unique<MemoryPool>(*this);
  pipelines_ = std::make_unique<PipelineSet>(*this);
  spdlog::debug("vulkan: {} opened on '{}' (queue family {}, window stride {} MiB)", label_, info_.name,
                info_.compute_queue_family, windows_.stride >> 20);
}

Device::~Device() {
  vkDeviceWaitIdle(device_.get());
  // Members then go in reverse order: pipelines, memory, the cache (which saves itself), the queue,
  // and the VkDevice last.
}

void Device::set_name(VkObjectType type, uint64_t handle, std::string_view name) const {
  if (!instance_.debug_utils_enabled()) return;
  const std::string full = fmt::format("{}: {}", label_, name);
  instance_.set_object_name(device_.get(), type, handle, full.c_str());
}

}  // namespace vkllm::vk
