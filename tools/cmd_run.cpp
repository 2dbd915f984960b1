// `vkllm run -m MODEL -p PROMPT [-n N] [sampling flags] [--json]`: generates text, streaming it to
// stdout, with prompt and generation speed on stderr.
#include <cstdio>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/session/generation.h"
#include "host/exec/open_model.h"
#include "tools/commands.h"
#include "tools/model_options.h"

namespace vkllm::cli {
namespace {

struct RunOptions {
  ModelOptions model;
  std::string prompt;
  int n_predict = 128;
  SamplingParams sampling;
  int seed = -1;
  bool no_bos = false;
  bool ignore_eos = false;
  bool json = false;
};

nlohmann::json timings_json(const GenerationTimings& t) {
  return {{"prompt_n", t.prompt_n},
          {"prompt_ms", t.prompt_ms},
          {"prompt_per_second", t.prompt_per_second()},
          {"predicted_n", t.predicted_n},
          {"predicted_ms", t.predicted_ms},
          {"predicted_per_second", t.predicted_per_second()}};
}

int run_generation(const RunOptions& options) {
  const auto model_file = options.model.open_model();
  const auto exec = options.model.exec();
  auto model = open_language_model(*model_file, exec);

  GenerationRequest request;
  request.prompt = model_file->tokenizer.tokenize(options.prompt, !options.no_bos);
  request.n_predict = options.n_predict;
  request.n_batch = exec.n_batch;
  request.sampling = options.sampling;
  request.sampling.seed = options.seed < 0 ? std::random_device{}() : uint64_t(options.seed);
  request.stop_at_eog = !options.ignore_eos;

  TextSink sink;
  if (!options.json) {
    sink = [](const std::string& piece) {
      std::fwrite(piece.data(), 1, piece.size(), stdout);
      std::fflush(stdout);
      return true;
    };
  }
  const auto result = generate(*model, model_file->tokenizer, request, sink);
  if (options.json) {
    nlohmann::json out = {{"tokens", result.tokens},
                          {"text", result.text},
                          {"stop_reason", result.stop_reason},
                          {"timings", timings_json(result.timings)}};
    fmt::print("{}\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    fmt::print("\n");
  }
  const auto& t = result.timings;
  fmt::print(stderr, "prompt: {} tokens in {:.1f} ms, {:.2f} tokens/s\n", t.prompt_n, t.prompt_ms,
             t.prompt_per_second());
  fmt::print(stderr, "generation: {} tokens in {:.1f} ms, {:.2f} tokens/s\n", t.predicted_n, t.predicted_ms,
             t.predicted_per_second());
  return 0;
}

}  // namespace

void add_sampling_options(CLI::App* sub, SamplingParams& s) {
  sub->add_option("--temp,--temperature", s.temperature, "Sampling temperature; 0 is greedy");
  sub->add_option("--top-k", s.top_k, "Keep the K most likely tokens (0: off)");
  sub->add_option("--top-p", s.top_p, "Keep the smallest set with probability >= P (1: off)");
  sub->add_option("--min-p", s.min_p, "Drop tokens below P times the best one's probability (0: off)");
  sub->add_option("--repeat-penalty", s.repeat_penalty, "Penalise recently seen tokens (1: off)");
  sub->add_option("--repeat-last-n", s.penalty_last_n, "Window of the penalties (0: off, -1: all)");
  sub->add_option("--frequency-penalty", s.frequency_penalty, "Subtract per occurrence in the window");
  sub->add_option("--presence-penalty", s.presence_penalty, "Subtract once if present in the window");
}

Command add_run_command(CLI::App& app) {
  auto options = std::make_shared<RunOptions>();
  auto* sub = app.add_subcommand("run", "Generate text from a prompt");
  add_model_options(sub, options->model);
  sub->add_option("-p,--prompt", options->prompt, "The prompt")->required();
  sub->add_option("-n,--n-predict", options->n_predict, "Tokens to generate (-1: until end of text or a full context)");
  add_sampling_options(sub, options->sampling);
  sub->add_option("-s,--seed", options->seed, "Random seed (-1: a random one); the same seed gives the same text");
  sub->add_flag("--no-bos", options->no_bos, "Do not add BOS/EOS where the vocabulary asks for them");
  sub->add_flag("--ignore-eos", options->ignore_eos, "Keep generating past end-of-text tokens");
  sub->add_flag("--json", options->json, "Print one JSON object: tokens, text, timings");
  return {sub, [options] { return run_generation(*options); }};
}

}  // namespace vkllm::cli
