#pragma once
// One prompt in, generated tokens out: prompt processing in batches, then token-by-token decoding,
// with the timings llama-server reports.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/sampling/sampler.h"
#include "engine/session/language_model.h"
#include "engine/tokenizer/tokenizer.h"

namespace vkllm {

struct GenerationTimings {
  int prompt_n = 0;
  double prompt_ms = 0;
  int predicted_n = 0;
  double predicted_ms = 0;

  double prompt_per_second() const { return prompt_ms > 0 ? prompt_n * 1000.0 / prompt_ms : 0; }
  double predicted_per_second() const { return predicted_ms > 0 ? predicted_n * 1000.0 / predicted_ms : 0; }
};

struct GenerationRequest {
  std::vector<tokenizer::TokenId> prompt;  // already tokenized (BOS included when wanted)
  int n_predict = 128;                     // < 0: until end of generation or a full context
  int n_batch = 512;                       // prompt tokens per forward pass
  SamplingParams sampling;
  bool stop_at_eog = true;                 // end-of-generation tokens end the output
};

struct GenerationResult {
  std::vector<tokenizer::TokenId> tokens;  // generated ids (an ending EOG token included)
  std::string text;                        // their text, special tokens not rendered
  GenerationTimings timings;
  std::string stop_reason;                 // "length", "eog" or "context"
};

// Called with each newly complete piece of text as it is generated; return false to stop.
using TextSink = std::function<bool(const std::string& piece)>;

// Runs `request` from an empty cache (the model is reset first).
GenerationResult generate(LanguageModel& model, const tokenizer::Tokenizer& tokenizer,
                          const GenerationRequest& request, const TextSink& sink = {});

// Evaluates `prompt` in batches of n_batch from an empty cache; returns the logits of every position.
std::vector<float> evaluate_prompt(LanguageModel& model, std::span<const int32_t> prompt, int n_batch,
                                   bool all_logits);

}  // namespace vkllm
