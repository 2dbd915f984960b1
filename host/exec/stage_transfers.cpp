#include "host/exec/stage_transfers.h"

#include <cstring>

#include "engine/util/check.h"
#include "host/vulkan/device.h"
#include "host/vulkan/memory_pool.h"
#include "host/vulkan/recorder.h"

namespace vkllm {
namespace {

constexpr uint64_t kAlignment = 16;  // of each upload inside the staging buffer

}  // namespace

StageTransfers::StageTransfers(vk::Device& device, uint64_t upload_capacity, uint64_t download_capacity,
                               std::string name)
    : device_(device), name_(std::move(name)), upload_capacity_(upload_capacity), download_capacity_(download_capacity) {}

void StageTransfers::upload(vk::Recorder& rec, const vk::BufferView& dst, std::span<const std::byte> data) {
  VKLLM_ASSERT(data.size() <= dst.size, "{}: upload of {} bytes into {}", name_, data.size(), dst.size);
  if (data.empty()) return;
  if (dst.mapped != nullptr) {
    std::memcpy(dst.mapped, data.data(), data.size());
    return;
  }
  if (upload_.size() == 0)
    upload_ = device_.memory().allocate(upload_capacity_, vk::MemoryKind::Host, name_ + " uploads");
  const uint64_t offset = (upload_used_ + kAlignment - 1) / kAlignment * kAlignment;
  VKLLM_ASSERT(offset + data.size() <= upload_.size(), "{}: uploads of one pass exceed {} bytes", name_,
               upload_.size());
  std::memcpy(upload_.mapped() + offset, data.data(), data.size());
  if (!rec.replaying()) rec.copy(upload_.view().sub(offset, data.size()), dst.sub(0, data.size()));
  upload_used_ = offset + data.size();
}

void StageTransfers::download(vk::Recorder& rec, const vk::BufferView& src, uint64_t bytes) {
  VKLLM_ASSERT(bytes <= src.size, "{}: download of {} bytes from {}", name_, bytes, src.size);
  result_bytes_ = bytes;
  if (src.mapped != nullptr) {
    result_ = src.mapped;
    return;
  }
  VKLLM_ASSERT(bytes <= download_capacity_, "{}: download of {} bytes, capacity {}", name_, bytes, download_capacity_);
  if (download_.size() == 0)
    download_ = device_.memory().allocate(download_capacity_, vk::MemoryKind::Host, name_ + " readback");
  if (!rec.replaying()) rec.copy(src.sub(0, bytes), download_.view().sub(0, bytes));
  result_ = download_.mapped();
}

void StageTransfers::read(std::span<std::byte> out) const {
  VKLLM_ASSERT(out.size() <= result_bytes_, "{}: read of {} bytes after a download of {}", name_, out.size(),
               result_bytes_);
  std::memcpy(out.data(), result_, out.size());
}

}  // namespace vkllm
