#include "host/vulkan/buffer.h"

#include <utility>

#include "engine/util/check.h"
#include "host/vulkan/memory_pool.h"

namespace vkllm::vk {

BufferView BufferView::sub(uint64_t sub_offset, uint64_t sub_size) const {
  VKLLM_ASSERT(sub_offset <= size && sub_size <= size - sub_offset, "sub-view [{}, +{}) outside a view of {} bytes",
               sub_offset, sub_size, size);
  return BufferView{buffer, offset + sub_offset, sub_size, mapped ? mapped + sub_offset : nullptr};
}

DeviceBuffer::DeviceBuffer(MemoryPool* pool, MemoryBlock* block, uint64_t offset, uint64_t size)
    : pool_(pool), block_(block), offset_(offset), size_(size) {}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : pool_(other.pool_),
      block_(std::exchange(other.block_, nullptr)),
      offset_(other.offset_),
      size_(std::exchange(other.size_, 0)) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  if (this != &other) {
    release();
    pool_ = other.pool_;
    block_ = std::exchange(other.block_, nullptr);
    offset_ = other.offset_;
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

DeviceBuffer::~DeviceBuffer() { release(); }

void DeviceBuffer::release() {
  if (block_ != nullptr) pool_->free(block_, offset_, size_);
  block_ = nullptr;
}

BufferView DeviceBuffer::view() const {
  VKLLM_ASSERT(block_ != nullptr, "view of an empty DeviceBuffer");
  return BufferView{block_->buffer.get(), offset_, size_, mapped()};
}

std::byte* DeviceBuffer::mapped() const {
  return block_ != nullptr && block_->mapped != nullptr ? block_->mapped + offset_ : nullptr;
}

}  // namespace vkllm::vk
