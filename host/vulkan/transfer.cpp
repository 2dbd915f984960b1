#include "host/vulkan/transfer.h"

#include <cstring>

#include "engine/util/check.h"
#include "host/vulkan/device.h"
#include "host/vulkan/memory_pool.h"
#include "host/vulkan/recorder.h"

namespace vkllm::vk {

void upload(Device& device, const BufferView& dst, std::span<const std::byte> data) {
  VKLLM_ASSERT(data.size() <= dst.size, "upload of {} bytes into {}", data.size(), dst.size);
  if (data.empty()) return;
  if (dst.mapped != nullptr) {
    std::memcpy(dst.mapped, data.data(), data.size());
    return;
  }
  DeviceBuffer staging = device.memory().allocate(data.size(), MemoryKind::Host, "upload staging");
  std::memcpy(staging.mapped(), data.data(), data.size());
  Recorder recorder(device, "upload");
  recorder.copy(staging.view(), dst.sub(0, data.size()));
  recorder.submit_and_wait();
}

void download(Device& device, const BufferView& src, std::span<std::byte> out) {
  VKLLM_ASSERT(out.size() <= src.size, "download of {} bytes from {}", out.size(), src.size);
  if (out.empty()) return;
  if (src.mapped != nullptr) {
    std::memcpy(out.data(), src.mapped, out.size());
    return;
  }
  DeviceBuffer staging = device.memory().allocate(out.size(), MemoryKind::Host, "download staging");
  Recorder recorder(device, "download");
  recorder.copy(src.sub(0, out.size()), staging.view());
  recorder.submit_and_wait();
  std::memcpy(out.data(), staging.mapped(), out.size());
}

}  // namespace vkllm::vk
