#pragma once
// The one place logging is configured: every file logs through spdlog's default logger, to stderr.
#include <spdlog/spdlog.h>

#include <string_view>

namespace vkllm {

// Sets up the stderr logger; level is one of spdlog's names ("info", "debug", ...).
void init_logging(std::string_view level);

}  // namespace vkllm
