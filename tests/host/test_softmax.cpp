#include <gtest/gtest.h>

#include "host/cpu/reference_ops.h"
#include "host/ops/ops.h"
#include "host/vulkan/recorder.h"
#include "host/vulkan_test_env.h"

namespace vkllm::test {
namespace {

struct SoftmaxCase {
  uint64_t ncols, rows_per_head, heads;
  bool mask, causal;
  uint32_t n_past;
};

std::string case_name(const SoftmaxCase& c) {
  return fmt::format("{}x{}x{}{}{}_past{}", c.ncols, c.rows_per_head, c.heads,
                                              c.mask ? "_mask" : "", c.causal ? "_causal" : "", c.n_past);
}
void PrintTo(const SoftmaxCase& c, std::ostream* os) { *os << case_name(c); }

class SoftmaxTest : public VulkanTest, public ::testing::WithParamInterface<SoftmaxCase> {};

TEST_P(SoftmaxTest, MatchesReference) {
  const SoftmaxCase c = GetParam();
  const auto xv = random_floats(c.ncols * c.rows_per_head * c.heads, -10, 10, uint32_t(c.ncols));
  auto mv = random_floats(c.ncols * c.rows_per_head, -2, 0, 5);
  for (size_t i = 0; i < mv.size(); i += 3) mv[i] = -INFINITY;  // masked-out keys, as attention masks have
  const auto x = tensor_f32({c.ncols, c.rows_per_head, c.heads, 1}, xv);
  const auto mask = tensor_f32({c.ncols, c.rows_per_head, 1, 1}, mv);
  const auto out = tensor(GgmlType::F32, {c.ncols, c.rows_per_head, c.heads, 1});
  ops::SoftmaxOptions options;
  options.scale = 0.125f;
  options.mask = c.mask ? &mask.tensor : nullptr;
  options.causal = c.causal;
  options.n_past = c.n_past;
  vk::Recorder rec(device(), "softmax");
  ops::softmax(rec, x, options, out);
  rec.submit_and_wait();
  cpu::SoftmaxArgs args;
  args.ncols = c.ncols;
  args.rows_per_head = c.rows_per_head;
  args.scale = 0.125f;
  if (c.mask) args.mask = mv;
  args.causal = c.causal;
  args.n_past = c.n_past;
  EXPECT_TRUE(all_close(read_f32(out), cpu::softmax(xv, args), 1e-6f, 1e-5f));
}

INSTANTIATE_TEST_SUITE_P(Shapes, SoftmaxTest,
                         ::testing::Values(SoftmaxCase{1, 1, 1, false, false, 0}, SoftmaxCase{7, 3, 2, false, false, 0},
                                           SoftmaxCase{129, 4, 3, false, false, 0},
                                           SoftmaxCase{32000, 1, 1, false, false, 0},  // a vocabulary
                                           SoftmaxCase{37, 5, 4, true, false, 0},
                                           SoftmaxCase{37, 5, 4, false, true, 32},  // decode after a prompt
                                           SoftmaxCase{300, 300, 2, false, true, 0},  // prompt, square
                                           SoftmaxCase{256, 17, 3, true, true, 100}),
                         [](const auto& info) { return case_name(info.param); });

}  // namespace
}  // namespace vkllm::test
