#version 450
// Quantized weights times q8 x summed as llama.cpp's x86 CPU backend sums them, to the bit
// (host/cpu/q8_dot.cpp, k_quant_dot.cpp). Invocation r owns row r of the workgroup's ROWS and reads
// each block whole (spreading a row over invocations read twice the words and ran half as fast on
// lavapipe); x is the same for every invocation. Defines as mul_mat_vec_ubo.comp's, with X_Q8 and
// FLOAT64; REPACKED and CHUNKS_PER_FMA for ggml's repacked Q2_K/Q4_K orders.
// - q8_0, q5_0, q4_1, q5_1: eight float lanes per row, lane j seeing elements 4j..4j+3 of every
//   block, acc_j = fma(d_w * d_x, (its four products' integer sum), acc_j) over the blocks in order,
//   then ((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7)); q4_1 and q5_1 add their offsets in one
//   more chain, m = fma(m_w, s_x, m) with x's q8_1 sum s_x, and return lanes + m.
// - q4_0 (tensors of 8k rows, which ggml repacks): one chain, acc = fma(block's integer sum,
//   d_w * d_x, acc) over the blocks in order.
// - K-quants: eight lanes as q8_0's, per super-block: lane j's integer sum over its elements
//   4j..4j+3 of each 32-element chunk, each times its 16-element scale, then
//   acc_j = fma(d_x * d_w, sum, acc_j); the mins (times ggml's bsums) go into the lanes first (q2_K),
//   into four lanes of chunk pairs (q4_K) or one chain (q5_K), added at the end. REPACKED (Q2_K/Q4_K
//   tensors of 8k rows): ggml's repacked gemv / gemm, two chains (scaled sums, mins) fed every
//   CHUNKS_PER_FMA chunks, the value their difference.
#include "mul_mat_vec_ubo.glsl"
#include "exact_float.glsl"

#define RAW_WORDS ((BLOCK_BYTES + 5u) / 4u)

int dot4(int w, int x) {
  return bitfieldExtract(w, 0, 8) * bitfieldExtract(x, 0, 8) + bitfieldExtract(w, 8, 8) * bitfieldExtract(x, 8, 8) +
         bitfieldExtract(w, 16, 8) * bitfieldExtract(x, 16, 8) + (w >> 24) * (x >> 24);
}

// The four nibbles at bits shift + 8i of q, each minus 8, times the four int8 of x.
int dot_nibbles(uint q, uint shift, int x) {
  const ivec4 level = ivec4((uvec4(q) >> (uvec4(0u, 8u, 16u, 24u) + shift)) & 0xfu) - 8;
  return level.x * bitfieldExtract(x, 0, 8) + level.y * bitfieldExtract(x, 8, 8) + level.z * bitfieldExtract(x, 16, 8) +
         level.w * (x >> 24);
}

#if defined(W_Q2_K) || defined(W_Q3_K) || defined(W_Q4_K) || defined(W_Q5_K) || defined(W_Q6_K)
#define K_QUANT
// The block layouts (engine/quant/blocks.h): where d and dmin are (dmin past the block: none), the
// levels (with the format's offset) of elements 4j..4j+3 of 32-element chunk c, and the scale and
// min of each 16-element part, as host/cpu/k_quant_decode.h unpacks them.
// The byte i of w (four bytes to a word).
#define BYTE(w, i) (((w)[(i) / 4u] >> (8u * ((i) % 4u))) & 0xffu)
#if defined(W_Q2_K)
#define KQ_D 80u
#define KQ_DMIN 82u
ivec4 kq_levels(uint s, uint b, uint c, uint j) {
  const uint q = ld32(s, b + 16u + 32u * (c / 4u) + 4u * j);
  return ivec4((uvec4(q) >> (uvec4(0u, 8u, 16u, 24u) + 2u * (c % 4u))) & 3u);
}
void kq_scales(uint s, uint b, out int scale[16], out int mins[16]) {
  uint w[4];
  [[unroll]] for (uint i = 0; i < 4u; ++i) w[i] = ld32(s, b + 4u * i);
  [[unroll]] for (uint i = 0; i < 16u; ++i) scale[i] = int(BYTE(w, i) & 0xfu), mins[i] = int(BYTE(w, i) >> 4);
}
#elif defined(W_Q3_K)
#define KQ_D 108u
#define KQ_DMIN 0xffffu
ivec4 kq_levels(uint s, uint b, uint c, uint j) {
  const uint q = ld32(s, b + 32u + 32u * (c / 4u) + 4u * j), hm = ld32(s, b + 4u * j);
  const uvec4 low = (uvec4(q) >> (uvec4(0u, 8u, 16u, 24u) + 2u * (c % 4u))) & 3u;
  const uvec4 high = (uvec4(hm) >> (uvec4(0u, 8u, 16u, 24u) + c)) & 1u;  // bit 4 * half + quarter = c
  return ivec4(low) - 4 * (1 - ivec4(high));
}
void kq_scales(uint s, uint b, out int scale[16], out int mins[16]) {
  uint w[3];
  [[unroll]] for (uint i = 0; i < 3u; ++i) w[i] = ld32(s, b + 96u + 4u * i);
  [[unroll]] for (uint i = 0; i < 16u; ++i) {
    const uint low = i < 8u ? BYTE(w, i) & 0xfu : BYTE(w, i - 8u) >> 4;
    const uint high = (BYTE(w, 8u + i % 4u) >> (2u * (i / 4u))) & 3u;
    scale[i] = int(low | (high << 4)) - 32;
    mins[i] = 0;
  }
}
#elif defined(W_Q4_K) || defined(W_Q5_K)
#define KQ_D 0u
#define KQ_DMIN 2u
ivec4 kq_levels(uint s, uint b, uint c, uint j) {
#if defined(W_Q5_K)
  const uint q = ld32(s, b + 48u + 32u * (c / 2u) + 4u * j), qh = ld32(s, b + 16u + 4u * j);
  return ivec4(((uvec4(q) >> (uvec4(0u, 8u, 16u, 24u) + 4u * (c % 2u))) & 0xfu) |
               (((uvec4(qh) >> (uvec4(0u, 8u, 16u, 24u) + c)) & 1u) << 4));  // bit 2 * pair + half = c
#else
  const uint q = ld32(s, b + 16u + 32u * (c / 2u) + 4u * j);
  return ivec4((uvec4(q) >> (uvec4(0u, 8u, 16u, 24u) + 4u * (c % 2u))) & 0xfu);
#endif
}
// The 6-bit scale and min of each 32-element sub-block, for both of its 16-element parts.
void kq_scales(uint s, uint b, out int scale[16], out int mins[16]) {
  uint w[3];
  [[unroll]] for (uint i = 0; i < 3u; ++i) w[i] = ld32(s, b + 4u + 4u * i);
  [[unroll]] for (uint j = 0; j < 8u; ++j) {
    uint sc, mn;
    if (j < 4u) {
      sc = BYTE(w, j) & 63u;
      mn = BYTE(w, j + 4u) & 63u;
    } else {
      sc = (BYTE(w, j + 4u) & 0xfu) | ((BYTE(w, j - 4u) >> 6) << 4);
      mn = (BYTE(w, j + 4u) >> 4) | ((BYTE(w, j) >> 6) << 4);
    }
    scale[2u * j] = scale[2u * j + 1u] = int(sc);
    mins[2u * j] = mins[2u * j + 1u] = int(mn);
  }
}
#else  // W_Q6_K
#define KQ_D 208u
#define KQ_DMIN 0xffffu
ivec4 kq_levels(uint s, uint b, uint c, uint j) {
  const uint h = c / 4u, k = c % 4u;
  const uint ql = ld32(s, b + 64u * h + 32u * (k & 1u) + 4u * j), qh = ld32(s, b + 128u + 32u * h + 4u * j);
  return ivec4(((uvec4(ql) >> (uvec4(0u, 8u, 16u, 24u) + 4u * (k / 2u))) & 0xfu) |
               (((uvec4(qh) >> (uvec4(0u, 8u, 16u, 24u) + 2u * k)) & 3u) << 4)) - 32;
}
void kq_scales(uint s, uint b, out int scale[16], out int mins[16]) {
  uint w[4];
  [[unroll]] for (uint i = 0; i < 4u; ++i) w[i] = ld32(s, b + 192u + 4u * i);
  [[unroll]] for (uint i = 0; i < 16u; ++i) scale[i] = bitfieldExtract(int(BYTE(w, i)), 0, 8), mins[i] = 0;
}
#endif
#endif

void main() {
  const uint first_row = flat_workgroup_id() * ROWS;
  if (first_row >= p.m) return;
  const uint s = first_row / p.rows_per_slot;
  const uint shift = (p.head + s * p.rows_per_slot * p.row_bytes) % p.align;
  const uint r = gl_LocalInvocationID.x;
  const uint row = shift + (min(first_row + min(r, ROWS - 1u), p.m - 1u) - s * p.rows_per_slot) * p.row_bytes;

#if defined(W_Q4_0)
  float acc = 0.0;
#else
  float acc[8];  // the lanes (REPACKED: acc[0] the scaled sums, acc[1] the mins)
  [[unroll]] for (uint j = 0; j < 8u; ++j) acc[j] = 0.0;
  float offsets = 0.0;  // q4_1, q5_1
  float acc_m[4] = {0.0, 0.0, 0.0, 0.0};  // q4_K's min lanes, q5_K's min sum
#endif
#if defined(K_QUANT)
  // Per super-block: each 32-element chunk c's integer dot products, lane j's four elements at a
  // time, times their 16-element scale; the chunk's x sums per 16 (ggml's bsums) for the mins.
  for (uint B = 0; B < p.k / 256u; ++B) {
    const uint b = row + B * BLOCK_BYTES;
    const uint scale_word = p.k / 4u + 8u * B;  // the q8_K block's d, repeated for its eight groups
    const float dy = uintBitsToFloat(xq[scale_word >> 2][scale_word & 3u]);
    int sumi[8] = {0, 0, 0, 0, 0, 0, 0, 0}, mins8[8], scale[16], mins[16];
    kq_scales(s, b, scale, mins);
    const float dw = ldhalf(s, b + KQ_D), dminw = KQ_DMIN >= BLOCK_BYTES ? 0.0 : ldhalf(s, b + KQ_DMIN);
#if defined(REPACKED)
    // ggml's repacked Q2_K/Q4_K kernels: two chains, fed every CHUNKS_PER_FMA chunks.
    precise const float d = dw * dy, dmin = dminw * dy;
    int isum = 0, imin = 0;
#endif
    [[unroll]] for (uint c = 0; c < 8u; ++c) {
      const uint G = 8u * B + c;
      const uvec4 xw[2] = {xq[2u * G], xq[2u * G + 1u]};
      int bsum[2] = {0, 0};
      [[unroll]] for (uint j = 0; j < 8u; ++j) {
        const int x = int(xw[j / 4u][j % 4u]);
        const ivec4 xv = ivec4(bitfieldExtract(x, 0, 8), bitfieldExtract(x, 8, 8), bitfieldExtract(x, 16, 8), x >> 24);
        const ivec4 level = kq_levels(s, b, c, j);
        sumi[j] += scale[2u * c + j / 4u] * (level.x * xv.x + level.y * xv.y + level.z * xv.z + level.w * xv.w);
        bsum[j / 4u] += xv.x + xv.y + xv.z + xv.w;
      }
      mins8[c] = mins[2u * c] * bsum[0] + mins[2u * c + 1u] * bsum[1];
#if defined(REPACKED)
      [[unroll]] for (uint j = 0; j < 8u; ++j) isum += sumi[j], sumi[j] = 0;
      imin += mins8[c];
      if ((c + 1u) % CHUNKS_PER_FMA == 0u) {
        acc[0] = fma_rn(float(isum), d, acc[0]);
        acc[1] = fma_rn(float(imin), dmin, acc[1]);
        isum = imin = 0;
      }
#endif
    }
#if !defined(REPACKED)
    precise const float d = dy * dw, dmin = -(dy * dminw);
#if defined(W_Q2_K)
    [[unroll]] for (uint l = 0; l < 8u; ++l) acc[l] = fma_rn(dmin, float(mins8[l]), acc[l]);
#elif defined(W_Q4_K)
    [[unroll]] for (uint q = 0; q < 4u; ++q) acc_m[q] = fma_rn(dmin, float(mins8[2u * q] + mins8[2u * q + 1u]), acc_m[q]);
#elif defined(W_Q5_K)
    acc_m[0] = fma_rn(dmin, float(mins8[0] + mins8[1] + mins8[2] + mins8[3] + mins8[4] + mins8[5] + mins8[6] + mins8[7]), acc_m[0]);
#endif
    [[unroll]] for (uint j = 0; j < 8u; ++j) acc[j] = fma_rn(d, float(sumi[j]), acc[j]);
#endif
  }
#else
  const uint groups = p.k / 32u;
  for (uint G = 0; G < groups; ++G) {
    const uvec4 xw[2] = {xq[2u * G], xq[2u * G + 1u]};
    const uint scale_word = p.k / 4u + G;
    const float dx = uintBitsToFloat(xq[scale_word >> 2][scale_word & 3u]);
    const uint b = row + G * BLOCK_BYTES;
    const uint last = (b + BLOCK_BYTES - 1u) >> 2;  // reads stay within the block's words (the slot)
    uint raw[RAW_WORDS];
    [[unroll]] for (uint i = 0; i < RAW_WORDS; ++i) raw[i] = ld_word(s, min((b >> 2) + i, last));
    const bool odd = (b & 2u) != 0u;  // the block starts in the middle of raw[0]
    // The 32-bit word at byte o of the block (o even).
#define SPLICE(i) ((raw[i] >> 16) | (raw[(i) + 1u] << 16))
#define BW(o) (((o) & 2u) == 0u ? (odd ? SPLICE((o) >> 2) : raw[(o) >> 2]) : (odd ? raw[((o) + 2u) >> 2] : SPLICE((o) >> 2)))
    const vec2 dm = unpackHalf2x16(BW(0u));  // d, and m for q4_1 / q5_1
    precise const float d = dm.x * dx;
    // Word j of the block's quants (bytes 2 + 4j ..).
#define QW(j) int(BW(2u + 4u * (j)))
#if defined(W_Q8_0)
    [[unroll]] for (uint j = 0; j < 8u; ++j) acc[j] = fma_rn(d, float(dot4(QW(j), int(xw[j / 4u][j % 4u]))), acc[j]);
#elif defined(W_Q5_0) || defined(W_Q4_1) || defined(W_Q5_1)
    // Byte j of the quants holds elements j (low nibble) and j + 16 (high nibble); Q5's fifth bits
    // come from qh, bit e for element e. Lane j < 4 takes low nibbles, lane j >= 4 high ones.
#if defined(W_Q5_0)
    const uint qh = BW(2u), qs = 6u;
    const int bias = 16;
#elif defined(W_Q5_1)
    const uint qh = BW(4u), qs = 8u;
    const int bias = 0;
#else
    const uint qh = 0u, qs = 4u;
    const int bias = 0;
#endif
    [[unroll]] for (uint j = 0; j < 8u; ++j) {
      const uint q = BW(qs + 4u * (j % 4u));
      const uvec4 level = ((uvec4(q) >> (uvec4(0u, 8u, 16u, 24u) + (j < 4u ? 0u : 4u))) & 0xfu) |
                          (((uvec4(qh) >> (uvec4(0u, 1u, 2u, 3u) + 4u * j)) & 1u) << 4);
      const ivec4 w = ivec4(level) - bias;
      const int x = int(xw[j / 4u][j % 4u]);
      const int isum = w.x * bitfieldExtract(x, 0, 8) + w.y * bitfieldExtract(x, 8, 8) + w.z * bitfieldExtract(x, 16, 8) +
                       w.w * (x >> 24);
      acc[j] = fma_rn(d, float(isum), acc[j]);
    }
#if defined(W_Q4_1) || defined(W_Q5_1)
    const uint sum_word = p.k / 4u + groups + G;
    offsets = fma_rn(dm.y, uintBitsToFloat(xq[sum_word >> 2][sum_word & 3u]), offsets);
#endif
#else
    // Byte j of the quants holds elements j (low nibble) and j + 16 (high nibble), each minus 8.
    int isum = 0;
    [[unroll]] for (uint j = 0; j < 4u; ++j) {
      const uint q = uint(QW(j));
      isum += dot_nibbles(q, 0u, int(xw[0][j])) + dot_nibbles(q, 4u, int(xw[1][j]));
    }
    acc = fma_rn(float(isum), d, acc);
#endif
#undef QW
#undef BW
#undef SPLICE
  }
#endif
  if (r < ROWS && first_row + r < p.m) {
#if defined(W_Q4_0)
    dst[p.dst_first + first_row + r] = acc;
#elif defined(REPACKED)
    precise const float value = acc[0] - acc[1];
    dst[p.dst_first + first_row + r] = value;
#else
    precise const float s0 = acc[0] + acc[4], s1 = acc[1] + acc[5], s2 = acc[2] + acc[6], s3 = acc[3] + acc[7];
    precise const float sum = (s0 + s2) + (s1 + s3);
#if defined(W_Q4_1) || defined(W_Q5_1)
    precise const float total = sum + offsets;
#elif defined(W_Q4_K)
    precise const float total = sum + ((acc_m[0] + acc_m[2]) + (acc_m[1] + acc_m[3]));
#elif defined(W_Q5_K)
    precise const float total = sum + acc_m[0];
#else
    precise const float total = sum;
#endif
    dst[p.dst_first + first_row + r] = total;
#endif
  }
}
