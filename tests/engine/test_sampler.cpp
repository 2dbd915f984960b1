#include <gtest/gtest.h>

#include <map>

#include "engine/sampling/sampler.h"
#include "engine/util/check.h"

namespace vkllm {
namespace {

TEST(Sampler, GreedyPicksTheArgmaxAndLowestIdOnTies) {
  Sampler s({.temperature = 0});
  EXPECT_EQ(s.sample(std::vector<float>{0.1f, 3.0f, -1.0f, 2.9f}), 1);
  EXPECT_EQ(s.sample(std::vector<float>{5.0f, 1.0f, 5.0f}), 0);
}

TEST(Sampler, SameSeedSameTokensDifferentSeedDifferentTokens) {
  std::vector<float> logits(50);
  for (size_t i = 0; i < logits.size(); ++i) logits[i] = float(i % 7) * 0.3f;
  auto run = [&](uint64_t seed) {
    Sampler s({.temperature = 1.5f, .top_k = 0, .top_p = 1.0f, .min_p = 0, .seed = seed});
    std::vector<int32_t> out;
    for (int i = 0; i < 40; ++i) out.push_back(s.sample(logits));
    return out;
  };
  EXPECT_EQ(run(42), run(42));
  EXPECT_NE(run(42), run(43));
}

TEST(Sampler, TopKKeepsOnlyTheBest) {
  Sampler s({.temperature = 1.0f, .top_k = 2, .top_p = 1.0f, .min_p = 0, .seed = 1});
  std::vector<float> logits = {0, 5, 4, 3, 4.5f};
  for (int i = 0; i < 200; ++i) {
    const auto t = s.sample(logits);
    EXPECT_TRUE(t == 1 || t == 4) << t;
  }
  EXPECT_EQ(s.last_candidates().size(), 2u);
}

TEST(Sampler, TopPAndMinPCutTheTail) {
  // p ~ {0.665, 0.245, 0.090}: top-p 0.8 keeps two, min-p 0.2 keeps those with p >= 0.133.
  std::vector<float> logits = {2, 1, 0};
  Sampler top_p({.temperature = 1.0f, .top_k = 0, .top_p = 0.8f, .min_p = 0, .seed = 3});
  Sampler min_p({.temperature = 1.0f, .top_k = 0, .top_p = 1.0f, .min_p = 0.2f, .seed = 3});
  for (int i = 0; i < 300; ++i) {
    EXPECT_NE(top_p.sample(logits), 2);
    EXPECT_NE(min_p.sample(logits), 2);
  }
}

TEST(Sampler, TemperatureSharpensTheDistribution) {
  std::vector<float> logits = {1.0f, 0.0f};
  auto share_of_best = [&](float temp) {
    Sampler s({.temperature = temp, .top_k = 0, .top_p = 1.0f, .min_p = 0, .seed = 9});
    int best = 0;
    for (int i = 0; i < 2000; ++i) best += s.sample(logits) == 0;
    return best / 2000.0;
  };
  EXPECT_NEAR(share_of_best(1.0f), 0.731, 0.04);
  EXPECT_GT(share_of_best(0.25f), 0.95);
}

TEST(Sampler, RepeatPenaltyAndPresenceSteerAwayFromRecentTokens) {
  Sampler s({.temperature = 0, .repeat_penalty = 2.0f, .penalty_last_n = 4});
  s.accept(0);
  // 3.0 / 2 = 1.5 < 2.0: the recent token loses.
  EXPECT_EQ(s.sample(std::vector<float>{3.0f, 2.0f}), 1);
  Sampler p({.temperature = 0, .presence_penalty = 1.5f, .penalty_last_n = -1});
  p.accept(0);
  EXPECT_EQ(p.sample(std::vector<float>{3.0f, 2.0f}), 1);
  Sampler f({.temperature = 0, .frequency_penalty = 0.4f, .penalty_last_n = 8});
  f.accept(0);
  f.accept(0);
  EXPECT_EQ(f.sample(std::vector<float>{3.0f, 2.5f}), 1);  // 3 - 2*0.4 = 2.2
}

TEST(Sampler, RejectsBadParameters) {
  EXPECT_THROW(Sampler(SamplingParams{.top_p = 0.0f}), Error);
  EXPECT_THROW(Sampler(SamplingParams{.repeat_penalty = -1.0f}), Error);
}

}  // namespace
}  // namespace vkllm
