#pragma once
// Q4_1, Q5_0, Q5_1 and Q8_0 weights as the CPU backend keeps them when their row count is a
// multiple of 8: rows in groups of eight, block i of the group's eight rows stored one after
// another. A kernel that takes eight rows block by block then reads one sequential stream; in the
// file's layout it reads eight, and on short rows (a 576-wide Q8_0 row is ten cache lines) those
// end before the hardware prefetcher has learnt them. The blocks are unchanged, so every sum is
// the same as in the file's layout. Group g, block i, row r at block (g * blocks_per_row + i) * 8 + r;
// a group takes the bytes of its eight rows in the file, so group g starts where row 8g did.
#include <cstdint>
#include <vector>

#include "engine/model/model_weights.h"
#include "host/cpu/thread_pool.h"

namespace vkllm::cpu {

inline constexpr int kLegacyGroupRows = 8;

// Whether this backend regroups a weight: one of those types, rows in whole groups of 8.
bool repacks_legacy_x8(const WeightRef& w);

// The weight's rows in the grouped layout, in `storage`; the returned WeightRef reads them and is
// marked (WeightRef::grouped_x8). Weights that are not regrouped come back as they are. With a pool,
// the groups are shared among its threads.
WeightRef repack_legacy_x8(const WeightRef& w, std::vector<uint8_t>& storage, ThreadPool* pool = nullptr);

// Where row r's (r < 8) block i of a group is.
inline const uint8_t* legacy_x8_block(const uint8_t* group, size_t block_bytes, int64_t i, int r) {
  return group + (size_t(i) * kLegacyGroupRows + size_t(r)) * block_bytes;
}

}  // namespace vkllm::cpu
