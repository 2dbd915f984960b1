#include "engine/session/perplexity.h"

#include <algorithm>
#include <cmath>

#include "engine/util/check.h"

namespace vkllm {

double negative_log_likelihood(std::span<const float> logits, int32_t token) {
  VKLLM_ASSERT(token >= 0 && size_t(token) < logits.size(), "token {} outside {} logits", token, logits.size());
  float max = logits[0];
  for (const float l : logits) max = std::max(max, l);
  double sum = 0;
  for (const float l : logits) sum += std::exp(l - max);  // float e^x, as expf
  return -(double(logits[size_t(token)] - max) - std::log(sum));
}

PerplexityResult perplexity(LanguageModel& model, std::span<const int32_t> tokens, const PerplexityRequest& request,
                            const std::function<void(int, double)>& on_chunk) {
  const int n_ctx = request.n_ctx;
  if (n_ctx < 4) fail("a perplexity chunk needs at least 4 tokens, not {}", n_ctx);
  if (n_ctx > model.n_ctx()) fail("chunks of {} tokens do not fit the context of {} (raise -c)", n_ctx, model.n_ctx());
  if (request.n_batch <= 0) fail("batch size must be positive, got {}", request.n_batch);
  if (int64_t(tokens.size()) < 2 * int64_t(n_ctx))
    fail("the text has {} tokens; perplexity with chunks of {} needs at least {}", tokens.size(), n_ctx, 2 * n_ctx);
  int n_chunks = int(tokens.size() / size_t(n_ctx));
  if (request.n_chunks >= 0) n_chunks = std::min(n_chunks, request.n_chunks);
  if (n_chunks == 0) fail("--chunks 0: nothing to measure");

  const int first = n_ctx / 2;  // positions before it are context only
  const int n_batch = std::min(request.n_batch, n_ctx);
  const int n_vocab = model.n_vocab();
  PerplexityResult result;
  double nll = 0, nll2 = 0;
  std::vector<int32_t> chunk(static_cast<size_t>(n_ctx));
  for (int c = 0; c < n_chunks; ++c) {
    std::copy_n(tokens.begin() + ptrdiff_t(c) * n_ctx, n_ctx, chunk.begin());
    if (request.bos >= 0) chunk[0] = request.bos;
    model.reset();
    std::vector<float> logits;  // of positions first..n_ctx-1
    for (int begin = 0; begin < n_ctx; begin += n_batch) {
      const int n = std::min(n_batch, n_ctx - begin);
      auto out = model.forward(std::span<const int32_t>(chunk).subspan(size_t(begin), size_t(n)), true);
      const int skip = std::max(0, first - begin);
      if (skip < n) logits.insert(logits.end(), out.begin() + ptrdiff_t(skip) * n_vocab, out.end());
    }
    // Position first + i predicts the text's token after it (the original, not the BOS).
    for (int i = 0; i < n_ctx - 1 - first; ++i) {
      const auto row = std::span<const float>(logits).subspan(size_t(i) * size_t(n_vocab), size_t(n_vocab));
      const double v = negative_log_likelihood(row, tokens[size_t(c) * size_t(n_ctx) + size_t(first + i + 1)]);
      nll += v;
      nll2 += v * v;
    }
    result.n_scored += n_ctx - 1 - first;
    result.ppl_after_chunk.push_back(std::exp(nll / result.n_scored));
    if (on_chunk) on_chunk(c, result.ppl_after_chunk.back());
  }
  result.n_chunks = n_chunks;
  result.nll = nll / result.n_scored;
  result.ppl = std::exp(result.nll);
  const double variance = nll2 / result.n_scored - result.nll * result.nll;
  if (variance > 0 && result.n_scored > 1) result.ppl_error = std::sqrt(variance / (result.n_scored - 1)) * result.ppl;
  return result;
}

}  // namespace vkllm
