#pragma once
// What the grouped layouts (q4_0_x8_layout.h, legacy_x8_layout.h) share: a copy of a weight's bytes
// made eight rows at a time, spread over a pool's threads, and a WeightRef that reads it.
#include <cstdint>
#include <vector>

#include "engine/model/model_weights.h"
#include "host/cpu/thread_pool.h"

namespace vkllm::cpu {

inline constexpr int kGroupedCopyRows = 8;

// storage takes as many bytes as w has; copy_group(g, out) writes group g (rows 8g..8g+7) to out,
// the group's place in storage (where row 8g was in the file). The result is marked grouped_x8.
template <typename CopyGroup>
WeightRef grouped_copy(const WeightRef& w, std::vector<uint8_t>& storage, ThreadPool* pool, CopyGroup copy_group) {
  constexpr auto kRows = uint64_t(kGroupedCopyRows);
  storage.resize(w.data.size());
  const auto groups = [&](int64_t first, int64_t end) {
    for (uint64_t g = uint64_t(first); g < uint64_t(end); ++g) copy_group(g, storage.data() + g * kRows * w.row_bytes());
  };
  const auto n_groups = int64_t(w.rows() / kRows);
  if (pool) pool->parallel_for(n_groups, groups);
  else groups(0, n_groups);
  WeightRef out = w;
  out.data = storage;
  out.grouped_x8 = true;
  return out;
}

}  // namespace vkllm::cpu
