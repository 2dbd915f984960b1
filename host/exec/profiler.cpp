#include "host/exec/profiler.h"

#include <algorithm>

namespace vkllm {

void Profiler::add(const std::vector<vk::DispatchTiming>& timings, uint64_t untimed) {
  std::lock_guard lock(mutex_);
  untimed_ += untimed;
  for (const auto& t : timings) {
    auto& k = by_kernel_[t.label];
    k.kernel = t.label;
    k.count += 1;
    k.total_ms += t.ms;
    k.bytes += t.bytes;
  }
}

void Profiler::clear() {
  std::lock_guard lock(mutex_);
  by_kernel_.clear();
  untimed_ = 0;
}

uint64_t Profiler::untimed() const {
  std::lock_guard lock(mutex_);
  return untimed_;
}

std::vector<KernelTime> Profiler::kernels() const {
  std::lock_guard lock(mutex_);
  std::vector<KernelTime> out;
  for (const auto& [_, k] : by_kernel_) out.push_back(k);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.total_ms > b.total_ms; });
  return out;
}

}  // namespace vkllm
