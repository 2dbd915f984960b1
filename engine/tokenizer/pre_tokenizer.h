#pragma once
// BPE pre-tokenizers: the regexes that cut text into words before merges, chosen by tokenizer.ggml.pre.
// The table follows llama.cpp (llm_tokenizer_bpe): each regex of a list splits every piece the previous
// one produced, and text between matches stays a piece of its own.
#include <string>
#include <string_view>
#include <vector>

#include "engine/tokenizer/regex.h"

namespace vkllm::tokenizer {

// What a tokenizer.ggml.pre value means.
struct PreTokenizerSpec {
  std::vector<std::string_view> regexes;
  bool ignore_merges = false;  // a word that is a token is taken whole (Llama 3)
  bool clean_spaces = true;    // detokenize cleans " ," and friends
  bool add_bos = false;        // default for tokenizer.ggml.add_bos_token
};

// The spec for a tokenizer.ggml.pre value ("" means "default"); nullptr when it is not supported.
const PreTokenizerSpec* find_pre_tokenizer(std::string_view pre);
// Every supported value, comma separated, for error messages.
std::string supported_pre_tokenizers();

class PreTokenizer {
 public:
  explicit PreTokenizer(const PreTokenizerSpec& spec);

  // The words of `text` (valid UTF-8) in order; their concatenation is `text`.
  std::vector<std::string_view> split(std::string_view text) const;

 private:
  std::vector<Regex> regexes_;
};

}  // namespace vkllm::tokenizer
