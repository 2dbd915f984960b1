#pragma once
// GPT-2's byte-level alphabet (bytes_to_unicode): every byte gets a printable code point, so byte-level
// BPE vocabularies store arbitrary bytes as ordinary UTF-8 text. Printable Latin-1 bytes map to
// themselves; the other 68 bytes map to U+0100 upwards in byte order.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vkllm::tokenizer {

// The code point standing for `byte`.
uint32_t byte_to_codepoint(uint8_t byte);
// The byte a code point stands for; nullopt for code points outside the alphabet.
std::optional<uint8_t> codepoint_to_byte(uint32_t cpt);

// UTF-8 of the alphabet characters for each byte of `bytes` ("Hello world" -> "HelloĠworld").
std::string byte_level_encode(std::string_view bytes);
// The inverse: the bytes behind alphabet characters. Characters outside the alphabet are kept as
// their own UTF-8 (such tokens cannot come from byte-level encoding).
std::string byte_level_decode(std::string_view text);

}  // namespace vkllm::tokenizer
