// Encoders for the plain float types and the 32-element formats.
//
// Bit-exactness with ggml depends on doing the same float operations in the same order: the
// divisions (not reciprocal multiplies) for d, `id = d ? 1/d : 0`, the separate multiply and add
// before truncation (strict_fp.h keeps the compiler from fusing them), truncating
// float-to-int casts, and roundf for Q8_0. Each function below follows its ggml counterpart
// line by line for that reason; do not "simplify" the arithmetic.
#include "engine/quant/quantize.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "engine/quant/blocks.h"
#include "engine/util/check.h"
#include "engine/util/fp16.h"

#include "engine/quant/strict_fp.h"  // last: applies to the code below

namespace vkllm {
namespace {

// Writes block i into a byte stream of any alignment.
template <class Block>
void store_block(uint8_t* dst, int64_t i, const Block& block) {
  std::memcpy(dst + i * int64_t(sizeof(Block)), &block, sizeof(Block));
}

// The value of largest magnitude, keeping its sign (the first one on ties), as ggml's symmetric
// formats pick it: d = that value / -levels maps it exactly to the most negative level.
float signed_absmax(const float* x) {
  float amax = 0.0f, max = 0.0f;
  for (int j = 0; j < kQK; ++j) {
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

struct Range {
  float min, max;
};
Range min_max(const float* x) {
  Range r{FLT_MAX, -FLT_MAX};
  for (int j = 0; j < kQK; ++j) {
    if (x[j] < r.min) r.min = x[j];
    if (x[j] > r.max) r.max = x[j];
  }
  return r;
}

inline float inverse_or_zero(float d) { return d != 0.0f ? 1.0f / d : 0.0f; }

// Bit 4 of each level goes to the 32-bit qh mask: element j (low nibble) at bit j, element
// j+16 (high nibble) at bit j+16.
inline void pack_5bit(uint8_t (&qs)[kQK / 2], uint32_t& qh, int j, int xi0, int xi1) {
  qs[j] = uint8_t((xi0 & 0x0F) | ((xi1 & 0x0F) << 4));
  qh |= ((uint32_t(xi0) & 0x10u) >> 4) << j;
  qh |= ((uint32_t(xi1) & 0x10u) >> 4) << (j + kQK / 2);
}

void quantize_q4_0(const float* x, uint8_t* dst, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, x += kQK) {
    const float d = signed_absmax(x) / -8;
    const float id = inverse_or_zero(d);
    BlockQ4_0 block{};
    block.d = fp32_to_fp16(d);
    for (int j = 0; j < kQK / 2; ++j) {
      const float x0 = x[j] * id;
      const float x1 = x[j + kQK / 2] * id;
      // +8.5 then truncation rounds half up around the zero point 8; the max element lands on
      // 16, hence the clamp.
      const int xi0 = std::min(15, int(int8_t(x0 + 8.5f)));
      const int xi1 = std::min(15, int(int8_t(x1 + 8.5f)));
      block.qs[j] = uint8_t(xi0 | (xi1 << 4));
    }
    store_block(dst, i, block);
  }
}

void quantize_q4_1(const float* x, uint8_t* dst, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, x += kQK) {
    const Range r = min_max(x);
    const float d = (r.max - r.min) / ((1 << 4) - 1);
    const float id = inverse_or_zero(d);
    BlockQ4_1 block{};
    block.d = fp32_to_fp16(d);
    block.m = fp32_to_fp16(r.min);
    for (int j = 0; j < kQK / 2; ++j) {
      const float x0 = (x[j] - r.min) * id;
      const float x1 = (x[j + kQK / 2] - r.min) * id;
      const int xi0 = std::min(15, int(int8_t(x0 + 0.5f)));
      const int xi1 = std::min(15, int(int8_t(x1 + 0.5f)));
      block.qs[j] = uint8_t(xi0 | (xi1 << 4));
    }
    store_block(dst, i, block);
  }
}

void quantize_q5_0(const float* x, uint8_t* dst, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, x += kQK) {
    const float d = signed_absmax(x) / -16;
    const float id = inverse_or_zero(d);
    BlockQ5_0 block{};
    block.d = fp32_to_fp16(d);
    uint32_t qh = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      const float x0 = x[j] * id;
      const float x1 = x[j + kQK / 2] * id;
      const int xi0 = std::min(31, int(int8_t(x0 + 16.5f)));
      const int xi1 = std::min(31, int(int8_t(x1 + 16.5f)));
      pack_5bit(block.qs, qh, j, xi0, xi1);
    }
    std::memcpy(block.qh, &qh, sizeof(qh));
    store_block(dst, i, block);
  }
}

void quantize_q5_1(const float* x, uint8_t* dst, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, x += kQK) {
    const Range r = min_max(x);
    const float d = (r.max - r.min) / ((1 << 5) - 1);
    const float id = inverse_or_zero(d);
    BlockQ5_1 block{};
    block.d = fp32_to_fp16(d);
    block.m = fp32_to_fp16(r.min);
    uint32_t qh = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      const float x0 = (x[j] - r.min) * id;
      const float x1 = (x[j + kQK / 2] - r.min) * id;
      // ggml has no clamp here: (max - min) * id cannot round past 31.5.
      const int xi0 = uint8_t(int(x0 + 0.5f));
      const int xi1 = uint8_t(int(x1 + 0.5f));
      pack_5bit(block.qs, qh, j, xi0, xi1);
    }
    std::memcpy(block.qh, &qh, sizeof(qh));
    store_block(dst, i, block);
  }
}

void quantize_q8_0(const float* x, uint8_t* dst, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, x += kQK) {
    float amax = 0.0f;
    for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / ((1 << 7) - 1);
    const float id = inverse_or_zero(d);
    BlockQ8_0 block{};
    block.d = fp32_to_fp16(d);
    for (int j = 0; j < kQK; ++j) block.qs[j] = int8_t(std::round(x[j] * id));  // roundf: half away from 0
    store_block(dst, i, block);
  }
}

template <uint16_t (*convert)(float)>
void narrow_16bit(const float* x, uint8_t* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const uint16_t bits = convert(x[i]);
    std::memcpy(dst + 2 * i, &bits, sizeof(bits));
  }
}

}  // namespace

bool can_quantize(GgmlType type) {
  switch (type) {
    case GgmlType::F32:
    case GgmlType::F16:
    case GgmlType::BF16:
    case GgmlType::Q4_0:
    case GgmlType::Q4_1:
    case GgmlType::Q5_0:
    case GgmlType::Q5_1:
    case GgmlType::Q8_0: return true;
    default: return false;
  }
}

void quantize_row(GgmlType type, const float* src, void* dst, int64_t n) {
  const TypeTraits& t = traits(type);
  if (!can_quantize(type)) fail("type {} is recognised but not supported by the CPU quantizer", t.name);
  if (n < 0 || n % t.block_elems != 0)
    fail("cannot quantize {} elements to {}: not a multiple of its block size {}", n, t.name, t.block_elems);

  auto* bytes = static_cast<uint8_t*>(dst);
  const int64_t n_blocks = n / t.block_elems;
  switch (type) {
    case GgmlType::F32: std::memcpy(bytes, src, size_t(n) * sizeof(float)); return;
    case GgmlType::F16: narrow_16bit<fp32_to_fp16>(src, bytes, n); return;
    case GgmlType::BF16: narrow_16bit<fp32_to_bf16>(src, bytes, n); return;
    case GgmlType::Q4_0: quantize_q4_0(src, bytes, n_blocks); return;
    case GgmlType::Q4_1: quantize_q4_1(src, bytes, n_blocks); return;
    case GgmlType::Q5_0: quantize_q5_0(src, bytes, n_blocks); return;
    case GgmlType::Q5_1: quantize_q5_1(src, bytes, n_blocks); return;
    case GgmlType::Q8_0: quantize_q8_0(src, bytes, n_blocks); return;
    default: VKLLM_ASSERT(false, "can_quantize and quantize_row disagree on {}", t.name);
  }
}

}  // namespace vkllm
