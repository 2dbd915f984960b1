#pragma once
// Two error tiers: vkllm::Error for real failures (bad input, missing device, ...), thrown with
// context; VKLLM_ASSERT for bugs, which stays on in release builds and aborts.
#include <spdlog/fmt/fmt.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace vkllm {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

[[noreturn]] inline void assert_failed(const char* expr, const char* file, int line, const std::string& msg) {
  std::fprintf(stderr, "vkllm: internal error: %s:%d: assertion '%s' failed: %s\n", file, line, expr, msg.c_str());
  std::abort();
}

}  // namespace vkllm

#define VKLLM_ASSERT(expr, ...)                                                       \
  do {                                                                               \
    if (!(expr)) ::vkllm::assert_failed(#expr, __FILE__, __LINE__, fmt::format(__VA_ARGS__)); \
  } while (0)
