#include "host/ops/kv_cache.h"

#include <algorithm>

#include "host/vulkan/device.h"
#include "host/vulkan/memory_pool.h"
#include "host/vulkan/transfer.h"

namespace vkllm::ops {

KvCache::KvCache(vk::Device& device, const KvCacheConfig& config) : device_(device), config_(config) {
  const KvCacheConfig& c = config_;
  if (c.n_layers == 0 || c.head_dim == 0 || c.n_head_kv == 0 || c.n_cells == 0)
    fail("KV cache: {} layers, head size {}, {} kv heads, {} cells: none may be 0", c.n_layers, c.head_dim,
         c.n_head_kv, c.n_cells);
  if (c.type != GgmlType::F16 && c.type != GgmlType::Q8_0 && c.type != GgmlType::F32)
    fail("KV cache: type {} is not supported (f16, q8_0, f32)", type_name(c.type));
  if (c.n_head != 0 && c.n_head % c.n_head_kv != 0)
    fail("KV cache: {} kv heads do not divide {} query heads", c.n_head_kv, c.n_head);
  const std::array<uint64_t, 4> shape{uint64_t(c.head_dim) * c.n_head_kv, c.n_cells, 1, 1};
  for (uint32_t layer = 0; layer < c.n_layers; ++layer) {
    k_.push_back(make(c.type, shape, fmt::format("kv cache k{}", layer)));
    v_.push_back(make(c.type, shape, fmt::format("kv cache v{}", layer)));
  }
  cell_info_ = make(GgmlType::I32, {2, c.n_cells, 1, 1}, "kv cache cells");
  if (c.n_head != 0) {
    const uint64_t bytes = attention_scratch_bytes(c.head_dim, c.n_head, c.n_head_kv, c.n_cells, c.n_cells);
    if (bytes != 0) scratch_ = make(GgmlType::F32, {bytes / sizeof(float), 1, 1, 1}, "attention scratch");
  }
  table_.resize(2 * size_t(c.n_cells));
  clear();
}

KvCache::Owned KvCache::make(GgmlType type, std::array<uint64_t, 4> shape, const std::string& name) {
  Owned o;
  o.buffer = device_.memory().allocate(contiguous_bytes(type, shape), vk::MemoryKind::DeviceLocal, name);
  o.tensor = Tensor::contiguous(type, shape, o.buffer.view());
  return o;
}

void KvCache::set_cell(uint32_t index, int32_t seq, int32_t pos) {
  table_[2 * size_t(index)] = seq;
  table_[2 * size_t(index) + 1] = pos;
  dirty_ = true;
}

std::vector<int32_t> KvCache::allocate(std::span<const int32_t> seq_ids, std::span<const int32_t> positions) {
  if (seq_ids.size() != positions.size())
    fail("KV cache: {} sequence ids for {} positions", seq_ids.size(), positions.size());
  std::set<std::pair<int32_t, int32_t>> fresh;  // (seq, pos) pairs that need a new cell
  for (size_t i = 0; i < seq_ids.size(); ++i) {
    if (seq_ids[i] < 0 || positions[i] < 0)
      fail("KV cache: token {} has sequence {} at position {}; both must be >= 0", i, seq_ids[i], positions[i]);
    if (!cell_of_.contains({seq_ids[i], positions[i]})) fresh.insert({seq_ids[i], positions[i]});
  }
  if (fresh.size() > free_.size())
    throw KvCacheFull(fmt::format("KV cache full: {} new cells needed, {} of {} free", fresh.size(), free_.size(),
                                  config_.n_cells));
  std::vector<int32_t> cells(seq_ids.size());
  for (size_t i = 0; i < seq_ids.size(); ++i) {
    const std::pair<int32_t, int32_t> key{seq_ids[i], positions[i]};
    auto it = cell_of_.find(key);
    if (it == cell_of_.end()) {
      const uint32_t cell = *free_.begin();
      free_.erase(free_.begin());
      used_.insert(cell);
      set_cell(cell, key.first, key.second);
      it = cell_of_.emplace(key, cell).first;
    }
    cells[i] = int32_t(it->second);
  }
  return cells;
}

void KvCache::remove(int32_t seq_id, int32_t pos_begin, int32_t pos_end) {
  auto it = cell_of_.lower_bound({seq_id, pos_begin});
  while (it != cell_of_.end() && it->first.first == seq_id && it->first.second < pos_end) {
    const uint32_t cell = it->second;
    used_.erase(cell);
    free_.insert(cell);
    set_cell(cell, -1, -1);
    it = cell_of_.erase(it);
  }
}

void KvCache::clear() {
  cell_of_.clear();
  used_.clear();
  free_.clear();
  for (uint32_t c = 0; c < config_.n_cells; ++c) {
    free_.insert(free_.end(), c);
    set_cell(c, -1, -1);
  }
}

void KvCache::upload_cells() {
  if (!dirty_) return;
  vk::upload(device_, cell_info_.tensor.data, std::span<const int32_t>(table_));
  dirty_ = false;
}

AttentionOptions KvCache::attention_options(const Tensor& query_info) const {
  AttentionOptions o;
  o.n_kv = std::max(n_kv(), 1u);
  o.query_info = &query_info;
  o.cell_info = &cell_info_.tensor;
  o.scratch = scratch();
  return o;
}

}  // namespace vkllm::ops
