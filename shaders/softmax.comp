#version 450
// Row softmax of x * scale (+ mask row) with an optional causal mask, one row per workgroup.
#include "common.glsl"

#define WORKGROUP_SIZE 128
layout(local_size_x = WORKGROUP_SIZE) in;
#include "reduce.glsl"

layout(binding = 0) readonly buffer X { float x[]; };
layout(binding = 1) readonly buffer Mask { float mask[]; };  // bound to anything when use_mask == 0
layout(binding = 2) buffer Dst { float dst[]; };
layout(push_constant) uniform Push { SoftmaxParams p; };

const float NEG_INF = -1.0 / 0.0;

float logit(uint row, uint col) {
  const uint query = row % p.rows_per_head;
  if (p.causal != 0 && col > p.n_past + query) return NEG_INF;
  float v = x[row * p.ncols + col] * p.scale;
  if (p.use_mask != 0) v += mask[query * p.ncols + col];
  return v;
}

void main() {
  const uint row = flat_workgroup_id();
  if (row >= p.nrows) return;
  const uint base = row * p.ncols;
  float local_max = NEG_INF;
  for (uint c = gl_LocalInvocationID.x; c < p.ncols; c += WORKGROUP_SIZE) local_max = max(local_max, logit(row, c));
  const float row_max = workgroup_max(local_max);
  float local_sum = 0.0;
  for (uint c = gl_LocalInvocationID.x; c < p.ncols; c += WORKGROUP_SIZE) {
    const float e = row_max == NEG_INF ? 0.0 : exp(logit(row, c) - row_max);
    dst[base + c] = e;
    local_sum += e;
  }
  const float row_sum = workgroup_sum(local_sum);
  const float inv_sum = row_sum > 0.0 ? 1.0 / row_sum : 0.0;
  // Each invocation rescales only what it wrote itself, so no barrier is needed in between.
  for (uint c = gl_LocalInvocationID.x; c < p.ncols; c += WORKGROUP_SIZE) dst[base + c] *= inv_sum;
}
