// host/cpu/avx2_helpers.h: the eight-at-once horizontal sum gives, lane for lane, the very floats of
// ggml's hsum_float_8 on each vector (the kernels rely on it to keep llama.cpp's order).
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

#include "host/cpu/avx2_helpers.h"
#include "host/cpu/cpu_features.h"

namespace vkllm::cpu {
namespace {

#if VKLLM_HAVE_X86

// Sums of v[0..7] by hsum_float_8x8 (in v's order) and by hsum_float_8 one vector at a time.
VKLLM_AVX2 void both_sums(const float (&v)[8][8], float (&eight)[8], float (&one)[8]) {
  __m256 vectors[8];
  for (int i = 0; i < 8; ++i) {
    vectors[i] = _mm256_loadu_ps(v[i]);
    one[i] = avx2::hsum_float_8(vectors[i]);
  }
  float lanes[8];
  _mm256_storeu_ps(lanes, avx2::hsum_float_8x8(vectors));
  for (int i = 0; i < 8; ++i) eight[i] = lanes[i % 2 * 4 + i / 2];
}

TEST(Avx2Helpers, EightSumsAtOnceAreHsumFloat8OfEach) {
  if (!cpu_has_avx2()) GTEST_SKIP() << "no AVX2 on this CPU";
  std::mt19937 rng(5);
  // Magnitudes 2^-20..2^20 mixed in one vector, so a different addition order rounds differently.
  std::uniform_real_distribution<float> mantissa(-1.0f, 1.0f);
  std::uniform_int_distribution<int> exponent(-20, 20);
  int order_sensitive = 0;
  for (int round = 0; round < 2000; ++round) {
    float v[8][8];
    for (auto& vector : v)
      for (float& x : vector) x = std::ldexp(mantissa(rng), exponent(rng));
    if (round == 0) {  // the special values go through the same additions
      v[1][3] = std::numeric_limits<float>::infinity();
      v[2][0] = std::numeric_limits<float>::quiet_NaN();
      v[3][5] = -0.0f;
    }
    float eight[8], one[8];
    both_sums(v, eight, one);
    for (int i = 0; i < 8; ++i) {
      ASSERT_EQ(std::bit_cast<uint32_t>(eight[i]), std::bit_cast<uint32_t>(one[i])) << "round " << round << " vector " << i;
      float in_order = 0.0f;
      for (float x : v[i]) in_order += x;
      order_sensitive += in_order != one[i];
    }
  }
  EXPECT_GT(order_sensitive, 1000) << "the data should tell addition orders apart";
}

#endif

}  // namespace
}  // namespace vkllm::cpu
