// `vkllm perplexity -m MODEL -f FILE [-c N] [-b N] [--chunks N] [--json]`: the model's perplexity
// over a text, in llama-perplexity's chunks and formula (engine/session/perplexity.h), so the two
// compare for the same -c. The chunk is the context size (-c; the model's when not given).
#include <cstdio>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/session/perplexity.h"
#include "engine/util/check.h"
#include "host/exec/open_model.h"
#include "tools/commands.h"
#include "tools/model_options.h"
#include "tools/text_file.h"

namespace vkllm::cli {
namespace {

struct PerplexityOptions {
  ModelOptions model;
  std::string file;
  int n_chunks = -1;
  bool json = false;
};

int run_perplexity(const PerplexityOptions& options) {
  const auto model_file = options.model.open_model();
  const auto exec = options.model.exec();
  const std::string text = read_text_file(options.file);
  auto model = open_language_model(*model_file, exec);
  const auto& vocab = model_file->tokenizer.vocab();
  const auto tokens = model_file->tokenizer.tokenize(text, true);

  PerplexityRequest request;
  request.n_ctx = model->n_ctx();
  request.n_batch = exec.n_batch;
  request.n_chunks = options.n_chunks;
  if (vocab.add_bos) request.bos = vocab.bos;
  // llama-perplexity's progress line: [chunk]running estimate, ...
  const auto result = perplexity(*model, tokens, request, [&](int chunk, double ppl) {
    fmt::print(stderr, "[{}]{:.4f},", chunk + 1, ppl);
    std::fflush(stderr);
  });
  fmt::print(stderr, "\n");
  if (options.json) {
    nlohmann::json out;
    out["file"] = options.file;
    out["n_ctx"] = request.n_ctx;
    out["chunks"] = result.n_chunks;
    out["tokens_scored"] = result.n_scored;
    out["nll"] = result.nll;
    out["ppl"] = result.ppl;
    out["ppl_error"] = result.ppl_error;
    out["ppl_after_chunk"] = result.ppl_after_chunk;
    fmt::print("{}\n", out.dump());
  } else {
    fmt::print("Final estimate: PPL = {:.4f} +/- {:.5f}\n", result.ppl, result.ppl_error);
  }
  return 0;
}

}  // namespace

Command add_perplexity_command(CLI::App& app) {
  auto options = std::make_shared<PerplexityOptions>();
  auto* sub = app.add_subcommand("perplexity", "Measure a model's perplexity over a text file (as llama-perplexity)");
  add_model_options(sub, options->model);
  sub->add_option("-f,--file", options->file, "Text file to score")->required();
  sub->add_option("--chunks", options->n_chunks, "Score at most this many chunks of -c tokens (-1: all)");
  sub->add_flag("--json", options->json, "Print the result as one JSON object");
  return {sub, [options] { return run_perplexity(*options); }};
}

}  // namespace vkllm::cli
