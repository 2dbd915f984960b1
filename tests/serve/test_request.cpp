// Request bodies: OpenAI's fields map onto sampling and output options; anything malformed is a
// 400 with an error code, never an exception of another kind.
#include <gtest/gtest.h>

#include "tools/serve/api_error.h"
#include "tools/serve/request.h"

namespace vkllm::serve {
namespace {

std::string error_code(const std::string& body, bool chat = false) {
  try {
    parse_completion_request(body, chat, SamplingParams{});
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status, 400) << body;
    return e.code;
  }
  return "accepted";
}

TEST(Request, MapsOpenAIFields) {
  const auto r = parse_completion_request(
      R"({"prompt":"Hi","max_tokens":7,"temperature":0.5,"top_p":0.9,"top_k":3,"min_p":0.1,"seed":42,
          "stop":["a","b"],"logprobs":2,"stream":true,"stream_options":{"include_usage":true}})",
      false, SamplingParams{});
  EXPECT_EQ(r.prompt_text, "Hi");
  EXPECT_EQ(r.max_tokens, 7);
  EXPECT_FLOAT_EQ(r.sampling.temperature, 0.5f);
  EXPECT_FLOAT_EQ(r.sampling.top_p, 0.9f);
  EXPECT_EQ(r.sampling.top_k, 3);
  EXPECT_FLOAT_EQ(r.sampling.min_p, 0.1f);
  EXPECT_EQ(r.seed, 42u);
  EXPECT_EQ(r.stop, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r.logprobs, 2);
  EXPECT_TRUE(r.stream && r.include_usage);
}

TEST(Request, DefaultsComeFromTheServer) {
  SamplingParams defaults;
  defaults.temperature = 0;
  defaults.top_k = 7;
  const auto r = parse_completion_request(R"({"prompt":[1,2,3]})", false, defaults);
  EXPECT_TRUE(r.prompt_is_tokens);
  EXPECT_EQ(r.prompt_tokens, (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(r.sampling.temperature, 0);
  EXPECT_EQ(r.sampling.top_k, 7);
  EXPECT_EQ(r.max_tokens, -1);
  EXPECT_FALSE(r.seed);
}

TEST(Request, Chat) {
  const auto r = parse_completion_request(
      R"({"messages":[{"role":"system","content":"S"},{"role":"user","content":[{"type":"text","text":"U"}]}],
          "logprobs":true,"top_logprobs":4,"max_completion_tokens":3})",
      true, SamplingParams{});
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_EQ(r.messages[1].content, "U");
  EXPECT_EQ(r.logprobs, 4);
  EXPECT_EQ(r.max_tokens, 3);
}

TEST(Request, RejectsMalformedBodies) {
  EXPECT_EQ(error_code("{\"prompt\": "), "invalid_json");
  EXPECT_EQ(error_code("[1,2]"), "invalid_json");
  EXPECT_EQ(error_code("{}"), "invalid_request");
  EXPECT_EQ(error_code(R"({"prompt":"a","temperature":"hot"})"), "invalid_request");
  EXPECT_EQ(error_code(R"({"prompt":"a","top_p":1.5})"), "invalid_request");
  EXPECT_EQ(error_code(R"({"prompt":"a","n":2})"), "invalid_request");
  EXPECT_EQ(error_code(R"({"prompt":"a","max_tokens":0})"), "invalid_request");
  EXPECT_EQ(error_code(R"({"prompt":[1,-2]})"), "invalid_request");
  EXPECT_EQ(error_code(R"({"prompt":"a","stop":[1]})"), "invalid_request");
  EXPECT_EQ(error_code(R"({"prompt":"a","logprobs":99})"), "invalid_request");
  EXPECT_EQ(error_code(R"({"messages":[]})", true), "invalid_request");
  EXPECT_EQ(error_code(R"({"messages":[{"role":"robot","content":"x"}]})", true), "invalid_request");
  EXPECT_EQ(error_code(R"({"messages":[{"role":"user","content":"x"}]})", true), "accepted");
}

}  // namespace
}  // namespace vkllm::serve
