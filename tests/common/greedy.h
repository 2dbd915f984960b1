#pragma once
// The greedy choice over one token's logits: the first index of the largest value.
#include <algorithm>
#include <cstdint>
#include <span>

namespace vkllm::test {

inline int32_t argmax(std::span<const float> logits) {
  return int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

}  // namespace vkllm::test
