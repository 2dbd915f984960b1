#pragma once
// Log-probabilities of generated tokens for OpenAI's `logprobs` and llama.cpp's `n_probs`: from the
// model's own distribution (softmax of the raw logits), before temperature and the sampling filters.
#include <cstdint>
#include <span>
#include <vector>

namespace vkllm::serve {

struct TokenLogprob {
  int32_t id = 0;
  float logprob = 0;
};

struct TokenOutput {
  int32_t id = 0;
  float logprob = 0;                 // of the chosen token
  std::vector<TokenLogprob> top;     // the n_top most likely tokens, best first
};

// n_top < 0: only the id (no log-probabilities wanted).
TokenOutput token_logprobs(std::span<const float> logits, int32_t chosen, int n_top);

}  // namespace vkllm::serve
