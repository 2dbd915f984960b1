// `vkllm tokenize -m MODEL (-p TEXT | -f FILE) [--no-bos] [--parse-special] [--json]`: the token ids of a
// text under a GGUF file's vocabulary (vocab-only files work too).
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "engine/gguf/gguf_file.h"
#include "engine/tokenizer/tokenizer.h"
#include "engine/util/check.h"
#include "tools/commands.h"
#include "tools/text_file.h"

namespace vkllm::cli {
namespace {

struct TokenizeOptions {
  std::string model;
  std::string prompt;
  std::string file;
  bool no_bos = false;
  bool parse_special = false;
  bool json = false;
};

std::string read_text(const TokenizeOptions& options) {
  return options.file.empty() ? options.prompt : read_text_file(options.file);
}

int run_tokenize(const TokenizeOptions& options) {
  const auto file = gguf::File::open(options.model);
  const auto tokenizer = tokenizer::Tokenizer::load(file);
  const std::string text = read_text(options);
  // --no-bos turns off every token the vocabulary adds around the text (BOS, and EOS where it asks).
  const auto tokens = tokenizer.tokenize(text, !options.no_bos, options.parse_special);
  if (options.json) {
    nlohmann::json j;
    j["tokens"] = tokens;
    auto& pieces = j["pieces"] = nlohmann::json::array();
    for (const auto id : tokens) pieces.push_back(std::string(tokenizer.token_to_piece(id, true)));
    // A piece can be part of a UTF-8 character; such bytes print as U+FFFD.
    std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    std::string line;
    for (size_t i = 0; i < tokens.size(); ++i) line += (i ? " " : "") + std::to_string(tokens[i]);
    std::cout << line << "\n";
  }
  return 0;
}

}  // namespace

Command add_tokenize_command(CLI::App& app) {
  auto options = std::make_shared<TokenizeOptions>();
  auto* sub = app.add_subcommand("tokenize", "Print the token ids of a text under a model's vocabulary");
  sub->add_option("-m,--model", options->model, "GGUF file (a model or a vocab-only file)")->required();
  auto* prompt = sub->add_option("-p,--prompt", options->prompt, "Text to tokenize");
  auto* file = sub->add_option("-f,--file", options->file, "File whose bytes are the text to tokenize");
  sub->add_flag("--no-bos", options->no_bos, "Add no BOS/EOS even where the vocabulary asks for them");
  sub->add_flag("--parse-special", options->parse_special, "Read control-token texts (<|im_end|>) as those tokens");
  sub->add_flag("--json", options->json, "Print {\"tokens\": [...], \"pieces\": [...]}");
  return {sub, [options, prompt, file] {
            // Checked here rather than by CLI11 so that bad input exits with 1 like every other error.
            if ((prompt->count() == 0) == (file->count() == 0))
              fail("tokenize needs exactly one text: -p TEXT or -f FILE");
            return run_tokenize(*options);
          }};
}

}  // namespace vkllm::cli
