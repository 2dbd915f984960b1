#pragma once
// Token sampling as llama.cpp chains it: penalties -> top-k -> top-p -> min-p -> temperature ->
// a draw from the distribution (or argmax when temperature <= 0).
#include <cstdint>
#include <deque>
#include <random>
#include <span>
#include <vector>

namespace vkllm {

struct SamplingParams {
  float temperature = 0.8f;  // <= 0: greedy
  int top_k = 40;            // <= 0: off
  float top_p = 0.95f;       // >= 1: off
  float min_p = 0.05f;       // <= 0: off
  float repeat_penalty = 1.0f;     // 1: off; divides positive logits of recent tokens, multiplies negative
  float frequency_penalty = 0.0f;  // subtracted once per occurrence in the recent window
  float presence_penalty = 0.0f;   // subtracted once if the token occurred in the window
  int penalty_last_n = 64;         // the recent window; 0: off, -1: the whole history
  uint64_t seed = 0;
};

struct TokenProb {
  int32_t id;
  float p;
};

class Sampler {
 public:
  explicit Sampler(const SamplingParams& params);

  // Picks the next token from one position's logits and remembers it for the penalties.
  int32_t sample(std::span<const float> logits);
  // Records a token the sampler did not pick (a prompt token) for the penalties.
  void accept(int32_t token);

  // The probabilities the last draw chose from, best first (after every filter).
  const std::vector<TokenProb>& last_candidates() const { return candidates_; }

 private:
  void apply_penalties(std::vector<float>& logits) const;

  SamplingParams params_;
  std::mt19937 rng_;
  std::deque<int32_t> history_;
  std::vector<TokenProb> candidates_;
};

}  // namespace vkllm
