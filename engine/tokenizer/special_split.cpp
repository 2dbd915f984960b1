#include "engine/tokenizer/special_split.h"

namespace vkllm::tokenizer {
namespace {

bool is_c_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }  // isspace() in the C locale

// Splits one text fragment at every occurrence of `token`, appending the pieces to `out`.
void split_fragment(const Vocab& vocab, TokenId token, std::string_view text, std::vector<Fragment>& out) {
  const auto& data = vocab.tokens[size_t(token)];
  const std::string_view needle = data.text;
  while (!text.empty()) {
    const size_t match = text.find(needle);
    if (match == std::string_view::npos) break;
    std::string_view left = text.substr(0, match);
    if (data.attr & attr::kLstrip)
      while (!left.empty() && is_c_space(left.back())) left.remove_suffix(1);
    if (!left.empty()) out.push_back({kNoToken, left});
    out.push_back({token, {}});
    text.remove_prefix(match + needle.size());
    if (data.attr & attr::kRstrip)
      while (!text.empty() && is_c_space(text.front())) text.remove_prefix(1);
  }
  if (!text.empty()) out.push_back({kNoToken, text});
}

}  // namespace

std::vector<Fragment> split_special_tokens(const Vocab& vocab, std::string_view text, bool parse_special) {
  std::vector<Fragment> fragments;
  if (text.empty()) return fragments;
  fragments.push_back({kNoToken, text});
  std::vector<Fragment> next;
  for (const TokenId token : vocab.special_tokens) {
    if (!parse_special && vocab.has_attr(token, attr::kControl | attr::kUnknown)) continue;
    const std::string_view needle = vocab.tokens[size_t(token)].text;
    bool any = false;
    for (const auto& f : fragments) any = any || (f.token == kNoToken && f.text.find(needle) != std::string_view::npos);
    if (!any) continue;
    next.clear();
    for (const auto& f : fragments) {
      if (f.token != kNoToken)
        next.push_back(f);
      else
        split_fragment(vocab, token, f.text, next);
    }
    fragments.swap(next);
  }
  return fragments;
}

}  // namespace vkllm::tokenizer
