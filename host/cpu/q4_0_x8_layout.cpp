#include "host/cpu/q4_0_x8_layout.h"

#include <cstring>

#include "engine/util/check.h"
#include "host/cpu/grouped_copy.h"

namespace vkllm::cpu {

static_assert(kQ4_0GroupRows == kGroupedCopyRows);
namespace {

constexpr size_t kGroupBlockBytes = kQ4_0GroupRows * sizeof(BlockQ4_0);  // 144
constexpr int kChunk = 4;                                                // bytes of a row per chunk

size_t qs_offset(int chunk, int r) { return 2 * kQ4_0GroupRows + size_t(32 * chunk + kChunk * r); }

// Group g (rows 8g..8g+7) of w into its place.
void repack_group(const WeightRef& w, uint64_t g, uint64_t nb, uint8_t* group) {
  for (uint64_t i = 0; i < nb; ++i) {
    uint8_t* out = group + i * kGroupBlockBytes;
    for (int r = 0; r < kQ4_0GroupRows; ++r) {
      BlockQ4_0 b;
      std::memcpy(&b, w.row(g * kQ4_0GroupRows + uint64_t(r)) + i * sizeof(BlockQ4_0), sizeof(b));
      std::memcpy(out + 2 * r, &b.d, 2);
      for (int c = 0; c < 4; ++c) std::memcpy(out + qs_offset(c, r), b.qs + kChunk * c, kChunk);
    }
  }
}

}  // namespace

bool repacks_q4_0_x8(const WeightRef& w) {
  return w && w.type() == GgmlType::Q4_0 && w.rows() % kQ4_0GroupRows == 0;
}

WeightRef repack_q4_0_x8(const WeightRef& w, std::vector<uint8_t>& storage, ThreadPool* pool) {
  if (!repacks_q4_0_x8(w) || w.grouped_x8) return w;
  const uint64_t nb = w.cols() / kQK;
  VKLLM_ASSERT(w.row_bytes() == nb * sizeof(BlockQ4_0), "q4_0 row of {} bytes for {} columns", w.row_bytes(), w.cols());
  return grouped_copy(w, storage, pool, [&](uint64_t g, uint8_t* group) { repack_group(w, g, nb, group); });
}

BlockQ4_0 q4_0_x8_block(const uint8_t* group, int64_t i, int r) {
  const uint8_t* in = group + size_t(i) * kGroupBlockBytes;
  BlockQ4_0 b;
  std::memcpy(&b.d, in + 2 * r, 2);
  for (int c = 0; c < 4; ++c) std::memcpy(b.qs + kChunk * c, in + qs_offset(c, r), kChunk);
  return b;
}

}  // namespace vkllm::cpu
