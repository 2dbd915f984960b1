// Q4_1/Q5_0/Q5_1/Q8_0 weights grouped eight rows at a time (host/cpu/legacy_x8_layout.h), as the
// CPU layers hold them:
//  - only those types with 8k rows are regrouped, into as many bytes, every block where the layout
//    says; group_rows sends Q4_0 to its own layout and leaves the K-quants and floats alone;
//  - the grouped kernels (scalar and AVX2) give the very floats of the file layout's kernel for
//    1..4 tokens and 1..8 rows;
//  - matmul over the copy gives the floats of matmul over the file, on 1 and 2 threads.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "common/test_weights.h"
#include "host/grouped_matmul_check.h"
#include "host/cpu/cpu_ops.h"
#include "host/cpu/legacy_x8_layout.h"
#include "host/cpu/row_dot.h"
#include "host/cpu/row_groups.h"
#include "host/cpu/thread_pool.h"

namespace vkllm::cpu {
namespace {

using test::normal_values;
using test::quantized_weight;

class LegacyX8Layout : public ::testing::TestWithParam<GgmlType> {};

TEST_P(LegacyX8Layout, RegroupsWholeGroupsOfEight) {
  const GgmlType type = GetParam();
  const auto w = quantized_weight(type, 16, 96, 1);
  std::vector<uint8_t> storage;
  const WeightRef grouped = repack_legacy_x8(w.ref(), storage);
  ASSERT_TRUE(grouped.grouped_x8);
  EXPECT_EQ(storage.size(), w.bytes.size());
  EXPECT_NE(storage, w.bytes);
  const size_t block_bytes = w.ref().row_bytes() / 3;
  for (int64_t r = 0; r < 16; ++r)
    for (int64_t i = 0; i < 3; ++i)
      EXPECT_EQ(std::memcmp(legacy_x8_block(grouped.row(uint64_t(r / 8 * 8)), block_bytes, i, int(r % 8)),
                            w.ref().row(uint64_t(r)) + size_t(i) * block_bytes, block_bytes),
                0)
          << r << " " << i;

  const auto odd = quantized_weight(type, 12, 64, 2);
  std::vector<uint8_t> unused;
  EXPECT_FALSE(repacks_legacy_x8(odd.ref()));
  EXPECT_FALSE(group_rows(odd.ref(), unused).grouped_x8);
  EXPECT_TRUE(unused.empty());
}

TEST_P(LegacyX8Layout, GroupedKernelsGiveTheFileKernelsFloats) {
  const GgmlType type = GetParam();
  const int64_t cols = 256;
  const auto w = quantized_weight(type, 8, cols, 3);
  std::vector<uint8_t> storage;
  const WeightRef grouped_ref = group_rows(w.ref(), storage);
  ASSERT_TRUE(grouped_ref.grouped_x8);
  const auto x = normal_values(kMaxDotTokens * cols, 4);
  for (CpuPath path : {CpuPath::Scalar, CpuPath::Avx2}) {
    if (path == CpuPath::Avx2 && !cpu_has_avx2()) continue;
    const DotKernel file = dot_kernel(type, path, 8), grouped = dot_kernel(grouped_ref, path);
    ASSERT_EQ(file.format, grouped.format);
    ASSERT_EQ(grouped.rows, 8);
    const size_t stride = activation_row_bytes(file.format, cols);
    std::vector<uint8_t> act(stride * kMaxDotTokens);
    for (int t = 0; t < kMaxDotTokens; ++t)
      prepare_activations(file.format, &x[size_t(t * cols)], cols, &act[t * stride], path);
    for (int nr = 1; nr <= 8; ++nr)
      for (int nt = 1; nt <= grouped.tokens; ++nt) {
        float want[kMaxDotRows * kMaxDotTokens], got[kMaxDotRows * kMaxDotTokens];
        file.dot(w.bytes.data(), w.ref().row_bytes(), nr, act.data(), stride, nt, cols, want);
        grouped.dot(grouped_ref.row(0), 0, nr, act.data(), stride, nt, cols, got);
        for (int i = 0; i < nr * nt; ++i)
          ASSERT_EQ(got[i], want[i]) << "path " << int(path) << " rows " << nr << " tokens " << nt << " at " << i;
      }
  }
}

TEST_P(LegacyX8Layout, MatmulOverTheCopyGivesTheFileMatmulsFloats) {
  const auto w = quantized_weight(GetParam(), 40, 320, 5);
  std::vector<uint8_t> storage;
  expect_grouped_matmul_gives_file_floats(w.ref(), group_rows(w.ref(), storage));
}

INSTANTIATE_TEST_SUITE_P(Types, LegacyX8Layout,
                         ::testing::Values(GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0),
                         [](const auto& info) { return std::string(type_name(info.param)); });

TEST(RowGroups, EachTypeToItsLayout) {
  std::vector<uint8_t> storage;
  EXPECT_TRUE(groups_rows(quantized_weight(GgmlType::Q4_0, 8, 64, 7).ref()));
  const auto q4_0 = quantized_weight(GgmlType::Q4_0, 8, 64, 7);
  const WeightRef q4_0_grouped = group_rows(q4_0.ref(), storage);
  EXPECT_TRUE(q4_0_grouped.grouped_x8);
  EXPECT_EQ(dot_kernel(q4_0_grouped, CpuPath::Scalar).format, ActivationFormat::Q8_0_SUMS);
  EXPECT_FALSE(groups_rows(q4_0_grouped));  // already grouped
  for (GgmlType kept : {GgmlType::Q4_K, GgmlType::Q6_K, GgmlType::F16, GgmlType::F32}) {
    const auto w = test::blank_weight(kept, 8, 256);
    std::vector<uint8_t> unused;
    EXPECT_FALSE(groups_rows(w.ref())) << type_name(kept);
    EXPECT_FALSE(group_rows(w.ref(), unused).grouped_x8) << type_name(kept);
    EXPECT_TRUE(unused.empty());
  }
}

}  // namespace
}  // namespace vkllm::cpu
