#include "engine/tokenizer/end_of_generation.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace vkllm::tokenizer {

std::vector<TokenId> end_of_generation_tokens(const Vocab& vocab) {
  // Turn terminators of common chat formats; they count only where the vocabulary marks them special.
  constexpr std::array<std::string_view, 7> kTurnEnds = {
      "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<EOT>", "<|end_of_text|>"};
  std::vector<TokenId> ids;
  for (const TokenId id : {vocab.eos, vocab.eot})
    if (vocab.valid(id)) ids.push_back(id);
  for (const auto text : kTurnEnds) {
    const TokenId id = vocab.find(text);
    if (vocab.valid(id) && std::find(vocab.special_tokens.begin(), vocab.special_tokens.end(), id) !=
                               vocab.special_tokens.end())
      ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

}  // namespace vkllm::tokenizer
