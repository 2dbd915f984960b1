#version 450
// Index of the largest value of each row (greedy sampling), one row per workgroup.
#include "common.glsl"

#define WORKGROUP_SIZE 128
layout(local_size_x = WORKGROUP_SIZE) in;
#include "reduce.glsl"

layout(binding = 0) readonly buffer X { float x[]; };
layout(binding = 1) writeonly buffer Dst { int dst[]; };
layout(push_constant) uniform Push { ArgmaxParams p; };

void main() {
  const uint row = flat_workgroup_id();
  if (row >= p.nrows) return;
  const uint base = row * p.ncols;
  float best = -1.0 / 0.0;
  uint best_index = 0xffffffffu;
  for (uint c = gl_LocalInvocationID.x; c < p.ncols; c += WORKGROUP_SIZE) {
    const float v = x[base + c];
    if (v > best || best_index == 0xffffffffu) {  // strictly greater keeps the lowest index
      best = v;
      best_index = c;
    }
  }
  const uint result = workgroup_argmax(best, best_index);
  if (gl_LocalInvocationID.x == 0) dst[row] = int(result);
}
