// Chat templates are recognised from Jinja text by distinctive substrings; each style renders the
// format its family documents.
#include <gtest/gtest.h>

#include "tools/serve/chat_template.h"

namespace vkllm::serve {
namespace {

TEST(ChatTemplate, RecognisesEachFamily) {
  // Abridged from the templates these families ship in tokenizer.chat_template.
  const std::pair<const char*, ChatStyle> cases[] = {
      {"{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>'}}"
       "{% endfor %}",
       ChatStyle::ChatML},
      {"{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + message['content'] | trim "
       "+ '<|eot_id|>' %}",
       ChatStyle::Llama3},
      {"{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
       "{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}",
       ChatStyle::Llama2},
      {"{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] "
       "+ ' [/INST]' }}{% else %}{{ message['content'] + eos_token}}{% endif %}{% endfor %}",
       ChatStyle::Mistral},
      {"{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] + eos_token }}\n{% endif %}"
       "{% if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}",
       ChatStyle::Zephyr},
      {"{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') %}{{'<|user|>' + '\n' + "
       "message['content'] + '<|end|>' + '\n' + '<|assistant|>' + '\n'}}{% endif %}{% endfor %}",
       ChatStyle::Phi3},
  };
  for (const auto& [jinja, style] : cases) {
    const auto got = detect_chat_style(jinja);
    ASSERT_TRUE(got.has_value()) << jinja;
    EXPECT_EQ(chat_style_name(*got), chat_style_name(style)) << jinja;
    EXPECT_EQ(chat_style_from_name(chat_style_name(style)), style);
  }
  EXPECT_FALSE(detect_chat_style("{{ '<start_of_turn>' + role + '\n' + message['content'] }}"));
  EXPECT_FALSE(chat_style_from_name("jinja"));
}

TEST(ChatTemplate, RendersUpToTheAssistantTurn) {
  const std::vector<ChatMessage> chat = {{"system", "Be brief."}, {"user", "Hi"}, {"assistant", "Hello."},
                                         {"user", "Bye"}};
  EXPECT_EQ(render_chat(ChatStyle::ChatML, chat),
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
            "Hello.<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(render_chat(ChatStyle::Llama3, {{"user", "Hi"}}),
            "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_EQ(render_chat(ChatStyle::Llama2, chat),
            "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello. </s><s>[INST] Bye [/INST]");
  EXPECT_EQ(render_chat(ChatStyle::Mistral, chat), "[INST] Be brief.\n\nHi [/INST]Hello.</s>[INST] Bye [/INST]");
  EXPECT_EQ(render_chat(ChatStyle::Zephyr, {{"user", "Hi"}}), "<|user|>\nHi</s>\n<|assistant|>\n");
  EXPECT_EQ(render_chat(ChatStyle::Phi3, {{"user", "Hi"}}), "<|user|>\nHi<|end|>\n<|assistant|>\n");
}

}  // namespace
}  // namespace vkllm::serve
