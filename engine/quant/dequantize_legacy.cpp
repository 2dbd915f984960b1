// Decoders for the 32-element formats. Each expression mirrors ggml's dequantize_row_* so the
// floats match bit for bit: integer level converted to float, times d, plus m where there is one.
#include "engine/quant/blocks.h"
#include "engine/quant/dequantize_impl.h"
#include "engine/util/fp16.h"

#include "engine/quant/strict_fp.h"  // last: applies to the code below

namespace vkllm::quant_detail {
namespace {

// Bit 4 of the two elements that share qs[j]: element j's is bit j of qh, element j+16's is
// bit j+16.
struct HighBits {
  uint8_t lo, hi;  // 0 or 0x10
};
inline HighBits high_bits(uint32_t qh, int j) {
  return {uint8_t(((qh >> j) << 4) & 0x10), uint8_t((qh >> (j + 12)) & 0x10)};
}

inline uint32_t load_qh(const uint8_t (&qh)[4]) {
  uint32_t bits;
  std::memcpy(&bits, qh, sizeof(bits));
  return bits;
}

}  // namespace

void dequantize_q4_0(const uint8_t* src, float* dst, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, dst += kQK) {
    const auto block = load_block<BlockQ4_0>(src, i);
    const float d = fp16_to_fp32(block.d);
    for (int j = 0; j < kQK / 2; ++j) {
      const int x0 = (block.qs[j] & 0x0F) - 8;
      const int x1 = (block.qs[j] >> 4) - 8;
      dst[j] = float(x0) * d;
      dst[j + kQK / 2] = float(x1) * d;
    }
  }
}

void dequantize_q4_1(const uint8_t* src, float* dst, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, dst += kQK) {
    const auto block = load_block<BlockQ4_1>(src, i);
    const float d = fp16_to_fp32(block.d);
    const float m = fp16_to_fp32(block.m);
    for (int j = 0; j < kQK / 2; ++j) {
      const int x0 = block.qs[j] & 0x0F;
      const int x1 = block.qs[j] >> 4;
      dst[j] = float(x0) * d + m;
      dst[j + kQK / 2] = float(x1) * d + m;
    }
  }
}

void dequantize_q5_0(const uint8_t* src, float* dst, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, dst += kQK) {
    const auto block = load_block<BlockQ5_0>(src, i);
    const float d = fp16_to_fp32(block.d);
    const uint32_t qh = load_qh(block.qh);
    for (int j = 0; j < kQK / 2; ++j) {
      const HighBits h = high_bits(qh, j);
      const int x0 = ((block.qs[j] & 0x0F) | h.lo) - 16;
      const int x1 = ((block.qs[j] >> 4) | h.hi) - 16;
      dst[j] = float(x0) * d;
      dst[j + kQK / 2] = float(x1) * d;
    }
  }
}

void dequantize_q5_1(const uint8_t* src, float* dst, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, dst += kQK) {
    const auto block = load_block<BlockQ5_1>(src, i);
    const float d = fp16_to_fp32(block.d);
    const float m = fp16_to_fp32(block.m);
    const uint32_t qh = load_qh(block.qh);
    for (int j = 0; j < kQK / 2; ++j) {
      const HighBits h = high_bits(qh, j);
      const int x0 = (block.qs[j] & 0x0F) | h.lo;
      const int x1 = (block.qs[j] >> 4) | h.hi;
      dst[j] = float(x0) * d + m;
      dst[j + kQK / 2] = float(x1) * d + m;
    }
  }
}

void dequantize_q8_0(const uint8_t* src, float* dst, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, dst += kQK) {
    const auto block = load_block<BlockQ8_0>(src, i);
    const float d = fp16_to_fp32(block.d);
    for (int j = 0; j < kQK; ++j) dst[j] = float(block.qs[j]) * d;
  }
}

}  // namespace vkllm::quant_detail
