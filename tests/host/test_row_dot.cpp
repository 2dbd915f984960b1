// CPU matmul kernels (host/cpu/row_dot.h) for every weight type:
//  - the AVX2 kernels of the integer formats (legacy and K-quants) give the very floats of the
//    scalar ones, which emulate ggml's AVX2 order; float formats agree to rounding;
//  - matmul, on either path and any thread count, agrees with a double-precision product of the
//    dequantized weights and the activations as ggml rounds them;
//  - the path can be forced (VKLLM_CPU_SCALAR / override_cpu_path).
#include <gtest/gtest.h>

#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstddef>
#include <cstring>
#include <random>
#include <stdexcept>
#include <thread>

#include "common/test_weights.h"
#include "engine/gguf/gguf_file.h"
#include "engine/quant/blocks.h"
#include "engine/quant/dequantize.h"
#include "engine/quant/quantize.h"
#include "engine/util/fp16.h"
#include "host/cpu/activation_rounding.h"
#include "host/cpu/cpu_ops.h"
#include "host/cpu/row_dot.h"
#include "host/cpu/thread_pool.h"

namespace vkllm::cpu {
namespace {

constexpr GgmlType kTypes[] = {GgmlType::F32,  GgmlType::F16,  GgmlType::BF16, GgmlType::Q4_0, GgmlType::Q4_1,
                               GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q2_K, GgmlType::Q3_K,
                               GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K};

bool integer_format(GgmlType t) { return t != GgmlType::F32 && t != GgmlType::F16 && t != GgmlType::BF16; }

// Random bytes with small finite fp16 factors at the format's scale fields, so every bit pattern
// of the levels is exercised (Q8_0 levels of -128 included); plain types from random floats.
std::vector<size_t> scale_fields(GgmlType type) {
  switch (type) {
    case GgmlType::Q4_0: case GgmlType::Q5_0: case GgmlType::Q8_0: return {0};
    case GgmlType::Q4_1: case GgmlType::Q5_1: return {0, 2};
    case GgmlType::Q2_K: return {offsetof(BlockQ2_K, d), offsetof(BlockQ2_K, dmin)};
    case GgmlType::Q3_K: return {offsetof(BlockQ3_K, d)};
    case GgmlType::Q4_K: case GgmlType::Q5_K: return {0, 2};
    case GgmlType::Q6_K: return {offsetof(BlockQ6_K, d)};
    default: return {};
  }
}

test::TestWeight make_weight(GgmlType type, int64_t rows, int64_t cols, uint32_t seed) {
  if (!integer_format(type)) return test::quantized_weight(type, rows, cols, seed);
  test::TestWeight w = test::blank_weight(type, rows, cols);
  std::mt19937 rng(seed);
  for (auto& b : w.bytes) b = uint8_t(rng());
  const size_t block = traits(type).block_bytes;
  std::uniform_real_distribution<float> scale(0.001f, 0.05f);
  for (size_t b = 0; b < w.bytes.size() / block; ++b)
    for (size_t field : scale_fields(type)) {
      const uint16_t h = fp32_to_fp16(scale(rng) * (rng() & 1 ? 1.0f : -1.0f));
      std::memcpy(&w.bytes[b * block + field], &h, 2);
    }
  return w;
}

std::vector<float> make_activations(int64_t n_tokens, int64_t cols, uint32_t seed) {
  std::vector<float> x = test::normal_values(n_tokens * cols, seed);
  for (size_t i = 0; i < x.size(); i += 97) x[i] *= 20.0f;                       // outliers
  if (n_tokens > 2) std::fill(x.begin() + cols, x.begin() + 2 * cols, 0.0f);  // an all-zero token
  return x;
}

class RowDotTest : public ::testing::TestWithParam<GgmlType> {
 protected:
  void TearDown() override { override_cpu_path(std::nullopt); }
};

TEST_P(RowDotTest, Avx2MatchesScalar) {
  if (!cpu_has_avx2()) GTEST_SKIP() << "no AVX2 on this CPU";
  const GgmlType type = GetParam();
  const int64_t cols = 768;
  const auto w = make_weight(type, kMaxDotRows, cols, 11);
  for (int64_t rows_in_tensor : {0, 8}) {  // 8: the repacked summations of Q4_0 and Q4_K
    SCOPED_TRACE(testing::Message() << "tensor rows " << rows_in_tensor);
    const auto scalar = dot_kernel(type, CpuPath::Scalar, rows_in_tensor);
    const auto avx2 = dot_kernel(type, CpuPath::Avx2, rows_in_tensor);
    ASSERT_TRUE(scalar.dot && avx2.dot);
    ASSERT_EQ(scalar.format, avx2.format);
    ASSERT_EQ(scalar.rows, avx2.rows);
    ASSERT_EQ(scalar.tokens, avx2.tokens);
    ASSERT_LE(scalar.tokens, kMaxDotTokens);
    const int64_t n_tokens = scalar.tokens;
    const auto x = make_activations(n_tokens, cols, 12);
    const size_t stride = activation_row_bytes(scalar.format, cols);
    std::vector<uint8_t> act(stride * n_tokens), act_avx2(stride * n_tokens);
    for (int64_t t = 0; t < n_tokens; ++t) {
      prepare_activations(scalar.format, &x[t * cols], cols, &act[t * stride], CpuPath::Scalar);
      prepare_activations(scalar.format, &x[t * cols], cols, &act_avx2[t * stride], CpuPath::Avx2);
    }
    EXPECT_EQ(act, act_avx2);
    for (int nr = 1; nr <= scalar.rows; ++nr)
      for (int nt = 1; nt <= scalar.tokens; ++nt) {
        SCOPED_TRACE(testing::Message() << nr << " rows x " << nt << " tokens");
        float want[kMaxDotRows * kMaxDotTokens], got[kMaxDotRows * kMaxDotTokens];
        scalar.dot(w.bytes.data(), w.ref().row_bytes(), nr, act.data(), stride, nt, cols, want);
        avx2.dot(w.bytes.data(), w.ref().row_bytes(), nr, act.data(), stride, nt, cols, got);
        for (int i = 0; i < nr * nt; ++i)
          EXPECT_EQ(std::bit_cast<uint32_t>(got[i]), std::bit_cast<uint32_t>(want[i])) << i << ": " << got[i] << " vs " << want[i];
        ASSERT_EQ(bool(scalar.batch_dot), bool(avx2.batch_dot));
        if (!scalar.batch_dot || nr > 4) continue;  // the float batch kernels take up to four rows
        scalar.batch_dot(w.bytes.data(), w.ref().row_bytes(), nr, act.data(), stride, nt, cols, want);
        avx2.batch_dot(w.bytes.data(), w.ref().row_bytes(), nr, act.data(), stride, nt, cols, got);
        for (int i = 0; i < nr * nt; ++i)
          EXPECT_EQ(std::bit_cast<uint32_t>(got[i]), std::bit_cast<uint32_t>(want[i])) << "batch " << i;
      }
  }
}

// llama.cpp repacks Q4_0 tensors of 8k rows on x86 and sums them per block (one fma of the block's
// integer dot); other row counts, and every other type, keep the eight-lane vec_dot summation.
TEST(RowDot, Q4_0BlockSumsOnlyForRowsInEights) {
  for (CpuPath path : {CpuPath::Scalar, CpuPath::Avx2}) {
    // the block-sum kernels take activations with their block sums
    EXPECT_EQ(dot_kernel(GgmlType::Q4_0, path, 4096).format, ActivationFormat::Q8_0_SUMS);
    EXPECT_EQ(dot_kernel(GgmlType::Q4_0, path, 4100).format, ActivationFormat::Q8_0);
    EXPECT_EQ(dot_kernel(GgmlType::Q4_0, path, 0).format, ActivationFormat::Q8_0);
    EXPECT_EQ(dot_kernel(GgmlType::Q8_0, path, 4096).format, ActivationFormat::Q8_0);
  }
  // The two summations are different roundings of the same product.
  const int64_t cols = 4096;
  const auto w = make_weight(GgmlType::Q4_0, 8, cols, 41);
  const auto x = make_activations(1, cols, 42);
  const auto lanes = dot_kernel(GgmlType::Q4_0, CpuPath::Scalar, 0), blocks = dot_kernel(GgmlType::Q4_0, CpuPath::Scalar, 8);
  std::vector<uint8_t> act(activation_row_bytes(lanes.format, cols)), act_sums(activation_row_bytes(blocks.format, cols));
  prepare_activations(lanes.format, x.data(), cols, act.data(), CpuPath::Scalar);
  prepare_activations(blocks.format, x.data(), cols, act_sums.data(), CpuPath::Scalar);
  float a[8], b[8];
  lanes.dot(w.bytes.data(), w.ref().row_bytes(), 8, act.data(), 0, 1, cols, a);
  blocks.dot(w.bytes.data(), w.ref().row_bytes(), 8, act_sums.data(), 0, 1, cols, b);
  int differ = 0;
  for (int r = 0; r < 8; ++r) {
    EXPECT_NEAR(a[r], b[r], 1e-4 * (1 + std::fabs(a[r])));
    differ += a[r] != b[r];
  }
  EXPECT_GT(differ, 0) << "the block-sum kernel rounds exactly like the lane kernel: is it used at all?";
}

// Every (row, token) of the product within a bound of the exact product of what the kernel sees.
// 40 rows: Q4_0 takes its repacked summation there.
TEST_P(RowDotTest, MatmulMatchesDoubleReference) {
  const GgmlType type = GetParam();
  const int64_t cols = 512, n_tokens = 9;
  // q8_1 carries d * sum(q) in fp16, an error of 2^-11 on the weights' min terms.
  const bool q8_1 = type == GgmlType::Q4_1 || type == GgmlType::Q5_1;
  for (const int64_t rows : {37, 40}) {
    const auto w = make_weight(type, rows, cols, 21);
    const auto x = make_activations(n_tokens, cols, 22);
    std::vector<float> wf(size_t(rows * cols)), xr(x.size());
    dequantize(type, w.bytes, wf);
    for (int64_t t = 0; t < n_tokens; ++t) round_activations(type, &x[t * cols], &xr[t * cols], cols);
    for (CpuPath path : {CpuPath::Scalar, CpuPath::Avx2}) {
      if (path == CpuPath::Avx2 && !cpu_has_avx2()) continue;
      override_cpu_path(path);
      for (int threads : {1, 2}) {
        ThreadPool pool(threads);
        std::vector<float> y(size_t(rows * n_tokens));
        matmul(w.ref(), x.data(), n_tokens, y.data(), pool);
        for (int64_t t = 0; t < n_tokens; ++t)
          for (int64_t r = 0; r < rows; ++r) {
            double want = 0, magnitude = 0;
            for (int64_t c = 0; c < cols; ++c) {
              want += double(wf[r * cols + c]) * xr[t * cols + c];
              magnitude += std::fabs(double(wf[r * cols + c]) * xr[t * cols + c]);
            }
            const double bound = (q8_1 ? 2e-3 : 2e-5) * magnitude + 1e-6;
            ASSERT_NEAR(y[t * rows + r], want, bound) << rows << " rows, path " << int(path) << " threads " << threads
                                                       << " token " << t << " row " << r;
          }
      }
    }
  }
}

// Scalar and AVX2 matmuls are bit-identical, whatever the tiling.
TEST_P(RowDotTest, MatmulPathsAgree) {
  if (!cpu_has_avx2()) GTEST_SKIP() << "no AVX2 on this CPU";
  const GgmlType type = GetParam();
  const int64_t cols = 256;
  ThreadPool pool(2);
  for (const int64_t rows : {45, 48}) {
    const auto w = make_weight(type, rows, cols, 31);
    for (int64_t n_tokens : {1, 3, 5, 70}) {
      const auto x = make_activations(n_tokens, cols, uint32_t(32 + n_tokens));
      std::vector<float> scalar(size_t(rows * n_tokens)), avx2(scalar.size());
      override_cpu_path(CpuPath::Scalar);
      matmul(w.ref(), x.data(), n_tokens, scalar.data(), pool);
      override_cpu_path(CpuPath::Avx2);
      matmul(w.ref(), x.data(), n_tokens, avx2.data(), pool);
      for (size_t i = 0; i < scalar.size(); ++i)
        ASSERT_EQ(std::bit_cast<uint32_t>(avx2[i]), std::bit_cast<uint32_t>(scalar[i]))
            << rows << " rows, " << n_tokens << " tokens, " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, RowDotTest, ::testing::ValuesIn(kTypes),
                         [](const auto& info) { return std::string(type_name(info.param)); });

// A chunk that throws: no chunk starts after it, parallel_for waits for every chunk that had
// started, then rethrows; the pool stays usable.
TEST(ThreadPool, RethrowsOnceEveryStartedChunkHasEnded) {
  ThreadPool pool(2);
  for (const int64_t thrower : {int64_t(0), int64_t(5)}) {
    std::atomic<int64_t> started{0}, finished{0};
    EXPECT_THROW(pool.parallel_for(64,
                                   [&](int64_t begin, int64_t end) {
                                     ++started;
                                     if (begin <= thrower && thrower < end) throw std::runtime_error("chunk failed");
                                     std::this_thread::sleep_for(std::chrono::milliseconds(5));
                                     ++finished;
                                   }),
                 std::runtime_error)
        << "thrower " << thrower;
    EXPECT_EQ(finished.load(), started.load() - 1) << "a chunk had not ended when parallel_for returned";
    EXPECT_LT(started.load(), 8) << "chunks went on being handed out after the throw";
  }
  std::atomic<int64_t> sum{0};
  pool.parallel_for(100, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) sum += i;
  });
  EXPECT_EQ(sum.load(), 4950);
}

// Every index once, whichever threads take the chunks, however they are cut.
TEST(ThreadPool, CoversEveryIndexOnce) {
  for (const int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    for (const int64_t n : {int64_t(1), int64_t(2), int64_t(7), int64_t(1000)}) {
      std::vector<std::atomic<int>> seen(static_cast<size_t>(n));
      pool.parallel_for(n, [&](int64_t begin, int64_t end) {
        ASSERT_LT(begin, end);
        for (int64_t i = begin; i < end; ++i) ++seen[size_t(i)];
      });
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(seen[size_t(i)].load(), 1) << threads << " threads, n " << n << ", index " << i;
    }
  }
}

// Float weights in products of 2+ tokens sum in llamafile's tinyBLAS order (DotKernel::batch_dot):
// the scalar and AVX2 kernels give equal floats, close to the one-token order's, and matmul picks
// that order by token count (and only for tensors of 4k rows and rows of 16k elements, as llama.cpp).
TEST(RowDot, FloatBatchOrderForTwoOrMoreTokens) {
  const int64_t cols = 208;  // 13 steps of 16
  for (GgmlType type : {GgmlType::F32, GgmlType::F16, GgmlType::BF16}) {
    SCOPED_TRACE(type_name(type));
    const auto w = make_weight(type, 8, cols, 13);
    const auto scalar = dot_kernel(type, CpuPath::Scalar, 8);
    ASSERT_TRUE(scalar.batch_dot);
    EXPECT_FALSE(dot_kernel(type, CpuPath::Scalar, 6).batch_dot);  // 6 rows: not a multiple of 4
    const int n_tokens = scalar.tokens;
    const auto x = make_activations(n_tokens, cols, 14);
    const size_t stride = activation_row_bytes(scalar.format, cols);
    std::vector<uint8_t> act(stride * size_t(n_tokens));
    for (int t = 0; t < n_tokens; ++t)
      prepare_activations(scalar.format, &x[size_t(t * cols)], cols, &act[t * stride], CpuPath::Scalar);
    float want[kMaxDotRows * kMaxDotTokens], lanes4[kMaxDotRows * kMaxDotTokens];
    scalar.batch_dot(w.bytes.data(), w.ref().row_bytes(), 4, act.data(), stride, n_tokens, cols, want);
    scalar.dot(w.bytes.data(), w.ref().row_bytes(), 4, act.data(), stride, n_tokens, cols, lanes4);
    for (int i = 0; i < 4 * n_tokens; ++i) EXPECT_NEAR(want[i], lanes4[i], 1e-4 * (1 + std::fabs(lanes4[i])));
    if (cpu_has_avx2()) {
      const auto avx2 = dot_kernel(type, CpuPath::Avx2, 8);
      ASSERT_EQ(avx2.tokens, n_tokens);
      for (int nr = 1; nr <= 4; ++nr)
        for (int nt = 1; nt <= n_tokens; ++nt) {
          float a[kMaxDotRows * kMaxDotTokens], b[kMaxDotRows * kMaxDotTokens];
          scalar.batch_dot(w.bytes.data(), w.ref().row_bytes(), nr, act.data(), stride, nt, cols, a);
          avx2.batch_dot(w.bytes.data(), w.ref().row_bytes(), nr, act.data(), stride, nt, cols, b);
          for (int i = 0; i < nr * nt; ++i)
            ASSERT_EQ(std::bit_cast<uint32_t>(a[i]), std::bit_cast<uint32_t>(b[i])) << nr << "x" << nt << " at " << i;
        }
    }
    // matmul: two tokens take the batch order, one token the one-token order.
    override_cpu_path(CpuPath::Scalar);
    ThreadPool pool(1);
    std::vector<float> y(2 * 8);
    matmul(w.ref(), x.data(), 2, y.data(), pool);
    for (int r = 0; r < 4; ++r) EXPECT_EQ(y[size_t(r)], want[r * n_tokens]) << "row " << r;
    matmul(w.ref(), x.data(), 1, y.data(), pool);
    for (int r = 0; r < 4; ++r) EXPECT_EQ(y[size_t(r)], lanes4[r * n_tokens]) << "row " << r;
    // Rows of 200 elements (whole steps of 8, not of 16): tinyBLAS declines, two tokens take `dot`.
    const int64_t short_cols = 200;
    const auto w200 = make_weight(type, 8, short_cols, 15);
    std::vector<float> x200(x.begin(), x.begin() + 2 * short_cols);
    std::vector<uint8_t> act200(2 * activation_row_bytes(scalar.format, short_cols));
    const size_t stride200 = act200.size() / 2;
    for (int t = 0; t < 2; ++t)
      prepare_activations(scalar.format, &x200[size_t(t * short_cols)], short_cols, &act200[t * stride200], CpuPath::Scalar);
    float one[8];
    scalar.dot(w200.bytes.data(), w200.ref().row_bytes(), 4, act200.data(), stride200, 2, short_cols, one);
    matmul(w200.ref(), x200.data(), 2, y.data(), pool);
    for (int r = 0; r < 4; ++r) EXPECT_EQ(y[size_t(8 + r)], one[r * 2 + 1]) << "200 elements, row " << r;
    override_cpu_path(std::nullopt);
  }
}

// llama.cpp repacks Q4_K tensors of 8k rows on x86 (and Q2_K ones in its AVX-512 build): one token
// (and the last n % 4 of a batch) goes through its gemv, whose float chains take each super-block's
// integer sums; tokens in whole fours of a batch of four or more through its gemm, whose chains take
// them per 64 (Q4_K) or 128 (Q2_K) elements. matmul picks the order by a token's place in the batch;
// other row counts keep vec_dot's order.
TEST(RowDot, RepackedKOrdersByTokenPlace) {
  const int64_t cols = 512;
  for (GgmlType type : {GgmlType::Q2_K, GgmlType::Q4_K}) {
    SCOPED_TRACE(type_name(type));
    EXPECT_FALSE(dot_kernel(type, CpuPath::Scalar, 12).batch_dot);
    const auto kernel = dot_kernel(type, CpuPath::Scalar, 8);
    ASSERT_TRUE(kernel.batch_dot);
    EXPECT_EQ(kernel.batch_tokens(3, cols), 0);
    EXPECT_EQ(kernel.batch_tokens(4, cols), 4);
    EXPECT_EQ(kernel.batch_tokens(7, cols), 4);
    const auto w = make_weight(type, 8, cols, 41);
    const int n_tokens = 7;
    const auto x = make_activations(n_tokens, cols, 42);
    const size_t stride = activation_row_bytes(kernel.format, cols);
    std::vector<uint8_t> act(stride * n_tokens);
    for (int t = 0; t < n_tokens; ++t)
      prepare_activations(kernel.format, &x[size_t(t * cols)], cols, &act[t * stride], CpuPath::Scalar);
    float gemv[8 * n_tokens], gemm[8 * n_tokens];
    kernel.dot(w.bytes.data(), w.ref().row_bytes(), 8, act.data(), stride, n_tokens, cols, gemv);
    kernel.batch_dot(w.bytes.data(), w.ref().row_bytes(), 8, act.data(), stride, n_tokens, cols, gemm);
    int differ = 0;
    for (int i = 0; i < 8 * n_tokens; ++i) differ += gemv[i] != gemm[i];
    EXPECT_GT(differ, 0) << "the two orders should part somewhere on random data";
    for (CpuPath path : {CpuPath::Scalar, CpuPath::Avx2}) {
      if (path == CpuPath::Avx2 && !cpu_has_avx2()) continue;
      override_cpu_path(path);
      ThreadPool pool(2);
      std::vector<float> y(size_t(8 * n_tokens));
      matmul(w.ref(), x.data(), n_tokens, y.data(), pool);
      for (int t = 0; t < n_tokens; ++t)
        for (int r = 0; r < 8; ++r)
          EXPECT_EQ(y[size_t(t * 8 + r)], (t < 4 ? gemm : gemv)[r * n_tokens + t]) << "token " << t << " row " << r;
      matmul(w.ref(), x.data(), 3, y.data(), pool);  // fewer than four: all by gemv
      for (int t = 0; t < 3; ++t)
        for (int r = 0; r < 8; ++r) EXPECT_EQ(y[size_t(t * 8 + r)], gemv[r * n_tokens + t]) << "3 tokens: token " << t;
    }
    override_cpu_path(std::nullopt);
  }
}

// The AVX2 q8_K quantizer writes the scalar one's bytes, also where the scalar loop's order shows:
// a block of zeros, a largest magnitude that occurs with both signs (the first one sets the scale's
// sign), values that land on a half after scaling.
TEST(RowDot, Q8KQuantizerAvx2WritesTheScalarBytes) {
  if (!cpu_has_avx2()) GTEST_SKIP() << "no AVX2 on this CPU";
  std::vector<float> x(5 * kQK_K);
  std::mt19937 rng(21);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (auto& v : x) v = normal(rng);
  std::fill(x.begin() + kQK_K, x.begin() + 2 * kQK_K, 0.0f);  // block 1: zeros
  x[2 * kQK_K + 40] = -9.0f, x[2 * kQK_K + 200] = 9.0f;        // block 2: -9 first
  x[3 * kQK_K + 7] = 9.0f, x[3 * kQK_K + 100] = -9.0f;         // block 3: +9 first
  for (int j = 0; j < kQK_K; ++j) x[size_t(4 * kQK_K + j)] = float(j % 19) * (127.0f / 36.0f) / 2.0f - 20.0f;
  x[4 * kQK_K + 3] = -127.0f / 2.0f;  // block 4: products near halves
  std::vector<BlockQ8_K> scalar(5), avx2(5);
  quantize_q8_k(x.data(), int64_t(x.size()), scalar.data());
  quantize_q8_k_avx2(x.data(), int64_t(x.size()), avx2.data());
  for (size_t b = 0; b < scalar.size(); ++b)
    EXPECT_EQ(std::memcmp(&scalar[b], &avx2[b], sizeof(BlockQ8_K)), 0) << "block " << b;
  EXPECT_GT(scalar[2].d, 0.0f);  // d = -max / 127 with max the first largest magnitude: -9
  EXPECT_LT(scalar[3].d, 0.0f);
}

TEST(CpuPath, OverrideAndRestore) {
  override_cpu_path(CpuPath::Scalar);
  EXPECT_EQ(cpu_path(), CpuPath::Scalar);
  override_cpu_path(std::nullopt);
  const char* env = std::getenv("VKLLM_CPU_SCALAR");
  if (env == nullptr || std::string(env) == "0" || std::string(env).empty()) {
    EXPECT_EQ(cpu_path(), cpu_has_avx2() ? CpuPath::Avx2 : CpuPath::Scalar);
  }
}

}  // namespace
}  // namespace vkllm::cpu
