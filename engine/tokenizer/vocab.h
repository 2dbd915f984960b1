#pragma once
// A tokenizer vocabulary as GGUF stores it (tokenizer.ggml.*): token texts, scores, types, merges,
// special ids and flags, with lookups by text and by merge pair.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/gguf/gguf_file.h"

namespace vkllm::tokenizer {

using TokenId = int32_t;
constexpr TokenId kNoToken = -1;

enum class VocabType { Spm, Bpe };  // tokenizer.ggml.model "llama" / "gpt2"

// Token attributes (llama.cpp's llama_token_attr bits); a token may carry several.
namespace attr {
constexpr uint32_t kUndefined = 0;
constexpr uint32_t kUnknown = 1u << 0;
constexpr uint32_t kUnused = 1u << 1;
constexpr uint32_t kNormal = 1u << 2;
constexpr uint32_t kControl = 1u << 3;
constexpr uint32_t kUserDefined = 1u << 4;
constexpr uint32_t kByte = 1u << 5;
constexpr uint32_t kLstrip = 1u << 7;  // matching the token swallows whitespace to its left
constexpr uint32_t kRstrip = 1u << 8;  // ... and to its right
}  // namespace attr

struct TokenData {
  std::string text;
  float score = 0.0f;
  uint32_t attr = attr::kNormal;
};

// Hash that lets unordered maps keyed by std::string be searched with a string_view, no copy.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using StringMap = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

class Vocab {
 public:
  // Reads tokenizer.ggml.*; a missing or inconsistent key throws vkllm::Error naming the key.
  static Vocab load(const gguf::File& file);
  // Builds the lookups from already-filled fields (load and tests use it).
  void build_indexes(const std::vector<std::string>& merges);

  VocabType type = VocabType::Spm;
  std::string model;  // tokenizer.ggml.model
  std::string pre;    // tokenizer.ggml.pre, "default" when absent
  std::vector<TokenData> tokens;

  TokenId bos = kNoToken, eos = kNoToken, unk = kNoToken, pad = kNoToken, sep = kNoToken, eot = kNoToken;
  bool add_bos = false;
  bool add_eos = false;
  bool add_space_prefix = false;  // SPM: a space before the text (and after each special token)
  bool clean_spaces = false;      // detokenize: " ," -> "," and friends (BPE vocabularies)
  bool ignore_merges = false;     // BPE: a pre-token that is itself a token is taken whole

  // Control, user-defined and unknown tokens, longest text first: the texts matched as whole tokens.
  std::vector<TokenId> special_tokens;

  size_t size() const { return tokens.size(); }
  bool valid(TokenId id) const { return id >= 0 && size_t(id) < tokens.size(); }
  bool has_attr(TokenId id, uint32_t bits) const { return (tokens[size_t(id)].attr & bits) != 0; }
  TokenId find(std::string_view text) const;  // kNoToken when absent
  // Rank of the merge "left right" (lower merges first), -1 when there is none.
  int merge_rank(std::string_view left, std::string_view right) const;
  // The token for one raw byte: SPM's <0xXX> (or the byte itself), BPE's alphabet character.
  TokenId byte_token(uint8_t byte) const;

 private:
  StringMap by_text_;
  StringMap merge_ranks_;  // key: left + ' ' + right
};

}  // namespace vkllm::tokenizer
