#version 450
// Rounds f32 activations the way ggml's CPU backend stores them before a matmul: through q8_0
// blocks of 32 (ROUND_Q8_0), q8_K blocks of 256 (ROUND_Q8_K), f16 (ROUND_F16) or bf16 (ROUND_BF16).
// dst holds the dequantized values, so every matmul kernel sees exactly the CPU's operands; with PACK
// (q8 roundings only) it holds the integers and scales instead, packed per column for
// mul_mat_vec_ubo.comp's X_Q8: k int8 values four to a word, then one f32 scale per group of 32,
// then (q8_0) one f32 per group holding ggml's q8_1 sum, f16(d * the group's integer sum) with d
// before its rounding to f16 (ops::Q8Columns).
#include "common.glsl"
#include "exact_float.glsl"

layout(local_size_x = 64) in;

layout(binding = 0) readonly buffer Src { float src[]; };
#if defined(PACK)
layout(binding = 1) writeonly buffer Dst { uint dst_words[]; };
#else
layout(binding = 1) writeonly buffer Dst { float dst[]; };
#endif
layout(push_constant) uniform Push { RoundActivationsParams p; };

void main() {
  const uint unit = flat_workgroup_id() * 64 + gl_LocalInvocationID.x;  // a block, or an element
  if (unit >= p.n_units) return;
#if defined(ROUND_Q8_0)
  const uint base = unit * 32;
  float amax = 0.0;
  for (uint j = 0; j < 32; ++j) amax = max(amax, abs(src[base + j]));
  const float d_exact = div_rn(amax, 127.0);
  const float d = to_f16(d_exact);
  const float id = amax != 0.0 ? div_rn(127.0, amax) : 0.0;
#if defined(PACK)
  const uint column = unit / p.units_per_column, block = unit % p.units_per_column;
  const uint words = column * p.column_words + block * 8u;
  int sum = 0;
  for (uint w = 0; w < 8u; ++w) {
    uint packed = 0u;
    for (uint b = 0; b < 4u; ++b) {
      precise float scaled = src[base + 4u * w + b] * id;
      const int q = int(roundEven(scaled));
      sum += q;
      packed |= (uint(q) & 0xffu) << (8u * b);
    }
    dst_words[words + w] = packed;
  }
  dst_words[column * p.column_words + p.scale_word + block] = floatBitsToUint(d);
  precise const float ds = d_exact * float(sum);
  dst_words[column * p.column_words + p.scale_word + p.units_per_column + block] = floatBitsToUint(to_f16(ds));
#else
  for (uint j = 0; j < 32; ++j) {
    precise float scaled = src[base + j] * id;
    dst[base + j] = d * roundEven(scaled);
  }
#endif
#elif defined(ROUND_Q8_K)
  const uint base = unit * 256;
  float amax = 0.0, signed_max = 0.0;
  for (uint j = 0; j < 256; ++j) {
    const float v = src[base + j];
    if (abs(v) > amax) {
      amax = abs(v);
      signed_max = v;
    }
  }
  const float iscale = amax != 0.0 ? div_rn(-127.0, signed_max) : 0.0;
  const float d = amax != 0.0 ? div_rn(1.0, iscale) : 0.0;
#if defined(PACK)
  const uint column = unit / p.units_per_column, block = unit % p.units_per_column;
  const uint words = column * p.column_words + block * 64u;
  for (uint w = 0; w < 64u; ++w) {
    uint packed = 0u;
    for (uint b = 0; b < 4u; ++b) {
      precise float scaled = amax != 0.0 ? iscale * src[base + 4u * w + b] : 0.0;
      packed |= (uint(int(min(127.0, roundEven(scaled)))) & 0xffu) << (8u * b);
    }
    dst_words[words + w] = packed;
  }
  for (uint g = 0; g < 8u; ++g) dst_words[column * p.column_words + p.scale_word + block * 8u + g] = floatBitsToUint(d);
#else
  for (uint j = 0; j < 256; ++j) {
    precise float scaled = amax != 0.0 ? iscale * src[base + j] : 0.0;  // all zero when amax is
    dst[base + j] = d * min(127.0, roundEven(scaled));
  }
#endif
#elif defined(ROUND_F16)
  dst[unit] = to_f16(src[unit]);
#elif defined(ROUND_BF16)
  const uint u = floatBitsToUint(src[unit]);
  const bool nan = (u & 0x7fffffffu) > 0x7f800000u;
  const uint r = nan ? ((u >> 16) | 64u) << 16 : ((u + 0x7fffu + ((u >> 16) & 1u)) >> 16) << 16;
  dst[unit] = uintBitsToFloat(r);
#else
#error "round_activations.comp needs a ROUND_ define"
#endif
}
