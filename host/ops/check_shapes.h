#pragma once
// Shape and type checks shared by the launchers; a failed check is a caller bug reported as Error
// with both tensors described.
#include <string_view>

#include "engine/util/check.h"
#include "host/ops/tensor.h"

namespace vkllm::ops {

inline void expect_type(std::string_view op, const Tensor& t, GgmlType type) {
  if (t.type != type) fail("{}: expected {} tensor, got {}", op, type_name(type), t.describe());
}

inline void expect_contiguous(std::string_view op, const Tensor& t) {
  if (!t.is_contiguous()) fail("{}: tensor {} is not contiguous", op, t.describe());
}

inline void expect_same_shape(std::string_view op, const Tensor& a, const Tensor& b) {
  if (a.ne != b.ne) fail("{}: shapes differ: {} vs {}", op, a.describe(), b.describe());
}

// Kernels index elements with 32-bit integers.
inline uint32_t u32(std::string_view op, uint64_t value) {
  if (value > 0xffffffffull) fail("{}: {} does not fit the kernel's 32-bit indices", op, value);
  return uint32_t(value);
}

}  // namespace vkllm::ops
