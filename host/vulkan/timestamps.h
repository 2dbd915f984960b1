#pragma once
// GPU timestamps around each dispatch of a recorder, for per-kernel timing (--profile, benchmarks).
#include <vulkan/vulkan.h>

#include <cstdint>
#include <string>
#include <vector>

#include "host/vulkan/handle.h"

namespace vkllm::vk {

class Device;

struct DispatchTiming {
  std::string label;
  double ms = 0;
  uint64_t bytes = 0;  // sizes of the ranges bound to the dispatch: an upper bound on bytes moved
};

class TimestampPool {
 public:
  static constexpr uint32_t kMaxDispatches = 32768;

  explicit TimestampPool(Device& device);
  // Resets the queries; record before the first timed dispatch of a command buffer.
  void reset(VkCommandBuffer commands);
  // Times the commands recorded between begin() and end(); dispatches past the capacity go untimed
  // (counted by untimed()).
  void begin(VkCommandBuffer commands, std::string label, uint64_t bytes = 0);
  void end(VkCommandBuffer commands);
  // Dispatches of the current command buffer that found the pool full.
  uint32_t untimed() const { return untimed_; }
  // After the command buffer completed.
  std::vector<DispatchTiming> read() const;

 private:
  Device& device_;
  UniqueQueryPool pool_;
  std::vector<std::string> labels_;
  std::vector<uint64_t> bytes_;
  bool open_ = false;
  uint32_t untimed_ = 0;
};

}  // namespace vkllm::vk
