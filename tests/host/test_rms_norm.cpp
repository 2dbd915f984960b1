#include <gtest/gtest.h>

#include "host/cpu/reference_ops.h"
#include "host/ops/ops.h"
#include "host/vulkan/recorder.h"
#include "host/vulkan_test_env.h"

namespace vkllm::test {
namespace {

struct NormCase {
  uint64_t ncols, nrows;
};

std::string case_name(const NormCase& c) { return fmt::format("{}x{}", c.ncols, c.nrows); }
void PrintTo(const NormCase& c, std::ostream* os) { *os << case_name(c); }

class RmsNormTest : public VulkanTest, public ::testing::WithParamInterface<NormCase> {};

TEST_P(RmsNormTest, MatchesReference) {
  const auto [ncols, nrows] = GetParam();
  // Rows with very different magnitudes: a reduction that only sums one subgroup shows up at once.
  auto xv = random_floats(ncols * nrows, -3, 3, uint32_t(ncols));
  for (uint64_t r = 0; r < nrows; ++r)
    for (uint64_t c = 0; c < ncols; ++c) xv[r * ncols + c] *= float(1 + r % 5);
  const auto wv = random_floats(ncols, 0.5f, 1.5f, 7);
  const auto x = tensor_f32({ncols, nrows, 1, 1}, xv);
  const auto w = tensor_f32({ncols, 1, 1, 1}, wv);
  const auto out = tensor(GgmlType::F32, {ncols, nrows, 1, 1});
  vk::Recorder rec(device(), "rms_norm");
  ops::rms_norm(rec, x, w, 1e-5f, out);
  rec.submit_and_wait();
  EXPECT_TRUE(all_close(read_f32(out), cpu::rms_norm(xv, wv, ncols, 1e-5f), 1e-5f, 1e-5f));
}

INSTANTIATE_TEST_SUITE_P(Shapes, RmsNormTest,
                         ::testing::Values(NormCase{1, 1}, NormCase{7, 3}, NormCase{8, 2}, NormCase{127, 4},
                                           NormCase{128, 1}, NormCase{129, 5}, NormCase{1000, 3},
                                           NormCase{4096, 7}, NormCase{5120, 2}, NormCase{64, 70000}),
                         [](const auto& info) { return case_name(info.param); });

}  // namespace
}  // namespace vkllm::test
