// e^x as glibc's expf computes it, bit for bit, for x <= 0: x * 32/ln2 is split into k + r (|r| <= 1/2)
// by the round-to-integer shift, 2^(k/32) is a table entry with k / 32 added to its exponent, and
// a cubic in r finishes it, all in double with fused multiply-adds (glibc's FMA build, which x86
// CPUs with FMA run), then one rounding to float. Checked against glibc 2.36 on every negative float.
// Needs the shaderFloat64 feature.
#ifndef VKLLM_LIBM_EXPF_GLSL
#define VKLLM_LIBM_EXPF_GLSL

// 2^(i/32) as double bits (low, high word), less i << 47 (the exponent carries k's part).
const uvec2 EXP2_TABLE[32] = uvec2[](
  uvec2(0x00000000u, 0x3ff00000u), uvec2(0xd3158574u, 0x3fefd9b0u), uvec2(0x6cf9890fu, 0x3fefb558u), uvec2(0xd0125b51u, 0x3fef9301u),
  uvec2(0x3c7d517bu, 0x3fef72b8u), uvec2(0x3168b9aau, 0x3fef5487u), uvec2(0x6e756238u, 0x3fef387au), uvec2(0xf51fdee1u, 0x3fef1e9du),
  uvec2(0x0a31b715u, 0x3fef06feu), uvec2(0x373aa9cbu, 0x3feef1a7u), uvec2(0x4c123422u, 0x3feedea6u), uvec2(0x6061892du, 0x3feece08u),
  uvec2(0xd5362a27u, 0x3feebfdau), uvec2(0x569d4f82u, 0x3feeb42bu), uvec2(0xdd485429u, 0x3feeab07u), uvec2(0xb03a5585u, 0x3feea47eu),
  uvec2(0x667f3bcdu, 0x3feea09eu), uvec2(0xe8ec5f74u, 0x3fee9f75u), uvec2(0x73eb0187u, 0x3feea114u), uvec2(0x994cce13u, 0x3feea589u),
  uvec2(0x422aa0dbu, 0x3feeace5u), uvec2(0xb0cdc5e5u, 0x3feeb737u), uvec2(0x82a3f090u, 0x3feec491u), uvec2(0xb23e255du, 0x3feed503u),
  uvec2(0x995ad3adu, 0x3feee89fu), uvec2(0xf2fb5e47u, 0x3feeff76u), uvec2(0xdd85529cu, 0x3fef199bu), uvec2(0xdcef9069u, 0x3fef3720u),
  uvec2(0xdcfba487u, 0x3fef5818u), uvec2(0x337b9b5fu, 0x3fef7c97u), uvec2(0xa2a490dau, 0x3fefa4afu), uvec2(0x5b6e4540u, 0x3fefd076u));

float libm_expf(float x) {
  if (x < uintBitsToFloat(0xc2cff1b4u)) return 0.0;  // below -0x1.9fe368p6 (and -inf): glibc's underflow to 0
  const double inv_ln2_n = packDouble2x32(uvec2(0x652b82feu, 0x40471547u));  // 32 / ln 2
  const double shift = packDouble2x32(uvec2(0x00000000u, 0x43380000u));      // 0x1.8p52
  const double c0 = packDouble2x32(uvec2(0x4b912394u, 0x3ebc6af8u));
  const double c1 = packDouble2x32(uvec2(0x50fac4f3u, 0x3f2ebfceu));
  const double c2 = packDouble2x32(uvec2(0xff0c52d6u, 0x3f962e42u));
  precise double z = inv_ln2_n * double(x);
  precise double kd = z + shift;
  const uint k = unpackDouble2x32(kd).x;  // the rounded integer, two's complement in the low word
  kd -= shift;
  precise double r = z - kd;
  const uvec2 t = EXP2_TABLE[k & 31u];
  const double s = packDouble2x32(uvec2(t.x, t.y + (k << 15)));  // + k << 47 in 64 bits
  precise double p = fma(c0, r, c1);
  precise double r2 = r * r;
  precise double y = fma(c2, r, 1.0LF);
  y = fma(p, r2, y);
  y = y * s;
  return float(y);
}

#endif  // VKLLM_LIBM_EXPF_GLSL
