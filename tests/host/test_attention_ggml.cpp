// Vulkan attention in ggml's order (AttentionOptions::ggml_order, shaders/attention_ggml.comp)
// against the CPU's flash attention, which computes as ggml's CPU backend does: the same scores,
// the same f16 accumulator. On a device with doubles (lavapipe) every bit must agree; without them
// GLSL's exp stands in for libm's and the result may sit a few f16 steps away. Head sizes off the
// 64-element steps (80), GQA, several tokens, several tiles of cells.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <numeric>

#include "engine/util/fp16.h"
#include "host/cpu/flash_attention.h"
#include "host/ops/ops.h"
#include "host/vulkan/recorder.h"
#include "host/vulkan_test_env.h"

namespace vkllm::test {
namespace {

struct GgmlCase {
  uint64_t head_dim, n_head, n_head_kv, n_tokens;
  uint32_t n_past;
};

std::string case_name(const GgmlCase& c) {
  return fmt::format("d{}_h{}_kv{}_t{}_past{}", c.head_dim, c.n_head, c.n_head_kv, c.n_tokens, c.n_past);
}
void PrintTo(const GgmlCase& c, std::ostream* os) { *os << case_name(c); }

class AttentionGgmlOrder : public VulkanTest, public ::testing::WithParamInterface<GgmlCase> {};

TEST_P(AttentionGgmlOrder, MatchesTheCpuFlashAttention) {
  const GgmlCase c = GetParam();
  const uint64_t row = c.head_dim * c.n_head_kv, n_kv = c.n_past + c.n_tokens;
  // q as the layers pass it: already rounded to f16.
  auto qv = random_floats(c.head_dim * c.n_head * c.n_tokens, -2, 2, uint32_t(c.head_dim + n_kv));
  for (float& x : qv) x = fp16_to_fp32(fp32_to_fp16(x));
  std::vector<uint16_t> k16(row * n_kv), v16(row * n_kv);
  const auto kf = random_floats(k16.size(), -1, 1, 3), vf = random_floats(v16.size(), -1, 1, 4);
  for (size_t i = 0; i < k16.size(); ++i) k16[i] = fp32_to_fp16(kf[i]), v16[i] = fp32_to_fp16(vf[i]);
  auto as_bytes = [](const std::vector<uint16_t>& h) {
    return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(h.data()), h.size() * 2);
  };
  const auto k = tensor(GgmlType::F16, {row, n_kv, 1, 1}, as_bytes(k16));
  const auto v = tensor(GgmlType::F16, {row, n_kv, 1, 1}, as_bytes(v16));
  const auto q = tensor_f32({c.head_dim, c.n_head, c.n_tokens, 1}, qv);
  const auto out = tensor(GgmlType::F32, {c.head_dim, c.n_head, c.n_tokens, 1});
  ops::AttentionOptions options;
  options.n_past = c.n_past;
  options.ggml_order = true;
  vk::Recorder rec(device(), "attention ggml");
  ops::attention(rec, q, k, v, options, out);
  rec.submit_and_wait();
  const auto got = read_f32(out);

  const uint64_t group = c.n_head / c.n_head_kv;
  const float scale = 1.0f / std::sqrt(float(c.head_dim));
  cpu::AttentionScratch scratch;
  std::vector<float> want(got.size());
  for (uint64_t t = 0; t < c.n_tokens; ++t)
    for (uint64_t h = 0; h < c.n_head; ++h) {
      const uint64_t kv_head = h / group, at = (t * c.n_head + h) * c.head_dim;
      const auto* k_rows = reinterpret_cast<const uint8_t*>(k16.data() + kv_head * c.head_dim);
      const auto* v_rows = reinterpret_cast<const uint8_t*>(v16.data() + kv_head * c.head_dim);
      cpu::flash_attention(&qv[at], {GgmlType::F16, k_rows, row * 2}, {GgmlType::F16, v_rows, row * 2},
                           int64_t(c.n_past + t + 1), int64_t(c.head_dim), scale, &want[at], scratch,
                           cpu::CpuPath::Scalar);
    }
  size_t identical = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    identical += std::memcmp(&got[i], &want[i], 4) == 0;
    // a few f16 steps of the accumulator (values below 1, so 2^-11 absolute), divided by the sum >= 1
    ASSERT_NEAR(got[i], want[i], 4.0f / 2048) << "element " << i;
  }
  // With doubles (libm's e^x, fused multiply-adds) every bit; without, only the bound above.
  if (device().info().features.float64) {
    EXPECT_EQ(identical, got.size()) << identical << " of " << got.size() << " bit-identical";
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, AttentionGgmlOrder,
                         ::testing::Values(GgmlCase{64, 4, 2, 1, 0},     // one cell
                                           GgmlCase{64, 4, 2, 9, 0},     // a short prompt, GQA 2
                                           GgmlCase{64, 8, 8, 1, 300},   // decode over tiles of 32
                                           GgmlCase{80, 4, 1, 3, 40},    // past the 64-element steps
                                           GgmlCase{128, 8, 2, 5, 61},
                                           GgmlCase{256, 2, 2, 2, 100}),
                         [](const auto& info) { return case_name(info.param); });

// Only an f16 cache has ggml's f16 accumulator to follow.
TEST_F(VulkanTest, AttentionGgmlOrderNeedsAnF16Cache) {
  const auto q = tensor(GgmlType::F32, {64, 2, 1, 1});
  const auto k = tensor(GgmlType::F32, {64, 4, 1, 1});
  const auto v = tensor(GgmlType::F32, {64, 4, 1, 1});
  const auto out = tensor(GgmlType::F32, {64, 2, 1, 1});
  ops::AttentionOptions options;
  options.ggml_order = true;
  vk::Recorder rec(device(), "attention ggml f32");
  EXPECT_THROW(ops::attention(rec, q, k, v, options, out), Error);
}

}  // namespace
}  // namespace vkllm::test
