// Decoding: round trips over the test vectors, pieces of special and byte tokens, and the streaming
// decoder that holds back unfinished UTF-8 characters.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "common/test_paths.h"
#include "engine/tokenizer/detokenizer.h"
#include "engine/tokenizer/tokenizer.h"
#include "engine/tokenizer/utf8.h"
#include "tokenizer_vectors.h"

namespace vkllm::tokenizer {
namespace {

Tokenizer load_shared(const std::filesystem::path& path) { return Tokenizer::load(gguf::File::open(path)); }

bool is_valid_utf8(std::string_view s) { return utf8_sanitize(s) == s; }

TEST(TokenizerDetokenize, RoundTripOverEveryVector) {
  const auto dir = test::shared_dir();
  if (!dir) GTEST_SKIP() << "shared/ absent";
  for (const char* name : {"vocab/ggml-vocab-llama-spm.gguf", "vocab/ggml-vocab-phi-3.gguf", "vocab/ggml-vocab-gpt-2.gguf",
                           "vocab/ggml-vocab-gpt-2-pre-llama-bpe.gguf", "vocab/ggml-vocab-deepseek-coder.gguf",
                           "tiny-shakespeare/tiny-shakespeare-F32.gguf"}) {
    const auto path = *dir / "models" / name;
    SCOPED_TRACE(name);
    const auto tokenizer = load_shared(path);
    const auto vectors = test::read_tokenizer_vectors(path.string() + ".inp", path.string() + ".out");
    for (const auto& v : vectors) {
      // Vocabularies that clean up spaces (GPT-2's) cannot give back " ?" or " 's"; everything else must
      // come back byte for byte.
      const std::string expected = tokenizer.vocab().clean_spaces ? clean_up_spaces(v.text) : v.text;
      EXPECT_EQ(tokenizer.detokenize(v.ids), expected);
    }
  }
}

TEST(TokenizerDetokenize, SpmPiecesAndSpecialTokens) {
  VKLLM_REQUIRE_SHARED(path, "models/tiny-shakespeare/tiny-shakespeare-F32.gguf");
  const auto tokenizer = load_shared(path);
  const auto& vocab = tokenizer.vocab();
  EXPECT_EQ(vocab.type, VocabType::Spm);
  EXPECT_EQ(tokenizer.token_to_piece(vocab.bos), "");  // control tokens are hidden by default
  EXPECT_EQ(tokenizer.token_to_piece(vocab.bos, /*special=*/true), "<s>");
  EXPECT_EQ(tokenizer.token_to_piece(vocab.find("<0x0A>")), "\n");
  EXPECT_EQ(tokenizer.token_to_piece(vocab.find("\xE2\x96\x81")), " ");  // "▁"
  EXPECT_THROW(tokenizer.token_to_piece(TokenId(vocab.size())), Error);

  // With parse_special the text "<s>" is the BOS token; without it, plain characters.
  const auto parsed = tokenizer.tokenize("a<s>b", false, /*parse_special=*/true);
  EXPECT_NE(std::find(parsed.begin(), parsed.end(), vocab.bos), parsed.end());
  const auto plain = tokenizer.tokenize("a<s>b", false, /*parse_special=*/false);
  EXPECT_EQ(std::find(plain.begin(), plain.end(), vocab.bos), plain.end());
  EXPECT_EQ(tokenizer.detokenize(plain), "a<s>b");
  EXPECT_EQ(tokenizer.detokenize(parsed, false, /*unparse_special=*/true), "a<s> b");

  const auto with_bos = tokenizer.tokenize("Romeo", /*add_special=*/true);
  ASSERT_FALSE(with_bos.empty());
  EXPECT_EQ(with_bos.front(), vocab.bos);
  EXPECT_EQ(tokenizer.tokenize("", true), std::vector<TokenId>{vocab.bos});
  EXPECT_TRUE(tokenizer.tokenize("", false).empty());
}

TEST(TokenizerDetokenize, UserDefinedTokensMatchWithoutParseSpecial) {
  VKLLM_REQUIRE_SHARED(path, "models/vocab/ggml-vocab-deepseek-coder.gguf");
  const auto tokenizer = load_shared(path);
  const TokenId user = tokenizer.vocab().find("<|User|>");
  ASSERT_NE(user, kNoToken);
  const auto ids = tokenizer.tokenize("hi <|User|> there", false, false);
  EXPECT_NE(std::find(ids.begin(), ids.end(), user), ids.end());
  EXPECT_EQ(tokenizer.detokenize(ids), "hi <|User|> there");
  // The BOS text is a control token: only parse_special turns it into BOS.
  const std::string bos_text = tokenizer.vocab().tokens[size_t(tokenizer.vocab().bos)].text;
  const auto plain = tokenizer.tokenize(bos_text, false, false);
  EXPECT_GT(plain.size(), 1u);
  EXPECT_EQ(tokenizer.tokenize(bos_text, false, true), std::vector<TokenId>{tokenizer.vocab().bos});
}

// Feeds the tokens of `text` one by one; every chunk must be whole characters and together the text.
void expect_streams_cleanly(const Tokenizer& tokenizer, const std::string& text, size_t min_held_back) {
  const auto ids = tokenizer.tokenize(text, false);
  StreamDecoder decoder(tokenizer);
  std::string joined;
  size_t held_back = 0;
  for (const TokenId id : ids) {
    const std::string chunk = decoder.push(id);
    EXPECT_TRUE(is_valid_utf8(chunk)) << "partial character emitted after token " << id;
    if (chunk.size() < tokenizer.token_to_piece(id).size()) ++held_back;
    joined += chunk;
  }
  joined += decoder.flush();
  std::string pieces;
  for (const TokenId id : ids) pieces += tokenizer.token_to_piece(id);
  EXPECT_EQ(joined, pieces);  // unlike detokenize, a stream keeps SPM's leading space
  EXPECT_GE(held_back, min_held_back) << "no character was split over tokens; the test proves nothing";
}

TEST(TokenizerDetokenize, StreamingNeverSplitsCharacters) {
  const std::string text = "caf\xC3\xA9 \xF0\x9F\xA6\x99 na\xC3\xAFve \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x9A\x80!";
  if (auto path = test::shared_file("models/tiny-shakespeare/tiny-shakespeare-F32.gguf"))
    expect_streams_cleanly(load_shared(*path), text, 3);  // byte-fallback tokens
  if (auto path = test::shared_file("models/vocab/ggml-vocab-gpt-2.gguf"))
    expect_streams_cleanly(load_shared(*path), text, 1);  // byte-level BPE pieces
  if (!test::shared_dir()) GTEST_SKIP() << "shared/ absent";
}

TEST(TokenizerDetokenize, StreamDecoderFlushesIncompleteTail) {
  VKLLM_REQUIRE_SHARED(path, "models/tiny-shakespeare/tiny-shakespeare-F32.gguf");
  const auto tokenizer = load_shared(path);
  StreamDecoder decoder(tokenizer);
  EXPECT_EQ(decoder.push(tokenizer.vocab().find("<0xF0>")), "");
  EXPECT_EQ(decoder.push(tokenizer.vocab().find("<0x9F>")), "");
  EXPECT_EQ(decoder.flush(), "\xF0\x9F");
  EXPECT_EQ(decoder.flush(), "");
}

TEST(TokenizerDetokenize, CleanUpSpaces) {
  EXPECT_EQ(clean_up_spaces("Hello , world !"), "Hello, world!");
  EXPECT_EQ(clean_up_spaces("a ' b"), "a'b");
  EXPECT_EQ(clean_up_spaces("it 's we 're I 'll don 't"), "it's we're I 'll don 't");
  EXPECT_EQ(clean_up_spaces(" ?"), "?");
  EXPECT_EQ(clean_up_spaces("' x"), "' x");  // the first character is never removed
}

TEST(TokenizerDetokenize, Utf8CompletePrefix) {
  EXPECT_EQ(utf8_complete_prefix(""), 0u);
  EXPECT_EQ(utf8_complete_prefix("abc"), 3u);
  EXPECT_EQ(utf8_complete_prefix("a\xC3"), 1u);
  EXPECT_EQ(utf8_complete_prefix("a\xC3\xA9"), 3u);
  EXPECT_EQ(utf8_complete_prefix("\xF0\x9F\xA6"), 0u);
  EXPECT_EQ(utf8_complete_prefix("\xF0\x9F\xA6\x99"), 4u);
  EXPECT_EQ(utf8_complete_prefix("\x80\x80"), 2u);  // stray continuations never complete: let them out
  EXPECT_EQ(utf8_complete_prefix("\xFF"), 1u);
}

// Arbitrary bytes (malformed UTF-8 included) never throw; SPM's byte fallback gives ASCII back exactly.
TEST(TokenizerDetokenize, RandomBytes) {
  const auto dir = test::shared_dir();
  if (!dir) GTEST_SKIP() << "shared/ absent";
  std::mt19937 rng(1234);
  for (const char* name : {"vocab/ggml-vocab-llama-spm.gguf", "vocab/ggml-vocab-gpt-2.gguf",
                           "vocab/ggml-vocab-gpt-2-pre-llama-bpe.gguf", "vocab/ggml-vocab-deepseek-coder.gguf",
                           "qwen2-tiny/qwen2-tiny-F16.gguf", "tiny-shakespeare/tiny-shakespeare-F32.gguf"}) {
    SCOPED_TRACE(name);
    const auto tokenizer = load_shared(*dir / "models" / name);
    for (int round = 0; round < 200; ++round) {
      std::string text(rng() % 48, '\0');
      for (char& c : text) c = char(round % 2 ? rng() % 256 : 0x20 + rng() % 0x60);
      const auto ids = tokenizer.tokenize(text, true, true);
      for (const TokenId id : ids) ASSERT_TRUE(tokenizer.vocab().valid(id));
      EXPECT_NO_THROW(tokenizer.detokenize(ids, /*remove_special=*/true));
      // Exact for valid UTF-8 only: a malformed lead byte swallows part of a following "▁", as in llama.cpp.
      if (tokenizer.vocab().type == VocabType::Spm && round % 2 == 0 && text.find('<') == std::string::npos) {
        EXPECT_EQ(tokenizer.detokenize(tokenizer.tokenize(text, false)), text);
      }
    }
  }
}

}  // namespace
}  // namespace vkllm::tokenizer
