// vkllm: one binary, many subcommands.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <vector>

#include "engine/util/check.h"
#include "engine/util/log.h"
#include "tools/build_commit.h"
#include "tools/commands.h"
#include "tools/llama_flags.h"

int main(int argc, char** argv) {
  CLI::App app{"vkllm: LLM inference on Vulkan compute"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("vkllm ") + vkllm::cli::build_commit());
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));

  const std::vector<vkllm::cli::Command> commands = {
      vkllm::cli::add_inspect_command(app),
      vkllm::cli::add_tokenize_command(app),
      vkllm::cli::add_devices_command(app),
      vkllm::cli::add_run_command(app),
      vkllm::cli::add_eval_command(app),
      vkllm::cli::add_perplexity_command(app),
      vkllm::cli::add_synth_command(app),
      vkllm::cli::add_bench_command(app),
      vkllm::cli::add_serve_command(app),
  };

  // CLI11 wants the program name apart and the arguments in reverse order.
  auto args = vkllm::cli::translate_llama_flags(argc, argv);
  std::vector<std::string> reversed(args.rbegin(), args.rend() - 1);
  try {
    app.parse(std::move(reversed));
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  vkllm::init_logging(log_level);
  try {
    for (const auto& command : commands)
      if (command.app->parsed()) return command.run();
  } catch (const vkllm::Error& e) {
    spdlog::error("{}", e.what());
    return 1;
  } catch (const std::exception& e) {
    spdlog::error("unexpected failure: {}", e.what());
    return 1;
  }
  return 1;
}
