#pragma once
// Owning buffers (sub-allocations of a MemoryPool) and non-owning views of them.
#include <vulkan/vulkan.h>

#include <cstddef>
#include <cstdint>

namespace vkllm::vk {

class MemoryPool;
struct MemoryBlock;

// Where an allocation lives. DeviceLocal is what kernels read fastest; Host is mappable memory for
// staging uploads and readbacks. On UMA devices (lavapipe, integrated GPUs) DeviceLocal memory is
// mappable too, and uploads skip the staging copy.
enum class MemoryKind { DeviceLocal, Host };

// A byte range of a VkBuffer. Does not own anything; valid while the owning DeviceBuffer lives.
struct BufferView {
  VkBuffer buffer = VK_NULL_HANDLE;
  uint64_t offset = 0;
  uint64_t size = 0;
  std::byte* mapped = nullptr;  // host address of `offset`, or nullptr when not host-visible

  // The bytes [offset, offset + size) of this view.
  BufferView sub(uint64_t sub_offset, uint64_t sub_size) const;
  bool overlaps(const BufferView& other) const {
    return buffer == other.buffer && offset < other.offset + other.size && other.offset < offset + size;
  }
};

// A sub-allocation; returns its range to the pool when destroyed. Move-only.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(MemoryPool* pool, MemoryBlock* block, uint64_t offset, uint64_t size);
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer();

  BufferView view() const;
  uint64_t size() const { return size_; }
  std::byte* mapped() const;  // nullptr when not host-visible
  explicit operator bool() const { return block_ != nullptr; }

 private:
  void release();

  MemoryPool* pool_ = nullptr;
  MemoryBlock* block_ = nullptr;
  uint64_t offset_ = 0;
  uint64_t size_ = 0;
};

}  // namespace vkllm::vk
