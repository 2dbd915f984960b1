#version 450
// dst = a op b. Defines: OP_ADD | OP_MUL; then BROADCAST repeats b over a's shape, ROW_BROADCAST
// repeats one row b over a's rows, and neither means b has a's shape. Separate variants because lavapipe pays for a branch's divisions even when it is not taken.
#include "common.glsl"

#define WORKGROUP_SIZE 256
layout(local_size_x = WORKGROUP_SIZE) in;

layout(binding = 0) readonly buffer A { float a[]; };
layout(binding = 1) readonly buffer B { float b[]; };
layout(binding = 2) writeonly buffer Dst { float dst[]; };
layout(push_constant) uniform Push { BinaryParams p; };

#if defined(OP_ADD)
#define OP(x, y) ((x) + (y))
#elif defined(OP_MUL)
#define OP(x, y) ((x) * (y))
#else
#error "binary.comp needs OP_ADD or OP_MUL"
#endif

uint broadcast_index(uint i) {
  const uint i0 = i % p.ne0;
  const uint row = i / p.ne0;
  const uint i1 = row % p.ne1;
  const uint plane = row / p.ne1;
  const uint i2 = plane % p.ne2;
  const uint i3 = plane / p.ne2;
  return (i0 % p.b_ne0) + p.b_ne0 * ((i1 % p.b_ne1) + p.b_ne1 * ((i2 % p.b_ne2) + p.b_ne2 * (i3 % p.b_ne3)));
}

void main() {
#ifdef ROW_BROADCAST
  // 2-D dispatch, x along a row and y over rows: b is a single row, and no index needs a division.
  const uint i0 = gl_GlobalInvocationID.x;
  if (i0 >= p.ne0) return;
  const uint i = gl_WorkGroupID.y * p.ne0 + i0;
  dst[i] = OP(a[i], b[i0]);
#else
  const uint i = flat_workgroup_id() * WORKGROUP_SIZE + gl_LocalInvocationID.x;
  if (i >= p.n) return;
#ifdef BROADCAST
  dst[i] = OP(a[i], b[broadcast_index(i)]);
#else
  dst[i] = OP(a[i], b[i]);
#endif
#endif
}
