#include "engine/tokenizer/byte_unicode.h"

#include <array>

#include "engine/tokenizer/utf8.h"

namespace vkllm::tokenizer {
namespace {

bool maps_to_itself(int byte) {
  return (byte >= 0x21 && byte <= 0x7E) || (byte >= 0xA1 && byte <= 0xAC) || (byte >= 0xAE && byte <= 0xFF);
}

struct Alphabet {
  std::array<uint32_t, 256> codepoint{};
  std::array<std::string, 256> utf8;
  std::array<int16_t, 512> byte_of{};  // every alphabet code point is below U+0144

  Alphabet() {
    byte_of.fill(-1);
    uint32_t next = 256;
    for (int byte = 0; byte < 256; ++byte) {
      codepoint[byte] = maps_to_itself(byte) ? uint32_t(byte) : next++;
      utf8_append(utf8[byte], codepoint[byte]);
      byte_of[codepoint[byte]] = int16_t(byte);
    }
  }
};

const Alphabet& alphabet() {
  static const Alphabet table;
  return table;
}

}  // namespace

uint32_t byte_to_codepoint(uint8_t byte) { return alphabet().codepoint[byte]; }

std::optional<uint8_t> codepoint_to_byte(uint32_t cpt) {
  const auto& table = alphabet();
  if (cpt >= table.byte_of.size() || table.byte_of[cpt] < 0) return std::nullopt;
  return uint8_t(table.byte_of[cpt]);
}

std::string byte_level_encode(std::string_view bytes) {
  const auto& table = alphabet();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) out += table.utf8[static_cast<uint8_t>(c)];
  return out;
}

std::string byte_level_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (uint32_t cpt : utf8_decode(text)) {
    if (auto byte = codepoint_to_byte(cpt))
      out.push_back(static_cast<char>(*byte));
    else
      utf8_append(out, cpt);
  }
  return out;
}

}  // namespace vkllm::tokenizer
