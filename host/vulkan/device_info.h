#pragma once
// What one physical device offers, queried once: identity, compute features, limits and memory.
// CPU implementations (lavapipe) are listed like GPUs; defaults prefer real GPUs.
#include <vulkan/vulkan.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vkllm::vk {

class Instance;

struct MemoryHeapInfo {
  uint64_t size = 0;
  uint64_t budget = 0;  // from VK_EXT_memory_budget; equals size without it
  uint64_t usage = 0;   // from VK_EXT_memory_budget; 0 without it
  bool device_local = false;
};

struct DeviceFeatures {
  bool fp16_arithmetic = false;     // shaderFloat16
  bool int8_arithmetic = false;     // shaderInt8
  bool int16 = false;               // shaderInt16
  bool int64 = false;               // shaderInt64
  bool float64 = false;             // shaderFloat64
  bool storage_16bit = false;       // storageBuffer16BitAccess
  bool storage_8bit = false;        // storageBuffer8BitAccess
  bool subgroup_size_control = false;
  bool compute_full_subgroups = false;
  bool integer_dot_product = false;             // shaderIntegerDotProduct
  bool integer_dot_product_accelerated = false; // 4x8-bit packed signed is accelerated
  bool cooperative_matrix = false;  // VK_KHR_cooperative_matrix advertised
  bool memory_budget = false;       // VK_EXT_memory_budget advertised
  bool push_descriptor = false;     // VK_KHR_push_descriptor advertised
  bool timeline_semaphore = false;
  bool host_query_reset = false;
  bool dynamic_storage_buffer_indexing = false;  // shaderStorageBufferArrayDynamicIndexing
};

struct DeviceLimits {
  uint32_t subgroup_size = 0;
  uint32_t min_subgroup_size = 0;
  uint32_t max_subgroup_size = 0;
  VkSubgroupFeatureFlags subgroup_operations = 0;
  uint32_t shared_memory_bytes = 0;  // maxComputeSharedMemorySize
  uint64_t max_storage_buffer_range = 0;
  uint64_t max_memory_allocation_size = 0;
  uint64_t min_storage_buffer_offset_alignment = 0;
  uint64_t max_uniform_buffer_range = 0;
  uint64_t min_uniform_buffer_offset_alignment = 0;
  uint64_t min_texel_buffer_offset_alignment = 0;
  uint64_t max_texel_buffer_elements = 0;
  uint32_t max_push_constants_bytes = 0;
  uint32_t max_push_descriptors = 0;
  uint32_t max_storage_buffers_per_stage = 0;
  uint32_t max_uniform_buffers_per_stage = 0;
  uint32_t max_workgroup_invocations = 0;
  std::array<uint32_t, 3> max_workgroup_size{};
  std::array<uint32_t, 3> max_workgroup_count{};
  float timestamp_period_ns = 0;   // nanoseconds per timestamp tick
  uint32_t timestamp_valid_bits = 0;  // of the compute queue; 0: no timestamps
};

struct DeviceInfo {
  uint32_t index = 0;  // position in the instance's enumeration: what `--devices` refers to
  VkPhysicalDevice physical = VK_NULL_HANDLE;
  std::string name;
  VkPhysicalDeviceType type = VK_PHYSICAL_DEVICE_TYPE_OTHER;
  uint32_t vendor_id = 0;
  uint32_t device_id = 0;
  uint32_t api_version = 0;
  uint32_t driver_version = 0;
  std::string driver_name;
  std::string driver_info;
  std::array<uint8_t, VK_UUID_SIZE> device_uuid{};
  uint32_t compute_queue_family = 0;
  bool uma = false;  // host and device share memory: device-local memory is also host-visible
  DeviceFeatures features;
  DeviceLimits limits;
  std::vector<MemoryHeapInfo> heaps;
  std::vector<std::string> extensions;

  bool has_extension(std::string_view name) const;
  bool is_cpu() const { return type == VK_PHYSICAL_DEVICE_TYPE_CPU; }
};

std::string_view device_type_name(VkPhysicalDeviceType type);
std::string uuid_string(const std::array<uint8_t, VK_UUID_SIZE>& uuid);
std::string api_version_string(uint32_t version);
std::vector<std::string_view> subgroup_operation_names(VkSubgroupFeatureFlags operations);

DeviceInfo query_device_info(VkPhysicalDevice physical, uint32_t index);

// Every device that supports Vulkan 1.2 compute, in enumeration order (CPU devices included).
std::vector<DeviceInfo> enumerate_devices(const Instance& instance);

// The device to use when none is named: discrete GPU, then integrated, virtual, CPU.
uint32_t default_device_index(const std::vector<DeviceInfo>& devices);

}  // namespace vkllm::vk
