#include "engine/tokenizer/detokenizer.h"

#include "engine/tokenizer/byte_unicode.h"
#include "engine/tokenizer/tokenizer.h"
#include "engine/tokenizer/utf8.h"
#include "engine/util/check.h"

namespace vkllm::tokenizer {
namespace {

std::string unescape_spaces(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 3, "\xE2\x96\x81") == 0) {
      out += ' ';
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// <0xXX> -> the byte XX.
std::string byte_piece(std::string_view text) {
  if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return std::string(text);
  const auto hex = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  return std::string(1, char(hex(text[3]) * 16 + hex(text[4])));
}

}  // namespace

std::string render_piece(const Vocab& vocab, TokenId id) {
  const auto& token = vocab.tokens[size_t(id)];
  if (token.attr & (attr::kControl | attr::kUnknown | attr::kUserDefined)) return token.text;
  if (vocab.type == VocabType::Spm) {
    if (token.attr & attr::kNormal) return unescape_spaces(token.text);
    if (token.attr & attr::kByte) return byte_piece(token.text);
  } else {
    if (token.attr & attr::kNormal) return byte_level_decode(token.text);
    if (token.attr & attr::kByte) return byte_piece(token.text);
  }
  return {};  // unused and undefined tokens render as nothing, as in llama.cpp
}

std::string clean_up_spaces(std::string_view in) {
  std::string text(in);
  // Three passes, each over the previous one's output, in llama.cpp's order.
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i > 0 && text[i - 1] == ' ' && (c == '?' || c == '!' || c == '.' || c == ',')) out.pop_back();
    out += c;
  }
  text.swap(out);
  out.clear();
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\'' && i > 0 && i + 1 < text.size() && text[i - 1] == ' ' && text[i + 1] == ' ') {
      out.pop_back();
      out += c;
      text[++i] = '\0';  // the space after it goes too, and no longer counts as a space before what follows
      continue;
    }
    out += c;
  }
  text.swap(out);
  out.clear();
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\'' && i > 0 && text[i - 1] == ' ' && i + 1 < text.size()) {
      const char c1 = text[i + 1];
      const char c2 = i + 2 < text.size() ? text[i + 2] : '\0';
      if (c1 == 's' || c1 == 'm' || (c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e')) out.pop_back();
    }
    out += c;
  }
  return out;
}

std::string_view Tokenizer::token_to_piece(TokenId id, bool special) const {
  if (!vocab_->valid(id)) fail("token id {} is outside the vocabulary of {} tokens", id, vocab_->size());
  if (!special && vocab_->has_attr(id, attr::kControl | attr::kUnknown)) return {};
  return pieces_[size_t(id)];
}

std::string Tokenizer::detokenize(std::span<const TokenId> tokens, bool remove_special, bool unparse_special) const {
  const Vocab& vocab = *vocab_;
  bool strip_space = vocab.add_space_prefix;
  if (remove_special && vocab.add_bos && !tokens.empty() && tokens.front() == vocab.bos) {
    strip_space = false;  // llama.cpp keeps the space when it removed the BOS
    tokens = tokens.subspan(1);
  }
  if (remove_special && vocab.add_eos && !tokens.empty() && tokens.back() == vocab.eos)
    tokens = tokens.first(tokens.size() - 1);
  std::string text;
  for (const TokenId id : tokens) {
    std::string_view piece = token_to_piece(id, unparse_special);
    if (strip_space && !piece.empty() && piece.front() == ' ') piece.remove_prefix(1);
    strip_space = false;
    text += piece;
  }
  return vocab.clean_spaces ? clean_up_spaces(text) : text;
}

std::string StreamDecoder::push(TokenId id) {
  pending_ += tokenizer_.token_to_piece(id, special_);
  const size_t ready = utf8_complete_prefix(pending_);
  std::string out = pending_.substr(0, ready);
  pending_.erase(0, ready);
  return out;
}

std::string StreamDecoder::flush() {
  std::string out;
  out.swap(pending_);
  return out;
}

}  // namespace vkllm::tokenizer
