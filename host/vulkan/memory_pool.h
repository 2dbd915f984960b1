#pragma once
// A simple sub-allocator: large VkDeviceMemory blocks, each bound to one VkBuffer covering it,
// carved first-fit into aligned ranges. Requests larger than the block size get a block of their own.
// Empty blocks are returned to the driver at once. Thread-safe.
#include <vulkan/vulkan.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "host/vulkan/buffer.h"
#include "host/vulkan/handle.h"

namespace vkllm::vk {

class Device;

struct MemoryBlock {
  UniqueMemory memory;
  UniqueBuffer buffer;
  uint64_t size = 0;
  uint32_t memory_type = 0;
  MemoryKind kind = MemoryKind::DeviceLocal;
  std::byte* mapped = nullptr;
  std::map<uint64_t, uint64_t> free_ranges;  // offset -> size
  uint64_t used = 0;
};

struct MemoryStats {
  uint64_t reserved_bytes = 0;  // in blocks
  uint64_t used_bytes = 0;      // handed out
  size_t blocks = 0;
};

class MemoryPool {
 public:
  static constexpr uint64_t kDefaultBlockBytes = 64ull << 20;
  static constexpr uint64_t kAlignment = 256;  // >= every minStorageBufferOffsetAlignment in practice

  explicit MemoryPool(Device& device, uint64_t block_bytes = kDefaultBlockBytes);
  ~MemoryPool();
  MemoryPool(const MemoryPool&) = delete;
  MemoryPool& operator=(const MemoryPool&) = delete;

  // `name` labels the allocation in errors (and the block, when it gets its own).
  DeviceBuffer allocate(uint64_t bytes, MemoryKind kind, const std::string& name);
  MemoryStats stats() const;
  bool device_local_is_mappable() const { return device_local_mapped_; }

 private:
  friend class DeviceBuffer;
  void free(MemoryBlock* block, uint64_t offset, uint64_t size);
  std::unique_ptr<MemoryBlock> create_block(uint64_t bytes, MemoryKind kind, const std::string& name);
  uint32_t memory_type_for(MemoryKind kind) const;

  Device& device_;
  uint64_t block_bytes_;
  uint32_t memory_type_bits_ = 0;
  bool device_local_mapped_ = false;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<MemoryBlock>> blocks_;
};

}  // namespace vkllm::vk
