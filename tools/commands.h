#pragma once
// Each subcommand lives in its own cmd_<name>.cpp and registers itself on the app here.
#include <CLI/CLI.hpp>

#include <functional>

#include "engine/sampling/sampler.h"

namespace vkllm::cli {

// A registered subcommand and the action main() runs when it was chosen (returns the exit code).
struct Command {
  CLI::App* app;
  std::function<int()> run;
};

Command add_inspect_command(CLI::App& app);
Command add_tokenize_command(CLI::App& app);
Command add_devices_command(CLI::App& app);
Command add_run_command(CLI::App& app);
Command add_eval_command(CLI::App& app);
Command add_perplexity_command(CLI::App& app);
Command add_synth_command(CLI::App& app);
Command add_bench_command(CLI::App& app);
Command add_serve_command(CLI::App& app);

// The sampling flags (--temp, --top-k, ...), shared by run and serve.
void add_sampling_options(CLI::App* sub, SamplingParams& sampling);

}  // namespace vkllm::cli
