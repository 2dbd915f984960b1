// swiglu on the CPU (host/cpu/swiglu.cpp): close to silu(g) * u in double, and the scalar and AVX2
// paths give identical floats, extreme gates included.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "host/cpu/cpu_features.h"
#include "host/cpu/cpu_ops.h"

namespace vkllm::cpu {
namespace {

std::vector<float> gates() {
  std::vector<float> g;
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> wide(-30.0f, 30.0f);
  for (int i = 0; i < 4000; ++i) g.push_back(wide(rng));
  for (float x : {0.0f, -0.0f, 1e-30f, -1e-30f, 86.0f, -86.0f, 88.5f, -88.5f, 100.0f, -100.0f, 1e10f, -1e10f})
    g.push_back(x);
  g.push_back(0.5f);  // an odd count leaves a scalar tail
  return g;
}

std::vector<float> run(CpuPath path, const std::vector<float>& g, const std::vector<float>& up) {
  override_cpu_path(path);
  std::vector<float> out = g;
  swiglu(out.data(), up.data(), int64_t(out.size()));
  override_cpu_path(std::nullopt);
  return out;
}

TEST(Swiglu, MatchesSiluTimesUp) {
  const auto g = gates();
  const std::vector<float> up(g.size(), 1.5f);
  const auto got = run(CpuPath::Scalar, g, up);
  for (size_t i = 0; i < g.size(); ++i) {
    const double want = double(g[i]) / (1.0 + std::exp(-double(g[i]))) * 1.5;
    ASSERT_NEAR(got[i], want, 4e-7 * std::abs(want) + 1e-37) << "gate " << g[i];
  }
}

TEST(Swiglu, ScalarAndAvx2AreIdentical) {
  if (!cpu_has_avx2()) GTEST_SKIP() << "no AVX2 here";
  const auto g = gates();
  std::vector<float> up(g.size());
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  for (auto& x : up) x = u(rng);
  const auto scalar = run(CpuPath::Scalar, g, up), avx2 = run(CpuPath::Avx2, g, up);
  ASSERT_EQ(std::memcmp(scalar.data(), avx2.data(), scalar.size() * sizeof(float)), 0);
}

}  // namespace
}  // namespace vkllm::cpu
