#version 450
// Fused attention (flash-attention style): softmax(q k^T * scale + mask) v with an online softmax
// and f32 accumulation, reading a KV cache of cells [head_dim, n_head_kv, n_cells].
//
// A workgroup takes ROWS query rows of one kv head (a row is a (token, q head) pair; the q heads of
// a GQA group sit next to each other, so every K/V element read serves all ROWS rows) and one split
// of the cells. It walks the cells in tiles of WG keys:
//   A. one key per invocation: mask, then q.k for every row (q pre-scaled, in shared memory);
//   B. tile maxima (subgroup max + shared), rescale of the running state, probabilities to shared;
//   C. one 4-wide chunk of head dims per invocation (several key slices when the head is narrow):
//      o += p * v.
// Two barriers per tile: A's writes of the maxima of tile i+1 come after every read of tile i's
// (B, before barrier 2), and B's writes of tile i+1 after every read in C (before barrier 1).
// With n_splits == 1 the output is dst [head_dim, n_head, n_tokens]; otherwise partial results
// (unnormalised o, then m and l) for attention_combine.comp.
// Defines: KV_F16 | KV_Q8_0 | KV_F32, ROWS (1, 4 or 8).
#include "common.glsl"
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_vote : require

#define WG 32
#define MAX_HEAD_DIM 256
#define MAX_CHUNKS (MAX_HEAD_DIM / 4)
layout(local_size_x = WG) in;

layout(binding = 0) readonly buffer Q { vec4 q4[]; };
#if defined(KV_F16)
layout(binding = 1) readonly buffer K { uvec4 k_data[]; };  // 8 halves
layout(binding = 2) readonly buffer V { uvec2 v_data[]; };  // 4 halves
#elif defined(KV_F32)
layout(binding = 1) readonly buffer K { vec4 k_data[]; };
layout(binding = 2) readonly buffer V { vec4 v_data[]; };
#elif defined(KV_Q8_0)
// Blocks of 32 run along a cell's whole row (head_dim * n_head_kv), 17 16-bit words each: f16 scale,
// then 32 int8 quants. A chunk of 8 (or 4) elements never straddles a block.
layout(binding = 1) readonly buffer K { uint16_t k_data[]; };
layout(binding = 2) readonly buffer V { uint16_t v_data[]; };
#else
#error "attention.comp needs a KV_ define"
#endif
layout(binding = 3) readonly buffer QueryInfo { ivec2 query_info[]; };  // (seq, pos) per token
layout(binding = 4) readonly buffer CellInfo { ivec2 cell_info[]; };    // (seq, pos) per cell; seq < 0: empty
layout(binding = 5) writeonly buffer Out { float out_data[]; };
layout(binding = 6) readonly buffer State { AttentionState st; };
layout(push_constant) uniform Push { AttentionParams p; };

const float NEG_BIG = -3.0e38;  // finite, so that exp(m_old - m_new) never sees inf - inf

#if defined(KV_Q8_0)
vec4 q8_quads(uint16_t w0, uint16_t w1) {
  const int a = int(w0), b = int(w1);
  return vec4(bitfieldExtract(a, 0, 8), bitfieldExtract(a, 8, 8), bitfieldExtract(b, 0, 8), bitfieldExtract(b, 8, 8));
}
#endif

// Elements g .. g+7 of the K cache (g a multiple of 8).
void load_k8(uint g, out vec4 a, out vec4 b) {
#if defined(KV_F16)
  const uvec4 w = k_data[g / 8];
  a = vec4(unpackHalf2x16(w.x), unpackHalf2x16(w.y));
  b = vec4(unpackHalf2x16(w.z), unpackHalf2x16(w.w));
#elif defined(KV_F32)
  a = k_data[g / 4];
  b = k_data[g / 4 + 1];
#else
  const uint block_word = (g / 32) * 17;
  const float d = unpackHalf2x16(uint(k_data[block_word])).x;
  const uint w = block_word + 1 + (g % 32) / 2;
  a = d * q8_quads(k_data[w], k_data[w + 1]);
  b = d * q8_quads(k_data[w + 2], k_data[w + 3]);
#endif
}

// Elements g .. g+3 of the V cache (g a multiple of 4).
vec4 load_v4(uint g) {
#if defined(KV_F16)
  const uvec2 w = v_data[g / 4];
  return vec4(unpackHalf2x16(w.x), unpackHalf2x16(w.y));
#elif defined(KV_F32)
  return v_data[g / 4];
#else
  const uint block_word = (g / 32) * 17;
  const float d = unpackHalf2x16(uint(v_data[block_word])).x;
  const uint w = block_word + 1 + (g % 32) / 2;
  return d * q8_quads(v_data[w], v_data[w + 1]);
#endif
}

shared vec4 shared_q[ROWS * MAX_CHUNKS];
void store4(uint i, vec4 value) {
  out_data[i] = value.x;
  out_data[i + 1] = value.y;
  out_data[i + 2] = value.z;
  out_data[i + 3] = value.w;
}

shared float shared_p[ROWS * WG];    // probabilities of the tile [row][key]; at the end, l partials
shared float shared_max[ROWS * WG];  // [row][subgroup]
shared uint shared_visible[WG];      // rows (bits) that see key j of the tile
shared vec4 shared_o[ROWS * WG];     // key-slice partials of o, summed at the end

// o += p[j] v[key tile + j] for every row; o0 covers dims 4 * chunk .., o1 dims 4 * (chunk + WG) ...
void accumulate_pv(uint tile, uint j, uint chunk, uint kv_head, bool wide, inout vec4 o0[ROWS], inout vec4 o1[ROWS]) {
  float pj[ROWS];
  [[unroll]] for (uint r = 0; r < ROWS; ++r) pj[r] = shared_p[r * WG + j];
  const uint v_base = ((tile + j) * p.n_head_kv + kv_head) * p.head_dim + 4 * chunk;
  const vec4 v0 = load_v4(v_base);
  [[unroll]] for (uint r = 0; r < ROWS; ++r) o0[r] += pj[r] * v0;
  if (wide) {
    const vec4 v1 = load_v4(v_base + 4 * WG);
    [[unroll]] for (uint r = 0; r < ROWS; ++r) o1[r] += pj[r] * v1;
  }
}

void main() {
  const uint lane = gl_LocalInvocationID.x;
  const uint head_dim = p.head_dim;
  const uint chunks = head_dim / 4;
  const uint group = p.n_head / p.n_head_kv;
  const uint kv_head = gl_WorkGroupID.y;
  const uint split = gl_WorkGroupID.z;
  const uint n_rows = group * p.n_tokens;

  uint row_token[ROWS], row_head[ROWS];
  int row_seq[ROWS], row_pos[ROWS];
  int max_pos = -1;
  [[unroll]] for (uint r = 0; r < ROWS; ++r) {
    const uint row = gl_WorkGroupID.x * ROWS + r;
    const uint clamped = min(row, n_rows - 1);
    row_token[r] = clamped / group;
    row_head[r] = kv_head * group + clamped % group;
    if (p.use_info != 0) {
      const ivec2 info = query_info[row_token[r]];
      row_seq[r] = info.x;
      row_pos[r] = info.y;
    } else {
      row_seq[r] = 0;
      row_pos[r] = int(st.n_past + row_token[r]);
    }
    if (row >= n_rows) row_pos[r] = -1;  // sees nothing: occupied cells hold positions >= 0
    max_pos = max(max_pos, row_pos[r]);
  }
  // Loops over rows stay innermost and constant, so they unroll and the row arrays stay in registers.
  for (uint i = lane; i < chunks; i += WG)
    [[unroll]] for (uint r = 0; r < ROWS; ++r)
      shared_q[r * MAX_CHUNKS + i] = q4[(row_token[r] * p.n_head + row_head[r]) * chunks + i] * p.scale;

  const uint begin = split * p.kv_per_split;
  uint end = min(st.n_kv, begin + p.kv_per_split);
  if (p.use_info == 0) end = min(end, uint(max_pos + 1));  // causal: later cells hold later positions

  // Phase C roles: dims chunk .. chunk + 4 (and chunk + 4 * WG for wide heads) over keys slice, slice + slices, ...
  const uint slices = max(1u, WG / chunks);
  const uint chunk = lane % chunks;
  const uint slice = lane / chunks;
  const bool pv_active = slice < slices;

  float m_run[ROWS], l_lane[ROWS];
  // o for dims 4 * chunk .. + 4, and 4 * (chunk + WG) .. + 4 when the head is wider than 4 * WG.
  // (Separate arrays and no loops over them: loops that do not unroll would put them in memory.)
  vec4 o0[ROWS], o1[ROWS];
  const bool wide = chunk + WG < chunks;
  [[unroll]] for (uint r = 0; r < ROWS; ++r) {
    m_run[r] = NEG_BIG;
    l_lane[r] = 0.0;
    o0[r] = vec4(0.0);
    o1[r] = vec4(0.0);
  }
  barrier();

  for (uint tile = begin; tile < end; tile += WG) {
    // A: scores of key `cell` for every row.
    const uint cell = tile + lane;
    uint visible = 0;
    if (cell < end) {
      if (p.use_info != 0) {
        const ivec2 info = cell_info[cell];
        if (info.x >= 0)
          [[unroll]] for (uint r = 0; r < ROWS; ++r)
            if (info.x == row_seq[r] && info.y <= row_pos[r]) visible |= 1u << r;
      } else {
        [[unroll]] for (uint r = 0; r < ROWS; ++r)
          if (int(cell) <= row_pos[r]) visible |= 1u << r;
      }
    }
    float s[ROWS];
    [[unroll]] for (uint r = 0; r < ROWS; ++r) s[r] = NEG_BIG;
    if (subgroupAny(visible != 0)) {
      const uint k_base = (min(cell, end - 1) * p.n_head_kv + kv_head) * head_dim;
      float acc[ROWS];
      [[unroll]] for (uint r = 0; r < ROWS; ++r) acc[r] = 0.0;
      for (uint e = 0; e < head_dim; e += 8) {
        vec4 a, b;
        load_k8(k_base + e, a, b);
        const uint qi = e / 4;
        [[unroll]] for (uint r = 0; r < ROWS; ++r)
          acc[r] += dot(shared_q[r * MAX_CHUNKS + qi], a) + dot(shared_q[r * MAX_CHUNKS + qi + 1], b);
      }
      [[unroll]] for (uint r = 0; r < ROWS; ++r)
        if ((visible & (1u << r)) != 0) s[r] = acc[r];
    }
    [[unroll]] for (uint r = 0; r < ROWS; ++r) {
      const float m = subgroupMax(s[r]);
      if (subgroupElect()) shared_max[r * WG + gl_SubgroupID] = m;
    }
    barrier();

    // B: new running maxima; rescale what was accumulated; probabilities of this tile.
    float m_tile[ROWS];
    [[unroll]] for (uint r = 0; r < ROWS; ++r) m_tile[r] = shared_max[r * WG];
    for (uint i = 1; i < gl_NumSubgroups; ++i)
      [[unroll]] for (uint r = 0; r < ROWS; ++r) m_tile[r] = max(m_tile[r], shared_max[r * WG + i]);
    [[unroll]] for (uint r = 0; r < ROWS; ++r) {
      const float m_new = max(m_run[r], m_tile[r]);
      const float alpha = exp(m_run[r] - m_new);
      const float prob = (visible & (1u << r)) != 0 ? exp(s[r] - m_new) : 0.0;
      shared_p[r * WG + lane] = prob;
      l_lane[r] = l_lane[r] * alpha + prob;
      o0[r] *= alpha;
      o1[r] *= alpha;
      m_run[r] = m_new;
    }
    shared_visible[lane] = visible;
    barrier();

    // C: o += p v over this tile's keys. With one key slice (heads of 128 and wider) the key index
    // is uniform, so the reads of p may be scalar ones.
    const uint tile_keys = min(uint(WG), end - tile);
    if (slices == 1) {
      for (uint j = 0; j < tile_keys; ++j)
        if (shared_visible[j] != 0) accumulate_pv(tile, j, chunk, kv_head, wide, o0, o1);
    } else if (pv_active) {
      for (uint j = slice; j < tile_keys; j += slices)
        if (shared_visible[j] != 0) accumulate_pv(tile, j, chunk, kv_head, wide, o0, o1);
    }
  }

  // Sum l over all invocations and o over the key slices.
  barrier();
  [[unroll]] for (uint r = 0; r < ROWS; ++r) {
    shared_p[r * WG + lane] = l_lane[r];
    shared_o[r * WG + lane] = o0[r];
  }
  barrier();
  if (slice != 0) return;
  float l_sum[ROWS];
  [[unroll]] for (uint r = 0; r < ROWS; ++r) l_sum[r] = 0.0;
  for (uint i = 0; i < WG; ++i)
    [[unroll]] for (uint r = 0; r < ROWS; ++r) l_sum[r] += shared_p[r * WG + i];
  for (uint sl = 1; sl < slices; ++sl)
    [[unroll]] for (uint r = 0; r < ROWS; ++r) o0[r] += shared_o[r * WG + lane + sl * chunks];
  [[unroll]] for (uint r = 0; r < ROWS; ++r) {
    if (gl_WorkGroupID.x * ROWS + r < n_rows) {
      const float l = l_sum[r];
      const uint out_row = row_token[r] * p.n_head + row_head[r];
      const float inv_l = p.n_splits == 1 && l > 0.0 ? 1.0 / l : 1.0;
      const uint base = p.n_splits == 1 ? out_row * head_dim : (out_row * p.n_splits + split) * head_dim;
      store4(base + 4 * chunk, o0[r] * inv_l);
      if (wide) store4(base + 4 * (chunk + WG), o1[r] * inv_l);
      if (p.n_splits > 1 && lane == 0) {
        const uint ml = (p.n_tokens * p.n_head * p.n_splits) * head_dim + 2 * (out_row * p.n_splits + split);
        out_data[ml] = m_run[r];
        out_data[ml + 1] = l;
      }
    }
  }
}
