#version 450
// Attention over an f16 cache computed as ggml's CPU flash attention computes it (llama.cpp's
// default; host/cpu/flash_attention.cpp is the same on the CPU), so that near-tied logits resolve
// as they do there. For each query row (token, q head), one pass over its visible cells in order:
//   score = (q . k in ggml_vec_dot_f16's AVX-512 order) * scale, q already rounded to f16;
//   a new maximum rescales the accumulator by ms = e^(old - new), else the value weighs vs = e^(s - max);
//   the value accumulator is f16: every rescale and every multiply-add is rounded to f16;
//   sum = fma(sum, ms, vs); out = acc * (1 / sum).
// A workgroup owns one row: its lanes score WG cells at once, then walk them in order, lane l
// holding the dim pairs l, l + WG, ... of the accumulator (dims 2l and 2l + 1, ...: one 32-bit load
// of V per pair). The walk is sequential by nature (each step
// rounds), so this is slower than attention.comp on long contexts.
// FLOAT64 (devices with shaderFloat64): e^x is libm's expf to the bit (libm_expf.glsl), and the
// multiply-adds are fused through double (lavapipe does not fuse GLSL's fma; a double holds the
// product exactly, so only a sum landing exactly between two floats could round twice). Without it,
// GLSL's exp (a few ulp off) and fma: about one element in three then ends an f16 step or so away
// after a few hundred cells.
#include "common.glsl"
#include "exact_float.glsl"
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_shuffle_relative : require
#if defined(FLOAT64)
#include "libm_expf.glsl"
#define EXP libm_expf
float fused(float a, float b, float c) { return fma_rn(a, b, c); }
#else
#define EXP exp
float fused(float a, float b, float c) { return fma(a, b, c); }
#endif

#define WG 32
#ifndef MAX_HEAD_DIM
#define MAX_HEAD_DIM 256
#endif
#define DIMS_PER_LANE (MAX_HEAD_DIM / WG)
layout(local_size_x = WG) in;

layout(binding = 0) readonly buffer Q { float q_data[]; };
layout(binding = 1) readonly buffer K { uvec4 k_data[]; };  // f16, eight to a vector
layout(binding = 2) readonly buffer V { uint v_data[]; };
layout(binding = 3) readonly buffer QueryInfo { ivec2 query_info[]; };  // (seq, pos) per token
layout(binding = 4) readonly buffer CellInfo { ivec2 cell_info[]; };    // (seq, pos) per cell; seq < 0: empty
layout(binding = 5) writeonly buffer Out { float out_data[]; };
layout(binding = 6) readonly buffer State { AttentionState st; };
layout(push_constant) uniform Push { AttentionParams p; };

shared float shared_q[MAX_HEAD_DIM];
shared float shared_s[WG];        // scores of the tile's cells (-inf: not visible)
shared float shared_ms[WG], shared_vs[WG];
shared float shared_subgroup_max[WG];
shared uint shared_visible[WG];  // 1: the row sees cell tile + j

float k_at(uint e) { return unpackHalf2x16(k_data[e >> 3][(e >> 1) & 3u])[e & 1u]; }
float half_of(uvec4 w, uint i) { return unpackHalf2x16(w[i >> 1])[i & 1u]; }
vec2 v_pair(uint e) { return unpackHalf2x16(v_data[e >> 1]); }  // elements e, e + 1 (e even)

// ggml_vec_dot_f16 on AVX-512: element i of each 64-element step goes to lane i % 16 of accumulator
// (i % 64) / 16, fused; the accumulators add as (0 + 2) + (1 + 3), then the lanes as
// _mm512_reduce_add_ps (halves first).
// K is read eight elements (16 bytes) at a time where rows allow (head sizes of 8k): on llvmpipe a
// storage load costs a loop over the lanes whatever its width (lavapipe, 62-token prompt, 64-dim
// heads: 72 -> 66 ms; V's loads by pairs in the walk then 66 -> 59).
float dot_ggml(uint k_base, uint head_dim) {
  const uint steps = head_dim / 64u;
  precise float lanes[16];
  if (k_base % 8u == 0u) {
    for (uint g = 0; g < 2u; ++g) {  // lanes 8g .. 8g + 7
      precise float acc[4][8];
      [[unroll]] for (uint a = 0; a < 4u; ++a) [[unroll]] for (uint i = 0; i < 8u; ++i) acc[a][i] = 0.0;
      for (uint s = 0; s < steps; ++s) {
        [[unroll]] for (uint a = 0; a < 4u; ++a) {
          const uint e = 64u * s + 16u * a + 8u * g;  // elements e .. e + 7 feed lanes 8g .. 8g + 7 of accumulator a
          const uvec4 w = k_data[(k_base + e) >> 3];
          // f16 times f16 is exact in float, so an unfused fma rounds once as well
          [[unroll]] for (uint i = 0; i < 8u; ++i) acc[a][i] = fma(half_of(w, i), shared_q[e + i], acc[a][i]);
        }
      }
      [[unroll]] for (uint i = 0; i < 8u; ++i) lanes[8u * g + i] = (acc[0][i] + acc[2][i]) + (acc[1][i] + acc[3][i]);
    }
  } else {
    for (uint l = 0; l < 16u; ++l) {
      precise float a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0;
      for (uint s = 0; s < steps; ++s) {
        const uint e = 64u * s + l;
        a0 = fma(k_at(k_base + e), shared_q[e], a0);
        a1 = fma(k_at(k_base + e + 16u), shared_q[e + 16u], a1);
        a2 = fma(k_at(k_base + e + 32u), shared_q[e + 32u], a2);
        a3 = fma(k_at(k_base + e + 48u), shared_q[e + 48u], a3);
      }
      lanes[l] = (a0 + a2) + (a1 + a3);
    }
  }
  precise float h[8];
  for (uint i = 0; i < 8u; ++i) h[i] = lanes[i] + lanes[i + 8u];
  precise float sum = ((h[0] + h[4]) + (h[2] + h[6])) + ((h[1] + h[5]) + (h[3] + h[7]));
  // Head sizes off the 64-element steps: ggml adds the last products in double.
#if defined(FLOAT64)
  precise double rest = double(sum);
  for (uint e = 64u * steps; e < head_dim; ++e) rest += double(k_at(k_base + e) * shared_q[e]);
  return float(rest);
#else
  for (uint e = 64u * steps; e < head_dim; ++e) sum += k_at(k_base + e) * shared_q[e];
  return sum;
#endif
}

void main() {
  const uint lane = gl_LocalInvocationID.x;
  const uint head_dim = p.head_dim;
  const uint head = gl_WorkGroupID.x, token = p.first_token + gl_WorkGroupID.y;
  const uint kv_head = head / (p.n_head / p.n_head_kv);
  int seq = 0, pos = int(st.n_past + token);
  if (p.use_info != 0) {
    seq = query_info[token].x;
    pos = query_info[token].y;
  }
  const uint row = token * p.n_head + head;
  for (uint d = lane; d < head_dim; d += WG) shared_q[d] = q_data[row * head_dim + d];
  uint end = st.n_kv;
  if (p.use_info == 0) end = min(end, uint(pos + 1));  // causal: later cells hold later positions

  precise float acc[DIMS_PER_LANE];  // f16 values, as floats
  [[unroll]] for (uint i = 0; i < DIMS_PER_LANE; ++i) acc[i] = 0.0;
  const float NEG_INF = uintBitsToFloat(0xff800000u);
  float max_score = NEG_INF;  // over the cells walked so far (e^-inf = 0 rescales the empty start)
  precise float sum = 0.0;
  barrier();

  for (uint tile = 0; tile < end; tile += WG) {
    // Each lane scores one cell. The running maximum before a cell is the maximum of the cells
    // before it, so every cell's two factors (ms: rescale on a new maximum, vs: its value's weight)
    // are known without the walk, and each lane forms its cell's: one e^x per cell, in parallel.
    const uint cell = tile + lane;
    bool visible = cell < end;
    if (visible && p.use_info != 0) {
      const ivec2 info = cell_info[cell];
      visible = info.x >= 0 && info.x == seq && info.y <= pos;
    }
    shared_s[lane] = visible ? dot_ggml((cell * p.n_head_kv + kv_head) * head_dim, head_dim) * p.scale : NEG_INF;
    barrier();
    // Prefix maxima: a scan within each subgroup, the subgroups' maxima through shared memory.
    const float s = shared_s[lane];
    const float inclusive = subgroupInclusiveMax(s);
    const float subgroup_max = subgroupMax(s);
    const float in_subgroup = subgroupShuffleUp(inclusive, 1u);  // exclusive (lane 0: undefined)
    if (subgroupElect()) shared_subgroup_max[gl_SubgroupID] = subgroup_max;
    barrier();
    float before = max_score;
    for (uint i = 0; i < gl_SubgroupID; ++i) before = max(before, shared_subgroup_max[i]);
    float tile_max = before;
    for (uint i = gl_SubgroupID; i < gl_NumSubgroups; ++i) tile_max = max(tile_max, shared_subgroup_max[i]);
    if (gl_SubgroupInvocationID != 0u) before = max(before, in_subgroup);
    // ggml: a score above the maximum rescales by e^(old - new); any other weighs e^(s - max).
    shared_ms[lane] = visible && s > before ? EXP(before - s) : 1.0;
    shared_vs[lane] = visible && !(s > before) ? EXP(s - before) : 1.0;
    shared_visible[lane] = visible ? 1u : 0u;
    max_score = tile_max;
    barrier();
    // The walk in order: each step rounds the accumulator to f16 (a rescale by exactly 1 is none).
    const uint tile_keys = min(uint(WG), end - tile);
    for (uint j = 0; j < tile_keys; ++j) {
      if (shared_visible[j] == 0u) continue;  // ggml skips cells its mask hides
      const float ms = shared_ms[j], vs = shared_vs[j];
      if (ms != 1.0)
        [[unroll]] for (uint i = 0; i < DIMS_PER_LANE; ++i) acc[i] = to_f16(acc[i] * ms);
      const uint v_base = ((tile + j) * p.n_head_kv + kv_head) * head_dim;
      [[unroll]] for (uint i = 0; i < DIMS_PER_LANE; i += 2u) {
        const uint d = 2u * (lane + (i / 2u) * WG);
        if (d < head_dim) {
          const vec2 v = v_pair(v_base + d);
          acc[i] = to_f16(fused(v.x, vs, acc[i]));
          acc[i + 1u] = to_f16(fused(v.y, vs, acc[i + 1u]));
        }
      }
      sum = fused(sum, ms, vs);
    }
    barrier();
  }

  const float inv = sum == 0.0 ? 0.0 : div_rn(1.0, sum);
  [[unroll]] for (uint i = 0; i < DIMS_PER_LANE; ++i) {
    const uint d = 2u * (lane + (i / 2u) * WG) + i % 2u;
    if (d < head_dim) out_data[row * head_dim + d] = acc[i] * inv;
  }
}
