#include "engine/session/generation.h"

#include <algorithm>
#include <chrono>

#include "engine/tokenizer/end_of_generation.h"
#include "engine/util/check.h"

namespace vkllm {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace

std::vector<float> evaluate_prompt(LanguageModel& model, std::span<const int32_t> prompt, int n_batch,
                                   bool all_logits) {
  if (prompt.empty()) fail("the prompt is empty: nothing to evaluate");
  if (n_batch <= 0) fail("batch size must be positive, got {}", n_batch);
  if (int64_t(prompt.size()) > model.n_ctx())
    fail("the prompt has {} tokens but the context holds {} (raise -c)", prompt.size(), model.n_ctx());
  model.reset();
  std::vector<float> logits;
  for (size_t begin = 0; begin < prompt.size(); begin += size_t(n_batch)) {
    const size_t n = std::min(prompt.size() - begin, size_t(n_batch));
    const bool last = begin + n == prompt.size();
    auto batch_logits = model.forward(prompt.subspan(begin, n), all_logits);
    if (all_logits)
      logits.insert(logits.end(), batch_logits.begin(), batch_logits.end());
    else if (last)
      logits = std::move(batch_logits);
  }
  return logits;
}

GenerationResult generate(LanguageModel& model, const tokenizer::Tokenizer& tokenizer,
                          const GenerationRequest& request, const TextSink& sink) {
  GenerationResult result;
  Sampler sampler(request.sampling);
  for (const auto id : request.prompt) sampler.accept(id);

  const auto prompt_start = Clock::now();
  auto logits = evaluate_prompt(model, request.prompt, request.n_batch, false);
  result.timings.prompt_n = int(request.prompt.size());
  result.timings.prompt_ms = ms_since(prompt_start);

  const auto eog = tokenizer::end_of_generation_tokens(tokenizer.vocab());
  tokenizer::StreamDecoder decoder(tokenizer);
  const auto decode_start = Clock::now();
  result.stop_reason = "length";
  bool stopped = false;
  for (int i = 0; request.n_predict < 0 || i < request.n_predict; ++i) {
    const int32_t token = sampler.sample(logits);
    result.tokens.push_back(token);
    if (request.stop_at_eog && std::binary_search(eog.begin(), eog.end(), token)) {
      result.stop_reason = "eog";
      break;
    }
    const std::string piece = decoder.push(token);
    result.text += piece;
    if (sink && !piece.empty() && !sink(piece)) {
      stopped = true;
      break;
    }
    const bool more = request.n_predict < 0 || i + 1 < request.n_predict;
    if (!more) break;
    if (model.n_past() >= model.n_ctx()) {
      result.stop_reason = "context";
      break;
    }
    logits = model.forward(std::span(&token, 1), false);
  }
  const std::string tail = decoder.flush();
  result.text += tail;
  if (sink && !tail.empty() && !stopped) sink(tail);
  result.timings.predicted_n = int(result.tokens.size());
  result.timings.predicted_ms = ms_since(decode_start);
  return result;
}

}  // namespace vkllm
