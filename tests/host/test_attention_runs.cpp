// Which tokens of a Vulkan pass take ggml's attention order (host/exec/attention_runs.h): the runs
// below the threshold, adjacent ones merged, whatever else shares the pass.
#include <gtest/gtest.h>

#include "host/exec/attention_runs.h"

namespace vkllm {
namespace {

using Range = AttentionRuns::Range;

TEST(AttentionRuns, ShortRunsInOrderLongOnesSplit) {
  const std::vector<int64_t> runs = {5, 3, 70, 1, 64, 2};
  const auto got = attention_runs(runs, 64);
  EXPECT_TRUE(got.any_split);
  EXPECT_EQ(got.in_order, (std::vector<Range>{{0, 8}, {78, 1}, {143, 2}}));
}

TEST(AttentionRuns, ThresholdsNeverAndAlways) {
  const std::vector<int64_t> runs = {5, 100};
  const auto never = attention_runs(runs, 0);
  EXPECT_TRUE(never.any_split);
  EXPECT_TRUE(never.in_order.empty());
  const auto always = attention_runs(runs, UINT64_MAX);
  EXPECT_FALSE(always.any_split);
  EXPECT_EQ(always.in_order, (std::vector<Range>{{0, 105}}));
  EXPECT_TRUE(attention_runs({}, 64).in_order.empty());
}

}  // namespace
}  // namespace vkllm
