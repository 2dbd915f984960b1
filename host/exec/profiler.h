#pragma once
// Per-kernel GPU time gathered from the recorders' timestamp queries (bench --profile).
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "host/vulkan/timestamps.h"

namespace vkllm {

struct KernelTime {
  std::string kernel;
  uint64_t count = 0;
  double total_ms = 0;
  uint64_t bytes = 0;  // bound to its dispatches, summed
};

class Profiler {
 public:
  // `untimed`: dispatches of that submission the timestamp pool had no room for.
  void add(const std::vector<vk::DispatchTiming>& timings, uint64_t untimed = 0);
  // Dispatches missing from kernels() since the last clear().
  uint64_t untimed() const;
  void clear();
  // Kernels by total time, longest first.
  std::vector<KernelTime> kernels() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, KernelTime> by_kernel_;
  uint64_t untimed_ = 0;
};

}  // namespace vkllm
