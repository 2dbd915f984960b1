// The Vulkan kernels in ggml's order (ops::SumOrder::Ggml, RopeOptions::angles) against the CPU
// layers' functions, which compute as llama.cpp's CPU backend does: every bit must agree, so that a
// layer gives the same floats on either side of a split. Needs shaderFloat64 (lavapipe has it);
// elsewhere the ops must refuse.
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <numeric>
#include <vector>

#include "engine/quant/blocks.h"
#include "engine/util/fp16.h"
#include "host/cpu/cpu_ops.h"
#include "host/cpu/row_dot.h"
#include "host/cpu/rope_angles.h"
#include "host/ops/ops.h"
#include "host/vulkan/recorder.h"
#include "host/vulkan_test_env.h"
#include "common/test_weights.h"

namespace vkllm::test {
namespace {

// How many of got's floats equal want's bit for bit.
size_t identical(const std::vector<float>& got, const std::vector<float>& want) {
  EXPECT_EQ(got.size(), want.size());
  size_t same = 0;
  for (size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    const bool equal = std::memcmp(&got[i], &want[i], 4) == 0;
    if (!equal && i - same < 5) ADD_FAILURE() << "element " << i << ": " << got[i] << " against " << want[i];
    same += equal;
  }
  return same;
}

class GgmlOrder : public VulkanTest {
 protected:
  void SetUp() override {
    VulkanTest::SetUp();
    if (!ops::has_ggml_order(device())) GTEST_SKIP() << "no shaderFloat64 on this device";
  }
};

TEST_F(GgmlOrder, SwigluIsTheCpus) {
  auto gv = random_floats(20000, -12, 12, 1);
  for (float g : {-60.0f, -70.0f, -80.0f, -84.0f, -85.0f, -86.5f, -87.0f, 0.0f, -0.0f, 1e-30f, 86.0f, -86.0f, 88.5f, -88.5f, 100.0f, -100.0f, 1e10f, -1e10f}) gv.push_back(g);
  const auto uv = random_floats(gv.size(), -3, 3, 2);
  const auto gate = tensor_f32({gv.size(), 1, 1, 1}, gv), up = tensor_f32({uv.size(), 1, 1, 1}, uv);
  const auto out = tensor(GgmlType::F32, {gv.size(), 1, 1, 1});
  vk::Recorder rec(device(), "swiglu ggml");
  ops::swiglu(rec, gate, up, out, ops::SumOrder::Ggml);
  rec.submit_and_wait();
  auto want = gv;
  cpu::swiglu(want.data(), uv.data(), int64_t(want.size()));
  const auto got = read_f32(out);
  EXPECT_EQ(identical(got, want), got.size());
}

TEST_F(GgmlOrder, RmsNormIsTheCpus) {
  for (const uint64_t width : {64u, 256u, 2048u}) {
    const uint64_t rows = 9;
    const auto xv = random_floats(width * rows, -4, 4, uint32_t(width));
    const auto wv = random_floats(width, -2, 2, 7);
    const auto x = tensor_f32({width, rows, 1, 1}, xv), w = tensor_f32({width, 1, 1, 1}, wv);
    const auto out = tensor(GgmlType::F32, {width, rows, 1, 1});
    vk::Recorder rec(device(), "rms_norm ggml");
    ops::rms_norm(rec, x, w, 1e-5f, out, ops::SumOrder::Ggml);
    rec.submit_and_wait();
    TestWeight weight = blank_weight(GgmlType::F32, 1, int64_t(width));
    std::memcpy(weight.bytes.data(), wv.data(), width * 4);
    std::vector<float> want(xv.size());
    cpu::rms_norm(xv.data(), weight.ref(), int64_t(rows), int64_t(width), 1e-5f, want.data());
    const auto got = read_f32(out);
    EXPECT_EQ(identical(got, want), got.size()) << "width " << width;
  }
}

struct GgmlRopeCase {
  uint32_t head_dim, n_rot, n_heads, n_tokens;
  RopeType type;
  float freq_base, freq_scale;
};

class GgmlOrderRope : public GgmlOrder, public ::testing::WithParamInterface<GgmlRopeCase> {};

TEST_P(GgmlOrderRope, IsTheCpus) {
  const GgmlRopeCase c = GetParam();
  Hparams hp;
  hp.head_dim = c.head_dim;
  hp.n_rot = c.n_rot;
  hp.rope_type = c.type;
  hp.rope_freq_base = c.freq_base;
  hp.rope_freq_scale = c.freq_scale;
  const auto xv = random_floats(uint64_t(c.head_dim) * c.n_heads * c.n_tokens, -3, 3, c.head_dim + c.n_tokens);
  const auto positions = random_ints(c.n_tokens, 0, 3000, 4);
  std::vector<float> table(size_t(c.n_tokens) * c.n_rot);
  for (uint32_t t = 0; t < c.n_tokens; ++t) cpu::rope_angles(positions[t], hp, &table[size_t(t) * c.n_rot]);
  const auto x = tensor_f32({c.head_dim, c.n_heads, c.n_tokens, 1}, xv);
  const auto pos = tensor(GgmlType::I32, {c.n_tokens, 1, 1, 1},
                          {reinterpret_cast<const uint8_t*>(positions.data()), positions.size() * 4});
  const auto angles = tensor_f32({2, c.n_rot / 2, c.n_tokens, 1}, table);
  const auto out = tensor(GgmlType::F32, {c.head_dim, c.n_heads, c.n_tokens, 1});
  ops::RopeOptions options;
  options.mode = c.type == RopeType::Neox ? ops::RopeMode::Neox : ops::RopeMode::Normal;
  options.n_dims = c.n_rot;
  options.angles = &angles.tensor;
  vk::Recorder rec(device(), "rope ggml");
  ops::rope(rec, x, pos, options, out);
  rec.submit_and_wait();
  auto want = xv;
  cpu::rope(want.data(), positions, c.n_heads, hp);
  const auto got = read_f32(out);
  EXPECT_EQ(identical(got, want), got.size());
}

INSTANTIATE_TEST_SUITE_P(Shapes, GgmlOrderRope,
                         ::testing::Values(GgmlRopeCase{64, 64, 4, 9, RopeType::Normal, 10000, 1},
                                           GgmlRopeCase{64, 64, 4, 9, RopeType::Neox, 1e6f, 1},
                                           GgmlRopeCase{128, 64, 3, 5, RopeType::Normal, 500000, 0.25f}),  // partial
                         [](const auto& info) {
                           const GgmlRopeCase& c = info.param;
                           return fmt::format("{}_d{}_rot{}", c.type == RopeType::Neox ? "neox" : "norm",
                                              c.head_dim, c.n_rot);
                         });

// Legacy quants and K-quants times x rounded to q8_0 / q8_K (the integer columns of the
// uniform-buffer kernel): in ggml's eight lanes and their fixed sum (with the offsets' or mins'
// chains of q4_1/q5_1/q2_K/q4_K/q5_K), q4_0 (8k rows) in the repacked gemv's one chain, q2_K/q4_K
// (8k rows) in the repacked gemv's and gemm's two chains (six columns: four through the gemm; 192,
// the most the kernels take, all through the gemm).
// Tensors of 8k rows and not, blocks off the word grid, several dispatches (2000 rows of
// k = 1024), rows too long for eight to a slot (k = 16384).
class GgmlOrderMatVec : public GgmlOrder, public ::testing::WithParamInterface<GgmlType> {};

// Quantized by the CPU quantizer where it writes the type; K-quants as random bytes with sane d
// and dmin.
TestWeight weight_of(GgmlType type, int64_t rows, int64_t cols, uint32_t seed) {
  size_t block = 0, d_at = 0, dmin_at = 0;
  switch (type) {
    case GgmlType::Q2_K: block = sizeof(BlockQ2_K), d_at = offsetof(BlockQ2_K, d), dmin_at = offsetof(BlockQ2_K, dmin); break;
    case GgmlType::Q3_K: block = sizeof(BlockQ3_K), d_at = dmin_at = offsetof(BlockQ3_K, d); break;
    case GgmlType::Q4_K: block = sizeof(BlockQ4_K), d_at = 0, dmin_at = 2; break;
    case GgmlType::Q5_K: block = sizeof(BlockQ5_K), d_at = 0, dmin_at = 2; break;
    case GgmlType::Q6_K: block = sizeof(BlockQ6_K), d_at = dmin_at = offsetof(BlockQ6_K, d); break;
    default: return quantized_weight(type, rows, cols, seed);
  }
  TestWeight w = blank_weight(type, rows, cols);
  const auto bytes = random_ints(w.bytes.size(), 0, 255, seed);
  for (size_t i = 0; i < w.bytes.size(); ++i) w.bytes[i] = uint8_t(bytes[i]);
  for (size_t b = 0; b < w.bytes.size() / block; ++b) {
    const uint16_t dmin = fp32_to_fp16(0.0007f * float(1 + b % 5)), d = fp32_to_fp16(0.001f * float(1 + b % 7));
    std::memcpy(&w.bytes[b * block + dmin_at], &dmin, 2);
    std::memcpy(&w.bytes[b * block + d_at], &d, 2);
  }
  return w;
}

TEST_P(GgmlOrderMatVec, IsTheCpus) {
  const GgmlType type = GetParam();
  for (const auto [m, k, n] :
       {std::array<uint64_t, 3>{40, 256, 1}, {64, 768, 3}, {36, 512, 2}, {24, 256, 6}, {2000, 1024, 1}, {8, 16384, 1},
        {16, 256, 192}}) {
    if (type == GgmlType::Q4_0 && m % 8 != 0) continue;  // no such kernel (below)
    const TestWeight weight = weight_of(type, int64_t(m), int64_t(k), uint32_t(m + k));
    const auto xv = random_floats(k * n, -2, 2, uint32_t(k));
    const auto w = tensor(type, {k, m, 1, 1}, weight.bytes);
    const auto x = tensor_f32({k, n, 1, 1}, xv);
    const auto out = tensor(GgmlType::F32, {m, n, 1, 1});
    const auto scratch = allocate(k * n * 4 + 4096, "q8 columns");
    const auto q8 = ops::q8_columns_for(device(), w, x, scratch.view());
    if (!q8) GTEST_SKIP() << "no q8 columns on this device";
    ASSERT_TRUE(ops::has_ggml_order(device(), w));
    vk::Recorder rec(device(), "mul_mat ggml");
    ops::round_activations(rec, type, x, *q8);
    ops::mul_mat(rec, w, *q8, out, ops::SumOrder::Ggml);
    rec.submit_and_wait();
    std::vector<float> want(m * n);
    std::vector<uint8_t> blocks;
    for (uint64_t j = 0; j < n; ++j) {
      const cpu::DotKernel kernel = cpu::dot_kernel(type, cpu::CpuPath::Scalar, int64_t(m));
      blocks.resize(cpu::activation_row_bytes(kernel.format, int64_t(k)));
      cpu::prepare_activations(kernel.format, &xv[j * k], int64_t(k), blocks.data(), cpu::CpuPath::Scalar);
      // the columns ggml's batch kernel takes (repacked Q2_K/Q4_K: the leading whole fours)
      const bool batch = int64_t(j) < kernel.batch_tokens(int64_t(n), int64_t(k));
      for (uint64_t r = 0; r < m; ++r)
        (batch ? kernel.batch_dot : kernel.dot)(weight.ref().row(r), 0, 1, blocks.data(), 0, 1, int64_t(k),
                                                &want[j * m + r]);
    }
    const auto got = read_f32(out);
    EXPECT_EQ(identical(got, want), got.size()) << m << "x" << k << " n=" << n;
  }
}

INSTANTIATE_TEST_SUITE_P(Types, GgmlOrderMatVec,
                         ::testing::Values(GgmlType::Q8_0, GgmlType::Q4_0, GgmlType::Q5_0, GgmlType::Q4_1, GgmlType::Q5_1,
                                           GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K,
                                           GgmlType::Q6_K),
                         [](const auto& info) { return std::string(type_name(info.param)); });

// F32 and F16 weights: columns alone as ggml_vec_dot (64-element steps, a rest past them), columns
// in runs of two or more as tinyBLAS where the tensor has 4k rows (of 16k elements), as the CPU
// layers pick per run.
struct FloatCase {
  uint64_t m, k;
  std::vector<int64_t> runs;
};

class GgmlOrderFloatMatVec : public GgmlOrder, public ::testing::WithParamInterface<GgmlType> {};

TEST_P(GgmlOrderFloatMatVec, IsTheCpus) {
  const GgmlType type = GetParam();
  for (const FloatCase& c : {FloatCase{40, 256, {1}}, FloatCase{64, 96, {3}}, FloatCase{42, 256, {2}},
                             FloatCase{64, 768, {1, 2, 1}}, FloatCase{300, 4096, {2}}, FloatCase{8, 64, {1, 191}}}) {
    const uint64_t n = uint64_t(std::accumulate(c.runs.begin(), c.runs.end(), int64_t(0)));
    SCOPED_TRACE(fmt::format("{}x{} runs of {}", c.m, c.k, fmt::join(c.runs, ",")));
    const TestWeight weight = quantized_weight(type, int64_t(c.m), int64_t(c.k), uint32_t(c.m + c.k));
    const auto xv = random_floats(c.k * n, -2, 2, uint32_t(c.k));
    const auto w = tensor(type, {c.k, c.m, 1, 1}, weight.bytes);
    const auto x = tensor_f32({c.k, n, 1, 1}, xv);
    const auto rounded = tensor(GgmlType::F32, {c.k, n, 1, 1});
    const auto out = tensor(GgmlType::F32, {c.m, n, 1, 1});
    ASSERT_TRUE(ops::mul_mat_ggml_fits(device(), w, x));
    vk::Recorder rec(device(), "mul_mat ggml float");
    if (type == GgmlType::F16) ops::round_activations(rec, type, x, rounded);
    ops::mul_mat_ggml(rec, w, type == GgmlType::F16 ? rounded : x, out, c.runs);
    rec.submit_and_wait();

    const cpu::DotKernel kernel = cpu::dot_kernel(type, cpu::CpuPath::Scalar, int64_t(c.m));
    std::vector<float> want(c.m * n);
    std::vector<uint8_t> act(cpu::activation_row_bytes(kernel.format, int64_t(c.k)));
    uint64_t col = 0;
    for (const int64_t run : c.runs)
      for (int64_t i = 0; i < run; ++i, ++col) {
        cpu::prepare_activations(kernel.format, &xv[col * c.k], int64_t(c.k), act.data(), cpu::CpuPath::Scalar);
        const bool batch = kernel.batch_tokens(run, int64_t(c.k)) > 0;
        for (uint64_t r = 0; r < c.m; ++r)
          (batch ? kernel.batch_dot : kernel.dot)(weight.ref().row(r), 0, 1, act.data(), 0, 1, int64_t(c.k),
                                                  &want[col * c.m + r]);
      }
    const auto got = read_f32(out);
    EXPECT_EQ(identical(got, want), got.size());
  }
}

INSTANTIATE_TEST_SUITE_P(Types, GgmlOrderFloatMatVec, ::testing::Values(GgmlType::F32, GgmlType::F16),
                         [](const auto& info) { return std::string(type_name(info.param)); });

// q4_0 tensors whose rows ggml does not repack (not 8k of them) have no such kernel, nor has bf16.
TEST_F(GgmlOrder, MatVecOnlyWhereItApplies) {
  for (const auto& [type, rows] : {std::pair{GgmlType::Q4_0, 7}}) {
    const TestWeight weight = blank_weight(type, rows, 256);  // the values do not matter
    const auto w = tensor(type, {256, uint64_t(rows), 1, 1}, weight.bytes);
    const auto x = tensor_f32({256, 1, 1, 1}, random_floats(256, -1, 1, 3));
    const auto out = tensor(GgmlType::F32, {uint64_t(rows), 1, 1, 1});
    const auto scratch = allocate(4096, "q8 columns");
    const auto q8 = ops::q8_columns_for(device(), w, x, scratch.view());
    if (!q8) GTEST_SKIP() << "no q8 columns on this device";
    EXPECT_FALSE(ops::has_ggml_order(device(), w)) << type_name(type);
    EXPECT_FALSE(ops::has_ggml_order(device(), tensor(GgmlType::BF16, {256, 8, 1, 1})));
    vk::Recorder rec(device(), "mul_mat ggml elsewhere");
    EXPECT_THROW(ops::mul_mat(rec, w, *q8, out, ops::SumOrder::Ggml), Error) << type_name(type);
    rec.discard();
  }
}

}  // namespace
}  // namespace vkllm::test
