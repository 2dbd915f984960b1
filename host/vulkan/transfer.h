#pragma once
// Moving bytes between host memory and device buffers. Mappable buffers (host memory, or
// device-local memory on UMA devices) are plain memcpy; others go through a staging buffer and a
// copy on the queue. Both block until done; the caller ensures no GPU work uses the range meanwhile.
#include <cstddef>
#include <span>
#include <vector>

#include "host/vulkan/buffer.h"

namespace vkllm::vk {

class Device;

void upload(Device& device, const BufferView& dst, std::span<const std::byte> data);
void download(Device& device, const BufferView& src, std::span<std::byte> out);

template <typename T>
void upload(Device& device, const BufferView& dst, std::span<const T> values) {
  upload(device, dst, std::as_bytes(values));
}

template <typename T>
std::vector<T> download(Device& device, const BufferView& src) {
  std::vector<T> values(src.size / sizeof(T));
  download(device, src, std::as_writable_bytes(std::span(values)));
  return values;
}

}  // namespace vkllm::vk
