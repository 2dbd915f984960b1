// matmuls (host/cpu/cpu_ops.h): several products of one input in one pass over the pool give the
// floats of separate matmuls, also when the weights' kernels want different activation formats
// (a repacked Q4_0, a Q8_0, an F16 and a Q4_1), for one token and for a batch.
#include <gtest/gtest.h>

#include <vector>

#include "common/test_weights.h"
#include "host/cpu/cpu_ops.h"
#include "host/cpu/q4_0_x8_layout.h"
#include "host/cpu/thread_pool.h"

namespace vkllm::cpu {
namespace {

using test::quantized_weight;

TEST(MatmulGroup, GivesTheFloatsOfSeparateProducts) {
  const int64_t cols = 256;
  const auto q4 = quantized_weight(GgmlType::Q4_0, 24, cols, 1), q8 = quantized_weight(GgmlType::Q8_0, 8, cols, 2),
             f16 = quantized_weight(GgmlType::F16, 5, cols, 3), q41 = quantized_weight(GgmlType::Q4_1, 16, cols, 4);
  std::vector<uint8_t> storage;
  const WeightRef weights[] = {repack_q4_0_x8(q4.ref(), storage), q8.ref(), f16.ref(), q41.ref()};
  ThreadPool pool(2);
  for (int64_t n_tokens : {1, 2, 9}) {
    const auto x = test::normal_values(n_tokens * cols, uint32_t(n_tokens));
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
