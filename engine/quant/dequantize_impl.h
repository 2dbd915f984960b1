#pragma once
// Per-format decoders behind dequantize_row, one family per .cpp file. Internal to engine/quant.
#include <bit>
#include <cstdint>
#include <cstring>

namespace vkllm::quant_detail {

static_assert(std::endian::native == std::endian::little, "GGUF blocks are little-endian");

// Copies block i out of a byte stream: GGUF data need not be aligned for the block's uint16_t
// fields, and a copy also keeps clear of strict-aliasing trouble. Compilers elide it.
template <class Block>
inline Block load_block(const uint8_t* src, int64_t i) {
  Block block;
  std::memcpy(&block, src + i * int64_t(sizeof(Block)), sizeof(Block));
  return block;
}

// Each decodes n_blocks consecutive blocks from src into dst.
void dequantize_q4_0(const uint8_t* src, float* dst, int64_t n_blocks);
void dequantize_q4_1(const uint8_t* src, float* dst, int64_t n_blocks);
void dequantize_q5_0(const uint8_t* src, float* dst, int64_t n_blocks);
void dequantize_q5_1(const uint8_t* src, float* dst, int64_t n_blocks);
void dequantize_q8_0(const uint8_t* src, float* dst, int64_t n_blocks);

void dequantize_q2_k(const uint8_t* src, float* dst, int64_t n_blocks);
void dequantize_q3_k(const uint8_t* src, float* dst, int64_t n_blocks);
void dequantize_q4_k(const uint8_t* src, float* dst, int64_t n_blocks);
void dequantize_q5_k(const uint8_t* src, float* dst, int64_t n_blocks);
void dequantize_q6_k(const uint8_t* src, float* dst, int64_t n_blocks);

}  // namespace vkllm::quant_detail
