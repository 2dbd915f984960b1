// matmuls (host/cpu/cpu_ops.h): several products of one input in one pass over the pool give the
// floats of separate matmuls, also when the weights' kernels want different activation formats
// (a repacked Q4_0, a Q8_0, an F16 and a Q4_1), for one token and for a batch.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "engine/gguf/gguf_file.h"
#include "engine/quant/quantize.h"
#include "host/cpu/cpu_ops.h"
#include "host/cpu/q4_0_x8_layout.h"
#include "host/cpu/thread_pool.h"

namespace vkllm::cpu {
namespace {

struct Weight {
  gguf::TensorInfo info;
  std::vector<uint8_t> bytes;
  WeightRef ref() const { return WeightRef{&info, bytes}; }
};

Weight make_weight(GgmlType type, int64_t rows, int64_t cols, uint32_t seed) {
  Weight w;
  const uint64_t rb = *row_bytes(type, uint64_t(cols));
  w.info = {"w", {uint64_t(cols), uint64_t(rows)}, type, 0, uint64_t(rows * cols), rb * uint64_t(rows)};
  w.bytes.resize(rb * uint64_t(rows));
  std::mt19937 rng(seed);
  std::normal_distribution<float> value(0.0f, 1.0f);
  std::vector<float> row(static_cast<size_t>(cols));
  for (int64_t r = 0; r < rows; ++r) {
    for (auto& v : row) v = value(rng);
    quantize_row(type, row.data(), w.bytes.data() + r * rb, cols);
  }
  return w;
}

TEST(MatmulGroup, GivesTheFloatsOfSeparateProducts) {
  const int64_t cols = 256;
  const Weight q4 = make_weight(GgmlType::Q4_0, 24, cols, 1), q8 = make_weight(GgmlType::Q8_0, 8, cols, 2),
               f16 = make_weight(GgmlType::F16, 5, cols, 3), q41 = make_weight(GgmlType::Q4_1, 16, cols, 4);
  std::vector<uint8_t> storage;
  const WeightRef weights[] = {repack_q4_0_x8(q4.ref(), storage), q8.ref(), f16.ref(), q41.ref()};
  ThreadPool pool(2);
  for (int64_t n_tokens : {1, 2, 9}) {
    std::mt19937 rng(static_cast<uint32_t>(n_tokens));
    std::normal_distribution<float> value(0.0f, 1.0f);
    std::vector<float> x(size_t(n_tokens * cols));
    for (auto& v : x) v = value(rng);
    std::vector<std::vector<float>> want, got;
    std::vector<MatmulTarget> targets;
    for (const WeightRef& w : weights) {
      want.emplace_back(size_t(n_tokens) * w.rows());
      got.emplace_back(size_t(n_tokens) * w.rows());
      matmul(w, x.data(), n_tokens, want.back().data(), pool);
    }
    for (size_t i = 0; i < got.size(); ++i) targets.push_back({&weights[i], got[i].data()});
    matmuls(targets, x.data(), n_tokens, pool);
    for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], want[i]) << "weight " << i << ", " << n_tokens << " tokens";
  }
}

}  // namespace
}  // namespace vkllm::cpu
