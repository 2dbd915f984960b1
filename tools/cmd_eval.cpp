// `vkllm eval -m MODEL -p PROMPT [--top N]`: the logits of every prompt position, as JSON in the shape
// of shared/golden (tokens, top, last_logits).
#include <algorithm>
#include <memory>
#include <numeric>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/session/generation.h"
#include "engine/util/check.h"
#include "host/exec/open_model.h"
#include "tools/commands.h"
#include "tools/model_options.h"

namespace vkllm::cli {
namespace {

struct EvalOptions {
  ModelOptions model;
  std::string prompt;
  int top = 20;
  bool no_bos = false;
};

// The n best [id, logit] pairs of one position, best first (lower id first on equal logits).
nlohmann::json top_pairs(const float* logits, int n_vocab, int n) {
  std::vector<int> order(static_cast<size_t>(n_vocab));
  std::iota(order.begin(), order.end(), 0);
  n = std::min(n, n_vocab);
  std::partial_sort(order.begin(), order.begin() + n, order.end(),
                    [&](int a, int b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); });
  auto out = nlohmann::json::array();
  for (int i = 0; i < n; ++i) out.push_back({order[size_t(i)], logits[order[size_t(i)]]});
  return out;
}

int run_eval(const EvalOptions& options) {
  if (options.top < 0) fail("--top must not be negative, got {}", options.top);
  const auto model_file = options.model.open_model();
  const auto exec = options.model.exec();
  auto model = open_language_model(*model_file, exec);
  const auto tokens = model_file->tokenizer.tokenize(options.prompt, !options.no_bos);
  const auto logits = evaluate_prompt(*model, tokens, exec.n_batch, true);
  const int n_vocab = model->n_vocab();

  nlohmann::json out;
  out["file"] = std::filesystem::path(options.model.model).filename().string();
  out["prompt"] = options.prompt;
  out["tokens"] = tokens;
  auto& top = out["top"] = nlohmann::json::array();
  for (size_t t = 0; t < tokens.size(); ++t) top.push_back(top_pairs(&logits[t * size_t(n_vocab)], n_vocab, options.top));
  out["last_logits"] = std::vector<float>(logits.end() - n_vocab, logits.end());
  fmt::print("{}\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return 0;
}

}  // namespace

Command add_eval_command(CLI::App& app) {
  auto options = std::make_shared<EvalOptions>();
  auto* sub = app.add_subcommand("eval", "Print the logits of every prompt position as JSON");
  add_model_options(sub, options->model);
  sub->add_option("-p,--prompt", options->prompt, "The prompt")->required();
  sub->add_option("--top", options->top, "Best [id, logit] pairs per position");
  sub->add_flag("--no-bos", options->no_bos, "Do not add BOS/EOS where the vocabulary asks for them");
  return {sub, [options] { return run_eval(*options); }};
}

}  // namespace vkllm::cli
