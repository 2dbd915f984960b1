#pragma once
// OpenAI response bodies for completions and chat completions, whole or as server-sent-event
// chunks, built from the scheduler's JobEvents.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "engine/tokenizer/tokenizer.h"
#include "tools/serve/job.h"
#include "tools/serve/request.h"

namespace vkllm::serve {

class CompletionFormatter {
 public:
  CompletionFormatter(const CompletionRequest& request, const tokenizer::Tokenizer& tokenizer, std::string model,
                      int n_prompt);

  // Streaming: "data: {...}\n\n" lines. The chat stream opens with the assistant role.
  std::string stream_start() const;
  // The chunk for one event ("" when it carries nothing); the final one, with its finish reason,
  // is followed by the usage chunk when asked for and "data: [DONE]".
  std::string stream_event(const JobEvent& event);

  // Whole: add every event, then take the body.
  void add(const JobEvent& event);
  nlohmann::json body() const;

 private:
  nlohmann::json choice(const std::string& text, const std::vector<TokenOutput>& tokens, size_t text_offset,
                        const std::string& finish_reason, bool delta) const;
  nlohmann::json logprobs_json(const std::vector<TokenOutput>& tokens, size_t text_offset) const;
  nlohmann::json envelope(bool chunk) const;
  nlohmann::json usage() const;

  const CompletionRequest& request_;
  const tokenizer::Tokenizer& tokenizer_;
  const std::string model_, id_;
  const int64_t created_;
  const int n_prompt_;
  int n_generated_ = 0;
  std::string text_;                  // whole: the text so far
  std::vector<TokenOutput> tokens_;   // whole: the tokens so far
  std::string finish_reason_;
};

// "data: <json>\n\n" with invalid UTF-8 replaced.
std::string sse_data(const nlohmann::json& value);
std::string json_text(const nlohmann::json& value);

}  // namespace vkllm::serve
