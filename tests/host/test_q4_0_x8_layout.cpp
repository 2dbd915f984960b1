// Q4_0 weights grouped eight rows at a time (host/cpu/q4_0_x8_layout.h), as the CPU layers hold them:
//  - only Q4_0 weights of 8k rows are repacked, into as many bytes, and every block reads back;
//  - the grouped kernels (scalar and AVX2) give the very floats of the kernel over the file's rows
//    for 1..8 tokens;
//  - matmul over the repacked copy gives the floats of matmul over the file, on 1 and 2 threads.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "common/test_weights.h"
#include "host/grouped_matmul_check.h"
#include "host/cpu/cpu_ops.h"
#include "host/cpu/q4_0_x8_layout.h"
#include "host/cpu/row_dot.h"
#include "host/cpu/thread_pool.h"

namespace vkllm::cpu {
namespace {

using test::normal_values;
using test::quantized_weight;

TEST(Q4_0x8Layout, RepacksOnlyQ4_0InGroupsOfEight) {
  const auto w = quantized_weight(GgmlType::Q4_0, 16, 64, 1);
  std::vector<uint8_t> storage;
  const WeightRef packed = repack_q4_0_x8(w.ref(), storage);
  ASSERT_TRUE(packed.grouped_x8);
  EXPECT_EQ(storage.size(), w.bytes.size());
  EXPECT_NE(storage, w.bytes);
  for (int64_t r = 0; r < 16; ++r)
    for (int64_t i = 0; i < 2; ++i) {
      const BlockQ4_0 got = q4_0_x8_block(packed.row(uint64_t(r / 8 * 8)), i, int(r % 8));
      EXPECT_EQ(std::memcmp(&got, w.ref().row(uint64_t(r)) + i * sizeof(BlockQ4_0), sizeof(got)), 0) << r << " " << i;
    }

  const auto odd = quantized_weight(GgmlType::Q4_0, 12, 64, 2);  // not whole groups: llama.cpp leaves such tensors too
  std::vector<uint8_t> unused;
  EXPECT_FALSE(repacks_q4_0_x8(odd.ref()));
  EXPECT_FALSE(repack_q4_0_x8(odd.ref(), unused).grouped_x8);
  EXPECT_TRUE(unused.empty());
}

TEST(Q4_0x8Layout, GroupedKernelsGiveTheFileKernelsFloats) {
  const int64_t cols = 256;
  const auto w = quantized_weight(GgmlType::Q4_0, 8, cols, 3);
  std::vector<uint8_t> storage;
  const WeightRef packed = repack_q4_0_x8(w.ref(), storage);
  const auto x = normal_values(kMaxDotTokens * cols, 4);
  for (CpuPath path : {CpuPath::Scalar, CpuPath::Avx2}) {
    if (path == CpuPath::Avx2 && !cpu_has_avx2()) continue;
    const DotKernel file = dot_kernel(GgmlType::Q4_0, CpuPath::Scalar, 8), grouped = dot_kernel(packed, path);
    ASSERT_EQ(file.format, grouped.format);
    ASSERT_EQ(grouped.rows, 8);
    const size_t stride = activation_row_bytes(file.format, cols);
    std::vector<uint8_t> act(stride * kMaxDotTokens);
    for (int t = 0; t < kMaxDotTokens; ++t)
      prepare_activations(file.format, &x[size_t(t * cols)], cols, &act[t * stride], CpuPath::Scalar);
    for (int nt = 1; nt <= grouped.tokens; ++nt) {
      float want[kMaxDotRows * kMaxDotTokens], got[kMaxDotRows * kMaxDotTokens];
      file.dot(w.bytes.data(), w.ref().row_bytes(), 8, act.data(), stride, nt, cols, want);
      grouped.dot(packed.row(0), 0, 8, act.data(), stride, nt, cols, got);
      for (int i = 0; i < 8 * nt; ++i) ASSERT_EQ(got[i], want[i]) << "path " << int(path) << " tokens " << nt << " at " << i;
    }
  }
}

TEST(Q4_0x8Layout, MatmulOverTheCopyGivesTheFileMatmulsFloats) {
  const auto w = quantized_weight(GgmlType::Q4_0, 40, 320, 5);
  std::vector<uint8_t> storage;
  expect_grouped_matmul_gives_file_floats(w.ref(), repack_q4_0_x8(w.ref(), storage));
}

}  // namespace
}  // namespace vkllm::cpu
