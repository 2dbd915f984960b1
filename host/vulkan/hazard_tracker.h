#pragma once
// Decides where the recorder needs a barrier: bindings are tagged read or write, and a command that
// writes what an earlier one read or wrote (or reads what an earlier one wrote) since the last
// barrier gets a barrier first. Ops never place barriers themselves.
#include <span>
#include <vector>

#include "host/vulkan/buffer.h"

namespace vkllm::vk {

enum class Access { Read, Write, ReadWrite };

struct Binding {
  BufferView view;
  Access access = Access::Read;
};

inline Binding reads(const BufferView& view) { return {view, Access::Read}; }
inline Binding writes(const BufferView& view) { return {view, Access::Write}; }
inline Binding reads_writes(const BufferView& view) { return {view, Access::ReadWrite}; }

class HazardTracker {
 public:
  // True when a command touching `bindings` must wait for the commands recorded since the last barrier.
  bool needs_barrier(std::span<const Binding> bindings) const;
  void record(std::span<const Binding> bindings);
  void clear();

 private:
  std::vector<BufferView> reads_;
  std::vector<BufferView> writes_;
};

}  // namespace vkllm::vk
