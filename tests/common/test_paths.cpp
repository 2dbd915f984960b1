#include "common/test_paths.h"

#include <cstdlib>

namespace vkllm::test {

std::filesystem::path data_dir() { return std::filesystem::path(VKLLM_SOURCE_DIR) / "tests" / "data"; }

std::optional<std::filesystem::path> shared_dir() {
  if (const char* env = std::getenv("VKLLM_SHARED")) return std::filesystem::path(env);
  auto dir = std::filesystem::path(VKLLM_SOURCE_DIR).parent_path() / "shared";
  if (std::filesystem::is_directory(dir)) return dir;
  return std::nullopt;
}

std::optional<std::filesystem::path> shared_file(const std::string& relative) {
  auto dir = shared_dir();
  if (!dir) return std::nullopt;
  auto path = *dir / relative;
  if (!std::filesystem::exists(path)) return std::nullopt;
  return path;
}

}  // namespace vkllm::test
