#include "host/vulkan/device_info.h"

#include <algorithm>
#include <cstring>

#include "engine/util/check.h"
#include "engine/util/log.h"
#include "host/vulkan/instance.h"
#include "host/vulkan/vk_check.h"

namespace vkllm::vk {
namespace {

std::vector<std::string> device_extensions(VkPhysicalDevice physical) {
  uint32_t count = 0;
  VKLLM_VK_CHECK(vkEnumerateDeviceExtensionProperties(physical, nullptr, &count, nullptr));
  std::vector<VkExtensionProperties> properties(count);
  VKLLM_VK_CHECK(vkEnumerateDeviceExtensionProperties(physical, nullptr, &count, properties.data()));
  std::vector<std::string> names;
  for (const auto& p : properties) names.emplace_back(p.extensionName);
  std::sort(names.begin(), names.end());
  return names;
}

// A compute-only family when there is one (it is what the hardware dedicates to compute), else any
// family with compute.
void pick_compute_queue(VkPhysicalDevice physical, DeviceInfo& info) {
  uint32_t count = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(physical, &count, nullptr);
  std::vector<VkQueueFamilyProperties> families(count);
  vkGetPhysicalDeviceQueueFamilyProperties(physical, &count, families.data());
  int chosen = -1;
  for (uint32_t i = 0; i < count; ++i) {
    const VkQueueFlags flags = families[i].queueFlags;
    if (!(flags & VK_QUEUE_COMPUTE_BIT)) continue;
    const bool compute_only = !(flags & VK_QUEUE_GRAPHICS_BIT);
    if (chosen < 0 || (compute_only && (families[chosen].queueFlags & VK_QUEUE_GRAPHICS_BIT))) chosen = int(i);
  }
  if (chosen < 0) fail("device '{}' has no compute queue", info.name);
  info.compute_queue_family = uint32_t(chosen);
  info.limits.timestamp_valid_bits = families[chosen].timestampValidBits;
}

void query_memory(VkPhysicalDevice physical, DeviceInfo& info) {
  auto budget = make_struct<VkPhysicalDeviceMemoryBudgetPropertiesEXT>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT);
  auto memory = make_struct<VkPhysicalDeviceMemoryProperties2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2);
  if (info.features.memory_budget) memory.pNext = &budget;
  vkGetPhysicalDeviceMemoryProperties2(physical, &memory);
  const auto& props = memory.memoryProperties;
  for (uint32_t h = 0; h < props.memoryHeapCount; ++h) {
    MemoryHeapInfo heap;
    heap.size = props.memoryHeaps[h].size;
    heap.device_local = (props.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) != 0;
    heap.budget = info.features.memory_budget ? budget.heapBudget[h] : heap.size;
    heap.usage = info.features.memory_budget ? budget.heapUsage[h] : 0;
    info.heaps.push_back(heap);
  }
  const bool integrated = info.type == VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU || info.is_cpu();
  for (uint32_t t = 0; t < props.memoryTypeCount; ++t) {
    const VkMemoryPropertyFlags flags = props.memoryTypes[t].propertyFlags;
    const VkMemoryPropertyFlags both = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT;
    if (integrated && (flags & both) == both) info.uma = true;
  }
}

void query_features(VkPhysicalDevice physical, DeviceInfo& info) {
  const bool v13 = info.api_version >= VK_API_VERSION_1_3;
  auto f11 = make_struct<VkPhysicalDeviceVulkan11Features>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES);
  auto f12 = make_struct<VkPhysicalDeviceVulkan12Features>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES);
  auto size_control =
      make_struct<VkPhysicalDeviceSubgroupSizeControlFeatures>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES);
  auto dot =
      make_struct<VkPhysicalDeviceShaderIntegerDotProductFeatures>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_FEATURES);
  auto features = make_struct<VkPhysicalDeviceFeatures2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2);
  features.pNext = &f11;
  f11.pNext = &f12;
  void** tail = &f12.pNext;
  if (v13 || info.has_extension(VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME)) {
    *tail = &size_control;
    tail = &size_control.pNext;
  }
  if (v13 || info.has_extension(VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME)) *tail = &dot;
  vkGetPhysicalDeviceFeatures2(physical, &features);

  DeviceFeatures& f = info.features;
  f.fp16_arithmetic = f12.shaderFloat16;
  f.int8_arithmetic = f12.shaderInt8;
  f.int16 = features.features.shaderInt16;
  f.int64 = features.features.shaderInt64;
  f.float64 = features.features.shaderFloat64;
  f.storage_16bit = f11.storageBuffer16BitAccess;
  f.storage_8bit = f12.storageBuffer8BitAccess;
  f.subgroup_size_control = size_control.subgroupSizeControl;
  f.compute_full_subgroups = size_control.computeFullSubgroups;
  f.integer_dot_product = dot.shaderIntegerDotProduct;
  f.timeline_semaphore = f12.timelineSemaphore;
  f.host_query_reset = f12.hostQueryReset;
  f.dynamic_storage_buffer_indexing = features.features.shaderStorageBufferArrayDynamicIndexing;
  f.cooperative_matrix = info.has_extension("VK_KHR_cooperative_matrix");
  f.memory_budget = info.has_extension(VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
  f.push_descriptor = info.has_extension(VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME);
}

void query_properties(VkPhysicalDevice physical, DeviceInfo& info) {
  const bool v13 = info.api_version >= VK_API_VERSION_1_3;
  auto p11 = make_struct<VkPhysicalDeviceVulkan11Properties>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_PROPERTIES);
  auto p12 = make_struct<VkPhysicalDeviceVulkan12Properties>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_PROPERTIES);
  auto size_control =
      make_struct<VkPhysicalDeviceSubgroupSizeControlProperties>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_PROPERTIES);
  auto dot =
      make_struct<VkPhysicalDeviceShaderIntegerDotProductProperties>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_PROPERTIES);
  auto push = make_struct<VkPhysicalDevicePushDescriptorPropertiesKHR>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PUSH_DESCRIPTOR_PROPERTIES_KHR);
  auto props = make_struct<VkPhysicalDeviceProperties2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2);
  props.pNext = &p11;
  p11.pNext = &p12;
  void** tail = &p12.pNext;
  if (v13 || info.has_extension(VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME)) {
    *tail = &size_control;
    tail = &size_control.pNext;
  }
  if (v13 || info.has_extension(VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME)) {
    *tail = &dot;
    tail = &dot.pNext;
  }
  if (info.features.push_descriptor) *tail = &push;
  vkGetPhysicalDeviceProperties2(physical, &props);

  const VkPhysicalDeviceLimits& l = props.properties.limits;
  DeviceLimits& limits = info.limits;
  limits.subgroup_size = p11.subgroupSize;
  limits.min_subgroup_size = size_control.minSubgroupSize ? size_control.minSubgroupSize : p11.subgroupSize;
  limits.max_subgroup_size = size_control.maxSubgroupSize ? size_control.maxSubgroupSize : p11.subgroupSize;
  limits.subgroup_operations =
      (p11.subgroupSupportedStages & VK_SHADER_STAGE_COMPUTE_BIT) ? p11.subgroupSupportedOperations : 0;
  limits.shared_memory_bytes = l.maxComputeSharedMemorySize;
  limits.max_storage_buffer_range = l.maxStorageBufferRange;
  limits.max_memory_allocation_size = p11.maxMemoryAllocationSize;
  limits.min_storage_buffer_offset_alignment = l.minStorageBufferOffsetAlignment;
  limits.max_uniform_buffer_range = l.maxUniformBufferRange;
  limits.min_uniform_buffer_offset_alignment = l.minUniformBufferOffsetAlignment;
  limits.min_texel_buffer_offset_alignment = l.minTexelBufferOffsetAlignment;
  limits.max_texel_buffer_elements = l.maxTexelBufferElements;
  limits.max_push_constants_bytes = l.maxPushConstantsSize;
  limits.max_push_descriptors = push.maxPushDescriptors;
  limits.max_storage_buffers_per_stage = l.maxPerStageDescriptorStorageBuffers;
  limits.max_uniform_buffers_per_stage = l.maxPerStageDescriptorUniformBuffers;
  limits.max_workgroup_invocations = l.maxComputeWorkGroupInvocations;
  for (int i = 0; i < 3; ++i) {
    limits.max_workgroup_size[i] = l.maxComputeWorkGroupSize[i];
    limits.max_workgroup_count[i] = l.maxComputeWorkGroupCount[i];
  }
  limits.timestamp_period_ns = l.timestampPeriod;
  info.features.integer_dot_product_accelerated =
      info.features.integer_dot_product && dot.integerDotProduct4x8BitPackedSignedAccelerated;

  info.name = props.properties.deviceName;
  info.type = props.properties.deviceType;
  info.vendor_id = props.properties.vendorID;
  info.device_id = props.properties.deviceID;
  info.api_version = props.properties.apiVersion;
  info.driver_version = props.properties.driverVersion;
  info.driver_name = p12.driverName;
  info.driver_info = p12.driverInfo;
  std::memcpy(info.device_uuid.data(), p11.deviceUUID, VK_UUID_SIZE);
}

}  // namespace

bool DeviceInfo::has_extension(std::string_view name) const {
  return std::binary_search(extensions.begin(), extensions.end(), name);
}

DeviceInfo query_device_info(VkPhysicalDevice physical, uint32_t index) {
  DeviceInfo info;
  info.index = index;
  info.physical = physical;
  VkPhysicalDeviceProperties basic;
  vkGetPhysicalDeviceProperties(physical, &basic);
  info.name = basic.deviceName;
  info.api_version = basic.apiVersion;
  if (info.api_version < VK_API_VERSION_1_2)
    fail("device '{}' supports Vulkan {}; vkllm needs 1.2", info.name, api_version_string(info.api_version));
  info.extensions = device_extensions(physical);
  query_features(physical, info);
  query_properties(physical, info);
  query_memory(physical, info);
  pick_compute_queue(physical, info);
  return info;
}

std::vector<DeviceInfo> enumerate_devices(const Instance& instance) {
  std::vector<DeviceInfo> devices;
  const auto physicals = instance.physical_devices();
  for (uint32_t i = 0; i < physicals.size(); ++i) {
    try {
      devices.push_back(query_device_info(physicals[i], i));
    } catch (const Error& e) {
      spdlog::warn("vulkan: skipping device {}: {}", i, e.what());
    }
  }
  return devices;
}

uint32_t default_device_index(const std::vector<DeviceInfo>& devices) {
  if (devices.empty()) fail("no Vulkan 1.2 device found (is mesa-vulkan-drivers installed for lavapipe?)");
  auto rank = [](VkPhysicalDeviceType type) {
    switch (type) {
      case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 0;
      case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 1;
      case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
      case VK_PHYSICAL_DEVICE_TYPE_CPU: return 3;
      default: return 4;
    }
  };
  const auto best = std::min_element(devices.begin(), devices.end(),
                                     [&](const auto& a, const auto& b) { return rank(a.type) < rank(b.type); });
  return best->index;
}

std::string_view device_type_name(VkPhysicalDeviceType type) {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete-gpu";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated-gpu";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual-gpu";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "cpu";
    default: return "other";
  }
}

std::string uuid_string(const std::array<uint8_t, VK_UUID_SIZE>& uuid) {
  std::string out;
  for (size_t i = 0; i < uuid.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += fmt::format("{:02x}", uuid[i]);
  }
  return out;
}

std::string api_version_string(uint32_t version) {
  return fmt::format("{}.{}.{}", VK_API_VERSION_MAJOR(version), VK_API_VERSION_MINOR(version),
                     VK_API_VERSION_PATCH(version));
}

std::vector<std::string_view> subgroup_operation_names(VkSubgroupFeatureFlags operations) {
  static constexpr std::pair<VkSubgroupFeatureFlagBits, std::string_view> kNames[] = {
      {VK_SUBGROUP_FEATURE_BASIC_BIT, "basic"},           {VK_SUBGROUP_FEATURE_VOTE_BIT, "vote"},
      {VK_SUBGROUP_FEATURE_ARITHMETIC_BIT, "arithmetic"}, {VK_SUBGROUP_FEATURE_BALLOT_BIT, "ballot"},
      {VK_SUBGROUP_FEATURE_SHUFFLE_BIT, "shuffle"},       {VK_SUBGROUP_FEATURE_SHUFFLE_RELATIVE_BIT, "shuffle_relative"},
      {VK_SUBGROUP_FEATURE_CLUSTERED_BIT, "clustered"},   {VK_SUBGROUP_FEATURE_QUAD_BIT, "quad"},
  };
  std::vector<std::string_view> names;
  for (const auto& [bit, name] : kNames)
    if (operations & bit) names.push_back(name);
  return names;
}

}  // namespace vkllm::vk
