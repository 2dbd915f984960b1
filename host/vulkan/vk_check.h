#pragma once
// Vulkan results become vkllm::Error carrying the VkResult name, the call, and where it was made.
#include <vulkan/vulkan.h>

#include <string_view>

namespace vkllm::vk {

std::string_view result_name(VkResult result);

// Throws vkllm::Error unless `result` is VK_SUCCESS (or another non-error code such as VK_INCOMPLETE).
void check(VkResult result, const char* call, const char* file, int line);

}  // namespace vkllm::vk

#define VKLLM_VK_CHECK(call) ::vkllm::vk::check((call), #call, __FILE__, __LINE__)

namespace vkllm::vk {

// A zero-initialised Vulkan struct with its sType set.
template <typename T>
T make_struct(VkStructureType type) {
  T value{};
  value.sType = type;
  return value;
}

}  // namespace vkllm::vk
