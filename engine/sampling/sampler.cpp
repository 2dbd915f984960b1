#include "engine/sampling/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

#include "engine/util/check.h"

namespace vkllm {
namespace {

struct Candidate {
  int32_t id;
  float logit;
};

// Softmax over candidates already sorted by logit, best first.
std::vector<float> softmax_sorted(const std::vector<Candidate>& c) {
  std::vector<float> p(c.size());
  double sum = 0;
  for (size_t i = 0; i < c.size(); ++i) sum += p[i] = std::exp(c[i].logit - c[0].logit);
  for (auto& v : p) v = float(v / sum);
  return p;
}

}  // namespace

Sampler::Sampler(const SamplingParams& params) : params_(params), rng_(uint32_t(params.seed)) {
  if (params.top_p <= 0) fail("top-p must be positive, got {}", params.top_p);
  if (params.repeat_penalty <= 0) fail("repeat penalty must be positive, got {}", params.repeat_penalty);
}

void Sampler::accept(int32_t token) {
  history_.push_back(token);
  const size_t limit = params_.penalty_last_n < 0 ? SIZE_MAX : size_t(params_.penalty_last_n);
  while (history_.size() > limit) history_.pop_front();
}

void Sampler::apply_penalties(std::vector<float>& logits) const {
  if (history_.empty()) return;
  std::unordered_map<int32_t, int> counts;
  for (auto t : history_)
    if (t >= 0 && size_t(t) < logits.size()) ++counts[t];
  for (const auto& [token, count] : counts) {
    float& l = logits[token];
    l = l > 0 ? l / params_.repeat_penalty : l * params_.repeat_penalty;
    l -= float(count) * params_.frequency_penalty + params_.presence_penalty;
  }
}

int32_t Sampler::sample(std::span<const float> logits_in) {
  if (logits_in.empty()) fail("cannot sample from an empty vocabulary");
  std::vector<float> logits(logits_in.begin(), logits_in.end());
  apply_penalties(logits);

  std::vector<Candidate> c(logits.size());
  for (size_t i = 0; i < c.size(); ++i) c[i] = {int32_t(i), logits[i]};
  auto better = [](const Candidate& a, const Candidate& b) { return a.logit > b.logit || (a.logit == b.logit && a.id < b.id); };

  int32_t chosen;
  if (params_.temperature <= 0) {
    chosen = std::min_element(c.begin(), c.end(), better)->id;
    candidates_ = {{chosen, 1.0f}};
  } else {
    const size_t k = params_.top_k > 0 ? std::min(c.size(), size_t(params_.top_k)) : c.size();
    std::partial_sort(c.begin(), c.begin() + k, c.end(), better);
    c.resize(k);
    if (params_.top_p < 1.0f) {
      const auto p = softmax_sorted(c);
      float cumulative = 0;
      size_t keep = c.size();
      for (size_t i = 0; i < p.size(); ++i) {
        cumulative += p[i];
        if (cumulative >= params_.top_p) {
          keep = i + 1;
          break;
        }
      }
      c.resize(keep);
    }
    if (params_.min_p > 0) {
      const auto p = softmax_sorted(c);
      size_t keep = 1;
      while (keep < c.size() && p[keep] >= params_.min_p * p[0]) ++keep;
      c.resize(keep);
    }
    for (auto& cand : c) cand.logit /= params_.temperature;
    const auto p = softmax_sorted(c);
    std::discrete_distribution<size_t> dist(p.begin(), p.end());
    chosen = c[dist(rng_)].id;
    candidates_.resize(c.size());
    for (size_t i = 0; i < c.size(); ++i) candidates_[i] = {c[i].id, p[i]};
  }
  accept(chosen);
  return chosen;
}

}  // namespace vkllm
