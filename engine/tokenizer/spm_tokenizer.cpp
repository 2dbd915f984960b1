#include "engine/tokenizer/spm_tokenizer.h"

#include <algorithm>
#include <queue>

#include "engine/tokenizer/utf8.h"
#include "engine/util/check.h"

namespace vkllm::tokenizer {
namespace {

// A run of the text in the linked list of symbols; merged-away symbols keep n == 0.
struct Symbol {
  int prev = -1;
  int next = -1;
  size_t offset = 0;
  size_t n = 0;
};

struct Bigram {
  int left = 0;
  int right = 0;
  float score = 0.0f;
  size_t size = 0;  // bytes of the merged text, to spot pairs that went stale
};

// Highest score first; among equal scores the leftmost pair.
struct LowerPriority {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

class SpmSession {
 public:
  SpmSession(const Vocab& vocab, std::string_view text) : vocab_(vocab), text_(text) {}

  void run(std::vector<TokenId>& out) {
    for (size_t offset = 0; offset < text_.size();) {
      const size_t n = std::min(utf8_sequence_length(uint8_t(text_[offset])), text_.size() - offset);
      const int index = int(symbols_.size());
      symbols_.push_back({index - 1, offset + n == text_.size() ? -1 : index + 1, offset, n});
      offset += n;
    }
    for (int i = 1; i < int(symbols_.size()); ++i) try_add_bigram(i - 1, i);

    while (!queue_.empty()) {
      const Bigram bigram = queue_.top();
      queue_.pop();
      Symbol& left = symbols_[size_t(bigram.left)];
      Symbol& right = symbols_[size_t(bigram.right)];
      if (left.n == 0 || right.n == 0 || left.n + right.n != bigram.size) continue;
      left.n += right.n;
      right.n = 0;
      left.next = right.next;
      if (right.next >= 0) symbols_[size_t(right.next)].prev = bigram.left;
      try_add_bigram(left.prev, bigram.left);
      try_add_bigram(bigram.left, left.next);
    }

    for (int i = symbols_.empty() ? -1 : 0; i != -1; i = symbols_[size_t(i)].next) emit(symbols_[size_t(i)], out);
  }

 private:
  std::string_view text_of(const Symbol& s) const { return text_.substr(s.offset, s.n); }

  void try_add_bigram(int left, int right) {
    if (left == -1 || right == -1) return;
    const auto& l = symbols_[size_t(left)];
    const auto& r = symbols_[size_t(right)];
    const TokenId id = vocab_.find(text_.substr(l.offset, l.n + r.n));
    if (id == kNoToken) return;
    queue_.push({left, right, vocab_.tokens[size_t(id)].score, l.n + r.n});
  }

  // Merged symbols are always tokens; a single character that is not falls back to its bytes.
  void emit(const Symbol& symbol, std::vector<TokenId>& out) const {
    const auto text = text_of(symbol);
    if (const TokenId id = vocab_.find(text); id != kNoToken) {
      out.push_back(id);
      return;
    }
    for (char c : text) {
      TokenId id = vocab_.byte_token(uint8_t(c));
      if (id == kNoToken) id = vocab_.unk;
      if (id == kNoToken) fail("SPM vocabulary has no byte token <0x{:02X}> and no unknown token", uint8_t(c));
      out.push_back(id);
    }
  }

  const Vocab& vocab_;
  std::string_view text_;
  std::vector<Symbol> symbols_;
  std::priority_queue<Bigram, std::vector<Bigram>, LowerPriority> queue_;
};

}  // namespace

void spm_tokenize(const Vocab& vocab, std::string_view text, std::vector<TokenId>& out) {
  SpmSession(vocab, text).run(out);
}

}  // namespace vkllm::tokenizer
