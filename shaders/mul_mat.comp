#version 450
// dst[m, n] = weight[k, m]^T x[k, n]: one dot product of k per output, f32 accumulation.
// Each invocation keeps a register tile of ROWS weight rows x COLS columns of x and walks k in
// groups of 32 elements: one group of weights is decoded once and used for COLS columns, one
// group of x is loaded once and used for ROWS rows. On lavapipe every buffer load is a loop over
// the 8 lanes, so loads per multiply-add are what the tile sizes trade.
//   SPLIT_K (matrix-vector): the WORKGROUP_SIZE invocations of a workgroup share one tile of
//     ROWS rows and all n <= COLS columns, take every WORKGROUP_SIZE-th group of k and reduce
//     with subgroupAdd, then shared memory across subgroups.
//   otherwise (matrix-matrix): invocation i of the 8 x 8 arrangement owns its own tile over all
//     of k; no reduction, no barriers.
// Columns and rows past n and m are clamped (computed twice, stored once).
// Defines: a W_ type (dequant.glsl), ROWS, COLS, optionally SPLIT_K and its WORKGROUP_SIZE (32 by
// default: one lavapipe thread runs a workgroup, so few rows per invocation would reload x for each;
// GPUs want many small workgroups in flight to hide memory latency, see shaders/CMakeLists.txt).
#include "common.glsl"
#include "window.glsl"

#ifdef SPLIT_K
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#ifndef WORKGROUP_SIZE
#define WORKGROUP_SIZE 32
#endif
#else
#define WORKGROUP_SIZE 64
#define TILES_M 8  // row tiles per workgroup; WORKGROUP_SIZE / TILES_M column tiles
#endif
layout(local_size_x = WORKGROUP_SIZE) in;

// ROLLED_ROWS keeps the loop over a tile's rows a loop: a 16 x 16 tile unrolled in full is 0.4 MB of
// SPIR-V that takes spirv-opt ~20 s per variant, for no speed on lavapipe (see shaders/CMakeLists.txt).
#ifdef ROLLED_ROWS
#define ROW_LOOP [[dont_unroll]]
#else
#define ROW_LOOP [[unroll]]
#endif

WINDOWED_BUFFER(0, readonly, uint, weight);
layout(binding = 1) readonly buffer X { vec4 x4[]; };
layout(binding = 2) writeonly buffer Dst { float dst[]; };
layout(push_constant) uniform Push { MulMatParams p; };

#include "dequant.glsl"

#ifdef SPLIT_K
shared float partial[ROWS * COLS][WORKGROUP_SIZE];
#endif

void main() {
#ifdef SPLIT_K
  const uint first_row = flat_workgroup_id() * ROWS;  // of the workgroup
  const uint row0 = first_row;
  const uint col0 = 0u;
  const uint lane = gl_LocalInvocationID.x;
  const uint lanes = WORKGROUP_SIZE;
#else
  const uint first_row = gl_WorkGroupID.x * (TILES_M * ROWS);
  const uint row0 = first_row + (gl_LocalInvocationID.x % TILES_M) * ROWS;
  const uint col0 = (gl_WorkGroupID.y * (WORKGROUP_SIZE / TILES_M) + gl_LocalInvocationID.x / TILES_M) * COLS;
  const uint lane = 0u;
  const uint lanes = 1u;
#endif
  if (first_row >= p.m) return;  // a folded dispatch's spare workgroups (whole workgroups)
  // The window holding the workgroup's first row; its rows lie within the window's reach.
  const uint first_byte = first_row * p.row_bytes;
  const uint w = window_index(first_byte);
  const uint base = first_byte - w * WINDOW_STRIDE;

  uint row_start[ROWS];
  [[unroll]] for (uint r = 0; r < ROWS; ++r) row_start[r] = base + (min(row0 + r, p.m - 1u) - first_row) * p.row_bytes;
  uint x_start[COLS];  // in vec4s
  [[unroll]] for (uint c = 0; c < COLS; ++c) x_start[c] = min(col0 + c, p.n - 1u) * (p.k / 4u);

  float acc[ROWS][COLS];
  [[unroll]] for (uint r = 0; r < ROWS; ++r)
    [[unroll]] for (uint c = 0; c < COLS; ++c) acc[r][c] = 0.0;

  const uint groups = p.k / 32u;
  for (uint G = lane; G < groups; G += lanes) {
    vec4 xs[COLS][8];
    [[unroll]] for (uint c = 0; c < COLS; ++c)
      [[unroll]] for (uint i = 0; i < 8u; ++i) xs[c][i] = x4[x_start[c] + 8u * G + i];
    ROW_LOOP for (uint r = 0; r < ROWS; ++r) {
      float v[32];
      dequant_group(w, row_start[r], G, v);
      [[unroll]] for (uint c = 0; c < COLS; ++c) {
        float s = acc[r][c];
        [[unroll]] for (uint i = 0; i < 8u; ++i)
          s += dot(vec4(v[4u * i], v[4u * i + 1u], v[4u * i + 2u], v[4u * i + 3u]), xs[c][i]);
        acc[r][c] = s;
      }
    }
  }

#ifdef SPLIT_K
  [[unroll]] for (uint r = 0; r < ROWS; ++r)
    [[unroll]] for (uint c = 0; c < COLS; ++c) {
      const float s = subgroupAdd(acc[r][c]);
      if (subgroupElect()) partial[r * COLS + c][gl_SubgroupID] = s;
    }
  barrier();
  const uint t = gl_LocalInvocationID.x;
  if (t < ROWS * COLS) {
    const uint r = t / COLS, c = t % COLS;
    if (row0 + r < p.m && c < p.n) {
      float s = 0.0;
      for (uint i = 0; i < gl_NumSubgroups; ++i) s += partial[t][i];
      dst[c * p.m + row0 + r] = s;
    }
  }
#else
  [[unroll]] for (uint c = 0; c < COLS; ++c)
    [[unroll]] for (uint r = 0; r < ROWS; ++r)
      if (row0 + r < p.m && col0 + c < p.n) dst[(col0 + c) * p.m + row0 + r] = acc[r][c];
#endif
}
