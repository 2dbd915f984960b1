#version 450
// Writes rows of new keys or values (f32) into KV cache cells, converting to the cache's type.
// Row t goes to cell cells[t]; a cell outside [0, n_cells) is skipped, never written out of bounds.
// One workgroup per row. Defines: DST_F16 | DST_Q8_0 | DST_F32.
#include "common.glsl"

#define WORKGROUP_SIZE 64
layout(local_size_x = WORKGROUP_SIZE) in;

layout(binding = 0) readonly buffer Src { float src[]; };
layout(binding = 1) readonly buffer Cells { int cells[]; };
#if defined(DST_F16)
layout(binding = 2) writeonly buffer Dst { float16_t dst[]; };
#elif defined(DST_F32)
layout(binding = 2) writeonly buffer Dst { float dst[]; };
#elif defined(DST_Q8_0)
layout(binding = 2) writeonly buffer Dst { uint16_t dst[]; };  // blocks of 17 words: f16 scale, 32 int8
#else
#error "kv_store.comp needs a DST_ define"
#endif
layout(push_constant) uniform Push { KvStoreParams p; };

#if defined(DST_Q8_0)
// As ggml's quantize_row_q8_0_ref: d = amax / 127, q = roundf(x / d) (halves away from zero).
int quantize(float x, float inv_d) {
  const float v = x * inv_d;
  return int(sign(v) * floor(abs(v) + 0.5));
}
#endif

void main() {
  const uint row = flat_workgroup_id();
  if (row >= p.n_rows) return;
  const uint cell = uint(cells[row]);
  if (cell >= p.n_cells) return;
  const uint src_base = row * p.row_len;
#if defined(DST_Q8_0)
  const uint blocks = p.row_len / 32;
  for (uint b = gl_LocalInvocationID.x; b < blocks; b += WORKGROUP_SIZE) {
    const uint first = src_base + b * 32;
    float amax = 0.0;
    for (uint i = 0; i < 32; ++i) amax = max(amax, abs(src[first + i]));
    const float d = amax / 127.0;
    const float inv_d = d != 0.0 ? 1.0 / d : 0.0;
    const uint word = (cell * blocks + b) * 17;
    dst[word] = uint16_t(packHalf2x16(vec2(d, 0.0)));
    for (uint j = 0; j < 16; ++j) {
      const int q0 = quantize(src[first + 2 * j], inv_d);
      const int q1 = quantize(src[first + 2 * j + 1], inv_d);
      dst[word + 1 + j] = uint16_t((q0 & 0xff) | ((q1 & 0xff) << 8));
    }
  }
#else
  const uint dst_base = cell * p.row_len;
  for (uint i = gl_LocalInvocationID.x; i < p.row_len; i += WORKGROUP_SIZE)
#if defined(DST_F16)
    dst[dst_base + i] = float16_t(src[src_base + i]);
#else
    dst[dst_base + i] = src[src_base + i];
#endif
#endif
}
