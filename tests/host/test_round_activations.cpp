#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>


#include "engine/quant/blocks.h"
#include "engine/util/fp16.h"
#include "host/cpu/activation_rounding.h"
#include "host/cpu/q8_dot.h"
#include "host/cpu/cpu_features.h"
#include "host/ops/ops.h"
#include "host/vulkan/recorder.h"
#include "host/vulkan_test_env.h"

namespace vkllm::test {
namespace {

class RoundActivationsTest : public VulkanTest, public ::testing::WithParamInterface<GgmlType> {};

TEST_P(RoundActivationsTest, MatchesTheCpuBackend) {
  const GgmlType type = GetParam();
  const uint64_t k = 768, n = 5;
  auto xv = random_floats(k * n, -4, 4, 11);
  std::fill(xv.begin() + 256, xv.begin() + 512, 0.0f);  // an all-zero block
  xv[3] = 9.5f;                                          // a signed extreme of either sign
  xv[600] = -11.0f;
  const auto x = tensor_f32({k, n, 1, 1}, xv);
  const auto out = tensor(GgmlType::F32, {k, n, 1, 1});
  ASSERT_NE(ops::activation_rounding(type, k), ops::ActivationRounding::None);
  vk::Recorder rec(device(), "round_activations");
  ops::round_activations(rec, type, x, out);
  rec.submit_and_wait();
  std::vector<float> want(k * n);
  for (uint64_t r = 0; r < n; ++r) cpu::round_activations(type, &xv[r * k], &want[r * k], int64_t(k));
  const auto got = read_f32(out);
  EXPECT_TRUE(all_close(got, want, 1e-6f, 1e-5f));
  size_t differ = 0;
  std::string first_miss;
  for (size_t i = 0; i < got.size(); ++i) {
    if (got[i] != want[i] && first_miss.empty())
      first_miss = fmt::format("element {}: x {} got {} want {}", i, xv[i], got[i], want[i]);
    differ += got[i] != want[i];
  }
  // Bit-identical on lavapipe; a device whose f16 conversion rounds differently may miss a few.
  EXPECT_LE(differ, got.size() / 1000) << "values rounded differently from the CPU backend; " << first_miss;
}

INSTANTIATE_TEST_SUITE_P(Types, RoundActivationsTest,
                         ::testing::Values(GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q8_0, GgmlType::Q4_K,
                                           GgmlType::Q6_K, GgmlType::F16, GgmlType::BF16),
                         [](const auto& info) { return std::string(type_name(info.param)); });

// The q8 integers times their group's scale are the rounded values exactly (the f32 variant writes
// d * q, the same product; only a zero's sign may differ); q8_0's groups also carry ggml's q8_1 sum.
TEST_F(VulkanTest, RoundActivationsToQ8IntegersAndScales) {
  const uint64_t k = 768, n = 3, column_bytes = 1024;  // 768 int8, 96 bytes of scales, 96 of sums, padding
  auto xv = random_floats(k * n, -4, 4, 21);
  std::fill(xv.begin() + 256, xv.begin() + 512, 0.0f);  // an all-zero block
  xv[1000] = -11.0f;
  const auto x = tensor_f32({k, n, 1, 1}, xv);
  const auto packed = allocate(n * column_bytes, "q8 columns");
  for (GgmlType type : {GgmlType::Q4_0, GgmlType::Q6_K}) {
    vk::Recorder rec(device(), "round to q8");
    ops::round_activations(rec, type, x, ops::Q8Columns{packed.view(), k, n, column_bytes});
    rec.submit_and_wait();
    const auto bytes = download<uint8_t>(packed, n * column_bytes);
    std::vector<float> want(k);
    for (uint64_t j = 0; j < n; ++j) {
      cpu::round_activations(type, &xv[j * k], want.data(), int64_t(k));
      const uint8_t* column = bytes.data() + j * column_bytes;
      for (uint64_t i = 0; i < k; ++i) {
        float scale;
        std::memcpy(&scale, column + k + 4 * (i / 32), 4);
        const float got = float(int8_t(column[i])) * scale;
        ASSERT_EQ(got, want[i])  // equal values; a zero may have either sign
            << type_name(type) << " column " << j << " element " << i << ": x " << xv[j * k + i];
      }
      if (type != GgmlType::Q4_0) continue;
      std::vector<uint8_t> q8_1;
      cpu::quantize_activations(GgmlType::Q8_1, &xv[j * k], int64_t(k), q8_1);
      for (uint64_t g = 0; g < k / 32; ++g) {
        float s;
        std::memcpy(&s, column + k + k / 8 + 4 * g, 4);
        EXPECT_EQ(s, fp16_to_fp32(reinterpret_cast<const BlockQ8_1*>(q8_1.data())[g].s)) << "column " << j << " group " << g;
      }
    }
  }
}

TEST(RoundActivations, NoRoundingForF32OrRowsThatDoNotFitTheBlocks) {
  EXPECT_EQ(ops::activation_rounding(GgmlType::F32, 256), ops::ActivationRounding::None);
  EXPECT_EQ(ops::activation_rounding(GgmlType::Q4_K, 288), ops::ActivationRounding::None);
  EXPECT_EQ(ops::activation_rounding(GgmlType::Q4_K, 768), ops::ActivationRounding::Q8_K);
  EXPECT_EQ(ops::activation_rounding(GgmlType::Q5_1, 288), ops::ActivationRounding::Q8_0);
}

// Floats at the edges of f16 and bf16 rounding: ties, subnormal and overflowing f16 results,
// infinities, NaNs, and a row length that leaves a scalar tail after groups of eight.
std::vector<float> edge_floats() {
  auto x = random_floats(1003, -70000, 70000, 5);
  const auto small = random_floats(200, -1e-4f, 1e-4f, 6);
  std::copy(small.begin(), small.end(), x.begin());
  const float edges[] = {0.0f, -0.0f, 65504.0f, 65520.0f, -65519.0f, 1.0f + 1.0f / 2048, 1.0f + 3.0f / 2048, 5.96e-8f,
                         2.98e-8f, 1.0f + 1.0f / 256, 1.0f + 3.0f / 256, INFINITY, -INFINITY, NAN, 3.0e38f, 1e-40f};
  std::copy(std::begin(edges), std::end(edges), x.begin() + 300);
  return x;
}

// The AVX2/F16C rounding of f16 and bf16 activations gives the scalar floats (both NaN is enough).
TEST(RoundActivations, Avx2GivesTheScalarFloats) {
  if (!cpu::cpu_has_avx2()) GTEST_SKIP() << "no AVX2 on this CPU";
  const auto x = edge_floats();
  for (GgmlType type : {GgmlType::F16, GgmlType::BF16}) {
    std::vector<float> want(x.size()), got(x.size());
    cpu::round_activations(type, x.data(), want.data(), int64_t(x.size()));
    cpu::round_activations_avx2(type, x.data(), got.data(), int64_t(x.size()));
    for (size_t i = 0; i < x.size(); ++i) {
      if (std::isnan(want[i])) {
        EXPECT_TRUE(std::isnan(got[i])) << type_name(type) << " at " << i;
        continue;
      }
      EXPECT_EQ(std::bit_cast<uint32_t>(got[i]), std::bit_cast<uint32_t>(want[i]))
          << type_name(type) << " at " << i << ": " << x[i] << " -> " << got[i] << " vs " << want[i];
    }
  }
}

// The f16 activations the CPU's f16 kernels read, scalar and F16C: the halves of the rounded floats.
TEST(RoundActivations, F16HalvesAreTheRoundedFloats) {
  const auto x = edge_floats();
  std::vector<float> want(x.size());
  cpu::round_activations(GgmlType::F16, x.data(), want.data(), int64_t(x.size()));
  std::vector<uint16_t> scalar(x.size()), avx2(x.size());
  cpu::to_f16(x.data(), scalar.data(), int64_t(x.size()));
  if (cpu::cpu_has_avx2()) cpu::to_f16_avx2(x.data(), avx2.data(), int64_t(x.size()));
  for (size_t i = 0; i < x.size(); ++i) {
    const float s = fp16_to_fp32(scalar[i]), a = fp16_to_fp32(avx2[i]);
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(s)) << "at " << i;
      if (cpu::cpu_has_avx2()) {
        EXPECT_TRUE(std::isnan(a)) << "at " << i;
      }
      continue;
    }
    EXPECT_EQ(std::bit_cast<uint32_t>(s), std::bit_cast<uint32_t>(want[i])) << "scalar at " << i << ": " << x[i];
    if (cpu::cpu_has_avx2()) {
      EXPECT_EQ(avx2[i], scalar[i]) << "F16C at " << i << ": " << x[i];
    }
  }
}

}  // namespace
}  // namespace vkllm::test
