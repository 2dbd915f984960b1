#include "host/cpu/cpu_layers.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engine/util/check.h"
#include "host/cpu/cpu_ops.h"
#include "host/cpu/flash_attention.h"
#include "host/cpu/row_groups.h"
#include "host/cpu/tiled_attention.h"

namespace vkllm::cpu {
namespace {

// Job j of n_items x n_heads attention jobs as (item, head), items in the order first, last,
// second, second to last...: under the causal mask an item's work grows with its position, and
// each thread's contiguous share of jobs should hold light and heavy ones alike.
std::pair<int64_t, int64_t> interleaved_job(int64_t job, int64_t n_items, int64_t n_heads) {
  const int64_t slot = job / n_heads;
  return {slot % 2 == 0 ? slot / 2 : n_items - 1 - slot / 2, job % n_heads};
}

}  // namespace

CpuLayers::CpuLayers(const Hparams& hp, const ModelWeights& weights, uint32_t first, uint32_t last, int n_seq,
                     int n_ctx_per_seq, GgmlType cache_k, GgmlType cache_v, bool tiled_attention, ThreadPool& pool)
    : hp_(hp),
      first_(first),
      last_(last),
      n_seq_(n_seq),
      n_ctx_seq_(n_ctx_per_seq),
      k_type_(cache_k),
      v_type_(cache_v),
      tiled_attention_(tiled_attention),
      pool_(pool) {
  VKLLM_ASSERT(first <= last && last <= hp.n_layer, "layers [{}, {}) of {}", first, last, hp.n_layer);
  if (n_seq <= 0 || n_ctx_per_seq <= 0) fail("context of {} x {} cells is empty", n_seq, n_ctx_per_seq);
  for (GgmlType t : {cache_k, cache_v})
    if (t == GgmlType::Q8_0 && hp.head_dim % 32 != 0)
      fail("a q8_0 KV cache needs a head size that is a multiple of 32 (this model's: {}); use -ctk/-ctv f16",
           hp.head_dim);
  // Matrices of 8k rows in their grouped layouts (row_groups.h).
  std::vector<WeightRef*> matrices;
  layers_.reserve(last - first);  // matrices point into it
  for (uint32_t il = first; il < last; ++il) {
    LayerWeights& l = layers_.emplace_back(weights.layers[il]);
    for (WeightRef* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down})
      if (groups_rows(*w)) matrices.push_back(w);
  }
  repacked_.resize(matrices.size());
  for (size_t i = 0; i < matrices.size(); ++i) *matrices[i] = group_rows(*matrices[i], repacked_[i], &pool_);
  const size_t cells = size_t(last - first) * n_cells();
  k_cache_.assign(cells * k_row_bytes(), 0);
  v_cache_.assign(cells * v_row_bytes(), 0);
}

std::string CpuLayers::describe() const {
  return last_ - first_ == 1 ? fmt::format("layer {} on CPU", first_)
                             : fmt::format("layers {}-{} on CPU", first_, last_ - 1);
}

void CpuLayers::attention(uint32_t layer, const float* q, const StageBatch& batch, std::span<const int64_t> runs,
                          float* out) {
  // Runs of consecutive tokens of one sequence: a run of 64+ goes in blocks through the tiled path
  // (llama.cpp's choice for such a batch), shorter ones token by token. Deciding per run rather than
  // per batch keeps a sequence's results independent of what else the server batched with it.
  std::vector<QueryRun> blocks;
  std::vector<int64_t> singles;
  int64_t begin = 0;
  for (const int64_t run : runs) {
    const int64_t end = begin + run;
    if (tiled_attention_ && use_tiled_attention(end - begin, k_type_, v_type_, hp_.head_dim)) {
      for (int64_t b = begin; b < end; b += kAttentionTile)
        blocks.push_back({b, int(std::min<int64_t>(kAttentionTile, end - b))});
    } else {
      for (int64_t t = begin; t < end; ++t) singles.push_back(t);
    }
    begin = end;
  }
  if (!blocks.empty()) tiled_attention_blocks(layer, q, batch, blocks, out);
  if (!singles.empty()) attention_by_token(layer, q, batch, singles, out);
}

std::pair<CacheRows, CacheRows> CpuLayers::head_cache(uint32_t layer, int32_t seq, int64_t head) {
  const int64_t hd = hp_.head_dim, kv_head = head / hp_.n_gqa();
  const size_t first_cell = size_t(seq) * size_t(n_ctx_seq_);
  return {CacheRows{k_type_, k_cells(layer) + first_cell * k_row_bytes() + cache_bytes(k_type_, kv_head * hd), k_row_bytes()},
          CacheRows{v_type_, v_cells(layer) + first_cell * v_row_bytes() + cache_bytes(v_type_, kv_head * hd), v_row_bytes()}};
}

void CpuLayers::attention_by_token(uint32_t layer, const float* q, const StageBatch& batch,
                                   std::span<const int64_t> tokens, float* out) {
  const int64_t n = int64_t(tokens.size());
  const int64_t hd = hp_.head_dim;
  const float scale = 1.0f / std::sqrt(float(hd));
  const CpuPath path = cpu_path();
  pool_.parallel_for(n * hp_.n_head, [&](int64_t begin, int64_t end) {
    AttentionScratch scratch;
    for (int64_t job = begin; job < end; ++job) {
      const auto [i, h] = interleaved_job(job, n, hp_.n_head);
      const int64_t t = tokens[size_t(i)];
      // causal: this token sees its own sequence's positions up to its own
      const int64_t n_keys = int64_t(batch.pos[size_t(t)]) + 1;
      const auto [k, v] = head_cache(layer, batch.seq[size_t(t)], h);
      flash_attention(q + (t * hp_.n_head + h) * hd, k, v, n_keys, hd, scale, out + (t * hp_.n_head + h) * hd,
                      scratch, path);
    }
  });
}

void CpuLayers::tiled_attention_blocks(uint32_t layer, const float* q, const StageBatch& batch,
                                       std::span<const QueryRun> blocks, float* out) {
  const int64_t hd = hp_.head_dim, row_floats = hp_.n_head * hd;
  std::vector<int64_t> n_keys(static_cast<size_t>(batch.size()));
  for (size_t t = 0; t < n_keys.size(); ++t) n_keys[t] = int64_t(batch.pos[t]) + 1;  // causal
  const int64_t n_blocks = int64_t(blocks.size());
  const float scale = 1.0f / std::sqrt(float(hd));
  const CpuPath path = cpu_path();
  pool_.parallel_for(n_blocks * hp_.n_head, [&](int64_t begin, int64_t end) {
    TiledScratch scratch;
    for (int64_t job = begin; job < end; ++job) {
      const auto [i, h] = interleaved_job(job, n_blocks, hp_.n_head);
      const QueryRun& blk = blocks[size_t(i)];
      const auto [k, v] = head_cache(layer, batch.seq[size_t(blk.first)], h);
      const QueryBlock qb{q + blk.first * row_floats + h * hd, row_floats, &n_keys[size_t(blk.first)], blk.rows,
                          out + blk.first * row_floats + h * hd, row_floats};
      tiled_attention(qb, k, v, hd, scale, scratch, path);
    }
  });
}

void CpuLayers::forward(std::span<float> xs, const StageBatch& batch) {
  const int64_t n = batch.size();
  for (int64_t t = 0; t < n; ++t)
    VKLLM_ASSERT(batch.seq[size_t(t)] >= 0 && batch.seq[size_t(t)] < n_seq_ && batch.pos[size_t(t)] >= 0 &&
                     batch.pos[size_t(t)] < n_ctx_seq_,
                 "token {} at sequence {} position {} is outside the cache", t, batch.seq[size_t(t)], batch.pos[size_t(t)]);
  const int64_t d = hp_.n_embd, dq = hp_.n_embd_q(), dkv = hp_.n_embd_kv(), ff = hp_.n_ff;
  VKLLM_ASSERT(int64_t(xs.size()) == n * d, "{} floats for {} tokens", xs.size(), n);
  float* x = xs.data();
  const std::span<const int32_t> positions = batch.pos;
  std::vector<float> xn(n * d), q(n * dq), k(n * dkv), v(n * dkv), attn(n * dq), proj(n * d);
  std::vector<float> gate(n * ff), up(n * ff);
  const std::vector<int64_t> runs = batch.runs();  // of consecutive tokens of one sequence (matmul, attention)

  for (uint32_t il = first_; il < last_; ++il) {
    const auto& l = layers_[il - first_];
    // attention block: x += wo · attn(rope(wq·norm(x)), rope(wk·norm(x)), wv·norm(x))
    rms_norm(x, l.attn_norm, n, d, hp_.rms_eps, xn.data());
    const MatmulTarget qkv[] = {{&l.wq, q.data()}, {&l.wk, k.data()}, {&l.wv, v.data()}};
    matmuls(qkv, xn.data(), n, pool_, runs);
    if (l.bq) {
      add_bias(q.data(), l.bq, n, dq);
      add_bias(k.data(), l.bk, n, dkv);
      add_bias(v.data(), l.bv, n, dkv);
    }
    rope(q.data(), positions, hp_.n_head, hp_);
    rope(k.data(), positions, hp_.n_head_kv, hp_);
    for (int64_t t = 0; t < n; ++t) {
      const size_t cell = size_t(batch.seq[size_t(t)]) * size_t(n_ctx_seq_) + size_t(batch.pos[size_t(t)]);
      store_cache_row(k_type_, k.data() + t * dkv, dkv, k_cells(il) + cell * k_row_bytes());
      store_cache_row(v_type_, v.data() + t * dkv, dkv, v_cells(il) + cell * v_row_bytes());
    }
    attention(il, q.data(), batch, runs, attn.data());
    matmul(l.wo, attn.data(), n, proj.data(), pool_, runs);
    for (int64_t i = 0; i < n * d; ++i) x[i] += proj[i];

    // feed-forward block: x += w_down · (silu(w_gate·norm(x)) * w_up·norm(x))
    rms_norm(x, l.ffn_norm, n, d, hp_.rms_eps, xn.data());
    const MatmulTarget gate_up[] = {{&l.w_gate, gate.data()}, {&l.w_up, up.data()}};
    matmuls(gate_up, xn.data(), n, pool_, runs);
    swiglu(gate.data(), up.data(), n * ff);
    matmul(l.w_down, gate.data(), n, proj.data(), pool_, runs);
    for (int64_t i = 0; i < n * d; ++i) x[i] += proj[i];
  }
}

CpuHead::CpuHead(const Hparams& hp, const ModelWeights& weights, ThreadPool& pool)
    : hp_(hp), output_norm_(weights.output_norm), output_(group_rows(weights.output, repacked_, &pool)), pool_(pool) {}

std::vector<float> CpuHead::forward(std::span<const float> x, int64_t n_rows, std::span<const int64_t> runs) {
  const int64_t d = hp_.n_embd;
  std::vector<float> xn(size_t(n_rows * d));
  rms_norm(x.data(), output_norm_, n_rows, d, hp_.rms_eps, xn.data());
  std::vector<float> logits(size_t(n_rows) * hp_.n_vocab);
  matmul(output_, xn.data(), n_rows, logits.data(), pool_, runs);
  return logits;
}

}  // namespace vkllm::cpu
