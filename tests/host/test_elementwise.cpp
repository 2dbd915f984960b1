// add, mul (with broadcast), scale, silu, gelu, swiglu and copy/convert against the CPU reference.
#include <gtest/gtest.h>

#include "engine/util/fp16.h"
#include "host/cpu/reference_ops.h"
#include "host/ops/ops.h"
#include "host/vulkan/recorder.h"
#include "host/vulkan_test_env.h"

namespace vkllm::test {
namespace {

using Shape = std::array<uint64_t, 4>;

// Sizes around the workgroup (256) and the elements one workgroup covers (1024), odd sizes, and one
// large enough to need many workgroups.
const std::vector<uint64_t> kLengths = {1, 7, 255, 256, 257, 1023, 1024, 1025, 4099, 100003};

std::string shape_name(const Shape& s) { return fmt::format("{}x{}x{}x{}", s[0], s[1], s[2], s[3]); }

class ElementwiseTest : public VulkanTest, public ::testing::WithParamInterface<uint64_t> {};

TEST_P(ElementwiseTest, UnaryMapsMatchReference) {
  const uint64_t n = GetParam();
  const auto x = random_floats(n, -8, 8, uint32_t(n));
  const auto src = tensor_f32({n, 1, 1, 1}, x);
  const auto scaled = tensor(GgmlType::F32, {n, 1, 1, 1});
  const auto silu = tensor(GgmlType::F32, {n, 1, 1, 1});
  const auto gelu = tensor(GgmlType::F32, {n, 1, 1, 1});
  vk::Recorder rec(device(), "unary");
  ops::scale(rec, src, -0.37f, scaled);
  ops::silu(rec, src, silu);
  ops::gelu(rec, src, gelu);
  rec.submit_and_wait();
  EXPECT_TRUE(all_close(read_f32(scaled), cpu::scale(x, -0.37f), 0, 1e-6f));
  EXPECT_TRUE(all_close(read_f32(silu), cpu::silu(x), 1e-6f, 1e-5f));
  EXPECT_TRUE(all_close(read_f32(gelu), cpu::gelu(x), 1e-6f, 1e-5f));
}

TEST_P(ElementwiseTest, SwigluMatchesReference) {
  const uint64_t n = GetParam();
  const auto gate = random_floats(n, -6, 6, 1);
  const auto up = random_floats(n, -2, 2, 2);
  const auto g = tensor_f32({n, 1, 1, 1}, gate);
  const auto u = tensor_f32({n, 1, 1, 1}, up);
  const auto out = tensor(GgmlType::F32, {n, 1, 1, 1});
  vk::Recorder rec(device(), "swiglu");
  ops::swiglu(rec, g, u, out);
  rec.submit_and_wait();
  EXPECT_TRUE(all_close(read_f32(out), cpu::swiglu(gate, up), 1e-6f, 1e-5f));
}

TEST_P(ElementwiseTest, CopyConvertsBetweenF32AndF16) {
  const uint64_t n = GetParam();
  const auto x = random_floats(n, -100, 100, 3);
  const auto src = tensor_f32({n, 1, 1, 1}, x);
  const auto half = tensor(GgmlType::F16, {n, 1, 1, 1});
  const auto half2 = tensor(GgmlType::F16, {n, 1, 1, 1});
  const auto back = tensor(GgmlType::F32, {n, 1, 1, 1});
  const auto same = tensor(GgmlType::F32, {n, 1, 1, 1});
  vk::Recorder rec(device(), "copy");
  ops::copy(rec, src, half);
  ops::copy(rec, half, half2);
  ops::copy(rec, half2, back);
  ops::copy(rec, src, same);
  rec.submit_and_wait();
  const auto halves = download<uint16_t>(half2.buffer, n);
  std::vector<float> want(n);
  for (uint64_t i = 0; i < n; ++i) want[i] = fp16_to_fp32(fp32_to_fp16(x[i]));
  for (uint64_t i = 0; i < n; ++i) ASSERT_EQ(halves[i], fp32_to_fp16(x[i])) << "element " << i << " of " << x[i];
  EXPECT_TRUE(all_close(read_f32(back), want, 0, 0));
  EXPECT_TRUE(all_close(read_f32(same), x, 0, 0));
}

INSTANTIATE_TEST_SUITE_P(Lengths, ElementwiseTest, ::testing::ValuesIn(kLengths),
                         [](const auto& info) { return fmt::format("n{}", info.param); });

struct BroadcastCase {
  Shape a, b;
};

std::string case_name(const BroadcastCase& c) { return fmt::format("a{}_b{}", shape_name(c.a), shape_name(c.b)); }
void PrintTo(const BroadcastCase& c, std::ostream* os) { *os << case_name(c); }

class BinaryTest : public VulkanTest, public ::testing::WithParamInterface<BroadcastCase> {};

TEST_P(BinaryTest, AddAndMulBroadcastLikeReference) {
  const auto [a_shape, b_shape] = GetParam();
  const uint64_t na = a_shape[0] * a_shape[1] * a_shape[2] * a_shape[3];
  const uint64_t nb = b_shape[0] * b_shape[1] * b_shape[2] * b_shape[3];
  const auto av = random_floats(na, -4, 4, 10);
  const auto bv = random_floats(nb, -4, 4, 11);
  const auto a = tensor_f32(a_shape, av);
  const auto b = tensor_f32(b_shape, bv);
  const auto sum = tensor(GgmlType::F32, a_shape);
  const auto product = tensor(GgmlType::F32, a_shape);
  vk::Recorder rec(device(), "binary");
  ops::add(rec, a, b, sum);
  ops::mul(rec, a, b, product);
  rec.submit_and_wait();
  EXPECT_TRUE(all_close(read_f32(sum), cpu::binary(cpu::BinaryOp::Add, av, a_shape, bv, b_shape), 0, 0));
  EXPECT_TRUE(all_close(read_f32(product), cpu::binary(cpu::BinaryOp::Mul, av, a_shape, bv, b_shape), 0, 0));
}

INSTANTIATE_TEST_SUITE_P(Shapes, BinaryTest,
                         ::testing::Values(BroadcastCase{{1, 1, 1, 1}, {1, 1, 1, 1}},
                                           BroadcastCase{{257, 1, 1, 1}, {257, 1, 1, 1}},
                                           BroadcastCase{{37, 5, 3, 2}, {37, 5, 3, 2}},
                                           BroadcastCase{{37, 5, 3, 2}, {37, 1, 1, 1}},   // bias row
                                           BroadcastCase{{37, 5, 3, 2}, {1, 5, 1, 1}},    // per-row scale
                                           BroadcastCase{{37, 5, 3, 2}, {37, 5, 1, 2}},
                                           BroadcastCase{{4096, 7, 1, 1}, {4096, 1, 1, 1}},
                                           BroadcastCase{{100003, 1, 1, 1}, {1, 1, 1, 1}}),
                         [](const auto& info) { return case_name(info.param); });

TEST_F(VulkanTest, BinaryRejectsShapesThatDoNotBroadcast) {
  const auto a = tensor(GgmlType::F32, {10, 3, 1, 1});
  const auto b = tensor(GgmlType::F32, {4, 1, 1, 1});
  vk::Recorder rec(device(), "bad");
  EXPECT_THROW(ops::add(rec, a, b, a), Error);
}

}  // namespace
}  // namespace vkllm::test
