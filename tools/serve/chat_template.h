#pragma once
// Chat messages -> prompt text. We do not run Jinja: a model's tokenizer.chat_template is recognised
// by substrings distinctive of each family, and that family's format is written out here.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vkllm::serve {

enum class ChatStyle { ChatML, Llama2, Llama3, Mistral, Zephyr, Phi3 };

struct ChatMessage {
  std::string role;  // "system", "user", "assistant"
  std::string content;
};

// The family a Jinja template belongs to; nullopt when none matches.
std::optional<ChatStyle> detect_chat_style(std::string_view jinja);
// "chatml", "llama2", "llama3", "mistral", "zephyr", "phi3" -> the style; nullopt for anything else.
std::optional<ChatStyle> chat_style_from_name(std::string_view name);
std::string_view chat_style_name(ChatStyle style);

// The prompt for `messages`, ending where the assistant's reply begins. Control tokens appear as
// text ("<|im_start|>"), so it is tokenized with special tokens parsed.
std::string render_chat(ChatStyle style, const std::vector<ChatMessage>& messages);

}  // namespace vkllm::serve
