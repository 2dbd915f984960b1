#include "engine/tokenizer/bpe_tokenizer.h"

#include <algorithm>
#include <queue>

#include "engine/tokenizer/byte_unicode.h"
#include "engine/tokenizer/utf8.h"
#include "engine/util/check.h"

namespace vkllm::tokenizer {
namespace {

const PreTokenizerSpec& spec_for(const Vocab& vocab) {
  const auto* spec = find_pre_tokenizer(vocab.pre);
  if (!spec) fail("unsupported tokenizer.ggml.pre '{}' (supported: {})", vocab.pre, supported_pre_tokenizers());
  return *spec;
}

struct Symbol {
  int prev = -1;
  int next = -1;
  size_t offset = 0;
  size_t n = 0;  // 0 once merged into its left neighbour
};

struct Bigram {
  int left = 0;
  int right = 0;
  int rank = 0;
  size_t size = 0;  // bytes of the merged text: a pair whose symbols changed since no longer adds up
};

// Lowest rank first; among equal ranks the leftmost pair.
struct LowerPriority {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  }
};

}  // namespace

BpeTokenizer::BpeTokenizer(const Vocab& vocab) : vocab_(vocab), pre_tokenizer_(spec_for(vocab)) {}

void BpeTokenizer::tokenize(std::string_view text, std::vector<TokenId>& out) const {
  const std::string clean = utf8_sanitize(text);
  for (const auto word : pre_tokenizer_.split(clean)) tokenize_word(byte_level_encode(word), out);
}

void BpeTokenizer::tokenize_word(std::string_view word, std::vector<TokenId>& out) const {
  if (vocab_.ignore_merges) {
    if (const TokenId id = vocab_.find(word); id != kNoToken) {
      out.push_back(id);
      return;
    }
  }
  std::vector<Symbol> symbols;
  for (size_t offset = 0; offset < word.size();) {
    const size_t n = std::min(utf8_sequence_length(uint8_t(word[offset])), word.size() - offset);
    const int index = int(symbols.size());
    symbols.push_back({index - 1, offset + n == word.size() ? -1 : index + 1, offset, n});
    offset += n;
  }
  std::priority_queue<Bigram, std::vector<Bigram>, LowerPriority> queue;
  const auto add_bigram = [&](int left, int right) {
    if (left == -1 || right == -1) return;
    const auto& l = symbols[size_t(left)];
    const auto& r = symbols[size_t(right)];
    const int rank = vocab_.merge_rank(word.substr(l.offset, l.n), word.substr(r.offset, r.n));
    if (rank >= 0) queue.push({left, right, rank, l.n + r.n});
  };
  for (int i = 1; i < int(symbols.size()); ++i) add_bigram(i - 1, i);

  while (!queue.empty()) {
    const Bigram bigram = queue.top();
    queue.pop();
    Symbol& left = symbols[size_t(bigram.left)];
    Symbol& right = symbols[size_t(bigram.right)];
    if (left.n == 0 || right.n == 0 || left.n + right.n != bigram.size) continue;
    left.n += right.n;
    right.n = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[size_t(right.next)].prev = bigram.left;
    add_bigram(left.prev, bigram.left);
    add_bigram(bigram.left, left.next);
  }

  for (int i = symbols.empty() ? -1 : 0; i != -1; i = symbols[size_t(i)].next) {
    const auto text = word.substr(symbols[size_t(i)].offset, symbols[size_t(i)].n);
    if (const TokenId id = vocab_.find(text); id != kNoToken) {
      out.push_back(id);
      continue;
    }
    // A merge whose result is not a token: llama.cpp looks its bytes up one by one and drops misses.
    for (char c : text)
      if (const TokenId id = vocab_.find(std::string_view(&c, 1)); id != kNoToken) out.push_back(id);
  }
}

}  // namespace vkllm::tokenizer
