// `vkllm devices [--json]`: every Vulkan device vkllm can use (CPU implementations included), with
// the features and limits that decide which kernels run well on it.
#include <spdlog/fmt/ranges.h>

#include <iostream>
#include <string>

#include "engine/util/check.h"
#include "host/vulkan/device_info.h"
#include "host/vulkan/device_info_json.h"
#include "host/vulkan/instance.h"
#include "tools/commands.h"
#include "tools/format.h"

namespace vkllm::cli {
namespace {

std::string yes_no(bool value) { return value ? "yes" : "no"; }

void print_text(const vk::DeviceInfo& d, bool is_default) {
  const auto& f = d.features;
  const auto& l = d.limits;
  fmt::print("device {}: {}{}\n", d.index, d.name, is_default ? "  (default)" : "");
  fmt::print("  type:              {}{}\n", vk::device_type_name(d.type), d.uma ? ", unified memory" : "");
  fmt::print("  driver:            {} {} (Vulkan {})\n", d.driver_name, d.driver_info, vk::api_version_string(d.api_version));
  fmt::print("  uuid:              {}\n", vk::uuid_string(d.device_uuid));
  for (size_t h = 0; h < d.heaps.size(); ++h) {
    const auto& heap = d.heaps[h];
    fmt::print("  heap {}:            {}{}{}\n", h, format_bytes(heap.size), heap.device_local ? " device-local" : " host",
               f.memory_budget ? fmt::format(", budget {}, used {}", format_bytes(heap.budget), format_bytes(heap.usage))
                               : std::string());
  }
  fmt::print("  subgroup:          {} (min {}, max {}, size control {}); ops: {}\n", l.subgroup_size,
             l.min_subgroup_size, l.max_subgroup_size, yes_no(f.subgroup_size_control),
             fmt::join(vk::subgroup_operation_names(l.subgroup_operations), " "));
  fmt::print("  fp16 arithmetic:   {}   int8: {}   16-bit storage: {}   8-bit storage: {}\n", yes_no(f.fp16_arithmetic),
             yes_no(f.int8_arithmetic), yes_no(f.storage_16bit), yes_no(f.storage_8bit));
  fmt::print("  integer dot:       {}{}   cooperative matrix: {}\n", yes_no(f.integer_dot_product),
             f.integer_dot_product_accelerated ? " (accelerated)" : "", yes_no(f.cooperative_matrix));
  fmt::print("  shared memory:     {}\n", format_bytes(l.shared_memory_bytes));
  fmt::print("  max buffer range:  {}   max allocation: {}\n", format_bytes(l.max_storage_buffer_range),
             format_bytes(l.max_memory_allocation_size));
  fmt::print("  timestamps:        {}\n",
             l.timestamp_valid_bits ? fmt::format("{} bits, {} ns/tick", l.timestamp_valid_bits, l.timestamp_period_ns)
                                    : std::string("no"));
}

}  // namespace

Command add_devices_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("devices", "List the Vulkan devices and their compute features");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Print JSON");
  return {cmd, [json] {
            vk::Instance instance(vk::options_from_environment());
            const auto devices = vk::enumerate_devices(instance);
            if (devices.empty()) fail("no Vulkan 1.2 device found (for a CPU device install mesa-vulkan-drivers)");
            const uint32_t default_index = vk::default_device_index(devices);
            if (*json) {
              nlohmann::json out = {{"default_device", default_index}, {"devices", nlohmann::json::array()}};
              for (const auto& d : devices) out["devices"].push_back(vk::to_json(d));
              std::cout << out.dump(2) << "\n";
            } else {
              for (const auto& d : devices) print_text(d, d.index == default_index);
            }
            return 0;
          }};
}

}  // namespace vkllm::cli
