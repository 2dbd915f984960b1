#pragma once
// Weight matrices and activations made up for kernel tests: a tensor that owns its bytes.
#include <cstdint>
#include <vector>

#include "engine/gguf/gguf_file.h"
#include "engine/model/model_weights.h"

namespace vkllm::test {

struct TestWeight {
  gguf::TensorInfo info;
  std::vector<uint8_t> bytes;
  WeightRef ref() const { return WeightRef{&info, bytes}; }
};

// rows x cols of `type`, zero bytes (fill them yourself).
TestWeight blank_weight(GgmlType type, int64_t rows, int64_t cols);

// rows x cols of `type` quantized from standard normal values (types the CPU quantizer writes).
TestWeight quantized_weight(GgmlType type, int64_t rows, int64_t cols, uint32_t seed);

// n standard normal values.
std::vector<float> normal_values(int64_t n, uint32_t seed);

}  // namespace vkllm::test
