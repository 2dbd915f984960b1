#include "host/cpu/attention_reference.h"

#include <algorithm>
#include <cmath>

#include "engine/util/check.h"

namespace vkllm::cpu {

std::vector<float> attention(std::span<const float> q, std::span<const float> k, std::span<const float> v,
                             const AttentionArgs& a) {
  const uint64_t d = a.head_dim, row = a.head_dim * a.n_head_kv;
  const uint64_t n_tokens = a.query_seq.size(), n_kv = a.cell_seq.size();
  VKLLM_ASSERT(q.size() == d * a.n_head * n_tokens && k.size() == row * n_kv && v.size() == k.size() &&
                   a.query_pos.size() == n_tokens && a.cell_pos.size() == n_kv && a.n_head % a.n_head_kv == 0,
               "attention reference: inconsistent sizes");
  const double scale = a.scale != 0 ? a.scale : 1.0 / std::sqrt(double(d));
  const uint64_t group = a.n_head / a.n_head_kv;
  std::vector<float> out(q.size(), 0.0f);
  std::vector<double> scores(n_kv), acc(d);
  for (uint64_t t = 0; t < n_tokens; ++t) {
    for (uint64_t h = 0; h < a.n_head; ++h) {
      const float* qh = &q[(t * a.n_head + h) * d];
      const uint64_t kv_off = (h / group) * d;
      double m = -INFINITY;
      for (uint64_t c = 0; c < n_kv; ++c) {
        const bool visible = a.cell_seq[c] >= 0 && a.cell_seq[c] == a.query_seq[t] && a.cell_pos[c] <= a.query_pos[t];
        scores[c] = -INFINITY;
        if (!visible) continue;
        double s = 0;
        for (uint64_t i = 0; i < d; ++i) s += double(qh[i]) * double(k[c * row + kv_off + i]);
        scores[c] = s * scale;
        m = std::max(m, scores[c]);
      }
      if (m == -INFINITY) continue;
      std::fill(acc.begin(), acc.end(), 0.0);
      double l = 0;
      for (uint64_t c = 0; c < n_kv; ++c) {
        if (scores[c] == -INFINITY) continue;
        const double p = std::exp(scores[c] - m);
        l += p;
        for (uint64_t i = 0; i < d; ++i) acc[i] += p * double(v[c * row + kv_off + i]);
      }
      for (uint64_t i = 0; i < d; ++i) out[(t * a.n_head + h) * d + i] = float(acc[i] / l);
    }
  }
  return out;
}

}  // namespace vkllm::cpu
