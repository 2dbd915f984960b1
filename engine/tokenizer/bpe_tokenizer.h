#pragma once
// Byte-level BPE (tokenizer.ggml.model = gpt2) as llama.cpp runs it (llm_tokenizer_bpe): pre-tokenize
// with the regexes of tokenizer.ggml.pre, map each word's bytes to GPT-2's alphabet, then apply merges
// lowest rank first within each word.
#include <string_view>
#include <vector>

#include "engine/tokenizer/pre_tokenizer.h"
#include "engine/tokenizer/vocab.h"

namespace vkllm::tokenizer {

class BpeTokenizer {
 public:
  // Throws vkllm::Error when vocab.pre names no known pre-tokenizer.
  explicit BpeTokenizer(const Vocab& vocab);

  // Appends the tokens of raw text (any bytes; malformed UTF-8 is read as U+FFFD, as llama.cpp does).
  void tokenize(std::string_view text, std::vector<TokenId>& out) const;

 private:
  void tokenize_word(std::string_view word, std::vector<TokenId>& out) const;

  const Vocab& vocab_;
  PreTokenizer pre_tokenizer_;
};

}  // namespace vkllm::tokenizer
