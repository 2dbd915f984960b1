#include "host/vulkan/window.h"

#include <algorithm>

#include "engine/util/check.h"

namespace vkllm::vk {

WindowLayout WindowLayout::for_device(const DeviceLimits& limits) {
  constexpr uint64_t kGranule = 256;  // multiple of every offset alignment and element size
  const uint64_t range = std::min<uint64_t>(limits.max_storage_buffer_range, 1ull << 31) / kGranule * kGranule;
  const uint64_t overlap = std::min(range / 2, kWindowReachBytes) / kGranule * kGranule;
  VKLLM_ASSERT(range > overlap && overlap > 0, "maxStorageBufferRange {} too small", limits.max_storage_buffer_range);
  return WindowLayout{range - overlap, range};
}

uint64_t WindowLayout::max_bytes(uint32_t count) const {
  return std::min<uint64_t>(stride * (count - 1) + range, (1ull << 32) - 1);
}

std::vector<BufferView> WindowLayout::split(const BufferView& view, uint32_t count) const {
  VKLLM_ASSERT(view.size <= max_bytes(count), "{} bytes do not fit in {} windows", view.size, count);
  std::vector<BufferView> windows;
  windows.reserve(count);
  for (uint32_t k = 0; k < count; ++k) {
    const uint64_t start = k * stride;
    if (start >= view.size && k > 0) {
      windows.push_back(windows.back());
      continue;
    }
    windows.push_back(view.sub(start, std::min(range, view.size - start)));
  }
  return windows;
}

}  // namespace vkllm::vk
