#pragma once
// Which tokens llama.cpp's CPU backend multiplies by its batch kernels (tinyBLAS for float
// weights, the repacked gemm for Q2_K/Q4_K): in each run of one sequence's consecutive tokens of at
// least max(2, group), the leading ones in whole groups of `group`. The CPU layers pick their kernels
// by it (DotKernel::batch_tokens) and the Vulkan kernels in ggml's order mirror it.
#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/util/check.h"

namespace vkllm::cpu {

constexpr int64_t batch_part_of_run(int64_t run, int64_t group) {
  return run < std::max<int64_t>(2, group) ? 0 : run - run % group;
}

// Per token of n in runs (their lengths; empty: one run of all): whether it is in its run's batch part.
inline std::vector<bool> batch_part_of_runs(std::span<const int64_t> runs, int64_t n, int64_t group) {
  const int64_t whole[] = {n};
  if (runs.empty()) runs = whole;
  std::vector<bool> batch;
  batch.reserve(size_t(n));
  for (const int64_t run : runs) {
    const int64_t in_batch = batch_part_of_run(run, group);
    batch.insert(batch.end(), size_t(in_batch), true);
    batch.insert(batch.end(), size_t(run - in_batch), false);
  }
  VKLLM_ASSERT(int64_t(batch.size()) == n, "runs of {} tokens for a batch of {}", batch.size(), n);
  return batch;
}

}  // namespace vkllm::cpu
