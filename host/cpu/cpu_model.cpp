#include "host/cpu/cpu_model.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "host/cpu/cpu_ops.h"

namespace vkllm::cpu {

CpuModel::CpuModel(const Hparams& hp, const ModelWeights& weights, int n_ctx, int n_threads)
    : hp_(hp), w_(weights), n_ctx_(n_ctx), pool_(n_threads) {
  if (n_ctx <= 0) fail("context size must be positive, got {}", n_ctx);
  const size_t cache = size_t(hp.n_layer) * n_ctx * hp.n_embd_kv();
  k_cache_.assign(cache, 0.0f);
  v_cache_.assign(cache, 0.0f);
}

void CpuModel::attention(int layer, const float* q, int64_t n_tokens, float* out) {
  const int64_t hd = hp_.head_dim, kv_width = hp_.n_embd_kv();
  const float* k_layer = k_cache_.data() + size_t(layer) * n_ctx_ * kv_width;
  const float* v_layer = v_cache_.data() + size_t(layer) * n_ctx_ * kv_width;
  const float scale = 1.0f / std::sqrt(float(hd));
  pool_.parallel_for(n_tokens * hp_.n_head, [&](int64_t begin, int64_t end) {
    std::vector<float> scores(n_ctx_);
    for (int64_t job = begin; job < end; ++job) {
      const int64_t t = job / hp_.n_head, h = job % hp_.n_head;
      const int64_t kv_head = h / hp_.n_gqa();
      const int64_t n_keys = n_past_ + t + 1;  // causal: this token sees itself and everything before
      const float* qh = q + (t * hp_.n_head + h) * hd;
      float max_score = -INFINITY;
      for (int64_t j = 0; j < n_keys; ++j) {
        const float* kj = k_layer + j * kv_width + kv_head * hd;
        float s = 0;
        for (int64_t d = 0; d < hd; ++d) s += qh[d] * kj[d];
        scores[j] = s * scale;
        max_score = std::max(max_score, scores[j]);
      }
      float sum = 0;
      for (int64_t j = 0; j < n_keys; ++j) sum += scores[j] = std::exp(scores[j] - max_score);
      float* oh = out + (t * hp_.n_head + h) * hd;
      std::fill(oh, oh + hd, 0.0f);
      for (int64_t j = 0; j < n_keys; ++j) {
        const float p = scores[j] / sum;
        const float* vj = v_layer + j * kv_width + kv_head * hd;
        for (int64_t d = 0; d < hd; ++d) oh[d] += p * vj[d];
      }
    }
  });
}

std::vector<float> CpuModel::forward(std::span<const int32_t> tokens, bool all_logits) {
  const int64_t n = int64_t(tokens.size());
  if (n == 0) fail("forward() needs at least one token");
  if (n_past_ + n > n_ctx_) fail("context full: {} + {} tokens exceed the context size {}", n_past_, n, n_ctx_);
  const int64_t d = hp_.n_embd, dq = hp_.n_embd_q(), dkv = hp_.n_embd_kv(), ff = hp_.n_ff;

  std::vector<int32_t> positions(n);
  std::iota(positions.begin(), positions.end(), n_past_);
  std::vector<float> x(n * d), xn(n * d), q(n * dq), k(n * dkv), v(n * dkv), attn(n * dq), proj(n * d);
  std::vector<float> gate(n * ff), up(n * ff);
  get_rows(w_.token_embd, tokens, x.data());

  for (uint32_t il = 0; il < hp_.n_layer; ++il) {
    const auto& l = w_.layers[il];
    // attention block: x += wo · attn(rope(wq·norm(x)), rope(wk·norm(x)), wv·norm(x))
    rms_norm(x.data(), l.attn_norm, n, d, hp_.rms_eps, xn.data());
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
    float* k_dst = k_cache_.data() + (size_t(il) * n_ctx_ + n_past_) * dkv;
    float* v_dst = v_cache_.data() + (size_t(il) * n_ctx_ + n_past_) * dkv;
    std::copy(k.begin(), k.end(), k_dst);
    std::copy(v.begin(), v.end(), v_dst);
    attention(int(il), q.data(), n, attn.data());
    matmul(l.wo, attn.data(), n, proj.data(), pool_);
    for (int64_t i = 0; i < n * d; ++i) x[i] += proj[i];

    // feed-forward block: x += w_down · (silu(w_gate·norm(x)) * w_up·norm(x))
    rms_norm(x.data(), l.ffn_norm, n, d, hp_.rms_eps, xn.data());
    matmul(l.w_gate, xn.data(), n, gate.data(), pool_);
    matmul(l.w_up, xn.data(), n, up.data(), pool_);
    swiglu(gate.data(), up.data(), n * ff);
    matmul(l.w_down, gate.data(), n, proj.data(), pool_);
    for (int64_t i = 0; i < n * d; ++i) x[i] += proj[i];
  }
  n_past_ += int(n);

  const int64_t first = all_logits ? 0 : n - 1, n_out = n - first;
  rms_norm(x.data() + first * d, w_.output_norm, n_out, d, hp_.rms_eps, xn.data());
  std::vector<float> logits(n_out * hp_.n_vocab);
  matmul(w_.output, xn.data(), n_out, logits.data(), pool_);
  return logits;
}

}  // namespace vkllm::cpu
