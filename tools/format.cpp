#include "tools/format.h"

#include <spdlog/fmt/fmt.h>

namespace vkllm::cli {

std::string format_bytes(uint64_t bytes) {
  constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = double(bytes);
  int unit = 0;
  while (value >= 1024.0 && unit < 4) {
    value /= 1024.0;
    ++unit;
  }
  return unit == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.2f} {}", value, kUnits[unit]);
}

std::string format_count(uint64_t count) {
  if (count >= 1'000'000'000) return fmt::format("{:.2f} B", count / 1e9);
  if (count >= 1'000'000) return fmt::format("{:.2f} M", count / 1e6);
  if (count >= 1'000) return fmt::format("{:.2f} K", count / 1e3);
  return std::to_string(count);
}

}  // namespace vkllm::cli
