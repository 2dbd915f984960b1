#pragma once
// Kernels take their row or token count as a template constant (their sums then live in registers);
// with_count turns a count known only at run time into that constant.
#include <type_traits>

namespace vkllm::cpu {

// f(std::integral_constant<int, n>{}) for n in 1..8 (larger n as 8).
template <typename F>
inline void with_count(int n, F&& f) {
  switch (n) {
    case 1: return f(std::integral_constant<int, 1>{});
    case 2: return f(std::integral_constant<int, 2>{});
    case 3: return f(std::integral_constant<int, 3>{});
    case 4: return f(std::integral_constant<int, 4>{});
    case 5: return f(std::integral_constant<int, 5>{});
    case 6: return f(std::integral_constant<int, 6>{});
    case 7: return f(std::integral_constant<int, 7>{});
    default: return f(std::integral_constant<int, 8>{});
  }
}

}  // namespace vkllm::cpu
