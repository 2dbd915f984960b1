#include "host/vulkan/timestamps.h"

#include "engine/util/check.h"
#include "engine/util/log.h"
#include "host/vulkan/device.h"
#include "host/vulkan/vk_check.h"

namespace vkllm::vk {

TimestampPool::TimestampPool(Device& device) : device_(device) {
  if (device.info().limits.timestamp_valid_bits == 0)
    fail("device '{}' has no timestamps on its compute queue", device.info().name);
  auto info = make_struct<VkQueryPoolCreateInfo>(VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO);
  info.queryType = VK_QUERY_TYPE_TIMESTAMP;
  info.queryCount = 2 * kMaxDispatches;
  VkQueryPool pool = VK_NULL_HANDLE;
  VKLLM_VK_CHECK(vkCreateQueryPool(device.handle(), &info, nullptr, &pool));
  pool_ = UniqueQueryPool(device.handle(), pool);
  device.set_name(VK_OBJECT_TYPE_QUERY_POOL, uint64_t(pool), "timestamps");
}

void TimestampPool::reset(VkCommandBuffer commands) {
  vkCmdResetQueryPool(commands, pool_.get(), 0, 2 * kMaxDispatches);
  labels_.clear();
  bytes_.clear();
  untimed_ = 0;
}

void TimestampPool::begin(VkCommandBuffer commands, std::string label, uint64_t bytes) {
  VKLLM_ASSERT(!open_, "nested timestamp ranges");
  if (labels_.size() >= kMaxDispatches) {
    ++untimed_;
    return;
  }
  vkCmdWriteTimestamp(commands, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, pool_.get(), uint32_t(2 * labels_.size()));
  labels_.push_back(std::move(label));
  bytes_.push_back(bytes);
  open_ = true;
}

void TimestampPool::end(VkCommandBuffer commands) {
  if (!open_) return;
  vkCmdWriteTimestamp(commands, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, pool_.get(), uint32_t(2 * labels_.size() - 1));
  open_ = false;
}

std::vector<DispatchTiming> TimestampPool::read() const {
  std::vector<DispatchTiming> timings;
  if (labels_.empty()) return timings;
  std::vector<uint64_t> ticks(2 * labels_.size());
  VKLLM_VK_CHECK(vkGetQueryPoolResults(device_.handle(), pool_.get(), 0, uint32_t(ticks.size()),
                                       ticks.size() * sizeof(uint64_t), ticks.data(), sizeof(uint64_t),
                                       VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT));
  const uint32_t bits = device_.info().limits.timestamp_valid_bits;
  const uint64_t mask = bits >= 64 ? ~0ull : (1ull << bits) - 1;
  const double ns_per_tick = device_.info().limits.timestamp_period_ns;
  for (size_t i = 0; i < labels_.size(); ++i) {
    const uint64_t elapsed = ((ticks[2 * i + 1] & mask) - (ticks[2 * i] & mask)) & mask;
    timings.push_back({labels_[i], double(elapsed) * ns_per_tick * 1e-6, bytes_[i]});
  }
  return timings;
}

}  // namespace vkllm::vk
