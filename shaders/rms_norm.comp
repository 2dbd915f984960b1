#version 450
// RMS norm fused with the weight multiply: dst = x / sqrt(mean(x^2) + eps) * weight, one row per
// workgroup.
#include "common.glsl"

#define WORKGROUP_SIZE 128
layout(local_size_x = WORKGROUP_SIZE) in;
#include "reduce.glsl"

layout(binding = 0) readonly buffer X { float x[]; };
layout(binding = 1) readonly buffer Weight { float weight[]; };
layout(binding = 2) writeonly buffer Dst { float dst[]; };
layout(push_constant) uniform Push { RmsNormParams p; };

void main() {
  const uint row = flat_workgroup_id();
  if (row >= p.nrows) return;  // uniform across the workgroup, so the barriers below stay legal
  const uint base = row * p.ncols;
  float sum_squares = 0.0;
  for (uint c = gl_LocalInvocationID.x; c < p.ncols; c += WORKGROUP_SIZE) sum_squares += x[base + c] * x[base + c];
  const float scale = inversesqrt(workgroup_sum(sum_squares) / float(p.ncols) + p.eps);
  for (uint c = gl_LocalInvocationID.x; c < p.ncols; c += WORKGROUP_SIZE) dst[base + c] = x[base + c] * scale * weight[c];
}
