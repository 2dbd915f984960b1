// Weight decoders for mul_mat: dequant_group(w, row, G, v) writes the 32 elements of group G
// (elements 32G .. 32G+31) of the weight row starting at byte `row` of window w. ggml blocks are
// only 2-byte aligned (18, 22, 34, 110, 210 bytes), so the weight is read as 32-bit words and
// realigned in registers: a legacy block takes ceil((bytes + 2) / 4) loads whatever its alignment
// (on lavapipe every load is a loop over the lanes, so loads are what a decoder costs).
// Defines: exactly one of W_F32 W_F16 W_BF16 W_Q4_0 W_Q4_1 W_Q5_0 W_Q5_1 W_Q8_0 W_Q2_K .. W_Q6_K.
// Needs: WINDOWED_BUFFER(.., uint, weight) declared before inclusion, or DEQUANT_LD_WORD defined and
// ld_word(w, word) declared: the 32-bit word `word` of the weight bytes w.

#ifndef DEQUANT_LD_WORD  // an includer may define ld_word itself (mul_mat_vec_ubo.comp)
uint ld_word(uint w, uint word) { return weight[w].data[min(word, uint(weight[w].data.length()) - 1u)]; }
#endif
// The 16- and 32-bit little-endian values at an even byte offset.
uint ld16(uint w, uint byte) { return (ld_word(w, byte >> 2) >> ((byte & 2u) * 8u)) & 0xffffu; }
uint ld32(uint w, uint byte) {
  if ((byte & 2u) == 0u) return ld_word(w, byte >> 2);
  return (ld_word(w, byte >> 2) >> 16) | (ld_word(w, (byte >> 2) + 1u) << 16);
}
uint ld8(uint w, uint byte) { return (ld_word(w, byte >> 2) >> ((byte & 3u) * 8u)) & 0xffu; }
float ldhalf(uint w, uint byte) { return unpackHalf2x16(ld16(w, byte)).x; }

#if defined(W_F32)
#define BLOCK_BYTES 128u
#define GROUPS_PER_BLOCK 1u
#elif defined(W_F16) || defined(W_BF16)
#define BLOCK_BYTES 64u
#define GROUPS_PER_BLOCK 1u
#elif defined(W_Q4_0)
#define BLOCK_BYTES 18u
#define GROUPS_PER_BLOCK 1u
#elif defined(W_Q4_1)
#define BLOCK_BYTES 20u
#define GROUPS_PER_BLOCK 1u
#elif defined(W_Q5_0)
#define BLOCK_BYTES 22u
#define GROUPS_PER_BLOCK 1u
#elif defined(W_Q5_1)
#define BLOCK_BYTES 24u
#define GROUPS_PER_BLOCK 1u
#elif defined(W_Q8_0)
#define BLOCK_BYTES 34u
#define GROUPS_PER_BLOCK 1u
#elif defined(W_Q2_K)
#define BLOCK_BYTES 84u
#define GROUPS_PER_BLOCK 8u
#elif defined(W_Q3_K)
#define BLOCK_BYTES 110u
#define GROUPS_PER_BLOCK 8u
#elif defined(W_Q4_K)
#define BLOCK_BYTES 144u
#define GROUPS_PER_BLOCK 8u
#elif defined(W_Q5_K)
#define BLOCK_BYTES 176u
#define GROUPS_PER_BLOCK 8u
#elif defined(W_Q6_K)
#define BLOCK_BYTES 210u
#define GROUPS_PER_BLOCK 8u
#else
#error "dequant.glsl needs a W_ define"
#endif

// Q4_K/Q5_K: 6-bit scale and min of sub-block j (blocks.h describes the packing).
#if defined(W_Q4_K) || defined(W_Q5_K)
uvec2 scale_min_k4(uint w, uint scales, uint j) {
  if (j < 4u) return uvec2(ld8(w, scales + j) & 63u, ld8(w, scales + j + 4u) & 63u);
  const uint a = ld8(w, scales + j + 4u);
  return uvec2((a & 0xfu) | ((ld8(w, scales + j - 4u) >> 6) << 4), (a >> 4) | ((ld8(w, scales + j) >> 6) << 4));
}
#endif

void dequant_group(uint w, uint row, uint G, out float v[32]) {
  const uint b = row + (G / GROUPS_PER_BLOCK) * BLOCK_BYTES;  // block start
  const uint g = G % GROUPS_PER_BLOCK;
#if defined(W_F32)
  [[unroll]] for (uint i = 0; i < 32u; ++i) v[i] = uintBitsToFloat(ld_word(w, (b >> 2) + i));  // rows 4-aligned
#elif defined(W_F16)
  [[unroll]] for (uint i = 0; i < 16u; ++i) {
    const vec2 h = unpackHalf2x16(ld_word(w, (b >> 2) + i));  // k % 32 == 0: rows 4-aligned
    v[2u * i] = h.x;
    v[2u * i + 1u] = h.y;
  }
#elif defined(W_BF16)
  [[unroll]] for (uint i = 0; i < 16u; ++i) {
    const uint q = ld_word(w, (b >> 2) + i);
    v[2u * i] = uintBitsToFloat(q << 16);
    v[2u * i + 1u] = uintBitsToFloat(q & 0xffff0000u);
  }
#elif defined(W_Q4_0) || defined(W_Q4_1) || defined(W_Q5_0) || defined(W_Q5_1) || defined(W_Q8_0)
  // The block's words: raw starts at the word holding byte b (b - 2 when b is not 4-aligned).
  const uint RAW = (BLOCK_BYTES + 5u) / 4u;
  const uint first = b >> 2;
  const uint sh = (b & 2u) * 8u;
  uint raw[RAW + 1u];
  [[unroll]] for (uint i = 0; i < RAW; ++i) raw[i] = ld_word(w, first + i);
  raw[RAW] = 0u;  // past the block: only feeds bytes that are not used
  uint bw[RAW];  // bw[i]: the word at byte b + 4i
  [[unroll]] for (uint i = 0; i < RAW; ++i) bw[i] = (raw[i] >> sh) | ((raw[i + 1u] << (16u - sh)) << 16);
#define BW(o) ((((o) & 2u) == 0u) ? bw[(o) >> 2] : ((bw[(o) >> 2] >> 16) | (bw[((o) >> 2) + 1u] << 16)))
  const float d = unpackHalf2x16(bw[0]).x;
#if defined(W_Q8_0)
  [[unroll]] for (uint i = 0; i < 8u; ++i) {
    const int q = int(BW(2u + 4u * i));
    [[unroll]] for (uint t = 0; t < 4u; ++t) v[4u * i + t] = float(bitfieldExtract(q, int(8u * t), 8)) * d;
  }
#else
  // x = d * (q - bias) [+ m]; byte j holds elements j (low nibble) and j + 16 (high nibble).
#if defined(W_Q4_1) || defined(W_Q5_1)
  const float m = unpackHalf2x16(bw[0]).y;
  const uint head = 4u;
#else
  const float m = 0.0;
  const uint head = 2u;
#endif
#if defined(W_Q5_0) || defined(W_Q5_1)
  const uint qh = BW(head);
  const uint qs = head + 4u;
#else
  const uint qh = 0u;
  const uint qs = head;
#endif
#if defined(W_Q4_0)
  const float bias = 8.0;
#elif defined(W_Q5_0)
  const float bias = 16.0;
#else
  const float bias = 0.0;
#endif
  [[unroll]] for (uint i = 0; i < 4u; ++i) {
    const uint q = BW(qs + 4u * i);
    [[unroll]] for (uint t = 0; t < 4u; ++t) {
      const uint j = 4u * i + t;
      const uint lo = ((q >> (8u * t)) & 0xfu) | (((qh >> j) << 4) & 0x10u);
      const uint hi = ((q >> (8u * t + 4u)) & 0xfu) | ((qh >> (j + 12u)) & 0x10u);
      v[j] = (float(lo) - bias) * d + m;
      v[j + 16u] = (float(hi) - bias) * d + m;
    }
  }
#endif
#undef BW
#elif defined(W_Q2_K)
  // Group g: half g/4 of qs, bit pair g%4, sub-blocks 2g and 2g+1.
  const float d = ldhalf(w, b + 80u);
  const float dmin = ldhalf(w, b + 82u);
  const uint shift = 2u * (g % 4u);
  [[unroll]] for (uint part = 0; part < 2u; ++part) {
    const uint sc = ld8(w, b + 2u * g + part);
    const float dl = d * float(sc & 0xfu);
    const float ml = dmin * float(sc >> 4);
    [[unroll]] for (uint i = 0; i < 4u; ++i) {
      const uint q = ld32(w, b + 16u + 32u * (g / 4u) + 16u * part + 4u * i);
      [[unroll]] for (uint t = 0; t < 4u; ++t)
        v[16u * part + 4u * i + t] = dl * float((q >> (8u * t + shift)) & 3u) - ml;
    }
  }
#elif defined(W_Q3_K)
  const float d = ldhalf(w, b + 108u);
  const uint shift = 2u * (g % 4u);
  const uint high_bit = 4u * (g / 4u) + g % 4u;  // bit plane of hmask
  [[unroll]] for (uint part = 0; part < 2u; ++part) {
    const uint sub = 2u * g + part;
    const uint low = sub < 8u ? ld8(w, b + 96u + sub) & 0xfu : ld8(w, b + 96u + sub - 8u) >> 4;
    const uint high = (ld8(w, b + 104u + sub % 4u) >> (2u * (sub / 4u))) & 3u;
    const float dl = d * float(int(low | (high << 4)) - 32);
    [[unroll]] for (uint i = 0; i < 4u; ++i) {
      const uint q = ld32(w, b + 32u + 32u * (g / 4u) + 16u * part + 4u * i);
      const uint hm = ld32(w, b + 16u * part + 4u * i);
      [[unroll]] for (uint t = 0; t < 4u; ++t) {
        const int level = int((q >> (8u * t + shift)) & 3u) - (((hm >> (8u * t + high_bit)) & 1u) != 0u ? 0 : 4);
        v[16u * part + 4u * i + t] = dl * float(level);
      }
    }
  }
#elif defined(W_Q4_K) || defined(W_Q5_K)
  const float d = ldhalf(w, b);
  const uvec2 sm = scale_min_k4(w, b + 4u, g);
  const float dl = d * float(sm.x);
  const float ml = ldhalf(w, b + 2u) * float(sm.y);
  const uint shift = 4u * (g & 1u);
#if defined(W_Q5_K)
  const uint qs = b + 48u;
#else
  const uint qs = b + 16u;
#endif
  [[unroll]] for (uint i = 0; i < 8u; ++i) {
    const uint q = ld32(w, qs + 32u * (g / 2u) + 4u * i);
#if defined(W_Q5_K)
    const uint qh = ld32(w, b + 16u + 4u * i);
#endif
    [[unroll]] for (uint t = 0; t < 4u; ++t) {
      uint level = (q >> (8u * t + shift)) & 0xfu;
#if defined(W_Q5_K)
      level += ((qh >> (8u * t + g)) & 1u) << 4;
#endif
      v[4u * i + t] = dl * float(level) - ml;
    }
  }
#elif defined(W_Q6_K)
  // Group g: half g/4; element l takes a nibble of ql[64h + l + 32(k&1)] (low for k < 2) and
  // bits 2k..2k+1 of qh[32h + l], where k = g % 4; scale sc[8h + l/16 + 2k].
  const float d = ldhalf(w, b + 208u);
  const uint h = g / 4u, k = g % 4u;
  [[unroll]] for (uint part = 0; part < 2u; ++part) {
    const float dl = d * float(bitfieldExtract(int(ld8(w, b + 192u + 8u * h + part + 2u * k)), 0, 8));
    [[unroll]] for (uint i = 0; i < 4u; ++i) {
      const uint l = 16u * part + 4u * i;
      const uint ql = ld32(w, b + 64u * h + l + 32u * (k & 1u));
      const uint qh = ld32(w, b + 128u + 32u * h + l);
      [[unroll]] for (uint t = 0; t < 4u; ++t) {
        const uint q = ((ql >> (8u * t + 4u * (k / 2u))) & 0xfu) | (((qh >> (8u * t + 2u * k)) & 3u) << 4);
        v[l + t] = dl * float(int(q) - 32);
      }
    }
  }
#endif
}
