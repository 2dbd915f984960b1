#pragma once
// Token attributes llama.cpp derives from token texts and model names rather than from the file, applied
// here too so that special-token matching and rendering agree with it.
#include <string_view>

#include "engine/tokenizer/vocab.h"

namespace vkllm::tokenizer {

// Marks control-looking tokens (end-of-turn, fill-in-the-middle, ...) as control, fills
// vocab.special_tokens, and sets the whitespace-stripping attributes some models need.
void apply_attribute_fixups(Vocab& vocab, std::string_view model_name);

}  // namespace vkllm::tokenizer
