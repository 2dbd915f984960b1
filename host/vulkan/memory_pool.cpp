#include "host/vulkan/memory_pool.h"

#include <algorithm>

#include "engine/util/check.h"
#include "engine/util/log.h"
#include "host/vulkan/device.h"
#include "host/vulkan/instance.h"
#include "host/vulkan/vk_check.h"

namespace vkllm::vk {
namespace {

// Uniform too: CPU devices read one-column matmul operands through uniform buffers (mul_mat_vec_ubo).
constexpr VkBufferUsageFlags kUsage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_UNIFORM_BUFFER_BIT |
                                      VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT |
                                      VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;

uint64_t align_up(uint64_t value, uint64_t alignment) { return (value + alignment - 1) / alignment * alignment; }

const char* kind_name(MemoryKind kind) { return kind == MemoryKind::DeviceLocal ? "device-local" : "host"; }

}  // namespace

MemoryPool::MemoryPool(Device& device, uint64_t block_bytes) : device_(device), block_bytes_(block_bytes) {
  // Every block buffer has the same usage, so one probe tells which memory types can back them.
  auto info = make_struct<VkBufferCreateInfo>(VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO);
  info.size = kAlignment;
  info.usage = kUsage;
  VkBuffer probe = VK_NULL_HANDLE;
  VKLLM_VK_CHECK(vkCreateBuffer(device_.handle(), &info, nullptr, &probe));
  UniqueBuffer probe_owner(device_.handle(), probe);
  VkMemoryRequirements requirements;
  vkGetBufferMemoryRequirements(device_.handle(), probe, &requirements);
  memory_type_bits_ = requirements.memoryTypeBits;

  VkPhysicalDeviceMemoryProperties props;
  vkGetPhysicalDeviceMemoryProperties(device_.info().physical, &props);
  const auto flags = props.memoryTypes[memory_type_for(MemoryKind::DeviceLocal)].propertyFlags;
  device_local_mapped_ = (flags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) && (flags & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT) &&
                         !device_.instance().options().force_staging;
}

MemoryPool::~MemoryPool() = default;

uint32_t MemoryPool::memory_type_for(MemoryKind kind) const {
  VkPhysicalDeviceMemoryProperties props;
  vkGetPhysicalDeviceMemoryProperties(device_.info().physical, &props);
  const VkMemoryPropertyFlags host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  const VkMemoryPropertyFlags local = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
  // Preferences in order; drivers list types best-first, so the first match of a preference wins.
  std::vector<VkMemoryPropertyFlags> preferences;
  if (kind == MemoryKind::DeviceLocal) {
    if (device_.info().uma) preferences.push_back(local | host);  // the UMA fast path: no staging
    preferences.push_back(local);
    preferences.push_back(0);
  } else {
    preferences.push_back(host | VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
    preferences.push_back(host);
  }
  for (VkMemoryPropertyFlags wanted : preferences)
    for (uint32_t t = 0; t < props.memoryTypeCount; ++t)
      if ((memory_type_bits_ & (1u << t)) && (props.memoryTypes[t].propertyFlags & wanted) == wanted) return t;
  fail("device '{}' has no {} memory type for storage buffers", device_.info().name, kind_name(kind));
}

std::unique_ptr<MemoryBlock> MemoryPool::create_block(uint64_t bytes, MemoryKind kind, const std::string& name) {
  const auto& limits = device_.info().limits;
  if (bytes > limits.max_memory_allocation_size)
    fail("allocation '{}' of {} bytes exceeds maxMemoryAllocationSize ({} bytes) of '{}'", name, bytes,
         limits.max_memory_allocation_size, device_.info().name);
  auto block = std::make_unique<MemoryBlock>();
  block->size = bytes;
  block->kind = kind;
  block->memory_type = memory_type_for(kind);

  auto buffer_info = make_struct<VkBufferCreateInfo>(VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO);
  buffer_info.size = bytes;
  buffer_info.usage = kUsage;
  VkBuffer buffer = VK_NULL_HANDLE;
  VKLLM_VK_CHECK(vkCreateBuffer(device_.handle(), &buffer_info, nullptr, &buffer));
  block->buffer = UniqueBuffer(device_.handle(), buffer);
  VkMemoryRequirements requirements;
  vkGetBufferMemoryRequirements(device_.handle(), buffer, &requirements);

  auto alloc = make_struct<VkMemoryAllocateInfo>(VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO);
  alloc.allocationSize = requirements.size;
  alloc.memoryTypeIndex = block->memory_type;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  const VkResult result = vkAllocateMemory(device_.handle(), &alloc, nullptr, &memory);
  if (result == VK_ERROR_OUT_OF_DEVICE_MEMORY || result == VK_ERROR_OUT_OF_HOST_MEMORY)
    fail("out of {} memory allocating {} bytes for '{}' on '{}' ({})", kind_name(kind), bytes, name,
         device_.info().name, result_name(result));
  VKLLM_VK_CHECK(result);
  block->memory = UniqueMemory(device_.handle(), memory);
  VKLLM_VK_CHECK(vkBindBufferMemory(device_.handle(), buffer, memory, 0));

  VkMemoryPropertyFlags flags;
  VkPhysicalDeviceMemoryProperties props;
  vkGetPhysicalDeviceMemoryProperties(device_.info().physical, &props);
  flags = props.memoryTypes[block->memory_type].propertyFlags;
  if ((flags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) && (kind == MemoryKind::Host || device_local_mapped_)) {
    void* mapped = nullptr;
    VKLLM_VK_CHECK(vkMapMemory(device_.handle(), memory, 0, VK_WHOLE_SIZE, 0, &mapped));
    block->mapped = static_cast<std::byte*>(mapped);
  }
  const std::string label = fmt::format("block {} ({}, {} MiB)", name, kind_name(kind), bytes >> 20);
  device_.set_name(VK_OBJECT_TYPE_BUFFER, uint64_t(buffer), label);
  device_.set_name(VK_OBJECT_TYPE_DEVICE_MEMORY, uint64_t(memory), label);
  block->free_ranges[0] = bytes;
  spdlog::debug("vulkan: new memory {}", label);
  return block;
}

DeviceBuffer MemoryPool::allocate(uint64_t bytes, MemoryKind kind, const std::string& name) {
  VKLLM_ASSERT(bytes > 0, "zero-byte allocation '{}'", name);
  const uint64_t size = align_up(bytes, kAlignment);
  std::lock_guard lock(mutex_);
  if (size <= block_bytes_) {
    for (auto& block : blocks_) {
      if (block->kind != kind) continue;
      for (auto it = block->free_ranges.begin(); it != block->free_ranges.end(); ++it) {
        if (it->second < size) continue;
        const uint64_t offset = it->first;
        const uint64_t rest = it->second - size;
        block->free_ranges.erase(it);
        if (rest > 0) block->free_ranges[offset + size] = rest;
        block->used += size;
        return DeviceBuffer(this, block.get(), offset, bytes);
      }
    }
  }
  const uint64_t block_size = std::max(size, block_bytes_);
  blocks_.push_back(create_block(block_size, kind, size > block_bytes_ ? name : "shared"));
  MemoryBlock* block = blocks_.back().get();
  block->free_ranges.clear();
  if (block_size > size) block->free_ranges[size] = block_size - size;
  block->used = size;
  return DeviceBuffer(this, block, 0, bytes);
}

void MemoryPool::free(MemoryBlock* block, uint64_t offset, uint64_t bytes) {
  const uint64_t size = align_up(bytes, kAlignment);
  std::lock_guard lock(mutex_);
  auto [it, inserted] = block->free_ranges.emplace(offset, size);
  VKLLM_ASSERT(inserted, "double free at offset {}", offset);
  if (auto next = std::next(it); next != block->free_ranges.end() && offset + size == next->first) {
    it->second += next->second;
    block->free_ranges.erase(next);
  }
  if (it != block->free_ranges.begin()) {
    auto prev = std::prev(it);
    if (prev->first + prev->second == it->first) {
      prev->second += it->second;
      block->free_ranges.erase(it);
    }
  }
  block->used -= size;
  if (block->used != 0) return;
  // One empty shared block of each kind stays: staging buffers come and go with every transfer,
  // and allocating and mapping a fresh block each time costs milliseconds on discrete GPUs.
  const bool shared = block->size == block_bytes_;
  const bool another_empty = std::any_of(blocks_.begin(), blocks_.end(), [&](const auto& b) {
    return b.get() != block && b->used == 0 && b->kind == block->kind && b->size == block_bytes_;
  });
  if (!shared || another_empty)
    std::erase_if(blocks_, [&](const auto& owned) { return owned.get() == block; });
}

MemoryStats MemoryPool::stats() const {
  std::lock_guard lock(mutex_);
  MemoryStats stats;
  stats.blocks = blocks_.size();
  for (const auto& block : blocks_) {
    stats.reserved_bytes += block->size;
    stats.used_bytes += block->used;
  }
  return stats;
}

}  // namespace vkllm::vk
