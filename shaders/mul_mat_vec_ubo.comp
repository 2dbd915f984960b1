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
// The kernels that sum in ggml's order are mul_mat_vec_ubo_ggml.comp and mul_mat_vec_ubo_ggml_float.comp.
// Defines: a W_ type (dequant.glsl), ROWS, WORKGROUP_SIZE, SLOTS, optionally X_Q8.
#include "mul_mat_vec_ubo.glsl"

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
