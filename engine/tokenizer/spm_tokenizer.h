#pragma once
// SentencePiece-style BPE as llama.cpp runs it (llm_tokenizer_spm): start from single characters, merge
// the adjacent pair whose union is the highest-scoring token until no pair forms a token, and spell
// whatever is left as byte tokens <0xXX>.
#include <string_view>
#include <vector>

#include "engine/tokenizer/vocab.h"

namespace vkllm::tokenizer {

// Appends the tokens of `text`, which must already have spaces escaped as U+2581 (and the leading space
// added when the vocabulary asks for it).
void spm_tokenize(const Vocab& vocab, std::string_view text, std::vector<TokenId>& out);

}  // namespace vkllm::tokenizer
