#include "host/cpu/cpu_layers.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engine/util/check.h"
#include "host/cpu/cpu_ops.h"
#include "host/cpu/flash_attention.h"

namespace vkllm::cpu {

CpuLayers::CpuLayers(const Hparams& hp, const ModelWeights& weights, uint32_t first, uint32_t last, int n_seq,
                     int n_ctx_per_seq, GgmlType cache_k, GgmlType cache_v, ThreadPool& pool)
    : hp_(hp),
      w_(weights),
      first_(first),
      last_(last),
      n_seq_(n_seq),
      n_ctx_seq_(n_ctx_per_seq),
      k_type_(cache_k),
      v_type_(cache_v),
      pool_(pool) {
  VKLLM_ASSERT(first <= last && last <= hp.n_layer, "layers [{}, {}) of {}", first, last, hp.n_layer);
  if (n_seq <= 0 || n_ctx_per_seq <= 0) fail("context of {} x {} cells is empty", n_seq, n_ctx_per_seq);
  for (GgmlType t : {cache_k, cache_v})
    if (t == GgmlType::Q8_0 && hp.head_dim % 32 != 0)
      fail("a q8_0 KV cache needs a head size that is a multiple of 32 (this model's: {}); use -ctk/-ctv f16",
           hp.head_dim);
  const size_t cells = size_t(last - first) * n_cells();
  k_cache_.assign(cells * k_row_bytes(), 0);
  v_cache_.assign(cells * v_row_bytes(), 0);
}

std::string CpuLayers::describe() const {
  return last_ - first_ == 1 ? fmt::format("layer {} on CPU", first_)
                             : fmt::format("layers {}-{} on CPU", first_, last_ - 1);
}

void CpuLayers::attention(uint32_t layer, const float* q, const StageBatch& batch, float* out) {
  const int64_t n_tokens = batch.size();
  const int64_t hd = hp_.head_dim;
  const uint8_t* k_layer = k_cells(layer);
  const uint8_t* v_layer = v_cells(layer);
  const float scale = 1.0f / std::sqrt(float(hd));
  const CpuPath path = cpu_path();
  pool_.parallel_for(n_tokens * hp_.n_head, [&](int64_t begin, int64_t end) {
    AttentionScratch scratch;
    for (int64_t job = begin; job < end; ++job) {
      // Tokens interleaved first, last, second, second to last...: under the causal mask a
      // token's work grows with its position, and each thread's contiguous share of jobs should
      // hold light and heavy ones alike.
      const int64_t slot = job / hp_.n_head, h = job % hp_.n_head;
      const int64_t t = slot % 2 == 0 ? slot / 2 : n_tokens - 1 - slot / 2;
      const int64_t kv_head = h / hp_.n_gqa();
      // causal: this token sees its own sequence's positions up to its own
      const int64_t n_keys = int64_t(batch.pos[size_t(t)]) + 1;
      const size_t first_cell = size_t(batch.seq[size_t(t)]) * size_t(n_ctx_seq_);
      const CacheRows k{k_type_, k_layer + first_cell * k_row_bytes() + cache_bytes(k_type_, kv_head * hd), k_row_bytes()};
      const CacheRows v{v_type_, v_layer + first_cell * v_row_bytes() + cache_bytes(v_type_, kv_head * hd), v_row_bytes()};
      flash_attention(q + (t * hp_.n_head + h) * hd, k, v, n_keys, hd, scale, out + (t * hp_.n_head + h) * hd,
                      scratch, path);
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

  for (uint32_t il = first_; il < last_; ++il) {
    const auto& l = w_.layers[il];
    // attention block: x += wo · attn(rope(wq·norm(x)), rope(wk·norm(x)), wv·norm(x))
    rms_norm(x, l.attn_norm, n, d, hp_.rms_eps, xn.data());
    matmul(l.wq, xn.data(), n, q.data(), pool_);
    matmul(l.wk, xn.data(), n, k.data(), pool_);
    matmul(l.wv, xn.data(), n, v.data(), pool_);
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
    attention(il, q.data(), batch, attn.data());
    matmul(l.wo, attn.data(), n, proj.data(), pool_);
    for (int64_t i = 0; i < n * d; ++i) x[i] += proj[i];

    // feed-forward block: x += w_down · (silu(w_gate·norm(x)) * w_up·norm(x))
    rms_norm(x, l.ffn_norm, n, d, hp_.rms_eps, xn.data());
    matmul(l.w_gate, xn.data(), n, gate.data(), pool_);
    matmul(l.w_up, xn.data(), n, up.data(), pool_);
    swiglu(gate.data(), up.data(), n * ff);
    matmul(l.w_down, gate.data(), n, proj.data(), pool_);
    for (int64_t i = 0; i < n * d; ++i) x[i] += proj[i];
  }
}

std::vector<float> CpuHead::forward(std::span<const float> x, int64_t n_rows) {
  const int64_t d = hp_.n_embd;
  std::vector<float> xn(size_t(n_rows * d));
  rms_norm(x.data(), w_.output_norm, n_rows, d, hp_.rms_eps, xn.data());
  std::vector<float> logits(size_t(n_rows) * hp_.n_vocab);
  matmul(w_.output, xn.data(), n_rows, logits.data(), pool_);
  return logits;
}

}  // namespace vkllm::cpu
