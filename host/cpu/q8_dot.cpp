#include "host/cpu/q8_dot.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/util/check.h"
#include "engine/util/fp16.h"
#include "host/cpu/lane_sum.h"

namespace vkllm::cpu {
namespace {

// Eight float lanes; lane j sees elements 4j..4j+3 of each 32-element block.
struct Lanes {
  float acc[8] = {};

  void add_block(float scale, const int8_t* w, const int8_t* x) {
    for (int j = 0; j < 8; ++j) {
      int32_t sum = 0;
      for (int k = 0; k < 4; ++k) sum += int32_t(w[4 * j + k]) * int32_t(x[4 * j + k]);
      acc[j] = std::fma(scale, float(sum), acc[j]);
    }
  }
  float sum() const { return sum_lanes8(acc); }
};

// Low nibbles give elements 0..15, high nibbles 16..31; the fifth bit (Q5) from qh.
void unpack_nibbles(const uint8_t* qs, const uint8_t* qh, int offset, int8_t* out) {
  uint32_t high = 0;
  if (qh) std::memcpy(&high, qh, 4);
  for (int j = 0; j < 16; ++j) {
    out[j] = int8_t((qs[j] & 0x0f) | (qh ? ((high >> j) & 1) << 4 : 0)) - int8_t(offset);
    out[j + 16] = int8_t((qs[j] >> 4) | (qh ? ((high >> (j + 16)) & 1) << 4 : 0)) - int8_t(offset);
  }
}

template <typename Block>
const Block* blocks(const void* p) {
  return static_cast<const Block*>(p);
}

float dot_q8_0_pair(GgmlType type, const void* w, const BlockQ8_0* x, int64_t nb) {
  Lanes lanes;
  int8_t q[32];
  for (int64_t i = 0; i < nb; ++i) {
    float dw = 0;
    if (type == GgmlType::Q4_0) {
      const auto& b = blocks<BlockQ4_0>(w)[i];
      unpack_nibbles(b.qs, nullptr, 8, q);
      dw = fp16_to_fp32(b.d);
    } else if (type == GgmlType::Q5_0) {
      const auto& b = blocks<BlockQ5_0>(w)[i];
      unpack_nibbles(b.qs, b.qh, 16, q);
      dw = fp16_to_fp32(b.d);
    } else {
      const auto& b = blocks<BlockQ8_0>(w)[i];
      std::memcpy(q, b.qs, 32);
      dw = fp16_to_fp32(b.d);
    }
    lanes.add_block(dw * fp16_to_fp32(x[i].d), q, x[i].qs);
  }
  return lanes.sum();
}

float dot_q8_1_pair(GgmlType type, const void* w, const BlockQ8_1* x, int64_t nb) {
  Lanes lanes;
  float min_sum = 0;
  int8_t q[32];
  for (int64_t i = 0; i < nb; ++i) {
    float dw = 0, mw = 0;
    if (type == GgmlType::Q4_1) {
      const auto& b = blocks<BlockQ4_1>(w)[i];
      unpack_nibbles(b.qs, nullptr, 0, q);
      dw = fp16_to_fp32(b.d);
      mw = fp16_to_fp32(b.m);
    } else {
      const auto& b = blocks<BlockQ5_1>(w)[i];
      unpack_nibbles(b.qs, b.qh, 0, q);
      dw = fp16_to_fp32(b.d);
      mw = fp16_to_fp32(b.m);
    }
    min_sum = std::fma(mw, fp16_to_fp32(x[i].s), min_sum);
    lanes.add_block(dw * fp16_to_fp32(x[i].d), q, x[i].qs);
  }
  return lanes.sum() + min_sum;
}

}  // namespace

GgmlType q8_partner(GgmlType weight_type) {
  switch (weight_type) {
    case GgmlType::Q4_0: case GgmlType::Q5_0: case GgmlType::Q8_0: return GgmlType::Q8_0;
    case GgmlType::Q4_1: case GgmlType::Q5_1: return GgmlType::Q8_1;
    default: return GgmlType::F32;
  }
}

void quantize_activations(GgmlType partner, const float* x, int64_t n, std::vector<uint8_t>& out) {
  out.resize(size_t(n / kQK) * (partner == GgmlType::Q8_1 ? sizeof(BlockQ8_1) : sizeof(BlockQ8_0)));
  quantize_activations(partner, x, n, out.data());
}

void quantize_activations(GgmlType partner, const float* x, int64_t n, void* out_blocks) {
  VKLLM_ASSERT(n % kQK == 0, "activation row of {} is not a multiple of 32", n);
  const int64_t nb = n / kQK;
  const bool with_sum = partner == GgmlType::Q8_1;
  auto* out = static_cast<uint8_t*>(out_blocks);
  for (int64_t i = 0; i < nb; ++i) {
    const float* xb = x + i * kQK;
    float amax = 0;
    for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(xb[j]));
    const float d = amax / 127.0f;
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    int8_t qs[kQK];
    int32_t sum = 0;
    for (int j = 0; j < kQK; ++j) {
      qs[j] = int8_t(std::nearbyint(xb[j] * id));  // round half to even, as _mm256_round_ps
      sum += qs[j];
    }
    if (with_sum) {
      auto& b = reinterpret_cast<BlockQ8_1*>(out)[i];
      b.d = fp32_to_fp16(d);
      b.s = fp32_to_fp16(d * float(sum));
      std::memcpy(b.qs, qs, kQK);
    } else {
      auto& b = reinterpret_cast<BlockQ8_0*>(out)[i];
      b.d = fp32_to_fp16(d);
      std::memcpy(b.qs, qs, kQK);
    }
  }
}

float q4_0_block_sum_dot(const void* weight_row, const void* activations, int64_t n) {
  const auto* w = static_cast<const BlockQ4_0*>(weight_row);
  const auto* x = static_cast<const BlockQ8_0*>(activations);
  float acc = 0;
  int8_t q[kQK];
  for (int64_t i = 0; i < n / kQK; ++i) {
    unpack_nibbles(w[i].qs, nullptr, 8, q);
    int32_t sum = 0;
    for (int j = 0; j < kQK; ++j) sum += int32_t(q[j]) * int32_t(x[i].qs[j]);
    acc = std::fma(float(sum), fp16_to_fp32(w[i].d) * fp16_to_fp32(x[i].d), acc);
  }
  return acc;
}

float q8_dot(GgmlType weight_type, const void* weight_row, const void* activations, int64_t n) {
  const int64_t nb = n / kQK;
  if (q8_partner(weight_type) == GgmlType::Q8_1)
    return dot_q8_1_pair(weight_type, weight_row, static_cast<const BlockQ8_1*>(activations), nb);
  return dot_q8_0_pair(weight_type, weight_row, static_cast<const BlockQ8_0*>(activations), nb);
}

}  // namespace vkllm::cpu
