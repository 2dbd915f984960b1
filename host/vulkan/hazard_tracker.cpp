#include "host/vulkan/hazard_tracker.h"

#include <algorithm>

namespace vkllm::vk {
namespace {

bool overlaps_any(const BufferView& view, const std::vector<BufferView>& views) {
  return std::any_of(views.begin(), views.end(), [&](const BufferView& v) { return v.overlaps(view); });
}

bool is_write(Access access) { return access != Access::Read; }
bool is_read(Access access) { return access != Access::Write; }

}  // namespace

bool HazardTracker::needs_barrier(std::span<const Binding> bindings) const {
  for (const Binding& b : bindings) {
    if (overlaps_any(b.view, writes_)) return true;  // read-after-write or write-after-write
    if (is_write(b.access) && overlaps_any(b.view, reads_)) return true;  // write-after-read
  }
  return false;
}

void HazardTracker::record(std::span<const Binding> bindings) {
  for (const Binding& b : bindings) {
    if (is_read(b.access)) reads_.push_back(b.view);
    if (is_write(b.access)) writes_.push_back(b.view);
  }
}

void HazardTracker::clear() {
  reads_.clear();
  writes_.clear();
}

}  // namespace vkllm::vk
