#pragma once
// Which tokens end a generation: EOS, EOT, and the control tokens chat models end their turns with.
#include <vector>

#include "engine/tokenizer/vocab.h"

namespace vkllm::tokenizer {

// The sorted ids of every end-of-generation token in `vocab`.
std::vector<TokenId> end_of_generation_tokens(const Vocab& vocab);

}  // namespace vkllm::tokenizer
