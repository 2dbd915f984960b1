#version 450
// dst row i = src row idx[i] as f32 (embedding lookup). One workgroup per row; the source is
// windowed, since token embeddings are often larger than maxStorageBufferRange.
// Defines: SRC_F32 | SRC_F16 | SRC_Q8_0 | SRC_Q4_0.
#include "common.glsl"
#include "window.glsl"

#define WORKGROUP_SIZE 128
layout(local_size_x = WORKGROUP_SIZE) in;

#if defined(SRC_F32)
#define SRC_T float
#define SRC_BYTES 4
#elif defined(SRC_F16)
#define SRC_T float16_t
#define SRC_BYTES 2
#else
#define SRC_T uint16_t  // quantised blocks are 2-byte aligned: read them as 16-bit words
#define SRC_BYTES 2
#endif

WINDOWED_BUFFER(0, readonly, SRC_T, src);
layout(binding = 1) readonly buffer Indices { int indices[]; };
layout(binding = 2) writeonly buffer Dst { float dst[]; };
layout(push_constant) uniform Push { GetRowsParams p; };

void main() {
  const uint row = flat_workgroup_id();
  if (row >= p.n_indices) return;
  const uint first_byte = uint(indices[row]) * p.src_row_bytes;
  const uint window = window_index(first_byte);
  const uint first = (first_byte - window * WINDOW_STRIDE) / SRC_BYTES;  // row start inside the window
  const uint out_base = row * p.ncols;

#if defined(SRC_F32) || defined(SRC_F16)
  for (uint c = gl_LocalInvocationID.x; c < p.ncols; c += WORKGROUP_SIZE) dst[out_base + c] = float(src[window].data[first + c]);
#elif defined(SRC_Q8_0)
  // block: f16 scale, then 32 int8 quants = 17 words; each invocation takes one word (2 quants).
  const uint words = p.ncols / 2;
  for (uint w = gl_LocalInvocationID.x; w < words; w += WORKGROUP_SIZE) {
    const uint block = w / 16;
    const uint j = w % 16;
    const uint block_word = first + block * 17;
    const float d = unpackHalf2x16(uint(src[window].data[block_word])).x;
    const uint q = uint(src[window].data[block_word + 1 + j]);
    const uint out_i = out_base + block * 32 + 2 * j;
    dst[out_i] = d * float(int8_t(q & 0xffu));
    dst[out_i + 1] = d * float(int8_t(q >> 8));
  }
#elif defined(SRC_Q4_0)
  // block: f16 scale, then 16 bytes of nibbles = 9 words; byte k holds quants k (low) and k+16 (high).
  const uint words = p.ncols / 4;
  for (uint w = gl_LocalInvocationID.x; w < words; w += WORKGROUP_SIZE) {
    const uint block = w / 8;
    const uint j = w % 8;
    const uint block_word = first + block * 9;
    const float d = unpackHalf2x16(uint(src[window].data[block_word])).x;
    const uint q = uint(src[window].data[block_word + 1 + j]);
    const uint out_i = out_base + block * 32 + 2 * j;
    dst[out_i] = d * (float(q & 0xfu) - 8.0);
    dst[out_i + 1] = d * (float((q >> 8) & 0xfu) - 8.0);
    dst[out_i + 16] = d * (float((q >> 4) & 0xfu) - 8.0);
    dst[out_i + 17] = d * (float(q >> 12) - 8.0);
  }
#else
#error "get_rows.comp needs a SRC_ define"
#endif
}
