// Pre-tokenizer regexes on PCRE2 and the GPT-2 byte alphabet: the splits llama.cpp's hand-written and
// std::regex splitters produce.
#include <gtest/gtest.h>

#include "engine/tokenizer/byte_unicode.h"
#include "engine/tokenizer/pre_tokenizer.h"
#include "engine/tokenizer/utf8.h"
#include "engine/util/check.h"

namespace vkllm::tokenizer {
namespace {

std::vector<std::string> split(std::string_view pre, std::string_view text) {
  const auto* spec = find_pre_tokenizer(pre);
  EXPECT_NE(spec, nullptr) << pre;
  if (!spec) return {};
  std::vector<std::string> out;
  for (auto piece : PreTokenizer(*spec).split(text)) out.emplace_back(piece);
  return out;
}

using Words = std::vector<std::string>;

TEST(TokenizerPre, Gpt2) {
  EXPECT_EQ(split("gpt-2", "Hello world"), (Words{"Hello", " world"}));
  EXPECT_EQ(split("gpt-2", "I'm here's"), (Words{"I", "'m", " here", "'s"}));
  // \s+(?!\S) leaves the last space to the following word.
  EXPECT_EQ(split("gpt-2", "a   b"), (Words{"a", "  ", " b"}));
  EXPECT_EQ(split("gpt-2", "a \tb"), (Words{"a", " ", "\t", "b"}));
  EXPECT_EQ(split("gpt-2", "x  "), (Words{"x", "  "}));
  EXPECT_EQ(split("gpt-2", "ied 4 \xC2\xBD months"), (Words{"ied", " 4", " \xC2\xBD", " months"}));  // ½ is \p{N}
  EXPECT_TRUE(split("gpt-2", "").empty());
}

TEST(TokenizerPre, Llama3) {
  EXPECT_EQ(split("llama-bpe", "1234567"), (Words{"123", "456", "7"}));
  EXPECT_EQ(split("llama-bpe", "I'M ok"), (Words{"I", "'M", " ok"}));
  EXPECT_EQ(split("llama-bpe", "a\n\n b"), (Words{"a", "\n\n", " b"}));
  EXPECT_EQ(split("llama-bpe", "(x)"), (Words{"(x", ")"}));
}

TEST(TokenizerPre, Qwen2AndDeepseek) {
  EXPECT_EQ(split("qwen2", "abc123"), (Words{"abc", "1", "2", "3"}));
  EXPECT_EQ(split("deepseek-coder", "x=12\n"), (Words{"x", "=", "1", "2", "\n"}));
  EXPECT_EQ(split("deepseek-llm", "hi  "), (Words{"hi", "  "}));
}

TEST(TokenizerPre, WhitespaceIsUnicodeWhiteSpace) {
  // U+0085 (NEL) is White_Space for llama.cpp; PCRE2's own \s leaves it out.
  EXPECT_EQ(split("gpt-2", "a\xC2\x85\xC2\x85" "b"), (Words{"a", "\xC2\x85", "\xC2\x85", "b"}));
  // U+3000 is whitespace, not part of deepseek's CJK class.
  EXPECT_EQ(split("deepseek-coder", "\xE4\xB8\xAD\xE3\x80\x80\xE6\x96\x87"),
            (Words{"\xE4\xB8\xAD", "\xE3\x80\x80", "\xE6\x96\x87"}));
}

TEST(TokenizerPre, UnknownNamesAndBadPatterns) {
  EXPECT_EQ(find_pre_tokenizer("no-such-pre"), nullptr);
  EXPECT_NE(find_pre_tokenizer(""), nullptr);  // absent key means "default"
  EXPECT_NE(supported_pre_tokenizers().find("qwen2"), std::string::npos);
  EXPECT_THROW(Regex("(unclosed"), Error);
  EXPECT_EQ(translate_pattern("[^\\s]"), "[^\\t\\n\\x0B\\f\\r \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]");
}

TEST(TokenizerPre, LongWhitespaceRunsDoNotOverflowTheJitStack) {
  const std::string text = "a" + std::string(200000, ' ') + "b";
  const auto words = split("llama-bpe", text);
  ASSERT_EQ(words.size(), 3u);
  EXPECT_EQ(words[1].size(), 199999u);
}

TEST(TokenizerPre, ByteAlphabet) {
  EXPECT_EQ(byte_level_encode("Hello world"), "Hello\xC4\xA0world");
  EXPECT_EQ(byte_level_encode("\n"), "\xC4\x8A");
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(char(b));
  EXPECT_EQ(byte_level_decode(byte_level_encode(all)), all);
  for (int b = 0; b < 256; ++b) EXPECT_EQ(codepoint_to_byte(byte_to_codepoint(uint8_t(b))), uint8_t(b));
}

TEST(TokenizerPre, Utf8DecodingMatchesLlamaCpp) {
  EXPECT_EQ(utf8_decode("a\xC3\xA9"), (std::vector<uint32_t>{'a', 0xE9}));
  EXPECT_EQ(utf8_decode("\xC3"), (std::vector<uint32_t>{kReplacementChar}));
  EXPECT_EQ(utf8_decode("\x80z"), (std::vector<uint32_t>{kReplacementChar, 'z'}));
  EXPECT_EQ(utf8_sanitize("ok \xF0\x9F\xA6\x99"), "ok \xF0\x9F\xA6\x99");
  EXPECT_EQ(utf8_sanitize("\xFF"), "\xEF\xBF\xBD");
  EXPECT_EQ(utf8_sanitize("\xED\xA0\x80"), "\xEF\xBF\xBD");  // a surrogate cannot go to PCRE2
}

}  // namespace
}  // namespace vkllm::tokenizer
