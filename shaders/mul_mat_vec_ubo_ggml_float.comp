#version 450
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
#include "mul_mat_vec_ubo.glsl"
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
