// mul_mat for every weight type against a double-precision reference of the dequantized weights.
// Bound: |got - want| <= 2e-5 * sum_i |w_i x_i| + 1e-6 for every type. The weights are decoded
// exactly (or to one rounding of the f32 decode), so what remains is f32 accumulation over k
// terms in some order, which stays far below k * 2^-24 relative to sum |w x| for k <= 4096.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <iterator>

#include "engine/quant/dequantize.h"
#include "engine/quant/quantize.h"
#include "engine/types/ggml_type.h"
#include "engine/util/fp16.h"
#include "host/cpu/activation_rounding.h"
#include "host/ops/mul_mat_vec_texel.h"
#include "host/ops/ops.h"
#include "host/vulkan/recorder.h"
#include "host/vulkan_test_env.h"

namespace vkllm::test {
namespace {

constexpr double kRelBound = 2e-5;
constexpr double kAbsBound = 1e-6;

bool is_k_quant(GgmlType type) {
  return type == GgmlType::Q2_K || type == GgmlType::Q3_K || type == GgmlType::Q4_K || type == GgmlType::Q5_K ||
         type == GgmlType::Q6_K;
}

// Weight rows of `type`: quantized from random floats where a quantizer exists; for K-quants
// random block bytes with small finite f16 scales at the format's scale fields.
std::vector<uint8_t> random_weights(GgmlType type, uint64_t k, uint64_t m, uint32_t seed) {
  const uint64_t bytes_per_row = *row_bytes(type, k);
  std::vector<uint8_t> out(bytes_per_row * m);
  if (!is_k_quant(type)) {
    const auto values = random_floats(k * m, -1, 1, seed);
    for (uint64_t r = 0; r < m; ++r) quantize_row(type, values.data() + r * k, out.data() + r * bytes_per_row, int64_t(k));
    return out;
  }
  std::mt19937 rng(seed);
  for (auto& b : out) b = uint8_t(rng());
  std::vector<uint32_t> scale_fields;  // byte offsets of the f16 factors in a super-block
  uint64_t block = 0;
  switch (type) {
    case GgmlType::Q2_K: scale_fields = {80, 82}, block = 84; break;
    case GgmlType::Q3_K: scale_fields = {108}, block = 110; break;
    case GgmlType::Q4_K: scale_fields = {0, 2}, block = 144; break;
    case GgmlType::Q5_K: scale_fields = {0, 2}, block = 176; break;
    default: scale_fields = {208}, block = 210; break;
  }
  std::uniform_real_distribution<float> scale(-0.05f, 0.05f);
  for (uint64_t b = 0; b < out.size() / block; ++b)
    for (uint32_t f : scale_fields) {
      const uint16_t h = fp32_to_fp16(scale(rng));
      std::memcpy(out.data() + b * block + f, &h, 2);
    }
  return out;
}

struct Expected {
  std::vector<double> value, magnitude;  // dot products and sums of |w x|, [m, n]
};

Expected reference(GgmlType type, std::span<const uint8_t> weights, uint64_t k, uint64_t m, std::span<const float> x,
                   uint64_t n) {
  std::vector<float> w(k * m);
  dequantize(type, weights, w);
  Expected e{std::vector<double>(m * n), std::vector<double>(m * n)};
  for (uint64_t j = 0; j < n; ++j)
    for (uint64_t i = 0; i < m; ++i) {
      double s = 0, a = 0;
      for (uint64_t t = 0; t < k; ++t) {
        const double p = double(w[i * k + t]) * double(x[j * k + t]);
        s += p;
        a += std::abs(p);
      }
      e.value[j * m + i] = s;
      e.magnitude[j * m + i] = a;
    }
  return e;
}

::testing::AssertionResult within_bound(std::span<const float> got, const Expected& want) {
  size_t bad = 0;
  std::string first;
  for (size_t i = 0; i < got.size(); ++i) {
    const double err = std::abs(double(got[i]) - want.value[i]);
    if (!(err <= kRelBound * want.magnitude[i] + kAbsBound)) {
      if (bad++ < 5)
        first += fmt::format(" [{}] got {} want {} (|wx| {});", i, got[i], want.value[i], want.magnitude[i]);
    }
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << bad << " of " << got.size() << " outside the bound:" << first;
}

struct MulMatCase {
  GgmlType type;
  uint64_t m, k, n;
  ops::MulMatKernel kernel = ops::MulMatKernel::Auto;
};

std::string case_name(const MulMatCase& c) {
  using K = ops::MulMatKernel;
  const char* kernel = c.kernel == K::Auto            ? ""
                       : c.kernel == K::Vector        ? "_vec"
                       : c.kernel == K::VectorGpu     ? "_vecgpu"
                       : c.kernel == K::VectorUniform ? "_vecubo"
                       : c.kernel == K::VectorTexel   ? "_vectexel"
                       : c.kernel == K::Matrix        ? "_mat"
                                                      : "_matlarge";
  return fmt::format("{}_m{}_k{}_n{}{}", type_name(c.type), c.m, c.k, c.n, kernel);
}
void PrintTo(const MulMatCase& c, std::ostream* os) { *os << case_name(c); }

class MulMatTest : public VulkanTest, public ::testing::WithParamInterface<MulMatCase> {};

TEST_P(MulMatTest, MatchesReference) {
  const MulMatCase c = GetParam();
  const auto weights = random_weights(c.type, c.k, c.m, uint32_t(c.m * 7 + c.k));
  const auto xv = random_floats(c.k * c.n, -1, 1, uint32_t(c.n + 3));
  const auto w = tensor(c.type, {c.k, c.m, 1, 1}, weights);
  const auto x = tensor_f32({c.k, c.n, 1, 1}, xv);
  const auto out = tensor(GgmlType::F32, {c.m, c.n, 1, 1});
  vk::Recorder rec(device(), "mul_mat");
  ops::mul_mat(rec, w, x, out, c.kernel);
  rec.submit_and_wait();
  // The texel-buffer kernel multiplies q4_0 and q4_K by x rounded to q8 blocks: against the
  // reference on that rounded x wherever it takes the product.
  const bool texel = c.kernel == ops::MulMatKernel::VectorTexel ||
                     (c.kernel == ops::MulMatKernel::Auto && ops::mul_mat_vec_texel_fits(device(), w, x));
  std::vector<float> operand = xv;
  if (texel && ops::mul_mat_vec_texel_rounds_x(c.type))
    for (uint64_t j = 0; j < c.n; ++j) cpu::round_activations(c.type, &xv[j * c.k], &operand[j * c.k], int64_t(c.k));
  EXPECT_TRUE(within_bound(read_f32(out), reference(c.type, weights, c.k, c.m, operand, c.n)));
}

std::vector<MulMatCase> all_cases() {
  const GgmlType types[] = {GgmlType::F32,  GgmlType::F16,  GgmlType::BF16, GgmlType::Q4_0, GgmlType::Q4_1,
                            GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q2_K, GgmlType::Q3_K,
                            GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K};
  using K = ops::MulMatKernel;
  std::vector<MulMatCase> cases;
  for (GgmlType t : types) {
    // k a multiple of 256 for every type; n over the vector variants and the tiled kernel.
    cases.push_back({t, 1, 256, 1});
    cases.push_back({t, 37, 512, 1});
    cases.push_back({t, 64, 256, 2});
    cases.push_back({t, 33, 768, 3});
    cases.push_back({t, 18, 256, 7});
    cases.push_back({t, 40, 512, 8});
    cases.push_back({t, 31, 256, 17});
    cases.push_back({t, 66, 256, 64});
    cases.push_back({t, 19, 256, 512});
    cases.push_back({t, 35, 256, 5, K::Matrix});  // the tiled kernel on few columns
    cases.push_back({t, 131, 256, 5, K::MatrixLarge});  // the large tile (CPU devices, n >= 64), clamped
    cases.push_back({t, 130, 256, 200});                // Auto takes the large tile here (CPU devices)
    // One column through uniform buffers (Auto's choice on CPU devices) and through storage buffers.
    cases.push_back({t, 37, 512, 1, K::VectorUniform});
    cases.push_back({t, 37, 512, 1, K::Vector});
    // Several columns: one at a time through uniform buffers (Auto's choice up to 32 on CPU devices;
    // 33 rows: dst columns not 16-byte aligned), and the storage-buffer kernels for 2..8.
    cases.push_back({t, 33, 768, 3, K::VectorUniform});
    cases.push_back({t, 64, 256, 2, K::Vector});
    cases.push_back({t, 40, 512, 8, K::Vector});
    // Several dispatches of SLOTS uniform buffers each (f32 rows of 16 KiB: 2 rows per slot; q4_0 rows
    // of 2304 bytes: 24), the last one partial; rows of 32 KiB take the one-row variant.
    if (t == GgmlType::F32) cases.push_back({t, 67, 4096, 1, K::VectorUniform});
    if (t == GgmlType::Q4_0) cases.push_back({t, 700, 4096, 1, K::VectorUniform});
    if (t == GgmlType::F32) cases.push_back({t, 5, 8192, 1, K::VectorUniform});
    // q4_0/q8_0/q4_K through texel buffers (Auto's choice on CPU devices for k % 256 == 0, the small
    // cases above): 8, 16 and 32 rows per invocation, the last invocations' rows clamped; four
    // columns at a time (16, 8 and 4 rows), the rest one at a time.
    if (t == GgmlType::Q4_0 || t == GgmlType::Q8_0 || t == GgmlType::Q4_K) {
      cases.push_back({t, 1000, 512, 2, K::VectorTexel});
      cases.push_back({t, 1100, 256, 1, K::VectorTexel});
      cases.push_back({t, 2100, 1024, 3, K::VectorTexel});
      cases.push_back({t, 1000, 768, 5, K::VectorTexel});  // steps of two super-blocks, the last one short
      cases.push_back({t, 1100, 256, 5, K::VectorTexel});
      cases.push_back({t, 1000, 256, 4, K::VectorTexel});
      cases.push_back({t, 300, 512, 9, K::VectorTexel});
    }
    // The GPU layout of the matrix-vector kernels (chosen on non-CPU devices), forced here.
    cases.push_back({t, 37, 512, 1, K::VectorGpu});
    cases.push_back({t, 5, 1024, 3, K::VectorGpu});
    cases.push_back({t, 33, 256, 8, K::VectorGpu});
    if (!is_k_quant(t)) {  // 32-element granularity: odd block counts, rows not 16-byte aligned
      cases.push_back({t, 3, 32, 1});
      cases.push_back({t, 29, 288, 1});
      cases.push_back({t, 29, 288, 1, K::Vector});
      cases.push_back({t, 45, 288, 1, K::VectorUniform});
      // 1924 rows of 34 bytes (q8_0) per slot: the second slot starts 8 bytes past an aligned offset.
      if (t == GgmlType::Q8_0) cases.push_back({t, 2000, 32, 1, K::VectorUniform});
      cases.push_back({t, 16, 96, 4});
      cases.push_back({t, 21, 288, 8});
      cases.push_back({t, 27, 288, 33});
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Types, MulMatTest, ::testing::ValuesIn(all_cases()),
                         [](const auto& info) { return case_name(info.param); });

// A 160 MiB q8_0 weight (over maxStorageBufferRange on lavapipe: windowed reads). 64 distinct rows
// repeat, so the reference needs only 64 dot products per column; rows straddle window starts
// (4352-byte rows do not divide the window stride).
TEST_F(VulkanTest, MulMatWeightOver160MiB) {
  const uint64_t k = 4096, row_size = *row_bytes(GgmlType::Q8_0, k);
  const uint64_t m = (160ull << 20) / row_size;
  const auto pattern = random_weights(GgmlType::Q8_0, k, 64, 5);
  std::vector<uint8_t> table(m * row_size);
  for (uint64_t r = 0; r < m; ++r)
    std::memcpy(table.data() + r * row_size, pattern.data() + (r % 64) * row_size, row_size);
  const auto w = tensor(GgmlType::Q8_0, {k, m, 1, 1}, table);
  using K = ops::MulMatKernel;
  for (const auto& [n, kernel] :
       {std::pair{uint64_t(1), K::Vector}, std::pair{uint64_t(1), K::VectorGpu},
        std::pair{uint64_t(1), K::VectorUniform}, std::pair{uint64_t(2), K::Matrix},
        std::pair{uint64_t(2), K::MatrixLarge}}) {
    const auto xv = random_floats(k * n, -1, 1, uint32_t(n));
    const auto x = tensor_f32({k, n, 1, 1}, xv);
    const auto out = tensor(GgmlType::F32, {m, n, 1, 1});
    vk::Recorder rec(device(), "mul_mat 160 MiB");
    ops::mul_mat(rec, w, x, out, kernel);
    rec.submit_and_wait();
    const Expected small = reference(GgmlType::Q8_0, pattern, k, 64, xv, n);
    Expected want{std::vector<double>(m * n), std::vector<double>(m * n)};
    for (uint64_t j = 0; j < n; ++j)
      for (uint64_t i = 0; i < m; ++i) {
        want.value[j * m + i] = small.value[j * 64 + i % 64];
        want.magnitude[j * m + i] = small.magnitude[j * 64 + i % 64];
      }
    EXPECT_TRUE(within_bound(read_f32(out), want)) << "n = " << n;
  }
}

// Where one column does not fit the uniform-buffer kernel (x over 64 KiB; a weight row over a slot),
// Auto takes the storage-buffer kernel and a forced VectorUniform is refused.
// The texel-buffer kernel is for q4_0/q8_0 rows of whole 256-element super-blocks on CPU devices; forced
// elsewhere it throws, and Auto computes such products with another kernel.
TEST_F(VulkanTest, MulMatVecTexelOnlyWhereItFits) {
  for (const auto& [type, k] : {std::pair{GgmlType::Q4_0, uint64_t(288)}, std::pair{GgmlType::Q4_1, uint64_t(256)}}) {
    const uint64_t m = 9;
    const auto weights = random_weights(type, k, m, 5);
    const auto xv = random_floats(k, -1, 1, 6);
    const auto w = tensor(type, {k, m, 1, 1}, weights);
    const auto x = tensor_f32({k, 1, 1, 1}, xv);
    const auto out = tensor(GgmlType::F32, {m, 1, 1, 1});
    EXPECT_FALSE(ops::mul_mat_vec_texel_fits(device(), w, x)) << type_name(type);
    vk::Recorder rec(device(), "mul_mat texel refused");
    EXPECT_THROW(ops::mul_mat(rec, w, x, out, ops::MulMatKernel::VectorTexel), Error) << type_name(type);
    ops::mul_mat(rec, w, x, out);
    rec.submit_and_wait();
    EXPECT_TRUE(within_bound(read_f32(out), reference(type, weights, k, m, xv, 1))) << type_name(type);
  }
  const auto q4_0 = tensor(GgmlType::Q4_0, {256, 8, 1, 1});
  const auto x = tensor(GgmlType::F32, {256, 1, 1, 1});
  const bool rounds_with_doubles = device().info().features.float64;
  EXPECT_EQ(ops::mul_mat_vec_texel_fits(device(), q4_0, x), device().info().is_cpu() && rounds_with_doubles);
}

// The q4_0 texel kernel gets two products from each 32-bit multiply (16-bit halves). The extreme
// levels (0 and 15) against the extreme integers of x (+-127) in several sign patterns are where a
// carry or borrow between the halves would go wrong; any wrong integer sum is off by at least one
// step d_w * d_x, far more than float rounding over 8 blocks, so the bound here is a quarter step.
TEST_F(VulkanTest, MulMatVecTexelQ4_0AtTheExtremes) {
  const uint64_t k = 256, n = 5;
  const uint8_t row_bytes_of[] = {0xff, 0x00, 0x0f, 0xf0, 0x5a};  // every byte of the row's quants
  const uint64_t m = std::size(row_bytes_of), blocks = k / 32;
  std::vector<uint8_t> weights;
  const uint16_t one = fp32_to_fp16(1.0f);
  for (const uint8_t b : row_bytes_of)
    for (uint64_t i = 0; i < blocks; ++i) {
      weights.push_back(uint8_t(one & 0xff));
      weights.push_back(uint8_t(one >> 8));
      weights.insert(weights.end(), 16, b);
    }
  std::vector<float> xv(k * n);
  for (uint64_t j = 0; j < n; ++j)
    for (uint64_t t = 0; t < k; ++t) {
      const float sign[] = {1.0f, -1.0f, t % 2 ? -1.0f : 1.0f, t % 32 < 16 ? 1.0f : -1.0f, t % 4 < 2 ? -1.0f : 1.0f};
      xv[j * k + t] = sign[j];
    }
  const auto w = tensor(GgmlType::Q4_0, {k, m, 1, 1}, weights);
  const auto x = tensor_f32({k, n, 1, 1}, xv);
  const auto out = tensor(GgmlType::F32, {m, n, 1, 1});
  if (!ops::mul_mat_vec_texel_fits(device(), w, x)) GTEST_SKIP() << "the texel-buffer kernel is for CPU devices";
  vk::Recorder rec(device(), "mul_mat texel extremes");
  ops::mul_mat(rec, w, x, out, ops::MulMatKernel::VectorTexel);
  rec.submit_and_wait();
  std::vector<float> rounded(xv.size());
  for (uint64_t j = 0; j < n; ++j) cpu::round_activations(GgmlType::Q4_0, &xv[j * k], &rounded[j * k], int64_t(k));
  const Expected want = reference(GgmlType::Q4_0, weights, k, m, rounded, n);
  const auto got = read_f32(out);
  const double step = fp16_to_fp32(fp32_to_fp16(1.0f / 127.0f));  // d_w = 1 times x's scale
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want.value[i], step / 4) << "row " << i % m << ", column " << i / m;
}

TEST_F(VulkanTest, MulMatVecUniformFallsBackWhereItDoesNotFit) {
  // q4_0: k % 256 != 0, so neither does the texel-buffer kernel take it.
  for (const auto& [type, k] :
       {std::pair{GgmlType::Q4_0, uint64_t(16928)}, std::pair{GgmlType::F32, uint64_t(16384)}}) {
    const uint64_t m = 5;
    const auto weights = random_weights(type, k, m, 11);
    const auto xv = random_floats(k, -1, 1, 12);
    const auto w = tensor(type, {k, m, 1, 1}, weights);
    const auto x = tensor_f32({k, 1, 1, 1}, xv);
    const auto out = tensor(GgmlType::F32, {m, 1, 1, 1});
    vk::Recorder rec(device(), "mul_mat fallback");
    EXPECT_THROW(ops::mul_mat(rec, w, x, out, ops::MulMatKernel::VectorUniform), Error) << type_name(type);
    ops::mul_mat(rec, w, x, out);
    rec.submit_and_wait();
    EXPECT_TRUE(within_bound(read_f32(out), reference(type, weights, k, m, xv, 1))) << type_name(type);
  }
}

// x as q8 integers (Auto's operand on CPU devices for the types ggml pairs with q8 activations):
// against the reference on the rounded x that those integers stand for. Several columns (up to 192),
// several dispatches (q4_0 700 rows), a slot starting past an aligned offset (q8_0 rows of 34 bytes).
class MulMatQ8Test : public VulkanTest, public ::testing::WithParamInterface<MulMatCase> {};

TEST_P(MulMatQ8Test, MatchesReferenceOnTheRoundedX) {
  const MulMatCase c = GetParam();
  const auto weights = random_weights(c.type, c.k, c.m, uint32_t(c.m * 5 + c.k));
  const auto xv = random_floats(c.k * c.n, -1, 1, uint32_t(c.n + 9));
  std::vector<float> rounded(xv.size());
  for (uint64_t j = 0; j < c.n; ++j) cpu::round_activations(c.type, &xv[j * c.k], &rounded[j * c.k], int64_t(c.k));
  const auto w = tensor(c.type, {c.k, c.m, 1, 1}, weights);
  const auto x = tensor_f32({c.k, c.n, 1, 1}, xv);
  const auto out = tensor(GgmlType::F32, {c.m, c.n, 1, 1});
  const auto scratch = allocate(c.k * c.n * 4, "q8 columns");
  const auto q8 = ops::q8_columns_for(device(), w, x, scratch.view());
  if (!device().info().is_cpu()) {
    EXPECT_FALSE(q8.has_value());
    GTEST_SKIP() << "q8 integer columns are for CPU devices";
  }
  ASSERT_TRUE(q8.has_value());
  vk::Recorder rec(device(), "mul_mat q8");
  ops::round_activations(rec, c.type, x, *q8);
  ops::mul_mat(rec, w, *q8, out);
  rec.submit_and_wait();
  EXPECT_TRUE(within_bound(read_f32(out), reference(c.type, weights, c.k, c.m, rounded, c.n)));
}

std::vector<MulMatCase> q8_cases() {
  std::vector<MulMatCase> cases;
  for (GgmlType t : {GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q2_K,
                     GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K}) {
    cases.push_back({t, 37, 512, 1});
    cases.push_back({t, 33, 768, 3});
    if (!is_k_quant(t)) cases.push_back({t, 45, 288, 2});
  }
  cases.push_back({GgmlType::Q4_0, 700, 4096, 1});
  cases.push_back({GgmlType::Q8_0, 2000, 32, 1});
  cases.push_back({GgmlType::Q4_K, 16, 512, 192});  // the most columns the q8 layout takes
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Types, MulMatQ8Test, ::testing::ValuesIn(q8_cases()),
                         [](const auto& info) { return case_name(info.param); });

// Weights that ggml does not pair with q8 activations, and rows the q8_K blocks do not divide, get
// no q8 layout; a layout that does not match the product is refused.
TEST_F(VulkanTest, MulMatQ8ColumnsOnlyWhereTheyApply) {
  const auto x = tensor(GgmlType::F32, {288, 2, 1, 1});
  const auto scratch = allocate(288 * 2 * 4, "q8 columns");
  const auto f16 = tensor(GgmlType::F16, {288, 8, 1, 1});
  const auto q4_k = tensor(GgmlType::Q4_K, {256, 8, 1, 1});
  EXPECT_FALSE(ops::q8_columns_for(device(), f16, x, scratch.view()).has_value());
  EXPECT_FALSE(ops::q8_columns_for(device(), q4_k, x, scratch.view()).has_value());  // k differs
  const auto q4_0 = tensor(GgmlType::Q4_0, {288, 8, 1, 1});
  const auto q8 = ops::q8_columns_for(device(), q4_0, x, scratch.view());
  if (!q8) GTEST_SKIP() << "q8 integer columns are for CPU devices";
  const auto out = tensor(GgmlType::F32, {8, 2, 1, 1});
  vk::Recorder rec(device(), "q8 refused");
  EXPECT_THROW(ops::mul_mat(rec, f16, *q8, out), Error);
  EXPECT_THROW(ops::round_activations(rec, GgmlType::F16, x, *q8), Error);
  auto too_small = *q8;
  too_small.data = too_small.data.sub(0, too_small.column_bytes);
  EXPECT_THROW(ops::mul_mat(rec, q4_0, too_small, out), Error);
  EXPECT_THROW(ops::round_activations(rec, GgmlType::Q4_0, x, too_small), Error);
}

TEST_F(VulkanTest, MulMatRejectsBadShapes) {
  const auto w = tensor(GgmlType::Q4_0, {64, 8, 1, 1});
  const auto x = tensor(GgmlType::F32, {64, 2, 1, 1});
  const auto wrong_k = tensor(GgmlType::F32, {32, 2, 1, 1});
  const auto out = tensor(GgmlType::F32, {8, 2, 1, 1});
  const auto wrong_out = tensor(GgmlType::F32, {7, 2, 1, 1});
  const auto f16_odd = tensor(GgmlType::F16, {40, 8, 1, 1});
  const auto x40 = tensor(GgmlType::F32, {40, 2, 1, 1});
  vk::Recorder rec(device(), "bad");
  EXPECT_THROW(ops::mul_mat(rec, w, wrong_k, out), Error);
  EXPECT_THROW(ops::mul_mat(rec, w, x, wrong_out), Error);
  EXPECT_THROW(ops::mul_mat(rec, f16_odd, x40, out), Error);  // k % 32 != 0
  const auto x9 = tensor(GgmlType::F32, {64, 9, 1, 1});
  const auto out9 = tensor(GgmlType::F32, {8, 9, 1, 1});
  EXPECT_THROW(ops::mul_mat(rec, w, x9, out9, ops::MulMatKernel::Vector), Error);  // n > 8
}

}  // namespace
}  // namespace vkllm::test
