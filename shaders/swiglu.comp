#version 450
// Fused SwiGLU of the feed-forward block: dst = silu(gate) * up.
// GGML_ORDER: silu as llama.cpp's CPU backend computes it (host/cpu/swiglu.cpp), to the bit:
// gate / (1 + ggml_exp(-gate)) with a correctly rounded division. Needs FLOAT64.
#include "common.glsl"
#if defined(GGML_ORDER)
#include "ggml_exp.glsl"
#endif

#define WORKGROUP_SIZE 256
layout(local_size_x = WORKGROUP_SIZE) in;

layout(binding = 0) readonly buffer Gate { float gate[]; };
layout(binding = 1) readonly buffer Up { float up[]; };
layout(binding = 2) writeonly buffer Dst { float dst[]; };
layout(push_constant) uniform Push { ElementwiseParams p; };

void main() {
  const uint i = flat_workgroup_id() * WORKGROUP_SIZE + gl_LocalInvocationID.x;
  if (i >= p.n) return;
#if defined(GGML_ORDER)
  const float g = gate[i];
  precise const float one_plus = 1.0 + ggml_exp(0.0 - g);
  precise const float product = div_rn(g, one_plus) * up[i];
  dst[i] = product;
#else
  dst[i] = silu(gate[i]) * up[i];
#endif
}
