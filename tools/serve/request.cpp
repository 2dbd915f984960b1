#include "tools/serve/request.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

#include "tools/serve/api_error.h"

namespace vkllm::serve {
namespace {

using nlohmann::json;

constexpr int kMaxLogprobs = 20;
constexpr size_t kMaxStops = 16;
constexpr size_t kMaxStopBytes = 1024;

const json* field(const json& body, const char* name) {
  const auto it = body.find(name);
  return it == body.end() || it->is_null() ? nullptr : &*it;
}

double number(const json& body, const char* name, double value, double low, double high) {
  if (const auto* v = field(body, name)) {
    if (!v->is_number()) throw bad_request(fmt::format("'{}' must be a number", name));
    value = v->get<double>();
    if (!std::isfinite(value) || value < low || value > high)
      throw bad_request(fmt::format("'{}' must be between {} and {}, got {}", name, low, high, value));
  }
  return value;
}

int integer(const json& body, const char* name, int value, int low, int high) {
  if (const auto* v = field(body, name)) {
    if (!v->is_number_integer()) throw bad_request(fmt::format("'{}' must be an integer", name));
    if (v->is_number_unsigned() && v->get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max()))
      throw bad_request(fmt::format("'{}' must be between {} and {}", name, low, high));
    const int64_t n = v->get<int64_t>();
    if (n < low || n > high) throw bad_request(fmt::format("'{}' must be between {} and {}, got {}", name, low, high, n));
    value = int(n);
  }
  return value;
}

bool boolean(const json& body, const char* name, bool value) {
  if (const auto* v = field(body, name)) {
    if (!v->is_boolean()) throw bad_request(fmt::format("'{}' must be true or false", name));
    value = v->get<bool>();
  }
  return value;
}

// OpenAI message content: a string, or an array of {"type": "text", "text": ...} parts.
std::string message_content(const json& content, size_t index) {
  if (content.is_null()) return "";
  if (content.is_string()) return content.get<std::string>();
  if (content.is_array()) {
    std::string text;
    for (const auto& part : content) {
      if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") || !part["text"].is_string())
        throw bad_request(fmt::format("messages[{}].content: only text parts are supported", index));
      text += part["text"].get<std::string>();
    }
    return text;
  }
  throw bad_request(fmt::format("messages[{}].content must be a string or an array of text parts", index));
}

std::vector<ChatMessage> parse_messages(const json& body) {
  const auto* v = field(body, "messages");
  if (!v || !v->is_array() || v->empty()) throw bad_request("'messages' must be a non-empty array");
  std::vector<ChatMessage> messages;
  for (size_t i = 0; i < v->size(); ++i) {
    const auto& m = (*v)[i];
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string())
      throw bad_request(fmt::format("messages[{}] must be an object with a string 'role'", i));
    const auto role = m["role"].get<std::string>();
    if (role != "system" && role != "user" && role != "assistant" && role != "developer")
      throw bad_request(fmt::format("messages[{}].role '{}' is not system, user or assistant", i, role));
    messages.push_back({role == "developer" ? "system" : role, message_content(m.value("content", json()), i)});
  }
  return messages;
}

void parse_prompt(const json& body, CompletionRequest& r) {
  const auto* v = field(body, "prompt");
  if (!v) throw bad_request("'prompt' is required");
  if (v->is_string()) {
    r.prompt_text = v->get<std::string>();
    return;
  }
  // ["text"] (one prompt; batches of several are not supported) or [id, id, ...].
  if (v->is_array() && v->size() == 1 && (*v)[0].is_string()) {
    r.prompt_text = (*v)[0].get<std::string>();
    return;
  }
  if (v->is_array() && !v->empty()) {
    for (const auto& id : *v) {
      if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > std::numeric_limits<int32_t>::max())
        throw bad_request("'prompt' must be a string, one string in an array, or an array of token ids");
      r.prompt_tokens.push_back(int32_t(id.get<int64_t>()));
    }
    r.prompt_is_tokens = true;
    return;
  }
  throw bad_request("'prompt' must be a string, one string in an array, or an array of token ids");
}

std::vector<std::string> parse_stop(const json& body) {
  const auto* v = field(body, "stop");
  if (!v) return {};
  const json list = v->is_string() ? json::array({*v}) : *v;
  if (!list.is_array() || list.size() > kMaxStops)
    throw bad_request(fmt::format("'stop' must be a string or an array of at most {} strings", kMaxStops));
  std::vector<std::string> stops;
  for (const auto& s : list) {
    if (!s.is_string()) throw bad_request("'stop' must be a string or an array of strings");
    // Every generated piece is matched against every stop string on the scheduler's one thread.
    if (s.get_ref<const std::string&>().size() > kMaxStopBytes)
      throw bad_request(fmt::format("a stop string may have at most {} bytes", kMaxStopBytes));
    if (!s.get_ref<const std::string&>().empty()) stops.push_back(s.get<std::string>());
  }
  return stops;
}

CompletionRequest parse_fields(const json& body, bool chat, const SamplingParams& defaults) {
  CompletionRequest r;
  r.chat = chat;
  if (const auto* m = field(body, "model"); m && m->is_string()) r.model = m->get<std::string>();
  r.stream = boolean(body, "stream", false);
  if (const auto* o = field(body, "stream_options"); o && o->is_object()) r.include_usage = boolean(*o, "include_usage", false);
  if (chat)
    r.messages = parse_messages(body);
  else
    parse_prompt(body, r);
  if (integer(body, "n", 1, 1, 1) != 1) throw bad_request("only n = 1 is supported");

  constexpr int kBig = std::numeric_limits<int>::max();
  r.max_tokens = integer(body, "n_predict", -1, -1, kBig);
  r.max_tokens = integer(body, "max_tokens", r.max_tokens, -1, kBig);
  if (chat) r.max_tokens = integer(body, "max_completion_tokens", r.max_tokens, -1, kBig);
  if (r.max_tokens == 0) throw bad_request("'max_tokens' must be at least 1");

  auto& s = r.sampling;
  s = defaults;
  s.temperature = float(number(body, "temperature", s.temperature, 0, 100));
  // top_p 0 (OpenAI's range includes it) keeps only the most probable token, as any tiny p does.
  s.top_p = std::max(float(number(body, "top_p", s.top_p, 0, 1)), std::numeric_limits<float>::min());
  s.top_k = integer(body, "top_k", s.top_k, 0, kBig);
  s.min_p = float(number(body, "min_p", s.min_p, 0, 1));
  s.repeat_penalty = float(number(body, "repeat_penalty", s.repeat_penalty, 0, 100));
  if (s.repeat_penalty <= 0) throw bad_request("'repeat_penalty' must be positive (1: no penalty)");
  s.frequency_penalty = float(number(body, "frequency_penalty", s.frequency_penalty, -2, 2));
  s.presence_penalty = float(number(body, "presence_penalty", s.presence_penalty, -2, 2));
  if (const auto* v = field(body, "seed")) {
    if (!v->is_number_integer()) throw bad_request("'seed' must be an integer");
    const int64_t seed = v->get<int64_t>();
    if (seed >= 0) r.seed = uint64_t(seed);  // -1, as in llama.cpp: a random seed
  }
  r.stop = parse_stop(body);
  r.ignore_eos = boolean(body, "ignore_eos", false);

  if (chat) {
    if (boolean(body, "logprobs", false)) r.logprobs = integer(body, "top_logprobs", 0, 0, kMaxLogprobs);
  } else if (const auto* v = field(body, "logprobs")) {
    // Completions take an integer; true is accepted as 0 alternatives.
    r.logprobs = v->is_boolean() ? (v->get<bool>() ? 0 : -1) : integer(body, "logprobs", 0, 0, kMaxLogprobs);
  }
  r.n_probs = integer(body, "n_probs", 0, 0, kMaxLogprobs);
  r.return_tokens = boolean(body, "return_tokens", false);
  return r;
}

}  // namespace

CompletionRequest parse_completion_request(const std::string& text, bool chat, const SamplingParams& defaults) {
  json body;
  try {
    body = json::parse(text);
  } catch (const json::exception& e) {  // a syntax error, or a number beyond double's range
    throw bad_request(fmt::format("the request body is not valid JSON: {}", e.what()), "invalid_json");
  }
  if (!body.is_object()) throw bad_request("the request body must be a JSON object", "invalid_json");
  try {
    return parse_fields(body, chat, defaults);
  } catch (const json::exception& e) {  // a field of a type the checks above did not expect
    throw bad_request(fmt::format("the request does not have the expected shape: {}", e.what()));
  }
}

}  // namespace vkllm::serve
