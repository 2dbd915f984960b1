#include "common/test_weights.h"

#include <random>

#include "engine/quant/quantize.h"

namespace vkllm::test {

TestWeight blank_weight(GgmlType type, int64_t rows, int64_t cols) {
  TestWeight w;
  const uint64_t rb = *row_bytes(type, uint64_t(cols));
  w.info = {"w", {uint64_t(cols), uint64_t(rows)}, type, 0, uint64_t(rows * cols), rb * uint64_t(rows)};
  w.bytes.resize(rb * uint64_t(rows));
  return w;
}

TestWeight quantized_weight(GgmlType type, int64_t rows, int64_t cols, uint32_t seed) {
  TestWeight w = blank_weight(type, rows, cols);
  const size_t rb = w.bytes.size() / size_t(rows);
  for (int64_t r = 0; r < rows; ++r) {
    const auto row = normal_values(cols, seed + uint32_t(r));
    quantize_row(type, row.data(), w.bytes.data() + size_t(r) * rb, cols);
  }
  return w;
}

std::vector<float> normal_values(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> value(0.0f, 1.0f);
  std::vector<float> out(static_cast<size_t>(n));
  for (auto& v : out) v = value(rng);
  return out;
}

}  // namespace vkllm::test
