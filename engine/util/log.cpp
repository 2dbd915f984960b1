#include "engine/util/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace vkllm {

void init_logging(std::string_view level) {
  auto logger = spdlog::stderr_color_mt("vkllm");
  logger->set_pattern("%^[%L]%$ %v");
  logger->set_level(spdlog::level::from_str(std::string(level)));
  spdlog::set_default_logger(logger);
}

}  // namespace vkllm
