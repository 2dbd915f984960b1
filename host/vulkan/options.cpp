#include "host/vulkan/options.h"

#include <cstdlib>
#include <string_view>

namespace vkllm::vk {
namespace {

bool env_flag(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && std::string_view(value) != "" && std::string_view(value) != "0";
}

std::filesystem::path default_cache_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0')
    return std::filesystem::path(xdg) / "vkllm";
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
    return std::filesystem::path(home) / ".cache" / "vkllm";
  return {};
}

}  // namespace

RuntimeOptions options_from_environment() {
  RuntimeOptions options;
  options.validation = env_flag("VKLLM_VALIDATE");
  options.pipeline_cache = !env_flag("VKLLM_NO_PIPELINE_CACHE");
  options.force_staging = env_flag("VKLLM_FORCE_STAGING");
  options.replay = !env_flag("VKLLM_NO_REPLAY");
  options.cache_dir = default_cache_dir();
  return options;
}

}  // namespace vkllm::vk
