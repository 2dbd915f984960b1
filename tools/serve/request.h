#pragma once
// The body of POST /v1/completions and /v1/chat/completions, parsed and checked: anything malformed
// throws ApiError 400 naming the field.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/sampling/sampler.h"
#include "tools/serve/chat_template.h"

namespace vkllm::serve {

struct CompletionRequest {
  bool chat = false;
  std::string model;
  bool stream = false;
  bool include_usage = false;             // stream_options.include_usage: a last chunk with usage

  std::string prompt_text;                // completions: a string prompt ...
  std::vector<int32_t> prompt_tokens;     // ... or token ids, used as they are (no BOS added)
  bool prompt_is_tokens = false;
  std::vector<ChatMessage> messages;      // chat

  int max_tokens = -1;                    // -1: until end of generation or a full slot context
  SamplingParams sampling;                // the server's flags, overridden by the request
  std::optional<uint64_t> seed;           // none: a random seed
  std::vector<std::string> stop;
  bool ignore_eos = false;

  int logprobs = -1;        // alternatives per token in OpenAI's logprobs output; -1: no logprobs
  int n_probs = 0;          // llama.cpp's completion_probabilities (with token ids); 0: none
  bool return_tokens = false;  // add the generated token ids to each choice ("tokens")
};

// `defaults` are the sampling flags the server was started with.
CompletionRequest parse_completion_request(const std::string& body, bool chat, const SamplingParams& defaults);

}  // namespace vkllm::serve
