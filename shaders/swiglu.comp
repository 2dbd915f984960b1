#version 450
// Fused SwiGLU of the feed-forward block: dst = silu(gate) * up.
#include "common.glsl"

#define WORKGROUP_SIZE 256
layout(local_size_x = WORKGROUP_SIZE) in;

layout(binding = 0) readonly buffer Gate { float gate[]; };
layout(binding = 1) readonly buffer Up { float up[]; };
layout(binding = 2) writeonly buffer Dst { float dst[]; };
layout(push_constant) uniform Push { ElementwiseParams p; };

void main() {
  const uint i = flat_workgroup_id() * WORKGROUP_SIZE + gl_LocalInvocationID.x;
  if (i < p.n) dst[i] = silu(gate[i]) * up[i];
}
