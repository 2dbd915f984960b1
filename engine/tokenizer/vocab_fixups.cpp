#include "engine/tokenizer/vocab_fixups.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace vkllm::tokenizer {
namespace {

// Texts llama.cpp recognises as end-of-generation, end-of-turn or fill-in-the-middle tokens: they are
// made control tokens even when the file says otherwise, so they are neither matched in plain text nor
// printed unless asked for.
constexpr std::array kControlLooking = {
    // end of turn / generation
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>",
    "[EOT]", "[EOS]", "<｜end▁of▁sentence｜>", "<end_of_utterance>", "<|eom_id|>", "</s>", "<|return|>", "<|call|>",
    "<|flush|>", "<|calls|>", "<eos>", "<turn|>", "<|tool_response>",
    // fill in the middle
    "<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>",
    "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>",
    "<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>",
    "<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]", "<|fim_repo|>", "<|repo_name|>", "<fim-repo>",
    "<REPO>", "<reponame>", "<|file_sep|>"};

// gpt-oss's structural tokens are always rendered, so llama.cpp turns them into user-defined ones.
constexpr std::array kAlwaysRendered = {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"};

void set_attr(Vocab& vocab, std::string_view text, uint32_t bits, bool on) {
  const TokenId id = vocab.find(text);
  if (id == kNoToken) return;
  auto& a = vocab.tokens[size_t(id)].attr;
  a = on ? (a | bits) : (a & ~bits);
}

bool contains(std::string_view haystack, std::string_view needle) { return haystack.find(needle) != std::string_view::npos; }

}  // namespace

void apply_attribute_fixups(Vocab& vocab, std::string_view model_name) {
  for (const char* text : kControlLooking) set_attr(vocab, text, attr::kControl, true);
  for (const char* text : kAlwaysRendered)
    if (const TokenId id = vocab.find(text); id != kNoToken) vocab.tokens[size_t(id)].attr = attr::kUserDefined;

  vocab.special_tokens.clear();
  for (size_t id = 0; id < vocab.size(); ++id)
    if (vocab.tokens[id].attr & (attr::kControl | attr::kUserDefined | attr::kUnknown))
      vocab.special_tokens.push_back(TokenId(id));
  // Longest first, so that "<|end|>" cannot steal the start of "<|endoftext|>".
  std::stable_sort(vocab.special_tokens.begin(), vocab.special_tokens.end(), [&](TokenId a, TokenId b) {
    return vocab.tokens[size_t(a)].text.size() > vocab.tokens[size_t(b)].text.size();
  });

  std::string name(model_name);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  if (contains(vocab.pre, "jina-v2-de") || contains(vocab.pre, "jina-v2-es") || contains(vocab.pre, "jina-v2-code")) {
    set_attr(vocab, "<mask>", attr::kLstrip, true);
  } else if (contains(name, "phi-3") || contains(name, "phi3")) {
    // Phi-3's chat tokens eat the whitespace that follows them (tokenizer.json rstrip).
    for (TokenId id : vocab.special_tokens) vocab.tokens[size_t(id)].attr |= attr::kRstrip;
    set_attr(vocab, "</s>", attr::kRstrip, true);
    for (const char* text : {"<unk>", "<s>", "<|endoftext|>"}) set_attr(vocab, text, attr::kRstrip, false);
  } else if (contains(name, "modern-bert")) {
    set_attr(vocab, "[MASK]", attr::kLstrip, true);
  }
}

}  // namespace vkllm::tokenizer
