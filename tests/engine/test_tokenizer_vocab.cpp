// Loading tokenizer.ggml.* from GGUF: bad or missing keys give an Error that names the key.
#include <gtest/gtest.h>

#include "engine/gguf/gguf_writer.h"
#include "engine/tokenizer/tokenizer.h"

namespace vkllm::tokenizer {
namespace {

using gguf::Value;
using gguf::ValueType;

Value strings(std::vector<std::string> items) {
  gguf::Array array{ValueType::String, {}};
  for (auto& s : items) array.items.push_back(Value{std::move(s)});
  return Value{std::move(array)};
}

template <typename T>
Value numbers(ValueType type, std::vector<T> items) {
  gguf::Array array{type, {}};
  for (T x : items) array.items.push_back(Value{x});
  return Value{std::move(array)};
}

// A small SPM vocabulary: <unk> <s> </s>, byte tokens for 'a'..'c', then ▁, a, b, ▁a, ab, ▁ab.
gguf::Writer spm_writer() {
  gguf::Writer w;
  w.set("general.architecture", Value{std::string("llama")});
  w.set("tokenizer.ggml.model", Value{std::string("llama")});
  w.set("tokenizer.ggml.tokens", strings({"<unk>", "<s>", "</s>", "<0x61>", "<0x62>", "<0x63>", "\xE2\x96\x81", "a",
                                          "b", "\xE2\x96\x81" "a", "ab", "\xE2\x96\x81" "ab"}));
  w.set("tokenizer.ggml.scores",
        numbers<float>(ValueType::Float32, {0, 0, 0, 0, 0, 0, -1, -2, -3, -4, -5, -0.5f}));
  w.set("tokenizer.ggml.token_type", numbers<int32_t>(ValueType::Int32, {2, 3, 3, 6, 6, 6, 1, 1, 1, 1, 1, 1}));
  return w;
}

Tokenizer load(const gguf::Writer& w) {
  const auto bytes = w.to_bytes();
  return Tokenizer::load(gguf::File::parse(bytes, "test.gguf"));
}

void expect_error(const gguf::Writer& w, const std::string& needle) {
  try {
    load(w);
    ADD_FAILURE() << "loaded a vocabulary that should fail with '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(TokenizerVocab, TinySpmVocabulary) {
  const auto tokenizer = load(spm_writer());
  const auto& vocab = tokenizer.vocab();
  EXPECT_EQ(vocab.bos, 1);  // llama.cpp's SPM defaults when the ids are not given
  EXPECT_EQ(vocab.eos, 2);
  EXPECT_EQ(vocab.unk, 0);
  EXPECT_TRUE(vocab.add_bos);
  // "ab" is escaped to "▁ab"; the best-scoring pair ▁a (-4, beating ab at -5) merges first, then ▁a+b.
  EXPECT_EQ(tokenizer.tokenize("ab", false), std::vector<TokenId>{11});
  EXPECT_EQ(tokenizer.tokenize("ab", true), (std::vector<TokenId>{1, 11}));
  // 'c' has no token of its own: byte fallback.
  EXPECT_EQ(tokenizer.tokenize("c", false), (std::vector<TokenId>{6, 5}));
  // Characters without even a byte token become <unk> (llama.cpp would throw).
  EXPECT_EQ(tokenizer.tokenize("d", false), (std::vector<TokenId>{6, 0}));
  EXPECT_EQ(tokenizer.detokenize(tokenizer.tokenize("ab c", false)), "ab c");
}

TEST(TokenizerVocab, MissingAndInconsistentKeys) {
  {
    gguf::Writer w;
    w.set("general.architecture", Value{std::string("llama")});
    expect_error(w, "tokenizer.ggml.model is missing");
  }
  {
    auto w = spm_writer();
    w.set("tokenizer.ggml.model", Value{std::string("bert")});
    expect_error(w, "unsupported tokenizer.ggml.model 'bert'");
  }
  {
    auto w = spm_writer();
    w.set("tokenizer.ggml.tokens", Value{std::string("oops")});
    expect_error(w, "tokenizer.ggml.tokens must be an array");
  }
  {
    auto w = spm_writer();
    w.set("tokenizer.ggml.scores", numbers<float>(ValueType::Float32, {0, 0}));
    expect_error(w, "tokenizer.ggml.scores has 2 entries but tokenizer.ggml.tokens has 12");
  }
  {
    auto w = spm_writer();
    w.set("tokenizer.ggml.token_type", numbers<int32_t>(ValueType::Int32, {1}));
    expect_error(w, "tokenizer.ggml.token_type has 1 entries");
  }
  {
    auto w = spm_writer();
    w.set("tokenizer.ggml.bos_token_id", Value{uint32_t(99)});
    expect_error(w, "tokenizer.ggml.bos_token_id = 99 is outside the vocabulary");
  }
  {
    auto w = spm_writer();
    w.set("tokenizer.ggml.add_bos_token", Value{std::string("yes")});
    expect_error(w, "tokenizer.ggml.add_bos_token must be a bool");
  }
  {
    auto w = spm_writer();
    w.set("tokenizer.ggml.tokens", strings({"a", "b", "a"}));
    w.set("tokenizer.ggml.scores", numbers<float>(ValueType::Float32, {0, 0, 0}));
    w.set("tokenizer.ggml.token_type", numbers<int32_t>(ValueType::Int32, {1, 1, 1}));
    expect_error(w, "duplicate token");
  }
}

gguf::Writer bpe_writer() {
  gguf::Writer w;
  w.set("tokenizer.ggml.model", Value{std::string("gpt2")});
  w.set("tokenizer.ggml.pre", Value{std::string("gpt-2")});
  w.set("tokenizer.ggml.tokens", strings({"a", "b", "\xC4\xA0", "ab", "\xC4\xA0" "ab"}));  // Ġ is the space byte
  w.set("tokenizer.ggml.merges", strings({"a b", "\xC4\xA0 ab"}));
  return w;
}

TEST(TokenizerVocab, TinyBpeVocabulary) {
  const auto tokenizer = load(bpe_writer());
  EXPECT_FALSE(tokenizer.vocab().add_bos);
  EXPECT_EQ(tokenizer.tokenize("ab ab", true), (std::vector<TokenId>{3, 4}));
  EXPECT_EQ(tokenizer.detokenize(std::vector<TokenId>{3, 4}), "ab ab");
}

TEST(TokenizerVocab, BpeKeys) {
  {
    auto w = bpe_writer();
    w.set("tokenizer.ggml.pre", Value{std::string("no-such-pre")});
    expect_error(w, "unsupported tokenizer.ggml.pre 'no-such-pre'");
  }
  {
    gguf::Writer w;
    w.set("tokenizer.ggml.model", Value{std::string("gpt2")});
    w.set("tokenizer.ggml.tokens", strings({"a"}));
    expect_error(w, "tokenizer.ggml.merges is missing");
  }
  {
    auto w = bpe_writer();
    w.set("tokenizer.ggml.add_bos_token", Value{true});
    expect_error(w, "tokenizer.ggml.add_bos_token is true but tokenizer.ggml.bos_token_id is not set");
  }
}

}  // namespace
}  // namespace vkllm::tokenizer
