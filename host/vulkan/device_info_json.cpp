#include "host/vulkan/device_info_json.h"

namespace vkllm::vk {

nlohmann::json to_json(const DeviceInfo& info) {
  const DeviceFeatures& f = info.features;
  const DeviceLimits& l = info.limits;
  nlohmann::json heaps = nlohmann::json::array();
  for (const MemoryHeapInfo& heap : info.heaps)
    heaps.push_back({{"size", heap.size}, {"budget", heap.budget}, {"usage", heap.usage},
                     {"device_local", heap.device_local}});
  return {
      {"index", info.index},
      {"name", info.name},
      {"type", device_type_name(info.type)},
      {"vendor_id", info.vendor_id},
      {"device_id", info.device_id},
      {"api_version", api_version_string(info.api_version)},
      {"driver", {{"name", info.driver_name}, {"info", info.driver_info}, {"version", info.driver_version}}},
      {"device_uuid", uuid_string(info.device_uuid)},
      {"uma", info.uma},
      {"compute_queue_family", info.compute_queue_family},
      {"memory_heaps", heaps},
      {"features",
       {{"fp16_arithmetic", f.fp16_arithmetic},
        {"int8_arithmetic", f.int8_arithmetic},
        {"int16", f.int16},
        {"int64", f.int64},
        {"storage_16bit", f.storage_16bit},
        {"storage_8bit", f.storage_8bit},
        {"subgroup_size_control", f.subgroup_size_control},
        {"compute_full_subgroups", f.compute_full_subgroups},
        {"integer_dot_product", f.integer_dot_product},
        {"integer_dot_product_accelerated", f.integer_dot_product_accelerated},
        {"cooperative_matrix", f.cooperative_matrix},
        {"memory_budget", f.memory_budget},
        {"push_descriptor", f.push_descriptor},
        {"timeline_semaphore", f.timeline_semaphore}}},
      {"limits",
       {{"subgroup_size", l.subgroup_size},
        {"min_subgroup_size", l.min_subgroup_size},
        {"max_subgroup_size", l.max_subgroup_size},
        {"subgroup_operations", subgroup_operation_names(l.subgroup_operations)},
        {"shared_memory_bytes", l.shared_memory_bytes},
        {"max_storage_buffer_range", l.max_storage_buffer_range},
        {"max_memory_allocation_size", l.max_memory_allocation_size},
        {"min_storage_buffer_offset_alignment", l.min_storage_buffer_offset_alignment},
        {"max_push_constants_bytes", l.max_push_constants_bytes},
        {"max_workgroup_invocations", l.max_workgroup_invocations},
        {"max_workgroup_size", l.max_workgroup_size},
        {"max_workgroup_count", l.max_workgroup_count},
        {"timestamp_period_ns", l.timestamp_period_ns},
        {"timestamp_valid_bits", l.timestamp_valid_bits}}},
  };
}

}  // namespace vkllm::vk
