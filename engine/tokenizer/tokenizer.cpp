// The encoding half of Tokenizer: special-token splitting, then SPM or BPE on the text between.
#include "engine/tokenizer/tokenizer.h"

#include "engine/tokenizer/bpe_tokenizer.h"
#include "engine/tokenizer/detokenizer.h"
#include "engine/tokenizer/special_split.h"
#include "engine/tokenizer/spm_tokenizer.h"
#include "engine/util/check.h"

namespace vkllm::tokenizer {
namespace {

constexpr std::string_view kEscapedSpace = "\xE2\x96\x81";  // U+2581 LOWER ONE EIGHTH BLOCK

std::string escape_spaces(std::string_view text, bool prefix_space) {
  std::string out;
  out.reserve(text.size() + text.size() / 4 + 3);
  if (prefix_space) out += kEscapedSpace;
  for (char c : text) {
    if (c == ' ')
      out += kEscapedSpace;
    else
      out += c;
  }
  return out;
}

}  // namespace

Tokenizer::Tokenizer(Vocab vocab) : vocab_(std::make_unique<const Vocab>(std::move(vocab))) {
  if (vocab_->type == VocabType::Bpe) bpe_ = std::make_unique<BpeTokenizer>(*vocab_);
  pieces_.reserve(vocab_->size());
  for (size_t id = 0; id < vocab_->size(); ++id) pieces_.push_back(render_piece(*vocab_, TokenId(id)));
}

Tokenizer Tokenizer::load(const gguf::File& file) { return Tokenizer(Vocab::load(file)); }

Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

std::vector<TokenId> Tokenizer::tokenize(std::string_view text, bool add_special, bool parse_special) const {
  const Vocab& vocab = *vocab_;
  std::vector<TokenId> out;
  out.reserve(text.size() / 3 + 2);
  if (add_special && vocab.add_bos) out.push_back(vocab.bos);
  // SPM puts a space before the text and after every special token (sentencepiece's dummy prefix).
  bool after_special = true;
  for (const auto& fragment : split_special_tokens(vocab, text, parse_special)) {
    if (fragment.token != kNoToken) {
      out.push_back(fragment.token);
      after_special = true;
    } else if (vocab.type == VocabType::Spm) {
      spm_tokenize(vocab, escape_spaces(fragment.text, vocab.add_space_prefix && after_special), out);
      after_special = false;
    } else {
      bpe_->tokenize(fragment.text, out);
    }
  }
  if (add_special && vocab.add_eos) out.push_back(vocab.eos);
  return out;
}

}  // namespace vkllm::tokenizer
