// Float steps that must round exactly as the CPU's do (IEEE, to nearest even), where GLSL's
// built-ins may not: division (2.5 ulp in Vulkan) and rounding to f16 (which compilers may fold away).
#ifndef VKLLM_EXACT_FLOAT_GLSL
#define VKLLM_EXACT_FLOAT_GLSL

// a / b rounded as IEEE division is (to nearest, ties to even). GLSL's division may be off by an
// ulp or two, and a scale one ulp away from the CPU's moves values across rounding boundaries, so
// the quotient of the significands is formed by integer long division. Operands that are not normal
// numbers (never met here in practice) fall back to the built-in division.
float div_rn(float a, float b) {
  const uint ua = floatBitsToUint(a), ub = floatBitsToUint(b);
  const int ea = int((ua >> 23) & 0xffu), eb = int((ub >> 23) & 0xffu);
  if (ea == 0 || ea == 255 || eb == 0 || eb == 255) return a / b;
  uint ma = (ua & 0x7fffffu) | 0x800000u;
  const uint mb = (ub & 0x7fffffu) | 0x800000u;
  int e = ea - eb + 127;
  if (ma < mb) {
    ma <<= 1;
    e -= 1;
  }
  // 25 quotient bits (24 of the result and a guard bit), then the remainder says if anything is left.
  uint q = 0u, r = ma;
  for (int i = 0; i < 25; ++i) {
    q <<= 1;
    if (r >= mb) {
      r -= mb;
      q |= 1u;
    }
    r <<= 1;
  }
  const bool guard = (q & 1u) != 0u, sticky = r != 0u;
  q >>= 1;
  if (guard && (sticky || (q & 1u) != 0u)) q += 1u;
  if (q == 0x1000000u) {
    q >>= 1;
    e += 1;
  }
  if (e <= 0 || e >= 255) return a / b;
  const uint sign = (ua ^ ub) & 0x80000000u;
  return uintBitsToFloat(sign | (uint(e) << 23) | (q & 0x7fffffu));
}

// x rounded to the nearest f16 value, ties to even, as f32. Integer operations throughout:
// compilers fold a packHalf2x16/unpackHalf2x16 pair into nothing.
float to_f16(float x) {
  const float ax = abs(x);
  if (ax < 6.103515625e-05) return roundEven(x * 16777216.0) / 16777216.0;  // f16 subnormals: steps of 2^-24
  const uint u = floatBitsToUint(x);
  const uint rounded = (u + 0xfffu + ((u >> 13) & 1u)) & ~0x1fffu;
  return ax >= 65520.0 ? sign(x) * uintBitsToFloat(0x7f800000u) : uintBitsToFloat(rounded);
}

#if defined(FLOAT64)
// div_rn at a fraction of its cost where the device has doubles: the double quotient of two floats
// rounds to the float IEEE division gives (53 bits of it are more than twice 24, plus two).
float div_rn_f64(float a, float b) {
  precise const double q = double(a) / double(b);
  return float(q);
}

// fma(a, b, c) rounded once, as the CPU's fused multiply-add: lavapipe does not fuse GLSL's fma,
// but a double holds the product of two floats exactly, so the only second rounding left is of a sum
// landing exactly between two floats (not met in the tests' millions of values).
float fma_rn(float a, float b, float c) {
  precise const double r = double(a) * double(b) + double(c);
  return float(r);
}
#endif

#endif  // VKLLM_EXACT_FLOAT_GLSL
