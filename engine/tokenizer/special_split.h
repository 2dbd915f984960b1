#pragma once
// Cuts text at occurrences of special-token texts before the model tokenizer sees it (llama.cpp's
// tokenizer_st_partition). User-defined tokens are always matched; control and unknown tokens only when
// the caller parses special tokens.
#include <string_view>
#include <vector>

#include "engine/tokenizer/vocab.h"

namespace vkllm::tokenizer {

struct Fragment {
  TokenId token = kNoToken;  // a matched special token, or kNoToken for a run of plain text
  std::string_view text;     // the plain text (empty for tokens)
};

// Fragments of `text` in order. Tokens with the lstrip/rstrip attribute swallow the whitespace beside them.
std::vector<Fragment> split_special_tokens(const Vocab& vocab, std::string_view text, bool parse_special);

}  // namespace vkllm::tokenizer
