#version 450
// Elementwise maps over windowed tensors: scale, silu, gelu, and copy/convert between f32 and f16.
// Defines: OP_SCALE | OP_SILU | OP_GELU | OP_COPY; SRC_F16, DST_F16 (default f32).
#include "common.glsl"
#include "window.glsl"

#define WORKGROUP_SIZE 256
layout(local_size_x = WORKGROUP_SIZE) in;

#ifdef SRC_F16
#define SRC_T float16_t
#define SRC_BYTES 2
#else
#define SRC_T float
#define SRC_BYTES 4
#endif
#ifdef DST_F16
#define DST_T float16_t
#define DST_BYTES 2
#else
#define DST_T float
#define DST_BYTES 4
#endif

WINDOWED_BUFFER(0, readonly, SRC_T, src);
WINDOWED_BUFFER(1, writeonly, DST_T, dst);
layout(push_constant) uniform Push { ElementwiseParams p; };

float op(float x) {
#if defined(OP_SCALE)
  return x * p.scale;
#elif defined(OP_SILU)
  return silu(x);
#elif defined(OP_GELU)
  // tanh approximation; 0.5 * (1 + tanh(u)) == 1 / (1 + exp(-2u)) avoids tanh's inf/inf.
  const float u = 0.7978845608028654 * (x + 0.044715 * x * x * x);
  return x / (1.0 + exp(-2.0 * u));
#elif defined(OP_COPY)
  return x;
#else
#error "unary.comp needs an OP_ define"
#endif
}

void main() {
  const uint first = flat_workgroup_id() * (WORKGROUP_SIZE * UNARY_ELEMS_PER_THREAD);
  const uint src_window = window_index(first * SRC_BYTES);
  const uint dst_window = window_index(first * DST_BYTES);
  const uint src_base = window_first_element(src_window, SRC_BYTES);
  const uint dst_base = window_first_element(dst_window, DST_BYTES);
  [[unroll]] for (uint k = 0; k < UNARY_ELEMS_PER_THREAD; ++k) {
    const uint i = first + k * WORKGROUP_SIZE + gl_LocalInvocationID.x;
    if (i < p.n) dst[dst_window].data[i - dst_base] = DST_T(op(float(src[src_window].data[i - src_base])));
  }
}
