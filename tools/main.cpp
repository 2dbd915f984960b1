// vkllm: one binary, many subcommands.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <vector>

#include "engine/util/check.h"
#include "engine/util/log.h"
#include "tools/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"vkllm: LLM inference on Vulkan compute"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("vkllm ") + VKLLM_BUILD_COMMIT);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));

  const std::vector<vkllm::cli::Command> commands = {
      vkllm::cli::add_inspect_command(app),
      vkllm::cli::add_tokenize_command(app),
      vkllm::cli::add_devices_command(app),
  };

  CLI11_PARSE(app, argc, argv);
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
