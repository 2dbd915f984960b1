#pragma once
// The KV cache: per-layer K and V device buffers of n_cells rows ([head_dim * n_head_kv] each, f16,
// q8_0 or f32) and the host-side table of which (sequence, position) each cell holds. Several
// sequences share the cells; a cleared sequence's cells are reused. The table reaches the kernels
// as cell_info (i32 [2, n_cells]: seq, pos; seq -1 marks a free cell).
//
// A step of a server: cells = allocate(seqs, positions); upload the cell indices and query info;
// upload_cells(); record per layer kv_store(K), kv_store(V), attention(attention_options(...));
// submit. The host table is the truth; upload_cells() copies it when changed and must run while no
// submitted work reads cell_info.
#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <utility>
#include <vector>

#include "engine/util/check.h"
#include "host/ops/ops.h"
#include "host/vulkan/buffer.h"

namespace vkllm::vk {
class Device;
}

namespace vkllm::ops {

// Thrown by KvCache::allocate when the free cells do not suffice; the cache is left unchanged.
class KvCacheFull : public Error {
 public:
  using Error::Error;
};

struct KvCacheConfig {
  uint32_t n_layers = 0;
  uint32_t head_dim = 0;
  uint32_t n_head_kv = 0;
  uint32_t n_cells = 0;  // context length, shared by all sequences
  GgmlType type = GgmlType::F16;
  uint32_t n_head = 0;  // query heads; when set, the cache also owns attention's split-K scratch
};

class KvCache {
 public:
  KvCache(vk::Device& device, const KvCacheConfig& config);

  // One cell per token (seq_ids[i] >= 0 at positions[i] >= 0): the cell already holding that
  // (seq, pos) if any, else the lowest free cell. Throws KvCacheFull when not enough cells are free.
  std::vector<int32_t> allocate(std::span<const int32_t> seq_ids, std::span<const int32_t> positions);
  // Frees the cells of `seq_id` holding positions in [pos_begin, pos_end).
  void remove(int32_t seq_id, int32_t pos_begin = 0, int32_t pos_end = INT32_MAX);
  void clear();  // frees every cell

  const KvCacheConfig& config() const { return config_; }
  uint32_t used_cells() const { return uint32_t(used_.size()); }
  uint32_t free_cells() const { return config_.n_cells - used_cells(); }
  // Highest used cell + 1: attention scans cells [0, n_kv()).
  uint32_t n_kv() const { return used_.empty() ? 0 : *used_.rbegin() + 1; }
  // (seq, pos) of a cell; seq -1: free.
  std::pair<int32_t, int32_t> cell(uint32_t index) const { return {table_[2 * index], table_[2 * index + 1]}; }

  // Copies the cell table to the device when it changed since the last upload.
  void upload_cells();

  const Tensor& k(uint32_t layer) const { return k_.at(layer).tensor; }
  const Tensor& v(uint32_t layer) const { return v_.at(layer).tensor; }
  const Tensor& cell_info() const { return cell_info_.tensor; }
  const Tensor* scratch() const { return scratch_.buffer ? &scratch_.tensor : nullptr; }
  // Options for attention over this cache: n_kv, cell_info, scratch, and the batch's query_info
  // (i32 [2, n_tokens]: seq, pos per token).
  AttentionOptions attention_options(const Tensor& query_info) const;

 private:
  struct Owned {
    vk::DeviceBuffer buffer;
    Tensor tensor;
  };
  Owned make(GgmlType type, std::array<uint64_t, 4> shape, const std::string& name);
  void set_cell(uint32_t index, int32_t seq, int32_t pos);

  vk::Device& device_;
  KvCacheConfig config_;
  std::vector<Owned> k_, v_;
  Owned cell_info_, scratch_;
  std::vector<int32_t> table_;  // (seq, pos) per cell
  std::set<uint32_t> free_, used_;
  std::map<std::pair<int32_t, int32_t>, uint32_t> cell_of_;  // (seq, pos) -> cell
  bool dirty_ = true;
};

}  // namespace vkllm::ops
