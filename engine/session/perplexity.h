#pragma once
// Perplexity of a model over a text, as llama.cpp's llama-perplexity measures it: the tokens are cut
// into chunks of n_ctx, each evaluated from an empty cache with its first token replaced by BOS
// (where the vocabulary adds one), and only the second half of each chunk is scored (every
// position then has at least n_ctx/2 tokens of context). Same chunks and same formula, so the
// figures compare with llama-perplexity's for the same -c.
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "engine/session/language_model.h"

namespace vkllm {

struct PerplexityRequest {
  int n_ctx = 512;      // tokens per chunk (at most the model's context)
  int n_batch = 512;    // tokens per forward pass (a chunk takes ceil(n_ctx / n_batch))
  int n_chunks = -1;    // at most this many chunks (-1: all the text holds)
  int32_t bos = -1;     // put at the start of every chunk (-1: none)
};

struct PerplexityResult {
  double ppl = 0;           // e^(mean negative log-likelihood)
  double ppl_error = 0;     // llama-perplexity's "+/-": the standard error of the mean, times ppl
  double nll = 0;           // the mean negative log-likelihood
  int n_chunks = 0;
  int n_scored = 0;         // tokens scored: n_chunks * (n_ctx - n_ctx/2 - 1)
  std::vector<double> ppl_after_chunk;  // the running estimate after each chunk
};

// -log softmax(logits)[token], as llama-perplexity forms it: max in float, the sum of e^(l - max)
// in double, e^x of libm's expf.
double negative_log_likelihood(std::span<const float> logits, int32_t token);

// on_chunk (optional): called after each chunk with its index and the running estimate.
PerplexityResult perplexity(LanguageModel& model, std::span<const int32_t> tokens, const PerplexityRequest& request,
                            const std::function<void(int, double)>& on_chunk = {});

}  // namespace vkllm
