#include <gtest/gtest.h>

#include "host/cpu/quant_reference.h"
#include "host/cpu/reference_ops.h"
#include "host/ops/ops.h"
#include "host/vulkan/recorder.h"
#include "host/vulkan_test_env.h"

namespace vkllm::test {
namespace {

struct GetRowsCase {
  GgmlType type;
  uint64_t ncols, nrows, n_indices;
};

std::string case_name(const GetRowsCase& c) {
  return fmt::format("{}_{}x{}_take{}", type_name(c.type), c.ncols, c.nrows, c.n_indices);
}
void PrintTo(const GetRowsCase& c, std::ostream* os) { *os << case_name(c); }

class GetRowsTest : public VulkanTest, public ::testing::WithParamInterface<GetRowsCase> {};

TEST_P(GetRowsTest, MatchesReference) {
  const GetRowsCase c = GetParam();
  const auto table = cpu::quantize(c.type, random_floats(c.ncols * c.nrows, -1, 1, uint32_t(c.ncols)));
  const auto iv = random_ints(c.n_indices, 0, int32_t(c.nrows - 1), 4);
  const auto src = tensor(c.type, {c.ncols, c.nrows, 1, 1}, table);
  const auto idx = tensor(GgmlType::I32, {c.n_indices, 1, 1, 1},
                          {reinterpret_cast<const uint8_t*>(iv.data()), iv.size() * 4});
  const auto out = tensor(GgmlType::F32, {c.ncols, c.n_indices, 1, 1});
  vk::Recorder rec(device(), "get_rows");
  ops::get_rows(rec, src, idx, out);
  rec.submit_and_wait();
  // Dequantisation is exact in f32 (one f16 scale times a small integer).
  EXPECT_TRUE(all_close(read_f32(out), cpu::get_rows(c.type, table, c.ncols, iv), 0, 0));
}

INSTANTIATE_TEST_SUITE_P(Types, GetRowsTest,
                         ::testing::Values(GetRowsCase{GgmlType::F32, 1, 3, 5}, GetRowsCase{GgmlType::F32, 257, 9, 4},
                                           GetRowsCase{GgmlType::F16, 3, 7, 9}, GetRowsCase{GgmlType::F16, 4096, 11, 3},
                                           GetRowsCase{GgmlType::Q8_0, 32, 5, 7}, GetRowsCase{GgmlType::Q8_0, 288, 33, 17},
                                           GetRowsCase{GgmlType::Q8_0, 4096, 10, 4},
                                           GetRowsCase{GgmlType::Q4_0, 32, 5, 7}, GetRowsCase{GgmlType::Q4_0, 288, 33, 17},
                                           GetRowsCase{GgmlType::Q4_0, 4096, 10, 4}),
                         [](const auto& info) { return case_name(info.param); });

TEST_F(VulkanTest, GetRowsRejectsUnsupportedTypes) {
  const auto src = tensor(GgmlType::Q4_K, {256, 2, 1, 1});
  const auto idx = tensor(GgmlType::I32, {1, 1, 1, 1});
  const auto out = tensor(GgmlType::F32, {256, 1, 1, 1});
  vk::Recorder rec(device(), "bad");
  EXPECT_THROW(ops::get_rows(rec, src, idx, out), Error);
}

}  // namespace
}  // namespace vkllm::test
