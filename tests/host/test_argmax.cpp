#include <gtest/gtest.h>

#include "host/cpu/reference_ops.h"
#include "host/ops/ops.h"
#include "host/vulkan/recorder.h"
#include "host/vulkan_test_env.h"

namespace vkllm::test {
namespace {

struct ArgmaxCase {
  uint64_t ncols, nrows;
};

std::string case_name(const ArgmaxCase& c) { return fmt::format("{}x{}", c.ncols, c.nrows); }
void PrintTo(const ArgmaxCase& c, std::ostream* os) { *os << case_name(c); }

class ArgmaxTest : public VulkanTest, public ::testing::WithParamInterface<ArgmaxCase> {};

TEST_P(ArgmaxTest, MatchesReference) {
  const auto [ncols, nrows] = GetParam();
  auto xv = random_floats(ncols * nrows, -5, 5, uint32_t(ncols));
  // Put each row's maximum in a different subgroup and lane, and add ties (lowest index wins).
  for (uint64_t r = 0; r < nrows; ++r) {
    const uint64_t at = (r * 37 + 11) % ncols;
    xv[r * ncols + at] = 100.0f;
    if (r % 2 == 1) xv[r * ncols + (at + ncols / 2) % ncols] = 100.0f;
  }
  const auto x = tensor_f32({ncols, nrows, 1, 1}, xv);
  const auto out = tensor(GgmlType::I32, {nrows, 1, 1, 1});
  vk::Recorder rec(device(), "argmax");
  ops::argmax(rec, x, out);
  rec.submit_and_wait();
  EXPECT_EQ(read_i32(out), cpu::argmax(xv, ncols));
}

INSTANTIATE_TEST_SUITE_P(Shapes, ArgmaxTest,
                         ::testing::Values(ArgmaxCase{1, 1}, ArgmaxCase{7, 5}, ArgmaxCase{129, 9}, ArgmaxCase{1000, 13},
                                           ArgmaxCase{32000, 3}, ArgmaxCase{151936, 1}),
                         [](const auto& info) { return case_name(info.param); });

}  // namespace
}  // namespace vkllm::test
