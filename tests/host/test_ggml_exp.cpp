// ggml_exp (host/cpu/ggml_exp.h): within a few ulp of libm's expf over the range softmax and silu
// use, exactly 0 at -inf, and the 8-lane AVX2 form gives the same floats as the scalar one, also
// for groups that mix in-range, out-of-range and -inf lanes.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "host/cpu/ggml_exp.h"

namespace vkllm::cpu {
namespace {

TEST(GgmlExp, IsCloseToExpf) {
  for (float x = -87.0f; x <= 88.0f; x += 0.0137f) {
    const double want = std::exp(double(x));
    ASSERT_NEAR(ggml_exp(x), want, 4e-7 * want) << x;
  }
  EXPECT_EQ(ggml_exp(-INFINITY), 0.0f);
  EXPECT_EQ(ggml_exp(0.0f), 1.0f);
}

// Past the normal range as AVX-512's form: subnormal results from one rounding of j * 2^n, 0 and
// infinity beyond |n| = 192, NaN kept.
TEST(GgmlExp, BeyondTheNormalRange) {
  for (float x : {-88.0f, -95.0f, -100.0f, -103.0f}) {
    const double want = std::exp(double(x));
    EXPECT_NEAR(ggml_exp(x), want, 1e-3 * want + 1.5e-45) << x;  // a subnormal step is 1.4e-45
  }
  EXPECT_EQ(ggml_exp(-140.0f), 0.0f);
  EXPECT_EQ(ggml_exp(89.0f), INFINITY);
  EXPECT_EQ(ggml_exp(140.0f), INFINITY);
  EXPECT_TRUE(std::isnan(ggml_exp(NAN)));
}

#if VKLLM_HAVE_X86
VKLLM_AVX2 void exp8(const float* x, float* out) { _mm256_storeu_ps(out, ggml_exp8(_mm256_loadu_ps(x))); }

TEST(GgmlExp, EightLanesGiveTheScalarFloats) {
  if (!cpu_has_avx2()) GTEST_SKIP() << "no AVX2 here";
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> wide(-120.0f, 100.0f), usual(-20.0f, 5.0f);
  for (int trial = 0; trial < 20000; ++trial) {
    float x[8], got[8];
    for (float& v : x) {
      const int kind = int(rng() % 16);
      v = kind == 0 ? -INFINITY : kind == 1 ? wide(rng) : usual(rng);
    }
    exp8(x, got);
    for (int l = 0; l < 8; ++l) ASSERT_EQ(got[l], ggml_exp(x[l])) << x[l];
  }
}
#endif

}  // namespace
}  // namespace vkllm::cpu
