#include "host/exec/device_weights.h"

#include "host/vulkan/device.h"
#include "host/vulkan/memory_pool.h"
#include "host/vulkan/transfer.h"

namespace vkllm {

ops::Tensor DeviceWeights::add(const WeightRef& w) {
  if (!w) return {};
  auto buffer = device_.memory().allocate(w.info->n_bytes, vk::MemoryKind::DeviceLocal, w.info->name);
  vk::upload(device_, buffer.view(), std::as_bytes(w.data));
  const uint64_t rows = w.rows();
  auto tensor = ops::Tensor::contiguous(w.type(), {w.cols(), rows, 1, 1}, buffer.view());
  bytes_ += w.info->n_bytes;
  if (progress_) progress_->add(w.info->n_bytes);
  buffers_.push_back(std::move(buffer));
  return tensor;
}

}  // namespace vkllm
