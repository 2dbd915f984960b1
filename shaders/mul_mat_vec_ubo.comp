#version 450
// dst[m] = weight[k, m]^T x[k] for CPU Vulkan devices, weights and x read through uniform buffers.
// On llvmpipe (Mesa 22) a storage-buffer load is a loop over the 8 lanes with a branch and a bounds
// check per 32-bit element, while a uniform-buffer load with a varying offset is one emulated gather
// without branches: the loads alone of q4_0 4096 x 14336 took 25 ms through storage buffers and 2.3 ms
// through uniform ones. A uniform binding is at most 64 KiB (the shader declares that much), so
// host/ops/mul_mat_vec_ubo.cpp binds the weight rows as SLOTS uniform buffers of whole rows each
// ("slots", MulMatVecUboParams says where) and x as one more; larger weights take several dispatches.
// Each workgroup owns ROWS rows of one slot (the slot index must be uniform); its invocations take
// every WORKGROUP_SIZE-th group of 32 along k and reduce through shared memory.
// With X_Q8, x is q8 integers and scales (ops::Q8Columns, written by round_activations.comp's PACK):
// the integers as floats are exact (so the level sums of the group_dots below are exact integer
// sums), the group's scale multiplies once, and x costs 9 loads per group instead of 32 (lavapipe
// q4_0 4096 x 4096: 2.9 -> 2.4 ms).
// Defines: a W_ type (dequant.glsl), ROWS, WORKGROUP_SIZE, SLOTS, optionally X_Q8 and GGML_ORDER
// (below).
#include "common.glsl"

layout(local_size_x = WORKGROUP_SIZE) in;

layout(binding = 0, std140) uniform Weight { uvec4 data[4096]; } slot[SLOTS];
#if defined(X_Q8)
// x as ggml's q8 activations: k int8 values packed four to a word, then one f32 scale per group of
// 32 (a q8_0 block's d, or the d of the q8_K block holding the group).
layout(binding = 1, std140) uniform X { uvec4 xq[4096]; };
#else
layout(binding = 1, std140) uniform X { vec4 x4[4096]; };
#endif
layout(binding = 2) writeonly buffer Dst { float dst[]; };
layout(push_constant) uniform Push { MulMatVecUboParams p; };

#define DEQUANT_LD_WORD
uint ld_word(uint s, uint word) { return slot[s].data[word >> 2][word & 3u]; }
#include "dequant.glsl"

// The dot product of group G of the row at byte `row` of slot s with xs (whose elements sum to xsum).
#if defined(W_Q4_0) || defined(W_Q4_1) || defined(W_Q5_0) || defined(W_Q5_1) || defined(W_Q8_0)
// Legacy blocks (one group each): w = d * (level - bias) + m, so the dot is
// d * (sum level * x) + (m - d * bias) * xsum, and the inner loop is an extract, a convert and a
// multiply-add per element. The block's words start at the word holding byte b (2 bytes earlier
// when b % 4 == 2).
float group_dot(uint s, uint row, uint G, const vec4 xs[8], float xsum) {
  const uint b = row + G * BLOCK_BYTES;
  const uint RAW = (BLOCK_BYTES + 5u) / 4u;  // words an odd block spans; an even one needs fewer
  const uint last = (b + BLOCK_BYTES - 1u) >> 2;  // reads stay within the block's words (the slot)
  uint raw[RAW];
  [[unroll]] for (uint i = 0; i < RAW; ++i) raw[i] = ld_word(s, min((b >> 2) + i, last));
  const bool odd = (b & 2u) != 0u;
  // The 32-bit word at byte b + o of the block (o even): whole or spliced from two raw words.
#define SPLICE(i) ((raw[i] >> 16) | (raw[(i) + 1u] << 16))
#define BW(o) (((o) & 2u) == 0u ? (odd ? SPLICE((o) >> 2) : raw[(o) >> 2]) \
                                : (odd ? raw[((o) + 2u) >> 2] : SPLICE((o) >> 2)))
  const vec2 dm = unpackHalf2x16(BW(0u));
  float sum = 0.0;
#if defined(W_Q8_0)
  [[unroll]] for (uint i = 0; i < 8u; ++i) {
    const int q = int(BW(2u + 4u * i));
    sum += dot(vec4(bitfieldExtract(q, 0, 8), bitfieldExtract(q, 8, 8), bitfieldExtract(q, 16, 8), q >> 24), xs[i]);
  }
  return dm.x * sum;
#else
#if defined(W_Q4_1) || defined(W_Q5_1)
  const uint head = 4u;
#else
  const uint head = 2u;
#endif
#if defined(W_Q5_0) || defined(W_Q5_1)
  const uint qh = BW(head);
  const uint qs = head + 4u;
#else
  const uint qs = head;
#endif
  // Byte j of the quants holds elements j (low nibble) and j + 16 (high nibble).
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    const uint q = BW(qs + 4u * i);
    uvec4 lo = (uvec4(q) >> uvec4(0u, 8u, 16u, 24u)) & 0xfu;
    uvec4 hi = (uvec4(q) >> uvec4(4u, 12u, 20u, 28u)) & 0xfu;
#if defined(W_Q5_0) || defined(W_Q5_1)
    lo |= ((uvec4(qh) >> (uvec4(0u, 1u, 2u, 3u) + 4u * i)) << 4) & 0x10u;
    hi |= (uvec4(qh) >> (uvec4(12u, 13u, 14u, 15u) + 4u * i)) & 0x10u;
#endif
    sum += dot(vec4(ivec4(lo)), xs[i]) + dot(vec4(ivec4(hi)), xs[i + 4u]);  // via int: x86 has no u32 -> f32
  }
#if defined(W_Q4_0)
  return dm.x * (sum - 8.0 * xsum);
#elif defined(W_Q5_0)
  return dm.x * (sum - 16.0 * xsum);
#else
  return dm.x * sum + dm.y * xsum;
#endif
#endif
#undef BW
#undef SPLICE
}
#elif defined(W_Q4_K)
// One sub-block: w = d * sc * level - dmin * m, so the dot is d * sc * (sum level * x) - dmin * m * xsum.
float group_dot(uint s, uint row, uint G, const vec4 xs[8], float xsum) {
  const uint b = row + (G / GROUPS_PER_BLOCK) * BLOCK_BYTES;
  const uint g = G % GROUPS_PER_BLOCK;
  const vec2 dm = unpackHalf2x16(ld32(s, b));  // d, dmin
  const uvec2 sm = scale_min_k4(s, b + 4u, g);
  const uint shift = 4u * (g & 1u);
  const uint qs = b + 16u + 32u * (g / 2u);
  float sum = 0.0;
  [[unroll]] for (uint i = 0; i < 8u; ++i) {
    const uvec4 level = (uvec4(ld32(s, qs + 4u * i)) >> (uvec4(0u, 8u, 16u, 24u) + shift)) & 0xfu;
    sum += dot(vec4(ivec4(level)), xs[i]);
  }
  return dm.x * float(int(sm.x)) * sum - dm.y * float(int(sm.y)) * xsum;
}
#elif defined(W_Q6_K)
// Two halves of 16 with their own scales: w = d * sc * (q - 32), so each half's dot is
// d * sc * (sum q * x - 32 * its sum of x).
float group_dot(uint s, uint row, uint G, const vec4 xs[8], float xsum) {
  const uint b = row + (G / GROUPS_PER_BLOCK) * BLOCK_BYTES;
  const uint h = (G % GROUPS_PER_BLOCK) / 4u, k = G % 4u;
  const float d = ldhalf(s, b + 208u);
  float total = 0.0;
  [[unroll]] for (uint part = 0; part < 2u; ++part) {
    const float dl = d * float(bitfieldExtract(int(ld8(s, b + 192u + 8u * h + part + 2u * k)), 0, 8));
    float sum = 0.0, half_sum = 0.0;
    [[unroll]] for (uint i = 0; i < 4u; ++i) {
      const uint l = 16u * part + 4u * i;
      const uint ql = ld32(s, b + 64u * h + l + 32u * (k & 1u));
      const uint qh = ld32(s, b + 128u + 32u * h + l);
      const uvec4 q = ((uvec4(ql) >> (uvec4(0u, 8u, 16u, 24u) + 4u * (k / 2u))) & 0xfu) |
                      (((uvec4(qh) >> (uvec4(0u, 8u, 16u, 24u) + 2u * k)) & 3u) << 4);
      sum += dot(vec4(ivec4(q)), xs[4u * part + i]);
      half_sum += dot(xs[4u * part + i], vec4(1.0));
    }
    total += dl * (sum - 32.0 * half_sum);
  }
  return total;
}
#else
float group_dot(uint s, uint row, uint G, const vec4 xs[8], float xsum) {
  float v[32];
  dequant_group(s, row, G, v);
  float sum = 0.0;
  [[unroll]] for (uint i = 0; i < 8u; ++i)
    sum += dot(vec4(v[4u * i], v[4u * i + 1u], v[4u * i + 2u], v[4u * i + 3u]), xs[i]);
  return sum;
}
#endif

#if defined(GGML_ORDER) && defined(X_Q8)
// Quantized weights times q8 x summed as llama.cpp's x86 CPU backend sums them, to the bit
// (host/cpu/q8_dot.cpp, k_quant_dot.cpp). Invocation r owns row r of the workgroup's ROWS and reads
// each block whole (spreading a row over invocations read twice the words and ran half as fast on
// lavapipe); x is the same for every invocation. Needs X_Q8, FLOAT64.
// - q8_0, q5_0, q4_1, q5_1: eight float lanes per row, lane j seeing elements 4j..4j+3 of every
//   block, acc_j = fma(d_w * d_x, (its four products' integer sum), acc_j) over the blocks in order,
//   then ((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7)); q4_1 and q5_1 add their offsets in one
//   more chain, m = fma(m_w, s_x, m) with x's q8_1 sum s_x, and return lanes + m.
// - q4_0 (tensors of 8k rows, which ggml repacks): one chain, acc = fma(block's integer sum,
//   d_w * d_x, acc) over the blocks in order.
// - q6_K: eight lanes as q8_0's, per super-block: lane j's integer sum over its elements 4j..4j+3 of
//   each 32-element chunk, each times its 16-element scale, then acc_j = fma(d_x * d_w, sum, acc_j).
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
#elif defined(GGML_ORDER)
// f32 or f16 weights times f32 x (f16 weights: x rounded to f16 values) summed as llama.cpp's x86
// CPU backend (its AVX-512 build) sums them, to the bit (host/cpu/float_dot.cpp):
// - ggml_vec_dot_f32 / _f16 (one token): 64-element steps, element i of a step feeding chain i of
//   64 with a fused multiply-add; then lane l of 16 is (c[l] + c[32 + l]) + (c[16 + l] + c[48 + l])
//   and the 16 lanes are halved to 8, then ((h0 + h4) + (h2 + h6)) + ((h1 + h5) + (h3 + h7)); the
//   elements after the last whole step are added one by one (f32: in float; f16: in double).
// - TINYBLAS (llamafile's tinyBLAS, two or more tokens): 16 chains, halved the same way.
// Invocation j of eight owns chains j * PER .. j * PER + PER - 1 of each of the workgroup's ROWS
// rows. The product of two f16 values is exact in float, so f16's fused multiply-add is the plain
// one; f32's goes through double (fma_rn). Needs WORKGROUP_SIZE 8, FLOAT64.
#include "exact_float.glsl"
#if defined(TINYBLAS)
#define STEP 16u
#else
#define STEP 64u
#endif
#define PER (STEP / 8u)
shared float chains[ROWS][STEP];

// Elements i and i + 1 of the row at byte `row` (i even).
vec2 w_pair(uint s, uint row, uint i) {
#if defined(W_F16)
  return unpackHalf2x16(ld32(s, row + 2u * i));
#else
  return vec2(uintBitsToFloat(ld32(s, row + 4u * i)), uintBitsToFloat(ld32(s, row + 4u * i + 4u)));
#endif
}

float w_at(uint s, uint row, uint i) {
#if defined(W_F16)
  return ldhalf(s, row + 2u * i);
#else
  return uintBitsToFloat(ld32(s, row + 4u * i));
#endif
}

float x_at(uint i) { return x4[i >> 2][i & 3u]; }

float fused(float a, float b, float c) {
#if defined(W_F16)
  precise const float r = a * b + c;  // the product is exact: one rounding, as the fused one
  return r;
#else
  return fma_rn(a, b, c);
#endif
}

void main() {
  const uint first_row = flat_workgroup_id() * ROWS;
  if (first_row >= p.m) return;
  const uint s = first_row / p.rows_per_slot;
  const uint shift = (p.head + s * p.rows_per_slot * p.row_bytes) % p.align;
  uint row_start[ROWS];
  [[unroll]] for (uint r = 0; r < ROWS; ++r)
    row_start[r] = shift + (min(first_row + r, p.m - 1u) - s * p.rows_per_slot) * p.row_bytes;

  const uint j = gl_LocalInvocationID.x;
  float acc[ROWS][PER];
  [[unroll]] for (uint r = 0; r < ROWS; ++r) [[unroll]] for (uint e = 0; e < PER; ++e) acc[r][e] = 0.0;
  const uint steps = p.k / STEP;
  for (uint st = 0; st < steps; ++st) {
    const uint base = st * STEP + j * PER;
    float xs[PER];
    [[unroll]] for (uint e = 0; e < PER; ++e) xs[e] = x_at(base + e);
    [[unroll]] for (uint r = 0; r < ROWS; ++r)
      [[unroll]] for (uint e = 0; e < PER; e += 2u) {
        const vec2 w = w_pair(s, row_start[r], base + e);
        acc[r][e] = fused(w.x, xs[e], acc[r][e]);
        acc[r][e + 1u] = fused(w.y, xs[e + 1u], acc[r][e + 1u]);
      }
  }
  [[unroll]] for (uint r = 0; r < ROWS; ++r) [[unroll]] for (uint e = 0; e < PER; ++e) chains[r][j * PER + e] = acc[r][e];
  barrier();
  if (j < ROWS && first_row + j < p.m) {
    float lanes[16];
#if defined(TINYBLAS)
    [[unroll]] for (uint l = 0; l < 16u; ++l) lanes[l] = chains[j][l];
#else
    [[unroll]] for (uint l = 0; l < 16u; ++l) {
      precise const float v = (chains[j][l] + chains[j][32u + l]) + (chains[j][16u + l] + chains[j][48u + l]);
      lanes[l] = v;
    }
#endif
    float h[8];
    [[unroll]] for (uint l = 0; l < 8u; ++l) {
      precise const float v = lanes[l] + lanes[l + 8u];
      h[l] = v;
    }
    precise float sum = ((h[0] + h[4]) + (h[2] + h[6])) + ((h[1] + h[5]) + (h[3] + h[7]));
    const uint row = row_start[j];
#if defined(W_F16)
    precise double rest = double(sum);
    for (uint i = steps * STEP; i < p.k; ++i) {
      precise const float product = w_at(s, row, i) * x_at(i);
      rest += double(product);
    }
    sum = float(rest);
#else
    for (uint i = steps * STEP; i < p.k; ++i) {
      precise const float product = w_at(s, row, i) * x_at(i);
      sum += product;
    }
#endif
    dst[p.dst_first + first_row + j] = sum;
  }
}
#else
shared float partial[ROWS][WORKGROUP_SIZE];

void main() {
  const uint first_row = flat_workgroup_id() * ROWS;  // of the dispatch; rows_per_slot % ROWS == 0
  if (first_row >= p.m) return;  // a folded dispatch's spare workgroups (whole workgroups)
  const uint s = first_row / p.rows_per_slot;
  const uint shift = (p.head + s * p.rows_per_slot * p.row_bytes) % p.align;
  uint row_start[ROWS];
  [[unroll]] for (uint r = 0; r < ROWS; ++r)
    row_start[r] = shift + (min(first_row + r, p.m - 1u) - s * p.rows_per_slot) * p.row_bytes;

  const uint lane = gl_LocalInvocationID.x;
  float acc[ROWS];
  [[unroll]] for (uint r = 0; r < ROWS; ++r) acc[r] = 0.0;
  const uint groups = p.k / 32u;
  for (uint G = lane; G < groups; G += WORKGROUP_SIZE) {
    vec4 xs[8];
#if defined(X_Q8)
    // The group's integers as floats (exact), so every sum below is an integer sum of products
    // below 2^24 (exact too) and the group's scale multiplies the result once.
    const uvec4 xw[2] = {xq[2u * G], xq[2u * G + 1u]};
    [[unroll]] for (uint i = 0; i < 8u; ++i)
    {
      const int w = int(xw[i / 4u][i % 4u]);
      xs[i] = vec4(bitfieldExtract(w, 0, 8), bitfieldExtract(w, 8, 8), bitfieldExtract(w, 16, 8), w >> 24);
    }
    const uint scale_word = p.k / 4u + G;
    const float dx = uintBitsToFloat(xq[scale_word >> 2][scale_word & 3u]);
#else
    [[unroll]] for (uint i = 0; i < 8u; ++i) xs[i] = x4[8u * G + i];
    const float dx = 1.0;  // x is its values
#endif
    float xsum = 0.0;  // for the legacy types' bias or offset, once for all ROWS rows
    [[unroll]] for (uint i = 0; i < 8u; ++i) xsum += dot(xs[i], vec4(1.0));
    [[unroll]] for (uint r = 0; r < ROWS; ++r) acc[r] += dx * group_dot(s, row_start[r], G, xs, xsum);
  }

  [[unroll]] for (uint r = 0; r < ROWS; ++r) partial[r][lane] = acc[r];
  barrier();
  if (lane < ROWS && first_row + lane < p.m) {
    float sum = 0.0;
    for (uint i = 0; i < WORKGROUP_SIZE; ++i) sum += partial[lane][i];
    dst[p.dst_first + first_row + lane] = sum;
  }
}
#endif
