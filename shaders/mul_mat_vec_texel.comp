#version 450
// dst[m] = weight[k, m]^T x[k] for CPU Vulkan devices, q4_0, q8_0 or q4_K weights and x read as uniform texel
// buffers (16-byte texels of four words). On llvmpipe a texel fetch at a varying index costs about
// what a uniform-buffer load does, but one texel binding reaches the whole weight: one dispatch per
// column (the uniform-buffer kernel, mul_mat_vec_ubo.comp, needs one per 14 x 64 KiB of weights, at
// ~0.1 ms each), and an invocation can own many rows, so each load of x serves ROWS rows.
// Rows are read in ggml's layout, STEP super-blocks of eight blocks (256 elements: q4_0 144 bytes =
// 9 texels, q8_0 272 bytes = 17 texels) at a time: k % 256 == 0 keeps every row on whole texels. A
// pair of blocks is PAIR_WORDS words: the even block's scale is the low half of its first word and its
// quants start two bytes in; the odd block's scale is the high half of word QUANT_WORDS and its quants
// start on the next word.
// The loads of the weight are mostly cache misses (each lane reads its own rows, 8 x ROWS rows at
// once), so q4_0 and q4_K fetch the texels of the next row before this row's arithmetic, which then
// overlaps them, and read two super-blocks of a row at a time (288 contiguous bytes). Lavapipe, q4_0
// 4096 x 14336, one column: 6.2 ms -> 5.3 (integer products, below) -> 4.5 (next row first) -> 3.4-3.8
// (two super-blocks a step; with four, spirv-opt ran out of memory here).
// q4_0 and q4_K multiply integers, as ggml's CPU backend does: x is rounded to q8_0 / q8_K blocks
// exactly as round_activations.comp rounds it (so x that is already rounded stays as it is), and two
// products at once come from one 32-bit multiply of 16-bit halves (LEVEL_PAIRS), about half the
// instructions of converting each level to float (q4_K 4096 x 4096, one column: 7.7 ms through
// uniform buffers, 1.35 here). q8_0 converts its levels to float and multiplies f32 x.
// With COLS > 1 an invocation takes COLS columns too, each decoded block serving all of them.
// Defines: W_Q4_0 or W_Q4_K (with FLOAT64: the device has shaderFloat64) or W_Q8_0, STEP
// (super-blocks a step; q8_0 and COLS > 1: 1), ROWS (rows per invocation), COLS, WORKGROUP_SIZE.
#include "common.glsl"
#if defined(W_Q4_K)
#define ROW_LOOP [[dont_unroll]]  // unrolled, spirv-opt took over 24 GiB for 16 rows or more
#else
#define ROW_LOOP [[unroll]]
#endif
#if defined(W_Q4_0) || defined(W_Q4_K)
#include "exact_float.glsl"
#define NEXT_ROW_FIRST 1
#else
#define NEXT_ROW_FIRST 0  // 17 texels held a row ahead cost q8_0 more than they hide (1.7 -> 2.2-3.1 ms)
#endif

layout(local_size_x = WORKGROUP_SIZE) in;

layout(binding = 0) uniform usamplerBuffer weight;  // from the tensor's first byte
layout(binding = 1) uniform usamplerBuffer x;       // p.n columns of f32
layout(binding = 2) writeonly buffer Dst { float dst[]; };
layout(push_constant) uniform Push { MulMatVecTexelParams p; };

#if defined(W_Q4_K)
const uint SUPER_TEXELS = 9u;  // a super-block of 144 bytes
#else
#if defined(W_Q4_0)
const uint QUANT_WORDS = 4u;  // a block: a half scale, 16 bytes of nibbles
#elif defined(W_Q8_0)
const uint QUANT_WORDS = 8u;  // a block: a half scale, 32 int8
#endif
const uint PAIR_WORDS = 2u * QUANT_WORDS + 1u;
const uint SUPER_TEXELS = PAIR_WORDS;  // eight blocks: four pairs of four-word texels
#endif

// Two products at once: a pair of levels a = lo + hi * 65536 (each 0..15) times a pair of integers
// of x X = x[hi] + x[lo] * 65536 (each -127..127) is lo * x[hi] + (lo * x[lo] + hi * x[hi]) * 65536
// modulo 2^32, the wanted two-term sum in the high half. Eight such products summed with 16384
// added keep the low halves' sum (|.| <= 8 * 15 * 127) in 0..65535, so that it never borrows from
// the high half, whose sum (|.| <= 16 * 15 * 127 < 32768) an arithmetic shift then reads off exactly.
const uint LEVEL_PAIRS = 0x000f000fu;
const uint HALF_SUM_START = 16384u;
int high_half(uint half_sum) { return int(half_sum) >> 16; }

#if defined(W_Q4_0)
// x of one block of 32 as q8_0: its scale, and its integers in pairs that match the nibbles a mask
// of 0x000f000f leaves after shifting word i of the block's quants by 0, 4, 8 and 12 bits:
// (element lo in the low half, hi in the high half) -> x[hi] + x[lo] * 65536.
struct XBlock {
  float d;
  int bias;  // 8 * the sum of the integers: q4_0's levels are nibbles - 8
  uint pairs[16];
};

XBlock round_block(const vec4 v[8]) {
  float amax = 0.0;
  [[unroll]] for (uint i = 0; i < 8u; ++i) {
    const vec4 a = abs(v[i]);
    amax = max(amax, max(max(a.x, a.y), max(a.z, a.w)));
  }
  XBlock b;
  b.d = to_f16(div_rn_f64(amax, 127.0));
  const float id = amax != 0.0 ? div_rn_f64(127.0, amax) : 0.0;
  int q[32];
  int sum = 0;
  [[unroll]] for (uint i = 0; i < 8u; ++i) {
    precise vec4 scaled = v[i] * id;
    const ivec4 r = ivec4(roundEven(scaled));
    q[4u * i] = r.x;
    q[4u * i + 1u] = r.y;
    q[4u * i + 2u] = r.z;
    q[4u * i + 3u] = r.w;
    sum += r.x + r.y + r.z + r.w;
  }
  b.bias = 8 * sum;
#define PAIR(lo, hi) (uint(q[hi]) + (uint(q[lo]) << 16))
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    b.pairs[4u * i] = PAIR(4u * i, 4u * i + 2u);             // bits 0-3 and 16-19 of word i
    b.pairs[4u * i + 1u] = PAIR(4u * i + 16u, 4u * i + 18u);  // 4-7 and 20-23
    b.pairs[4u * i + 2u] = PAIR(4u * i + 1u, 4u * i + 3u);    // 8-11 and 24-27
    b.pairs[4u * i + 3u] = PAIR(4u * i + 17u, 4u * i + 19u);  // 12-15 and 28-31
  }
#undef PAIR
  return b;
}

// sum (level - 8) * x over a block of nibbles q, two products per multiply (see LEVEL_PAIRS).
int block_dot(const uint q[QUANT_WORDS], const XBlock xb) {
  const uint M = LEVEL_PAIRS;
  uint half_sum[2] = {HALF_SUM_START, HALF_SUM_START};
  [[unroll]] for (uint i = 0; i < 4u; ++i)
    half_sum[i / 2u] += (q[i] & M) * xb.pairs[4u * i] + ((q[i] >> 4) & M) * xb.pairs[4u * i + 1u] +
                        ((q[i] >> 8) & M) * xb.pairs[4u * i + 2u] + ((q[i] >> 12) & M) * xb.pairs[4u * i + 3u];
  return high_half(half_sum[0]) + high_half(half_sum[1]) - xb.bias;
}
#endif

#if defined(W_Q4_K)
// x as q8_K, exactly as round_activations.comp rounds it: per super-block of 256 one scale XK_D, and
// per sub-block j of 32 the sum of its integers and its integers in pairs that match a q4_K quant
// word shifted by 0 and 8 bits (low nibbles) or 4 and 12 (high): word i holds elements 4i..4i+3 of
// two sub-blocks, so pair 2i is (4i, 4i + 2) and pair 2i + 1 is (4i + 1, 4i + 3). Flat arrays
// written in place: structs of them passed by value made spirv-opt take 24 GiB.
const uint XK_D = 0u, XK_SUMS = 1u, XK_PAIRS = 9u, XK_WORDS = 9u + 128u;
#endif

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

  // Texel i of a step's row from super-block sb on; a last step past the row's end reads its last
  // super-block again, which the zero x of the missing super-blocks multiplies away.
#define ROW_TEXEL(row, sb, i) \
  (row_texel[row] + min((sb) + (i) / SUPER_TEXELS, supers - 1u) * SUPER_TEXELS + (i) % SUPER_TEXELS)
#if NEXT_ROW_FIRST
  uvec4 next[STEP * SUPER_TEXELS];  // the texels of the row after the current one
  [[unroll]] for (uint i = 0; i < STEP * SUPER_TEXELS; ++i) next[i] = texelFetch(weight, int(ROW_TEXEL(0, 0u, i)));
#endif
  for (uint sb = 0; sb < supers; sb += STEP) {
#if defined(W_Q4_K)
    // Unrolled, so that xk stays in constant-indexed slots: as loops spirv-opt takes 2 s a variant
    // instead of 6-19 s (up to 4.6 GiB), but 4096 x 4096 runs 1.5-2.5x slower (n = 512: 33 -> 12-15 GFLOPS).
    uint xk[COLS][STEP][XK_WORDS];
    [[unroll]] for (uint c = 0; c < COLS; ++c)
      [[unroll]] for (uint s = 0; s < STEP; ++s) {
        const bool inside = sb + s < supers;
        vec4 v[64];
        [[unroll]] for (uint i = 0; i < 64u; ++i)
          v[i] = inside ? uintBitsToFloat(texelFetch(x, int(x_texel[c] + (sb + s) * 64u + i))) : vec4(0.0);
        float amax = 0.0, signed_max = 0.0;  // the first element of the largest magnitude
        [[unroll]] for (uint i = 0; i < 64u; ++i)
          [[unroll]] for (uint e = 0; e < 4u; ++e) {
            const bool larger = abs(v[i][e]) > amax;  // selects, not 256 branches
            signed_max = larger ? v[i][e] : signed_max;
            amax = larger ? abs(v[i][e]) : amax;
          }
        const float iscale = amax != 0.0 ? div_rn_f64(-127.0, signed_max) : 0.0;
        xk[c][s][XK_D] = floatBitsToUint(amax != 0.0 ? div_rn_f64(1.0, iscale) : 0.0);
        [[unroll]] for (uint j = 0; j < 8u; ++j) {
          int q[32];
          int sum = 0;
          [[unroll]] for (uint i = 0; i < 8u; ++i) {
            precise vec4 scaled = iscale * v[8u * j + i];
            const ivec4 r = ivec4(min(vec4(127.0), roundEven(scaled)));
            q[4u * i] = r.x;
            q[4u * i + 1u] = r.y;
            q[4u * i + 2u] = r.z;
            q[4u * i + 3u] = r.w;
            sum += r.x + r.y + r.z + r.w;
          }
          xk[c][s][XK_SUMS + j] = uint(sum);
          [[unroll]] for (uint i = 0; i < 8u; ++i) {
            xk[c][s][XK_PAIRS + 16u * j + 2u * i] = uint(q[4u * i + 2u]) + (uint(q[4u * i]) << 16);
            xk[c][s][XK_PAIRS + 16u * j + 2u * i + 1u] = uint(q[4u * i + 3u]) + (uint(q[4u * i + 1u]) << 16);
          }
        }
      }
#elif defined(W_Q4_0)
    XBlock xb[COLS][8 * STEP];
    [[unroll]] for (uint c = 0; c < COLS; ++c)
      [[unroll]] for (uint b = 0; b < 8u * STEP; ++b) {
        const bool inside = sb + b / 8u < supers;
        vec4 v[8];
        [[unroll]] for (uint i = 0; i < 8u; ++i)
          v[i] = inside ? uintBitsToFloat(texelFetch(x, int(x_texel[c] + sb * 64u + 8u * b + i))) : vec4(0.0);
        xb[c][b] = round_block(v);
      }
#else
    vec4 xs[COLS][64];  // the super-block's 256 elements of each column, four at a time (STEP is 1)
    [[unroll]] for (uint c = 0; c < COLS; ++c)
      [[unroll]] for (uint i = 0; i < 64u; ++i)
        xs[c][i] = uintBitsToFloat(texelFetch(x, int(x_texel[c] + sb * 64u + i)));
#endif
    ROW_LOOP for (uint r = 0; r < ROWS; ++r) {
#if NEXT_ROW_FIRST
      const uvec4 t[STEP * SUPER_TEXELS] = next;
      const uint next_row = r + 1u < ROWS ? r + 1u : 0u;
      const uint next_sb = r + 1u < ROWS ? sb : sb + STEP;
      [[unroll]] for (uint i = 0; i < STEP * SUPER_TEXELS; ++i)
        next[i] = texelFetch(weight, int(ROW_TEXEL(next_row, next_sb, i)));
#else
      uvec4 t[STEP * SUPER_TEXELS];
      [[unroll]] for (uint i = 0; i < STEP * SUPER_TEXELS; ++i) t[i] = texelFetch(weight, int(ROW_TEXEL(r, sb, i)));
#endif
#define WORD(i) t[(i) / 4u][(i) % 4u]
#if defined(W_Q4_K)
      // Per sub-block j: d * scale_j * sum(level * x) - dmin * min_j * sum(x), in integers until the
      // scales; the levels times integers two products per multiply (LEVEL_PAIRS).
      [[unroll]] for (uint s = 0; s < STEP; ++s) {
#define W(i) WORD(36u * s + (i))
        const vec2 dm = unpackHalf2x16(W(0u));
        uint sc_bytes[12];  // the packed 6-bit scales and mins
        [[unroll]] for (uint b = 0; b < 12u; ++b) sc_bytes[b] = (W(1u + b / 4u) >> (8u * (b % 4u))) & 0xffu;
        [[unroll]] for (uint c = 0; c < COLS; ++c) {
          int level_sum = 0, min_sum = 0;
          [[unroll]] for (uint j = 0; j < 8u; ++j) {
            // ggml's get_scale_min_k4; both forms computed and one selected (a branch per sub-block
            // and row made spirv-opt take 24 GiB).
            const uint lo = sc_bytes[j & 3u], hi = sc_bytes[(j & 3u) + 4u], up = sc_bytes[(j & 3u) + 8u];
            const bool first = j < 4u;
            const uint sc = first ? lo & 63u : (up & 0xfu) | ((lo >> 6) << 4);
            const uint mn = first ? hi & 63u : (up >> 4) | ((hi >> 6) << 4);
            const uint shift = 4u * (j % 2u);  // sub-block 2g: the low nibbles of group g, 2g + 1 the high
            uint half_sum[2] = {HALF_SUM_START, HALF_SUM_START};
            [[unroll]] for (uint i = 0; i < 8u; ++i) {
              const uint q = W(4u + 8u * (j / 2u) + i) >> shift;
              half_sum[i / 4u] += (q & LEVEL_PAIRS) * xk[c][s][XK_PAIRS + 16u * j + 2u * i] +
                                  ((q >> 8) & LEVEL_PAIRS) * xk[c][s][XK_PAIRS + 16u * j + 2u * i + 1u];
            }
            level_sum += int(sc) * (high_half(half_sum[0]) + high_half(half_sum[1]));
            min_sum += int(mn) * int(xk[c][s][XK_SUMS + j]);
          }
          acc[r][c] += uintBitsToFloat(xk[c][s][XK_D]) * (dm.x * float(level_sum) - dm.y * float(min_sum));
        }
#undef W
      }
#else
      [[unroll]] for (uint b = 0; b < 8u * STEP; ++b) {
        const uint pair = 4u * SUPER_TEXELS * (b / 8u) + PAIR_WORDS * ((b % 8u) / 2u);
        float d;
        uint q[QUANT_WORDS];
        if (b % 2u == 0u) {
          d = unpackHalf2x16(WORD(pair)).x;
          [[unroll]] for (uint i = 0; i < QUANT_WORDS; ++i) q[i] = (WORD(pair + i) >> 16) | (WORD(pair + i + 1u) << 16);
        } else {
          d = unpackHalf2x16(WORD(pair + QUANT_WORDS)).y;
          [[unroll]] for (uint i = 0; i < QUANT_WORDS; ++i) q[i] = WORD(pair + QUANT_WORDS + 1u + i);
        }
#if defined(W_Q4_0)
        [[unroll]] for (uint c = 0; c < COLS; ++c) acc[r][c] += d * xb[c][b].d * float(block_dot(q, xb[c][b]));
#else
        vec4 w[8];  // the block's levels, elements 4i..4i+3
        [[unroll]] for (uint i = 0; i < 8u; ++i) {
          const int v = int(q[i]);
          w[i] = vec4(bitfieldExtract(v, 0, 8), bitfieldExtract(v, 8, 8), bitfieldExtract(v, 16, 8), v >> 24);
        }
        [[unroll]] for (uint c = 0; c < COLS; ++c) {
          float s = 0.0;
          [[unroll]] for (uint i = 0; i < 8u; ++i) s += dot(w[i], xs[c][8u * b + i]);
          acc[r][c] += d * s;
        }
#endif
      }
#endif
#undef WORD
    }
  }
#undef ROW_TEXEL

  [[unroll]] for (uint c = 0; c < COLS; ++c)
    [[unroll]] for (uint r = 0; r < ROWS; ++r)
      if (c < p.n && first + r < p.m) dst[p.dst_first + c * p.m + first + r] = acc[r][c];
}
