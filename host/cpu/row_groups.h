#pragma once
// The layouts the CPU backend keeps its matrices in: rows grouped by eight wherever a type has a
// grouped layout (q4_0_x8_layout.h, legacy_x8_layout.h) and the row count allows it; the file's
// rows otherwise. WeightRef::grouped_x8 tells the kernels (dot_kernel) which one they read.
#include <cstdint>
#include <vector>

#include "engine/model/model_weights.h"
#include "host/cpu/thread_pool.h"

namespace vkllm::cpu {

// Whether group_rows would copy this weight.
bool groups_rows(const WeightRef& w);

// The weight in its grouped layout (held in `storage`), or as it is when it has none.
WeightRef group_rows(const WeightRef& w, std::vector<uint8_t>& storage, ThreadPool* pool = nullptr);

}  // namespace vkllm::cpu
