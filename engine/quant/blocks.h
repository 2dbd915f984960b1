#pragma once
// ggml's quantized block layouts, byte for byte as they sit in a GGUF file.
// fp16 fields are raw IEEE half bits (uint16_t), decoded with fp16_to_fp32.
// Every struct is made only of byte-sized arrays and uint16_t/float fields in an order that needs no
// padding, so sizeof() equals ggml's block size; the static_asserts below keep that true.
#include <cstdint>

#include "engine/types/ggml_type.h"

namespace vkllm {

constexpr int kQK = 32;    // elements per block of the legacy formats (Q4_0 .. Q8_1)
constexpr int kQK_K = 256; // elements per super-block of the K-quants

// ---- legacy formats: 32 elements, one (or two) fp16 factors -----------------------------------

// x = d * (q - 8); element j in the low nibble of qs[j], element j+16 in the high nibble.
struct BlockQ4_0 {
  uint16_t d;
  uint8_t qs[kQK / 2];
};

// x = d * q + m, q in 0..15, same nibble order as Q4_0.
struct BlockQ4_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qs[kQK / 2];
};

// x = d * (q - 16); low 4 bits as Q4_0, bit 4 of element j is bit j of the little-endian qh.
struct BlockQ5_0 {
  uint16_t d;
  uint8_t qh[4];
  uint8_t qs[kQK / 2];
};

// x = d * q + m, q in 0..31, bits as Q5_0.
struct BlockQ5_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qh[4];
  uint8_t qs[kQK / 2];
};

// x = d * q, q a signed byte.
struct BlockQ8_0 {
  uint16_t d;
  int8_t qs[kQK];
};

// Q8_0 plus s = d * sum(q): the activation format ggml pairs with Q4_1/Q5_1 in dot products.
struct BlockQ8_1 {
  uint16_t d;
  uint16_t s;
  int8_t qs[kQK];
};

// ---- K-quants: 256-element super-blocks of 16 or 32-element sub-blocks ------------------------

// 16 sub-blocks of 16: x = d * (scales[j] & 15) * q - dmin * (scales[j] >> 4), q in 0..3.
// qs holds two 128-element halves; within a half, byte l carries elements l, l+32, l+64, l+96
// in bits 0-1, 2-3, 4-5, 6-7.
struct BlockQ2_K {
  uint8_t scales[kQK_K / 16];
  uint8_t qs[kQK_K / 4];
  uint16_t d;
  uint16_t dmin;
};

// 16 sub-blocks of 16: x = d * (scale - 32) * (q - 4 * !high_bit), q's low 2 bits packed like
// Q2_K, the high bit of element j in bit j/32 of hmask[j % 32]; 6-bit scales packed in 12 bytes.
struct BlockQ3_K {
  uint8_t hmask[kQK_K / 8];
  uint8_t qs[kQK_K / 4];
  uint8_t scales[12];
  uint16_t d;
};

// 8 sub-blocks of 32: x = d * sc * q - dmin * m, q in 0..15, 6-bit sc/m packed in 12 bytes;
// each 32-byte group of qs holds 64 elements: low nibbles first, then high nibbles.
struct BlockQ4_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qs[kQK_K / 2];
};

// Q4_K plus a fifth bit per element: for the 64-element group g, element l's bit is bit 2g of
// qh[l] (low-nibble half) or bit 2g+1 (high-nibble half).
struct BlockQ5_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qh[kQK_K / 8];
  uint8_t qs[kQK_K / 2];
};

// 16 sub-blocks of 16: x = d * scales[j] * (q - 32), q 6 bits: 4 in ql, 2 in qh.
struct BlockQ6_K {
  uint8_t ql[kQK_K / 2];
  uint8_t qh[kQK_K / 4];
  int8_t scales[kQK_K / 16];
  uint16_t d;
};

// Activation format for K-quant dot products: a float scale and per-16 sums of q.
struct BlockQ8_K {
  float d;
  int8_t qs[kQK_K];
  int16_t bsums[kQK_K / 16];
};

// Sizes from ggml-common.h. traits() is not constexpr, so test_quant_blocks also checks each
// against traits(type).block_bytes at run time.
static_assert(sizeof(BlockQ4_0) == 18);
static_assert(sizeof(BlockQ4_1) == 20);
static_assert(sizeof(BlockQ5_0) == 22);
static_assert(sizeof(BlockQ5_1) == 24);
static_assert(sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ8_1) == 36);
static_assert(sizeof(BlockQ2_K) == 84);
static_assert(sizeof(BlockQ3_K) == 110);
static_assert(sizeof(BlockQ4_K) == 144);
static_assert(sizeof(BlockQ5_K) == 176);
static_assert(sizeof(BlockQ6_K) == 210);
static_assert(sizeof(BlockQ8_K) == 292);

// The block struct of each quantized type, for code generic over formats.
template <GgmlType T> struct BlockOf;
template <> struct BlockOf<GgmlType::Q4_0> { using type = BlockQ4_0; };
template <> struct BlockOf<GgmlType::Q4_1> { using type = BlockQ4_1; };
template <> struct BlockOf<GgmlType::Q5_0> { using type = BlockQ5_0; };
template <> struct BlockOf<GgmlType::Q5_1> { using type = BlockQ5_1; };
template <> struct BlockOf<GgmlType::Q8_0> { using type = BlockQ8_0; };
template <> struct BlockOf<GgmlType::Q8_1> { using type = BlockQ8_1; };
template <> struct BlockOf<GgmlType::Q2_K> { using type = BlockQ2_K; };
template <> struct BlockOf<GgmlType::Q3_K> { using type = BlockQ3_K; };
template <> struct BlockOf<GgmlType::Q4_K> { using type = BlockQ4_K; };
template <> struct BlockOf<GgmlType::Q5_K> { using type = BlockQ5_K; };
template <> struct BlockOf<GgmlType::Q6_K> { using type = BlockQ6_K; };
template <> struct BlockOf<GgmlType::Q8_K> { using type = BlockQ8_K; };
template <GgmlType T> using Block = typename BlockOf<T>::type;

}  // namespace vkllm
