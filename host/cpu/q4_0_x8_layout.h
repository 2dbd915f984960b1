#pragma once
// Q4_0 weights as the CPU backend keeps them when their row count is a multiple of 8 (llama.cpp
// repacks the same tensors): rows in groups of eight, each block of the group's eight rows stored
// together, so that one 32-byte load holds a four-byte chunk of every row and no kernel has to
// transpose. Group g, block i, at (g * blocks_per_row + i) * 144 bytes:
//   uint16 d[8]     the eight rows' scales (f16)
//   uint8  qs[128]  chunk c (c < 4) at 32c: bytes 4r..4r+3 = row r's qs[4c..4c+3]
// A group takes the bytes of its eight rows in the file, so group g starts where row 8g did.
#include <cstdint>
#include <vector>

#include "engine/model/model_weights.h"
#include "engine/quant/blocks.h"
#include "host/cpu/thread_pool.h"

namespace vkllm::cpu {

inline constexpr int kQ4_0GroupRows = 8;

// Whether llama.cpp (and so this backend) repacks a weight: Q4_0 with rows in whole groups of 8.
bool repacks_q4_0_x8(const WeightRef& w);

// The weight's rows in the grouped layout, in `storage`; the returned WeightRef reads them and is
// marked (WeightRef::grouped_x8). Weights that are not repacked come back as they are. With a pool,
// the groups are shared among its threads.
WeightRef repack_q4_0_x8(const WeightRef& w, std::vector<uint8_t>& storage, ThreadPool* pool = nullptr);

// Row r's block i (r < 8) of a group, as it was in the file.
BlockQ4_0 q4_0_x8_block(const uint8_t* group, int64_t i, int r);

}  // namespace vkllm::cpu
