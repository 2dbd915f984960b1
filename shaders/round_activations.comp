#version 450
// Rounds f32 activations the way ggml's CPU backend stores them before a matmul: through q8_0
// blocks of 32 (ROUND_Q8_0), q8_K blocks of 256 (ROUND_Q8_K), f16 (ROUND_F16) or bf16 (ROUND_BF16).
// dst holds the dequantized values, so every matmul kernel sees exactly the CPU's operands.
#include "common.glsl"

layout(local_size_x = 64) in;

// a / b rounded as IEEE division is. GLSL's division may be off by an ulp or two (llvmpipe
// multiplies by a reciprocal), and a scale one ulp away from the CPU's moves values across rounding
// boundaries. The residual a - q*b is computed exactly (Dekker's product, no fma needed), and one
// correction step lands on the correctly rounded quotient.
void split(float a, out float hi, out float lo) {
  precise float c = 4097.0 * a;
  precise float big = c - a;
  hi = c - big;
  lo = a - hi;
}

float div_rn(float a, float b) {
  precise float q = a / b;
  precise float p = q * b;
  float qh, ql, bh, bl;
  split(q, qh, ql);
  split(b, bh, bl);
  precise float e = ((qh * bh - p) + qh * bl + ql * bh) + ql * bl;  // p + e == q * b exactly
  precise float r = (a - p) - e;
  precise float corrected = q + r / b;
  return corrected;
}

float to_f16(float x) { return unpackHalf2x16(packHalf2x16(vec2(x, 0.0))).x; }

layout(binding = 0) readonly buffer Src { float src[]; };
layout(binding = 1) writeonly buffer Dst { float dst[]; };
layout(push_constant) uniform Push { RoundActivationsParams p; };

void main() {
  const uint unit = flat_workgroup_id() * 64 + gl_LocalInvocationID.x;  // a block, or an element
  if (unit >= p.n_units) return;
#if defined(ROUND_Q8_0)
  const uint base = unit * 32;
  float amax = 0.0;
  for (uint j = 0; j < 32; ++j) amax = max(amax, abs(src[base + j]));
  const float d = to_f16(div_rn(amax, 127.0));
  const float id = amax != 0.0 ? div_rn(127.0, amax) : 0.0;
  for (uint j = 0; j < 32; ++j) {
    precise float scaled = src[base + j] * id;
    dst[base + j] = d * roundEven(scaled);
  }
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
  if (amax == 0.0) {
    for (uint j = 0; j < 256; ++j) dst[base + j] = 0.0;
    return;
  }
  const float iscale = div_rn(-127.0, signed_max);
  const float d = div_rn(1.0, iscale);
  for (uint j = 0; j < 256; ++j) {
    precise float scaled = iscale * src[base + j];
    dst[base + j] = d * min(127.0, roundEven(scaled));
  }
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
