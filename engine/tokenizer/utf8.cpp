#include "engine/tokenizer/utf8.h"

namespace vkllm::tokenizer {
namespace {

bool is_continuation(uint8_t byte) { return (byte & 0xC0) == 0x80; }

// Decodes one code point at `offset` the way llama.cpp's unicode_cpt_from_utf8 does (no overlong or
// surrogate checks); returns false when the bytes there do not form a sequence.
bool decode_one(std::string_view text, size_t& offset, uint32_t& cpt) {
  const auto at = [&](size_t i) { return static_cast<uint8_t>(text[offset + i]); };
  const uint8_t lead = at(0);
  const size_t n = lead < 0x80 ? 1 : (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : (lead & 0xF8) == 0xF0 ? 4 : 0;
  if (n == 0 || offset + n > text.size()) return false;
  for (size_t i = 1; i < n; ++i)
    if (!is_continuation(at(i))) return false;
  static constexpr uint8_t kLeadMask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
  cpt = lead & kLeadMask[n];
  for (size_t i = 1; i < n; ++i) cpt = (cpt << 6) | (at(i) & 0x3F);
  offset += n;
  return true;
}

}  // namespace

size_t utf8_sequence_length(uint8_t lead) {
  static constexpr size_t kByHighNibble[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kByHighNibble[lead >> 4];
}

std::vector<uint32_t> utf8_decode(std::string_view text) {
  std::vector<uint32_t> out;
  out.reserve(text.size());
  size_t offset = 0;
  while (offset < text.size()) {
    uint32_t cpt = 0;
    if (decode_one(text, offset, cpt)) {
      out.push_back(cpt);
    } else {
      out.push_back(kReplacementChar);
      ++offset;
    }
  }
  return out;
}

void utf8_append(std::string& out, uint32_t cpt) {
  if ((cpt >= 0xD800 && cpt <= 0xDFFF) || cpt > 0x10FFFF) cpt = kReplacementChar;
  if (cpt < 0x80) {
    out.push_back(static_cast<char>(cpt));
  } else if (cpt < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cpt >> 6)));
    out.push_back(static_cast<char>(0x80 | (cpt & 0x3F)));
  } else if (cpt < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cpt >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cpt >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cpt & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cpt >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cpt >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cpt >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cpt & 0x3F)));
  }
}

std::string utf8_sanitize(std::string_view text) {
  // Fast path: strictly valid UTF-8 needs no copy through code points.
  bool valid = true;
  for (size_t offset = 0; offset < text.size() && valid;) {
    uint32_t cpt = 0;
    const size_t start = offset;
    valid = decode_one(text, offset, cpt) && !(cpt >= 0xD800 && cpt <= 0xDFFF) && cpt <= 0x10FFFF;
    // Overlong forms decode to a shorter encoding; PCRE2 rejects them, so they count as invalid.
    if (valid) {
      std::string check;
      utf8_append(check, cpt);
      valid = check.size() == offset - start;
    }
  }
  if (valid) return std::string(text);
  std::string out;
  out.reserve(text.size() + 8);
  for (uint32_t cpt : utf8_decode(text)) utf8_append(out, cpt);
  return out;
}

size_t utf8_complete_prefix(std::string_view bytes) {
  // Look back at most 3 bytes for the lead byte of a character still waiting for continuations.
  const size_t n = bytes.size();
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    const auto byte = static_cast<uint8_t>(bytes[n - back]);
    if (is_continuation(byte)) continue;
    // ASCII, or F8..FF, which never start a character: everything up to here is settled.
    if (byte < 0xC0 || byte >= 0xF8) return n;
    const size_t needed = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2;
    return needed > back ? n - back : n;
  }
  return n;
}

}  // namespace vkllm::tokenizer
