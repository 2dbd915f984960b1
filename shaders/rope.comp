#version 450
// Rotary position embedding over x[head_dim, n_heads, n_tokens]. One invocation per rotated pair.
// Defines: ROPE_NEOX pairs element i with i + n_dims/2 (GPT-NeoX); otherwise adjacent pairs (2i, 2i+1).
// ROPE_TABLE: the cosines and sines come from the host, made as llama.cpp's CPU backend makes them
// (host/cpu/rope_angles.h: angles by repeated multiplication, libm's cosf and sinf), and the
// rotation fuses the first product of each line as ggml's compiled code does, so the result is the
// CPU's to the bit. Needs FLOAT64.
#include "common.glsl"
#if defined(ROPE_TABLE)
#include "exact_float.glsl"
#endif

#define WORKGROUP_SIZE 256
layout(local_size_x = WORKGROUP_SIZE) in;

layout(binding = 0) readonly buffer X { float x[]; };
#if defined(ROPE_TABLE)
layout(binding = 1) readonly buffer Angles { vec2 cos_sin[]; };  // [n_tokens][n_dims / 2]
#else
layout(binding = 1) readonly buffer Positions { int positions[]; };
#endif
layout(binding = 2) writeonly buffer Dst { float dst[]; };
layout(push_constant) uniform Push { RopeParams p; };

void main() {
  const uint half_dim = p.head_dim / 2;
  const uint id = flat_workgroup_id() * WORKGROUP_SIZE + gl_LocalInvocationID.x;
  if (id >= half_dim * p.n_heads * p.n_tokens) return;
  const uint pair = id % half_dim;
  const uint head_row = id / half_dim;  // head + n_heads * token
  const uint token = head_row / p.n_heads;
  const uint base = head_row * p.head_dim;
  const uint rotated_pairs = p.n_dims / 2;

#ifdef ROPE_NEOX
  const uint i0 = pair < rotated_pairs ? pair : p.n_dims + 2 * (pair - rotated_pairs);
  const uint i1 = pair < rotated_pairs ? pair + rotated_pairs : i0 + 1;
#else
  const uint i0 = 2 * pair;
  const uint i1 = i0 + 1;
#endif
  const float x0 = x[base + i0];
  const float x1 = x[base + i1];
  if (pair >= rotated_pairs) {
    dst[base + i0] = x0;
    dst[base + i1] = x1;
    return;
  }
#if defined(ROPE_TABLE)
  const vec2 cs = cos_sin[token * rotated_pairs + pair];
  precise const float x1_sin = x1 * cs.y, x1_cos = x1 * cs.x;
  dst[base + i0] = fma_rn(x0, cs.x, -x1_sin);
  dst[base + i1] = fma_rn(x0, cs.y, x1_cos);
#else
  const float theta = float(positions[token]) * p.freq_scale * pow(p.freq_base, -2.0 * float(pair) / float(p.n_dims));
  const float c = cos(theta);
  const float s = sin(theta);
  dst[base + i0] = x0 * c - x1 * s;
  dst[base + i1] = x0 * s + x1 * c;
#endif
}
