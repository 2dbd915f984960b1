// Decoders for the 256-element K-quant super-blocks. The arithmetic mirrors ggml's
// dequantize_row_q*_K term for term (sub-block factor first, then times the level, then minus
// the sub-block min), so results match bit for bit; only the bit unpacking is written out
// directly instead of through ggml's word-at-a-time tricks.
#include "engine/quant/blocks.h"
#include "engine/quant/dequantize_impl.h"
#include "engine/util/fp16.h"

#include "engine/quant/strict_fp.h"  // last: applies to the code below

namespace vkllm::quant_detail {
namespace {

// Q4_K/Q5_K: sub-block j's 6-bit scale and min. Sub-blocks 0-3 keep theirs in the low 6 bits of
// bytes j and j+4; 4-7 keep the low 4 bits in byte j+4 and the top 2 in the spare bits 6-7 of
// bytes j-4 (scale) and j (min).
struct ScaleMin {
  uint8_t scale, min;
};
inline ScaleMin scale_min_k4(const uint8_t* q, int j) {
  if (j < 4) return {uint8_t(q[j] & 63), uint8_t(q[j + 4] & 63)};
  return {uint8_t((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4)), uint8_t((q[j + 4] >> 4) | ((q[j] >> 6) << 4))};
}

// Q3_K: sub-block j's 6-bit scale, biased by 32. Low nibbles: bytes 0-7 hold sub-blocks 0-7 in
// the low nibble and 8-15 in the high nibble; top 2 bits: byte 8 + j%4, bits 2*(j/4).
inline int scale_q3_k(const uint8_t* scales, int j) {
  const int low = j < 8 ? scales[j] & 0xF : scales[j - 8] >> 4;
  const int high = (scales[8 + j % 4] >> (2 * (j / 4))) & 3;
  return (low | (high << 4)) - 32;
}

}  // namespace

void dequantize_q2_k(const uint8_t* src, float* dst, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i) {
    const auto block = load_block<BlockQ2_K>(src, i);
    const float d = fp16_to_fp32(block.d);
    const float dmin = fp16_to_fp32(block.dmin);
    int sub = 0;  // 16-element sub-block, in output order
    for (int half = 0; half < 2; ++half) {
      const uint8_t* q = block.qs + 32 * half;
      for (int shift = 0; shift < 8; shift += 2) {
        for (int part = 0; part < 2; ++part, ++sub) {
          const uint8_t sc = block.scales[sub];
          const float dl = d * float(sc & 0xF);
          const float ml = dmin * float(sc >> 4);
          for (int l = 0; l < 16; ++l) *dst++ = dl * float((q[16 * part + l] >> shift) & 3) - ml;
        }
      }
    }
  }
}

void dequantize_q3_k(const uint8_t* src, float* dst, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i) {
    const auto block = load_block<BlockQ3_K>(src, i);
    const float d = fp16_to_fp32(block.d);
    int sub = 0;
    for (int half = 0; half < 2; ++half) {
      const uint8_t* q = block.qs + 32 * half;
      for (int j = 0; j < 4; ++j) {
        const int shift = 2 * j;
        const uint8_t high_mask = uint8_t(1u << (4 * half + j));  // hmask bit plane of this 32
        for (int part = 0; part < 2; ++part, ++sub) {
          const float dl = d * float(scale_q3_k(block.scales, sub));
          for (int l = 16 * part; l < 16 * part + 16; ++l) {
            // A set high bit means level 4..7 encoded as 0..3 plus 4, i.e. the signed level
            // (low bits) - 4 when the bit is clear.
            const int level = ((q[l] >> shift) & 3) - ((block.hmask[l] & high_mask) ? 0 : 4);
            *dst++ = dl * float(level);
          }
        }
      }
    }
  }
}

void dequantize_q4_k(const uint8_t* src, float* dst, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i) {
    const auto block = load_block<BlockQ4_K>(src, i);
    const float d = fp16_to_fp32(block.d);
    const float dmin = fp16_to_fp32(block.dmin);
    for (int group = 0; group < 4; ++group) {  // 64 elements: two sub-blocks sharing 32 bytes
      const uint8_t* q = block.qs + 32 * group;
      const ScaleMin lo = scale_min_k4(block.scales, 2 * group);
      const ScaleMin hi = scale_min_k4(block.scales, 2 * group + 1);
      const float d1 = d * float(lo.scale), m1 = dmin * float(lo.min);
      const float d2 = d * float(hi.scale), m2 = dmin * float(hi.min);
      for (int l = 0; l < 32; ++l) *dst++ = d1 * float(q[l] & 0xF) - m1;
      for (int l = 0; l < 32; ++l) *dst++ = d2 * float(q[l] >> 4) - m2;
    }
  }
}

void dequantize_q5_k(const uint8_t* src, float* dst, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i) {
    const auto block = load_block<BlockQ5_K>(src, i);
    const float d = fp16_to_fp32(block.d);
    const float dmin = fp16_to_fp32(block.dmin);
    for (int group = 0; group < 4; ++group) {
      const uint8_t* q = block.qs + 32 * group;
      const uint8_t bit_lo = uint8_t(1u << (2 * group));
      const uint8_t bit_hi = uint8_t(2u << (2 * group));
      const ScaleMin lo = scale_min_k4(block.scales, 2 * group);
      const ScaleMin hi = scale_min_k4(block.scales, 2 * group + 1);
      const float d1 = d * float(lo.scale), m1 = dmin * float(lo.min);
      const float d2 = d * float(hi.scale), m2 = dmin * float(hi.min);
      for (int l = 0; l < 32; ++l)
        *dst++ = d1 * float((q[l] & 0xF) + ((block.qh[l] & bit_lo) ? 16 : 0)) - m1;
      for (int l = 0; l < 32; ++l)
        *dst++ = d2 * float((q[l] >> 4) + ((block.qh[l] & bit_hi) ? 16 : 0)) - m2;
    }
  }
}

void dequantize_q6_k(const uint8_t* src, float* dst, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i) {
    const auto block = load_block<BlockQ6_K>(src, i);
    const float d = fp16_to_fp32(block.d);
    for (int half = 0; half < 2; ++half, dst += 128) {
      // 128 elements from 64 ql bytes and 32 qh bytes: element l + 32k takes a nibble of
      // ql[l] (k even) or ql[l+32] (k odd), low nibble for k < 2, and bits 2k..2k+1 of qh[l].
      const uint8_t* ql = block.ql + 64 * half;
      const uint8_t* qh = block.qh + 32 * half;
      const int8_t* sc = block.scales + 8 * half;
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        dst[l] = d * float(sc[is]) * float(q1);
        dst[l + 32] = d * float(sc[is + 2]) * float(q2);
        dst[l + 64] = d * float(sc[is + 4]) * float(q3);
        dst[l + 96] = d * float(sc[is + 6]) * float(q4);
      }
    }
  }
}

}  // namespace vkllm::quant_detail
