#version 450
// Merges the n_splits partial results of split-K attention (attention.comp) for one (token, head)
// row per workgroup: out = sum_s exp(m_s - M) o_s / sum_s exp(m_s - M) l_s, M = max_s m_s.
#include "common.glsl"

#define WORKGROUP_SIZE 64
layout(local_size_x = WORKGROUP_SIZE) in;

layout(binding = 0) readonly buffer Partials { float partials[]; };  // o [head_dim, n_splits, n_rows], then (m, l)
layout(binding = 1) writeonly buffer Dst { float dst[]; };
layout(push_constant) uniform Push { AttentionCombineParams p; };

void main() {
  const uint row = flat_workgroup_id();
  if (row >= p.n_rows) return;
  const uint ml = p.n_rows * p.n_splits * p.head_dim + 2 * row * p.n_splits;
  float m = partials[ml];
  for (uint s = 1; s < p.n_splits; ++s) m = max(m, partials[ml + 2 * s]);
  float l = 0.0;
  for (uint s = 0; s < p.n_splits; ++s) l += exp(partials[ml + 2 * s] - m) * partials[ml + 2 * s + 1];
  const float inv_l = l > 0.0 ? 1.0 / l : 0.0;
  const uint o_base = row * p.n_splits * p.head_dim;
  for (uint d = gl_LocalInvocationID.x; d < p.head_dim; d += WORKGROUP_SIZE) {
    float acc = 0.0;
    for (uint s = 0; s < p.n_splits; ++s) acc += exp(partials[ml + 2 * s] - m) * partials[o_base + s * p.head_dim + d];
    dst[row * p.head_dim + d] = acc * inv_l;
  }
}
