#include "host/cpu/legacy_x8_layout.h"

#include <cstring>

#include "engine/quant/blocks.h"
#include "engine/util/check.h"
#include "host/cpu/grouped_copy.h"

namespace vkllm::cpu {

static_assert(kLegacyGroupRows == kGroupedCopyRows);

bool repacks_legacy_x8(const WeightRef& w) {
  if (!w || w.rows() % kLegacyGroupRows != 0) return false;
  switch (w.type()) {
    case GgmlType::Q4_1: case GgmlType::Q5_0: case GgmlType::Q5_1: case GgmlType::Q8_0: return true;
    default: return false;
  }
}

WeightRef repack_legacy_x8(const WeightRef& w, std::vector<uint8_t>& storage, ThreadPool* pool) {
  if (!repacks_legacy_x8(w) || w.grouped_x8) return w;
  const uint64_t nb = w.cols() / kQK, block_bytes = w.row_bytes() / nb;
  VKLLM_ASSERT(nb * block_bytes == w.row_bytes(), "{} row of {} bytes for {} columns", type_name(w.type()),
               w.row_bytes(), w.cols());
  return grouped_copy(w, storage, pool, [&](uint64_t g, uint8_t* group) {
    for (int r = 0; r < kLegacyGroupRows; ++r) {
      const uint8_t* row = w.row(g * kLegacyGroupRows + uint64_t(r));
      for (uint64_t i = 0; i < nb; ++i)
        std::memcpy(group + (i * kLegacyGroupRows + uint64_t(r)) * block_bytes, row + i * block_bytes, block_bytes);
    }
  });
}

}  // namespace vkllm::cpu
