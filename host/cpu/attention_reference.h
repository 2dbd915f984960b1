#pragma once
// CPU reference for attention over a KV cache, in double: what ops::attention must compute.
#include <cstdint>
#include <span>
#include <vector>

namespace vkllm::cpu {

struct AttentionArgs {
  uint64_t head_dim = 0;
  uint64_t n_head = 0;
  uint64_t n_head_kv = 0;
  double scale = 0;  // 0: 1 / sqrt(head_dim)
  // (seq, pos) per query token and per cell; query t sees cell c iff the seqs match (cell seq >= 0)
  // and cell pos <= query pos.
  std::span<const int32_t> query_seq, query_pos;
  std::span<const int32_t> cell_seq, cell_pos;
};

// q [head_dim, n_head, n_tokens]; k, v [head_dim * n_head_kv, n_kv] (already dequantised); returns
// [head_dim, n_head, n_tokens], zeros for rows that see no cell.
std::vector<float> attention(std::span<const float> q, std::span<const float> k, std::span<const float> v,
                             const AttentionArgs& args);

}  // namespace vkllm::cpu
