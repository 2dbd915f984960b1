#include "tools/serve/chat_template.h"

#include <array>
#include <utility>

namespace vkllm::serve {
namespace {

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

// Mistral and Llama 2 have no system turn of their own: the system text leads the first user turn.
std::vector<ChatMessage> fold_system_into_first_user(const std::vector<ChatMessage>& messages,
                                                     std::string_view separator) {
  std::vector<ChatMessage> out;
  std::string system;
  for (const auto& m : messages) {
    if (m.role == "system") {
      system += (system.empty() ? "" : "\n") + m.content;
      continue;
    }
    out.push_back(m);
    if (m.role == "user" && !system.empty()) {
      out.back().content = system + std::string(separator) + m.content;
      system.clear();
    }
  }
  return out;
}

std::string render_chatml(const std::vector<ChatMessage>& messages) {
  std::string out;
  for (const auto& m : messages) out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
  return out + "<|im_start|>assistant\n";
}

std::string render_llama3(const std::vector<ChatMessage>& messages) {
  std::string out;
  for (const auto& m : messages)
    out += "<|start_header_id|>" + m.role + "<|end_header_id|>\n\n" + m.content + "<|eot_id|>";
  return out + "<|start_header_id|>assistant<|end_header_id|>\n\n";
}

// [INST] <<SYS>>\n{system}\n<</SYS>>\n\n{user} [/INST] {assistant} </s><s>[INST] {user} [/INST]
std::string render_llama2(const std::vector<ChatMessage>& messages) {
  std::string out;
  std::string system;
  for (const auto& m : messages) {
    if (m.role == "system") {
      system += (system.empty() ? "" : "\n") + m.content;
    } else if (m.role == "user") {
      out += "[INST] ";
      if (!system.empty()) out += "<<SYS>>\n" + system + "\n<</SYS>>\n\n";
      system.clear();
      out += m.content + " [/INST]";
    } else {
      out += " " + m.content + " </s><s>";
    }
  }
  return out;
}

// [INST] {system}\n\n{user} [/INST]{assistant}</s>[INST] {user} [/INST]
std::string render_mistral(const std::vector<ChatMessage>& messages) {
  std::string out;
  for (const auto& m : fold_system_into_first_user(messages, "\n\n")) {
    if (m.role == "user")
      out += "[INST] " + m.content + " [/INST]";
    else
      out += m.content + "</s>";
  }
  return out;
}

std::string render_zephyr(const std::vector<ChatMessage>& messages) {
  std::string out;
  for (const auto& m : messages) out += "<|" + m.role + "|>\n" + m.content + "</s>\n";
  return out + "<|assistant|>\n";
}

// <|user|>\n{content}<|end|>\n ... <|assistant|>\n
std::string render_phi3(const std::vector<ChatMessage>& messages) {
  std::string out;
  for (const auto& m : messages) out += "<|" + m.role + "|>\n" + m.content + "<|end|>\n";
  return out + "<|assistant|>\n";
}

constexpr std::array<std::pair<std::string_view, ChatStyle>, 6> kNames = {{
    {"chatml", ChatStyle::ChatML},
    {"llama2", ChatStyle::Llama2},
    {"llama3", ChatStyle::Llama3},
    {"mistral", ChatStyle::Mistral},
    {"zephyr", ChatStyle::Zephyr},
    {"phi3", ChatStyle::Phi3},
}};

}  // namespace

std::optional<ChatStyle> detect_chat_style(std::string_view t) {
  // Most specific first: several families mention [INST] or role markers in passing.
  if (contains(t, "<|im_start|>")) return ChatStyle::ChatML;
  if (contains(t, "<|start_header_id|>")) return ChatStyle::Llama3;
  if (contains(t, "<|user|>") && contains(t, "<|end|>")) return ChatStyle::Phi3;
  if (contains(t, "<|user|>")) return ChatStyle::Zephyr;
  if (contains(t, "[INST]")) return contains(t, "<<SYS>>") ? ChatStyle::Llama2 : ChatStyle::Mistral;
  return std::nullopt;
}

std::optional<ChatStyle> chat_style_from_name(std::string_view name) {
  for (const auto& [n, style] : kNames)
    if (n == name) return style;
  return std::nullopt;
}

std::string_view chat_style_name(ChatStyle style) {
  for (const auto& [n, s] : kNames)
    if (s == style) return n;
  return "?";
}

std::string render_chat(ChatStyle style, const std::vector<ChatMessage>& messages) {
  switch (style) {
    case ChatStyle::ChatML: return render_chatml(messages);
    case ChatStyle::Llama2: return render_llama2(messages);
    case ChatStyle::Llama3: return render_llama3(messages);
    case ChatStyle::Mistral: return render_mistral(messages);
    case ChatStyle::Zephyr: return render_zephyr(messages);
    case ChatStyle::Phi3: return render_phi3(messages);
  }
  return {};
}

}  // namespace vkllm::serve
