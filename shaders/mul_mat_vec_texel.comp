#version 450
// dst[m] = weight[k, m]^T x[k] for CPU Vulkan devices, q4_0 or q8_0 weights and x read as uniform texel
// buffers (16-byte texels of four words). On llvmpipe a texel fetch at a varying index costs about
// what a uniform-buffer load does, but one texel binding reaches the whole weight: one dispatch per
// column (the uniform-buffer kernel, mul_mat_vec_ubo.comp, needs one per 14 x 64 KiB of weights, at
// ~0.1 ms each), and an invocation can own many rows, so each load of x serves ROWS rows.
// Rows are read in ggml's layout, eight blocks (256 elements: q4_0 144 bytes = 9 texels, q8_0 272
// bytes = 17 texels) at a time: k % 256 == 0 keeps every row on whole texels. A pair of blocks is
// PAIR_WORDS words: the even block's scale is the low half of its first word and its quants start
// two bytes in; the odd block's scale is the high half of word QUANT_WORDS and its quants start on
// the next word. q4_0's bias of 8 is taken out once per block for all rows:
// sum (q - 8) x = sum q x - 8 sum x.
// With COLS > 1 an invocation takes COLS columns too, each decoded block serving all of them.
// Defines: W_Q4_0 or W_Q8_0, ROWS (rows per invocation), COLS, WORKGROUP_SIZE.
#include "common.glsl"

layout(local_size_x = WORKGROUP_SIZE) in;

layout(binding = 0) uniform usamplerBuffer weight;  // from the tensor's first byte
layout(binding = 1) uniform usamplerBuffer x;       // p.n columns of f32
layout(binding = 2) writeonly buffer Dst { float dst[]; };
layout(push_constant) uniform Push { MulMatVecTexelParams p; };

#if defined(W_Q4_0)
const uint QUANT_WORDS = 4u;  // a block: a half scale, 16 bytes of nibbles
#elif defined(W_Q8_0)
const uint QUANT_WORDS = 8u;  // a block: a half scale, 32 int8
#endif
const uint PAIR_WORDS = 2u * QUANT_WORDS + 1u;
const uint SUPER_TEXELS = PAIR_WORDS;  // eight blocks: four pairs of four-word texels

void main() {
  const uint first = (flat_workgroup_id() * WORKGROUP_SIZE + gl_LocalInvocationID.x) * ROWS;
  if (first >= p.m) return;
  const uint supers = p.k / 256u;
  uint row_texel[ROWS];
  [[unroll]] for (uint r = 0; r < ROWS; ++r) row_texel[r] = min(first + r, p.m - 1u) * supers * SUPER_TEXELS;
  float acc[ROWS][COLS];
  [[unroll]] for (uint r = 0; r < ROWS; ++r)
    [[unroll]] for (uint c = 0; c < COLS; ++c) acc[r][c] = 0.0;
  uint x_texel[COLS];  // column c of the binding (columns past p.n repeat the last)
  [[unroll]] for (uint c = 0; c < COLS; ++c) x_texel[c] = min(c, p.n - 1u) * (p.k / 4u);

  for (uint sb = 0; sb < supers; ++sb) {
    vec4 xs[COLS][64];  // the super-block's 256 elements of each column, four at a time
    [[unroll]] for (uint c = 0; c < COLS; ++c)
      [[unroll]] for (uint i = 0; i < 64u; ++i)
        xs[c][i] = uintBitsToFloat(texelFetch(x, int(x_texel[c] + sb * 64u + i)));
#if defined(W_Q4_0)
    float xsum[COLS][8];
    [[unroll]] for (uint c = 0; c < COLS; ++c)
      [[unroll]] for (uint b = 0; b < 8u; ++b) {
        xsum[c][b] = 0.0;
        [[unroll]] for (uint i = 0; i < 8u; ++i) xsum[c][b] += dot(xs[c][8u * b + i], vec4(1.0));
      }
#endif
    [[unroll]] for (uint r = 0; r < ROWS; ++r) {
      uvec4 t[SUPER_TEXELS];
      [[unroll]] for (uint i = 0; i < SUPER_TEXELS; ++i) t[i] = texelFetch(weight, int(row_texel[r] + sb * SUPER_TEXELS + i));
#define WORD(i) t[(i) / 4u][(i) % 4u]
      [[unroll]] for (uint b = 0; b < 8u; ++b) {
        const uint pair = PAIR_WORDS * (b / 2u);
        float d;
        uint q[QUANT_WORDS];
        if (b % 2u == 0u) {
          d = unpackHalf2x16(WORD(pair)).x;
          [[unroll]] for (uint i = 0; i < QUANT_WORDS; ++i) q[i] = (WORD(pair + i) >> 16) | (WORD(pair + i + 1u) << 16);
        } else {
          d = unpackHalf2x16(WORD(pair + QUANT_WORDS)).y;
          [[unroll]] for (uint i = 0; i < QUANT_WORDS; ++i) q[i] = WORD(pair + QUANT_WORDS + 1u + i);
        }
        vec4 w[8];  // the block's levels, elements 4i..4i+3
#if defined(W_Q4_0)
        // Byte j holds elements j (low nibble) and j + 16 (high nibble).
        [[unroll]] for (uint i = 0; i < 4u; ++i) {
          w[i] = vec4(ivec4((uvec4(q[i]) >> uvec4(0u, 8u, 16u, 24u)) & 0xfu));  // via int: x86 has no u32 -> f32
          w[i + 4u] = vec4(ivec4((uvec4(q[i]) >> uvec4(4u, 12u, 20u, 28u)) & 0xfu));
        }
#else
        [[unroll]] for (uint i = 0; i < 8u; ++i) {
          const int v = int(q[i]);
          w[i] = vec4(bitfieldExtract(v, 0, 8), bitfieldExtract(v, 8, 8), bitfieldExtract(v, 16, 8), v >> 24);
        }
#endif
        [[unroll]] for (uint c = 0; c < COLS; ++c) {
          float s = 0.0;
          [[unroll]] for (uint i = 0; i < 8u; ++i) s += dot(w[i], xs[c][8u * b + i]);
#if defined(W_Q4_0)
          acc[r][c] += d * (s - 8.0 * xsum[c][b]);
#else
          acc[r][c] += d * s;
#endif
        }
      }
#undef WORD
    }
  }

  [[unroll]] for (uint c = 0; c < COLS; ++c)
    [[unroll]] for (uint r = 0; r < ROWS; ++r)
      if (c < p.n && first + r < p.m) dst[p.dst_first + c * p.m + first + r] = acc[r][c];
}
