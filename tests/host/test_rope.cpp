#include <gtest/gtest.h>

#include "host/cpu/reference_ops.h"
#include "host/ops/ops.h"
#include "host/vulkan/recorder.h"
#include "host/vulkan_test_env.h"

namespace vkllm::test {
namespace {

struct RopeCase {
  uint64_t head_dim, n_heads, n_tokens, n_dims;
  bool neox;
  float freq_base, freq_scale;
  int32_t max_position;
};

std::string case_name(const RopeCase& c) {
  return fmt::format("{}_d{}x{}x{}_rot{}_pos{}", c.neox ? "neox" : "norm", c.head_dim,
                                              c.n_heads, c.n_tokens, c.n_dims, c.max_position);
}
void PrintTo(const RopeCase& c, std::ostream* os) { *os << case_name(c); }

class RopeTest : public VulkanTest, public ::testing::WithParamInterface<RopeCase> {};

TEST_P(RopeTest, MatchesReference) {
  const RopeCase c = GetParam();
  const auto xv = random_floats(c.head_dim * c.n_heads * c.n_tokens, -2, 2, uint32_t(c.head_dim));
  const auto pv = random_ints(c.n_tokens, 0, c.max_position, 9);
  const auto x = tensor_f32({c.head_dim, c.n_heads, c.n_tokens, 1}, xv);
  const auto pos = tensor(GgmlType::I32, {c.n_tokens, 1, 1, 1},
                          {reinterpret_cast<const uint8_t*>(pv.data()), pv.size() * 4});
  const auto out = tensor(GgmlType::F32, {c.head_dim, c.n_heads, c.n_tokens, 1});
  ops::RopeOptions options{c.neox ? ops::RopeMode::Neox : ops::RopeMode::Normal, uint32_t(c.n_dims), c.freq_base,
                           c.freq_scale};
  vk::Recorder rec(device(), "rope");
  ops::rope(rec, x, pos, options, out);
  ops::rope(rec, x, pos, options, x);  // in place
  rec.submit_and_wait();
  cpu::RopeArgs args{c.head_dim, c.n_heads, c.n_dims, c.neox, c.freq_base, c.freq_scale};
  const auto want = cpu::rope(xv, pv, args);
  // Angles reach max_position radians; float32 sin/cos of them carry ~position * 1e-7 of error.
  const float abs = 2e-6f * float(std::max(c.max_position, 1)) + 1e-5f;
  EXPECT_TRUE(all_close(read_f32(out), want, abs, 1e-5f));
  EXPECT_TRUE(all_close(read_f32(x), want, abs, 1e-5f));
}

INSTANTIATE_TEST_SUITE_P(Shapes, RopeTest,
                         ::testing::Values(RopeCase{2, 1, 1, 2, false, 10000, 1, 0},
                                           RopeCase{64, 4, 7, 64, false, 10000, 1, 100},
                                           RopeCase{64, 4, 7, 64, true, 10000, 1, 100},
                                           RopeCase{128, 3, 5, 64, false, 500000, 1, 4000},  // partial rotation
                                           RopeCase{128, 3, 5, 64, true, 500000, 1, 4000},
                                           RopeCase{80, 5, 9, 80, true, 10000, 0.25f, 2000},  // linear scaling
                                           RopeCase{96, 32, 33, 96, false, 1e6f, 1, 30000}),
                         [](const auto& info) { return case_name(info.param); });

}  // namespace
}  // namespace vkllm::test
