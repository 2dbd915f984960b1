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
// Defines: W_Q4_0 or W_Q8_0, ROWS (rows per invocation), WORKGROUP_SIZE.
#include "common.glsl"

layout(local_size_x = WORKGROUP_SIZE) in;

layout(binding = 0) uniform usamplerBuffer weight;  // from the tensor's first byte
layout(binding = 1) uniform usamplerBuffer x;       // one column of f32
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
  float acc[ROWS];
  [[unroll]] for (uint r = 0; r < ROWS; ++r) acc[r] = 0.0;

  for (uint sb = 0; sb < supers; ++sb) {
    vec4 xs[64];  // the super-block's 256 elements of x, four at a time
    [[unroll]] for (uint i = 0; i < 64u; ++i) xs[i] = uintBitsToFloat(texelFetch(x, int(sb * 64u + i)));
#if defined(W_Q4_0)
    float xsum[8];
    [[unroll]] for (uint b = 0; b < 8u; ++b) {
      xsum[b] = 0.0;
      [[unroll]] for (uint i = 0; i < 8u; ++i) xsum[b] += dot(xs[8u * b + i], vec4(1.0));
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
        float s = 0.0;
#if defined(W_Q4_0)
        // Byte j holds elements j (low nibble) and j + 16 (high nibble).
        [[unroll]] for (uint i = 0; i < 4u; ++i) {
          const uvec4 lo = (uvec4(q[i]) >> uvec4(0u, 8u, 16u, 24u)) & 0xfu;
          const uvec4 hi = (uvec4(q[i]) >> uvec4(4u, 12u, 20u, 28u)) & 0xfu;
          s += dot(vec4(ivec4(lo)), xs[8u * b + i]) + dot(vec4(ivec4(hi)), xs[8u * b + i + 4u]);
        }
        acc[r] += d * (s - 8.0 * xsum[b]);
#else
        [[unroll]] for (uint i = 0; i < 8u; ++i) {
          const int w = int(q[i]);
          s += dot(vec4(bitfieldExtract(w, 0, 8), bitfieldExtract(w, 8, 8), bitfieldExtract(w, 16, 8), w >> 24),
                   xs[8u * b + i]);
        }
        acc[r] += d * s;
#endif
      }
#undef WORD
    }
  }

  [[unroll]] for (uint r = 0; r < ROWS; ++r)
    if (first + r < p.m) dst[p.dst_first + first + r] = acc[r];
}
