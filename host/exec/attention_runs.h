#pragma once
// Which query tokens of a Vulkan pass take ggml's attention order: as the CPU layers choose between
// their two attention paths, per run of one sequence's consecutive tokens, so that what a sequence
// gets does not depend on what else a server batched with it.
#include <cstdint>
#include <span>
#include <vector>

namespace vkllm {

struct AttentionRuns {
  struct Range {
    uint32_t first = 0, count = 0;
    bool operator==(const Range&) const = default;
  };
  std::vector<Range> in_order;  // tokens of runs shorter than the threshold, adjacent runs merged
  bool any_split = false;       // some run is as long as the threshold or longer
};

// runs: lengths of the pass's runs in token order; runs shorter than `below` go in order.
AttentionRuns attention_runs(std::span<const int64_t> runs, uint64_t below);

}  // namespace vkllm
