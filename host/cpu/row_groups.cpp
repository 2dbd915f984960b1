#include "host/cpu/row_groups.h"

#include "host/cpu/legacy_x8_layout.h"
#include "host/cpu/q4_0_x8_layout.h"

namespace vkllm::cpu {

bool groups_rows(const WeightRef& w) { return !w.grouped_x8 && (repacks_q4_0_x8(w) || repacks_legacy_x8(w)); }

WeightRef group_rows(const WeightRef& w, std::vector<uint8_t>& storage, ThreadPool* pool) {
  if (repacks_q4_0_x8(w)) return repack_q4_0_x8(w, storage, pool);
  return repack_legacy_x8(w, storage, pool);
}

}  // namespace vkllm::cpu
