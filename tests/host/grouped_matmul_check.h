#pragma once
// For the grouped-layout tests: matmul over a grouped copy must give the very floats of matmul over
// the file's rows, on 1 and 2 threads, for one token, a few, and more than a kernel call takes.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "common/test_weights.h"
#include "host/cpu/cpu_ops.h"
#include "host/cpu/thread_pool.h"

namespace vkllm::cpu {

inline void expect_grouped_matmul_gives_file_floats(const WeightRef& file, const WeightRef& grouped) {
  ASSERT_TRUE(grouped.grouped_x8);
  const auto rows = int64_t(file.rows()), cols = int64_t(file.cols());
  for (int threads : {1, 2})
    for (int64_t n_tokens : {1, 3, 17}) {
      ThreadPool pool(threads);
      const auto x = test::normal_values(n_tokens * cols, 6);
      std::vector<float> want(size_t(n_tokens * rows)), got(want.size());
      matmul(file, x.data(), n_tokens, want.data(), pool);
      matmul(grouped, x.data(), n_tokens, got.data(), pool);
      EXPECT_EQ(got, want) << threads << " threads, " << n_tokens << " tokens";
    }
}

}  // namespace vkllm::cpu
