#pragma once
// UTF-8 helpers with llama.cpp's tolerance rules: tokenizers must treat malformed input exactly as the
// reference does, so decoding never throws and every bad byte becomes one U+FFFD.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vkllm::tokenizer {

constexpr uint32_t kReplacementChar = 0xFFFD;

// Bytes in the sequence a lead byte announces (1 for ASCII, continuation and invalid bytes).
size_t utf8_sequence_length(uint8_t lead);

// Code points of `text`; a byte that does not start a well-formed sequence decodes to U+FFFD and
// decoding resumes at the next byte.
std::vector<uint32_t> utf8_decode(std::string_view text);

// Appends the UTF-8 form of `cpt`; surrogates and values past U+10FFFF append U+FFFD.
void utf8_append(std::string& out, uint32_t cpt);

// `text` re-encoded so that it is valid UTF-8 (what PCRE2 requires): malformed bytes, surrogates and
// out-of-range code points become U+FFFD. Returns `text` unchanged when it already is valid.
std::string utf8_sanitize(std::string_view text);

// Length of the longest prefix of `bytes` that does not end inside an unfinished multi-byte character.
// A trailing lead byte whose continuation bytes have not arrived yet is held back; bytes that can never
// form a character are not.
size_t utf8_complete_prefix(std::string_view bytes);

}  // namespace vkllm::tokenizer
