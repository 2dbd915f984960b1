#pragma once
// DeviceInfo as JSON, for `vkllm devices --json` and bench/test reports.
#include <nlohmann/json.hpp>

#include "host/vulkan/device_info.h"

namespace vkllm::vk {

nlohmann::json to_json(const DeviceInfo& info);

}  // namespace vkllm::vk
