#pragma once
// The decoding half of Tokenizer (token_to_piece, detokenize, StreamDecoder live in detokenizer.cpp).
#include <string>
#include <string_view>

#include "engine/tokenizer/vocab.h"

namespace vkllm::tokenizer {

// The bytes token `id` stands for, with control and unknown tokens rendered as their text: SPM turns
// U+2581 into spaces and <0xXX> into the byte; byte-level BPE maps GPT-2's alphabet back to bytes.
std::string render_piece(const Vocab& vocab, TokenId id);

// llama.cpp's clean_up_tokenization_spaces: " ?", " !", " .", " ," lose the space, " ' " loses both,
// and " 's", " 'm", " 're", " 've" lose it.
std::string clean_up_spaces(std::string_view text);

}  // namespace vkllm::tokenizer
