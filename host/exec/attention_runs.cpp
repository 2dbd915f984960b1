#include "host/exec/attention_runs.h"

namespace vkllm {

AttentionRuns attention_runs(std::span<const int64_t> runs, uint64_t below) {
  AttentionRuns out;
  uint32_t first = 0;
  for (const int64_t run : runs) {
    const auto length = uint32_t(run);
    if (uint64_t(run) >= below) out.any_split = true;
    else if (!out.in_order.empty() && out.in_order.back().first + out.in_order.back().count == first)
      out.in_order.back().count += length;
    else out.in_order.push_back({first, length});
    first += length;
  }
  return out;
}

}  // namespace vkllm
