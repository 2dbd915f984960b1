#pragma once
// A K-quant super-block unpacked for integer dot products with q8_K activations: 256 signed
// levels and, per 16 elements, an integer scale and min, so that the block's dot with activations
// y (scale dy) is  dy*d * sum_j scale[j] * (q_j . y_j)  -  dy*dmin * sum_j min[j] * bsums_j.
// The integer sums are exact and the floats are combined in ggml's AVX2 order (LaneSums), so the
// scalar and AVX2 kernels agree bit for bit, and with llama.cpp's x86 build. Internal.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "engine/quant/blocks.h"
#include "engine/types/ggml_type.h"
#include "engine/util/fp16.h"
#include "host/cpu/lane_sum.h"

namespace vkllm::cpu::kq {

struct Unpacked {
  alignas(32) int8_t q[kQK_K];
  int16_t scale[16];
  int16_t min[16];
  float d = 0, dmin = 0;
};

// Scales, mins, d and dmin of the super-block (levels are left alone); defined below, inline, as it
// runs once per super-block in the hot loops.
template <GgmlType type>
void unpack_scales(const uint8_t* block, Unpacked& out);

// Levels of the super-block, in element order, with the format's offset applied.
void unpack_levels_scalar(GgmlType type, const uint8_t* block, int8_t* q);

// A row's running sums as ggml's AVX2 K-quant kernels keep them: eight float lanes fed by a fused
// multiply-add of each super-block's eight integer lane sums (lane l: bytes 4l..4l+3 of every
// 32-element chunk), plus the min terms where the format has them: in the lanes (Q2_K), in four
// lanes of 32-element pairs (Q4_K) or in one float (Q5_K).
struct LaneSums {
  float acc[8] = {};
  float acc_m[4] = {};
  float summs = 0;
};

// One super-block: sumi = scaled integer lane sums, mins8[l] = min[2l]*bsums[2l] + min[2l+1]*bsums[2l+1].
inline void add_super_block(GgmlType type, LaneSums& s, float dy, const Unpacked& b, const int32_t* sumi,
                            const int32_t* mins8) {
  const float d = dy * b.d, dmin = -dy * b.dmin;
  if (type == GgmlType::Q2_K)
    for (int l = 0; l < 8; ++l) s.acc[l] = std::fma(dmin, float(mins8[l]), s.acc[l]);
  if (type == GgmlType::Q4_K)
    for (int k = 0; k < 4; ++k) s.acc_m[k] = std::fma(dmin, float(mins8[2 * k] + mins8[2 * k + 1]), s.acc_m[k]);
  if (type == GgmlType::Q5_K) {
    int32_t total = 0;
    for (int l = 0; l < 8; ++l) total += mins8[l];
    s.summs = std::fma(dmin, float(total), s.summs);
  }
  for (int l = 0; l < 8; ++l) s.acc[l] = std::fma(d, float(sumi[l]), s.acc[l]);
}

// Q4_K tensors of 8k rows, which llama.cpp repacks eight rows at a time (block_q4_Kx8) on x86, and
// Q2_K ones, which its AVX-512 build repacks too (block_q2_Kx8), are multiplied by its own kernels:
// integer sums feed two float chains (scaled sums, min terms) by fused multiply-adds with the
// product of the two scales, and the value is the difference of the chains. Its gemv (one token,
// and the last n % 4 of a batch) feeds each chain once per super-block; its gemm (the rest of a
// batch of four or more) once per repacked_gemm_group(type) elements.
enum class RepackedOrder { Gemv, Gemm };

constexpr bool has_repacked_order(GgmlType type) { return type == GgmlType::Q4_K || type == GgmlType::Q2_K; }
constexpr int repacked_gemm_group(GgmlType type) { return type == GgmlType::Q2_K ? 128 : 64; }

struct RepackedSums {
  float acc = 0, acc_min = 0;
  void add(float d, float dmin, int32_t isum, int32_t imin) {
    acc = std::fma(float(isum), d, acc);
    acc_min = std::fma(float(imin), dmin, acc_min);
  }
  float value() const { return acc - acc_min; }
};

inline float finish(GgmlType type, const LaneSums& s) {
  const float lanes = sum_lanes8(s.acc);
  if (type == GgmlType::Q4_K) return lanes + ((s.acc_m[0] + s.acc_m[2]) + (s.acc_m[1] + s.acc_m[3]));
  if (type == GgmlType::Q5_K) return lanes + s.summs;
  return lanes;
}

inline size_t block_bytes(GgmlType type) {
  switch (type) {
    case GgmlType::Q2_K: return sizeof(BlockQ2_K);
    case GgmlType::Q3_K: return sizeof(BlockQ3_K);
    case GgmlType::Q4_K: return sizeof(BlockQ4_K);
    case GgmlType::Q5_K: return sizeof(BlockQ5_K);
    default: return sizeof(BlockQ6_K);
  }
}

// Q4_K/Q5_K: 6-bit scale and min of 32-element sub-block j (layout as in engine/quant).
inline void scale_min_k4(const uint8_t* q, int j, int16_t& scale, int16_t& min) {
  if (j < 4) {
    scale = int16_t(q[j] & 63);
    min = int16_t(q[j + 4] & 63);
  } else {
    scale = int16_t((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    min = int16_t((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

inline int16_t scale_q3_k(const uint8_t* scales, int j) {
  const int low = j < 8 ? scales[j] & 0xF : scales[j - 8] >> 4;
  const int high = (scales[8 + j % 4] >> (2 * (j / 4))) & 3;
  return int16_t((low | (high << 4)) - 32);
}

template <GgmlType type>
inline void unpack_scales(const uint8_t* p, Unpacked& out) {
  for (int j = 0; j < 16; ++j) out.min[j] = 0;
  out.dmin = 0;
  switch (type) {  // a constant: the compiler keeps one case
    case GgmlType::Q2_K: {
      const auto* b = reinterpret_cast<const BlockQ2_K*>(p);
      for (int j = 0; j < 16; ++j) out.scale[j] = int16_t(b->scales[j] & 0xF), out.min[j] = int16_t(b->scales[j] >> 4);
      uint16_t d, dmin;
      std::memcpy(&d, p + offsetof(BlockQ2_K, d), 2);
      std::memcpy(&dmin, p + offsetof(BlockQ2_K, dmin), 2);
      out.d = fp16_to_fp32(d), out.dmin = fp16_to_fp32(dmin);
      return;
    }
    case GgmlType::Q3_K: {
      const auto* b = reinterpret_cast<const BlockQ3_K*>(p);
      for (int j = 0; j < 16; ++j) out.scale[j] = scale_q3_k(b->scales, j);
      uint16_t d;
      std::memcpy(&d, p + offsetof(BlockQ3_K, d), 2);
      out.d = fp16_to_fp32(d);
      return;
    }
    case GgmlType::Q4_K: case GgmlType::Q5_K: {
      // Q4_K and Q5_K share the d, dmin, scales prefix.
      const auto* b = reinterpret_cast<const BlockQ4_K*>(p);
      for (int j = 0; j < 8; ++j) {
        scale_min_k4(b->scales, j, out.scale[2 * j], out.min[2 * j]);
        out.scale[2 * j + 1] = out.scale[2 * j], out.min[2 * j + 1] = out.min[2 * j];
      }
      uint16_t d, dmin;
      std::memcpy(&d, p, 2);
      std::memcpy(&dmin, p + 2, 2);
      out.d = fp16_to_fp32(d), out.dmin = fp16_to_fp32(dmin);
      return;
    }
    case GgmlType::Q6_K: {
      const auto* b = reinterpret_cast<const BlockQ6_K*>(p);
      for (int j = 0; j < 16; ++j) out.scale[j] = b->scales[j];
      uint16_t d;
      std::memcpy(&d, p + offsetof(BlockQ6_K, d), 2);
      out.d = fp16_to_fp32(d);
      return;
    }
    default: break;
  }
}

}  // namespace vkllm::cpu::kq
