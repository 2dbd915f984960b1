#include "tools/serve/responses.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <span>

#include <fmt/format.h>

namespace vkllm::serve {
namespace {

using nlohmann::json;

std::string random_id(const char* prefix) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{}-{:016x}", prefix, rng());
}

json bytes_of(std::string_view piece) {
  json bytes = json::array();
  for (const char c : piece) bytes.push_back(int(uint8_t(c)));
  return bytes;
}

}  // namespace

std::string json_text(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string sse_data(const json& value) { return "data: " + json_text(value) + "\n\n"; }

CompletionFormatter::CompletionFormatter(const CompletionRequest& request, const tokenizer::Tokenizer& tokenizer,
                                         std::string model, int n_prompt)
    : request_(request),
      tokenizer_(tokenizer),
      model_(std::move(model)),
      id_(random_id(request.chat ? "chatcmpl" : "cmpl")),
      created_(std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                   .count()),
      n_prompt_(n_prompt) {}

json CompletionFormatter::envelope(bool chunk) const {
  const char* object = request_.chat ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion";
  return {{"id", id_}, {"object", object}, {"created", created_}, {"model", model_}};
}

json CompletionFormatter::usage() const {
  return {{"prompt_tokens", n_prompt_}, {"completion_tokens", n_generated_}, {"total_tokens", n_prompt_ + n_generated_}};
}

// Completions: {tokens, token_logprobs, top_logprobs: [{piece: logprob}], text_offset}.
// Chat: {content: [{token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}]}.
json CompletionFormatter::logprobs_json(const std::vector<TokenOutput>& tokens, size_t text_offset) const {
  // Jobs keep max(logprobs, n_probs) alternatives; logprobs shows only as many as it asked for.
  const auto asked = [&](const TokenOutput& t) {
    return std::span(t.top).first(std::min(t.top.size(), size_t(std::max(request_.logprobs, 0))));
  };
  if (request_.chat) {
    json content = json::array();
    for (const auto& t : tokens) {
      const auto piece = tokenizer_.token_to_piece(t.id, true);
      json top = json::array();
      for (const auto& alt : asked(t)) {
        const auto alt_piece = tokenizer_.token_to_piece(alt.id, true);
        top.push_back({{"token", alt_piece}, {"logprob", alt.logprob}, {"bytes", bytes_of(alt_piece)}});
      }
      content.push_back({{"token", piece}, {"logprob", t.logprob}, {"bytes", bytes_of(piece)}, {"top_logprobs", top}});
    }
    return {{"content", content}};
  }
  json out = {{"tokens", json::array()}, {"token_logprobs", json::array()}, {"top_logprobs", json::array()},
              {"text_offset", json::array()}};
  for (const auto& t : tokens) {
    const auto piece = tokenizer_.token_to_piece(t.id, true);
    out["tokens"].push_back(piece);
    out["token_logprobs"].push_back(t.logprob);
    json top = json::object();
    for (const auto& alt : asked(t)) top[std::string(tokenizer_.token_to_piece(alt.id, true))] = alt.logprob;
    out["top_logprobs"].push_back(top);
    out["text_offset"].push_back(text_offset);
    text_offset += piece.size();
  }
  return out;
}

json CompletionFormatter::choice(const std::string& text, const std::vector<TokenOutput>& tokens, size_t text_offset,
                                 const std::string& finish_reason, bool delta) const {
  json c = {{"index", 0}, {"finish_reason", finish_reason.empty() ? json() : json(finish_reason)}};
  if (!request_.chat)
    c["text"] = text;
  else if (delta)
    c["delta"] = text.empty() ? json::object() : json{{"content", text}};
  else
    c["message"] = {{"role", "assistant"}, {"content", text}};
  c["logprobs"] = request_.logprobs >= 0 ? logprobs_json(tokens, text_offset) : json();
  if (request_.n_probs > 0) {
    // llama.cpp's token-level output, with ids, for clients that drive generation token by token.
    json probs = json::array();
    for (const auto& t : tokens) {
      const auto piece = tokenizer_.token_to_piece(t.id, true);
      json top = json::array();
      for (size_t i = 0; i < t.top.size() && int(i) < request_.n_probs; ++i) {
        const auto alt = tokenizer_.token_to_piece(t.top[i].id, true);
        top.push_back({{"id", t.top[i].id}, {"token", alt}, {"logprob", t.top[i].logprob}, {"bytes", bytes_of(alt)}});
      }
      probs.push_back({{"id", t.id}, {"token", piece}, {"logprob", t.logprob}, {"bytes", bytes_of(piece)},
                       {"top_logprobs", top}});
    }
    c["completion_probabilities"] = probs;
  }
  if (request_.return_tokens) {
    json ids = json::array();
    for (const auto& t : tokens) ids.push_back(t.id);
    c["tokens"] = ids;
  }
  return c;
}

std::string CompletionFormatter::stream_start() const {
  if (!request_.chat) return "";
  auto chunk = envelope(true);
  json c = {{"index", 0}, {"delta", {{"role", "assistant"}, {"content", ""}}}, {"logprobs", json()},
            {"finish_reason", json()}};
  chunk["choices"] = json::array({c});
  return sse_data(chunk);
}

std::string CompletionFormatter::stream_event(const JobEvent& event) {
  n_generated_ += int(event.tokens.size());
  const size_t offset = text_.size();
  text_ += event.text;
  if (event.finish_reason == "error") return sse_data({{"error", {{"message", event.error}, {"type", "server_error"},
                                                                  {"code", "decode_failed"}}}}) + "data: [DONE]\n\n";
  std::string out;
  const bool token_output = request_.logprobs >= 0 || request_.n_probs > 0 || request_.return_tokens;
  if (!event.text.empty() || (token_output && !event.tokens.empty()) || !event.finish_reason.empty()) {
    auto chunk = envelope(true);
    chunk["choices"] = json::array({choice(event.text, event.tokens, offset, event.finish_reason, true)});
    out += sse_data(chunk);
  }
  if (!event.finish_reason.empty()) {
    if (request_.include_usage) {
      auto chunk = envelope(true);
      chunk["choices"] = json::array();
      chunk["usage"] = usage();
      out += sse_data(chunk);
    }
    out += "data: [DONE]\n\n";
  }
  return out;
}

void CompletionFormatter::add(const JobEvent& event) {
  n_generated_ += int(event.tokens.size());
  text_ += event.text;
  tokens_.insert(tokens_.end(), event.tokens.begin(), event.tokens.end());
  if (!event.finish_reason.empty()) finish_reason_ = event.finish_reason;
}

json CompletionFormatter::body() const {
  auto out = envelope(false);
  out["choices"] = json::array({choice(text_, tokens_, 0, finish_reason_, false)});
  out["usage"] = usage();
  return out;
}

}  // namespace vkllm::serve
