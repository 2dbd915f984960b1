#pragma once
// Where tests find their data: the project's tests/data and, when present, ../shared.
#include <filesystem>
#include <optional>
#include <string>

namespace vkllm::test {

std::filesystem::path data_dir();                    // <source>/tests/data
std::optional<std::filesystem::path> shared_dir();   // $VKLLM_SHARED or <source>/../shared

// A file under shared/, or nullopt (the caller skips) when shared/ is absent.
std::optional<std::filesystem::path> shared_file(const std::string& relative);

}  // namespace vkllm::test

// Skips the current test when shared/ or the file is missing.
#define VKLLM_REQUIRE_SHARED(var, relative)                          \
  auto var##_opt = ::vkllm::test::shared_file(relative);             \
  if (!var##_opt) GTEST_SKIP() << "shared/" << relative << " absent"; \
  const std::filesystem::path var = *var##_opt
