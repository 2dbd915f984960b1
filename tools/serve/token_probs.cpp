#include "tools/serve/token_probs.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace vkllm::serve {

TokenOutput token_logprobs(std::span<const float> logits, int32_t chosen, int n_top) {
  TokenOutput out;
  out.id = chosen;
  if (n_top < 0) return out;  // not asked for: skip the softmax
  const float max = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (const float l : logits) sum += std::exp(double(l - max));
  const float log_norm = max + float(std::log(sum));

  out.logprob = logits[size_t(chosen)] - log_norm;
  const size_t n = std::min(size_t(n_top), logits.size());
  if (n == 0) return out;
  std::vector<int32_t> ids(logits.size());
  std::iota(ids.begin(), ids.end(), 0);
  std::partial_sort(ids.begin(), ids.begin() + int64_t(n), ids.end(), [&](int32_t a, int32_t b) {
    return logits[size_t(a)] > logits[size_t(b)] || (logits[size_t(a)] == logits[size_t(b)] && a < b);
  });
  for (size_t i = 0; i < n; ++i) out.top.push_back({ids[i], logits[size_t(ids[i])] - log_norm});
  return out;
}

}  // namespace vkllm::serve
