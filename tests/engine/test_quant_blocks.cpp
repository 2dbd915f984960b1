// Block layouts, checked two ways: struct sizes against the type table, and hand-built blocks
// whose decoded values were worked out by hand from the layout comments in blocks.h.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "engine/quant/blocks.h"
#include "engine/quant/dequantize.h"

namespace vkllm {
namespace {

// fp16 bit patterns used below.
constexpr uint16_t kHalf0_125 = 0x3000, kHalf0_25 = 0x3400, kHalf0_5 = 0x3800, kHalf1 = 0x3C00, kHalf2 = 0x4000,
                   kHalfMinus1 = 0xBC00;

template <class Block>
std::vector<float> decode(GgmlType type, const Block& block) {
  std::vector<float> out(traits(type).block_elems);
  dequantize_row(type, &block, out.data(), int64_t(out.size()));
  return out;
}

void expect_values(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i], want[i]) << "element " << i;
}

TEST(QuantBlocks, SizesMatchTypeTable) {
  EXPECT_EQ(sizeof(BlockQ4_0), traits(GgmlType::Q4_0).block_bytes);
  EXPECT_EQ(sizeof(BlockQ4_1), traits(GgmlType::Q4_1).block_bytes);
  EXPECT_EQ(sizeof(BlockQ5_0), traits(GgmlType::Q5_0).block_bytes);
  EXPECT_EQ(sizeof(BlockQ5_1), traits(GgmlType::Q5_1).block_bytes);
  EXPECT_EQ(sizeof(BlockQ8_0), traits(GgmlType::Q8_0).block_bytes);
  EXPECT_EQ(sizeof(BlockQ8_1), traits(GgmlType::Q8_1).block_bytes);
  EXPECT_EQ(sizeof(BlockQ2_K), traits(GgmlType::Q2_K).block_bytes);
  EXPECT_EQ(sizeof(BlockQ3_K), traits(GgmlType::Q3_K).block_bytes);
  EXPECT_EQ(sizeof(BlockQ4_K), traits(GgmlType::Q4_K).block_bytes);
  EXPECT_EQ(sizeof(BlockQ5_K), traits(GgmlType::Q5_K).block_bytes);
  EXPECT_EQ(sizeof(BlockQ6_K), traits(GgmlType::Q6_K).block_bytes);
  EXPECT_EQ(sizeof(BlockQ8_K), traits(GgmlType::Q8_K).block_bytes);
  EXPECT_EQ(traits(GgmlType::Q4_0).block_elems, uint32_t(kQK));
  EXPECT_EQ(traits(GgmlType::Q6_K).block_elems, uint32_t(kQK_K));
}

TEST(QuantBlocks, Q4_0) {
  BlockQ4_0 b{};
  b.d = kHalf0_5;
  std::memset(b.qs, 0x88, sizeof(b.qs));  // level 8 decodes to 0
  b.qs[0] = 0xF0;   // element 0: level 0 -> -8 * 0.5; element 16: level 15 -> 7 * 0.5
  b.qs[15] = 0x19;  // element 15: level 9 -> 0.5; element 31: level 1 -> -3.5
  std::vector<float> want(32, 0.0f);
  want[0] = -4.0f, want[16] = 3.5f, want[15] = 0.5f, want[31] = -3.5f;
  expect_values(decode(GgmlType::Q4_0, b), want);
}

TEST(QuantBlocks, Q4_1) {
  BlockQ4_1 b{};
  b.d = kHalf0_25, b.m = kHalfMinus1;
  std::memset(b.qs, 0x44, sizeof(b.qs));  // level 4 -> 4 * 0.25 - 1 = 0
  b.qs[0] = 0xF0;  // element 0: -1; element 16: 15 * 0.25 - 1
  b.qs[3] = 0x5A;  // element 3: 10 * 0.25 - 1; element 19: 5 * 0.25 - 1
  std::vector<float> want(32, 0.0f);
  want[0] = -1.0f, want[16] = 2.75f, want[3] = 1.5f, want[19] = 0.25f;
  expect_values(decode(GgmlType::Q4_1, b), want);
}

TEST(QuantBlocks, Q5_0) {
  BlockQ5_0 b{};
  b.d = kHalf2;
  // Every high bit set (level 16 = 0) except element 5's (bit 5) and element 20's (bit 20).
  const uint8_t qh[4] = {0xDF, 0xFF, 0xEF, 0xFF};
  std::memcpy(b.qh, qh, 4);
  b.qs[2] = 0x3F;  // element 2: 15 | 16 -> 15 * 2; element 18: 3 | 16 -> 3 * 2
  std::vector<float> want(32, 0.0f);
  want[2] = 30.0f, want[18] = 6.0f, want[5] = -32.0f, want[20] = -32.0f;
  expect_values(decode(GgmlType::Q5_0, b), want);
}

TEST(QuantBlocks, Q5_1) {
  BlockQ5_1 b{};
  b.d = kHalf0_5, b.m = kHalf1;  // all-zero levels decode to m = 1
  const uint8_t qh[4] = {0x01, 0x00, 0x00, 0x80};  // high bits of elements 0 and 31
  std::memcpy(b.qh, qh, 4);
  b.qs[0] = 0x05;   // element 0: 16 | 5 = 21 -> 10.5 + 1; element 16: 0 -> 1
  b.qs[15] = 0x70;  // element 15: 0 -> 1; element 31: 16 | 7 = 23 -> 11.5 + 1
  std::vector<float> want(32, 1.0f);
  want[0] = 11.5f, want[31] = 12.5f;
  expect_values(decode(GgmlType::Q5_1, b), want);
}

TEST(QuantBlocks, Q8_0) {
  BlockQ8_0 b{};
  b.d = kHalf0_125;
  std::vector<float> want(32);
  for (int j = 0; j < 32; ++j) b.qs[j] = int8_t(j - 16), want[j] = float(j - 16) / 8;
  b.qs[31] = -128, want[31] = -16.0f;
  expect_values(decode(GgmlType::Q8_0, b), want);
}

TEST(QuantBlocks, Q2_K) {
  BlockQ2_K b{};
  b.d = kHalf0_5, b.dmin = kHalf0_25;
  b.qs[0] = 0b11100100;  // elements 0, 32, 64, 96 get levels 0, 1, 2, 3
  b.scales[0] = 0x21;    // sub-block 0 (elements 0-15): scale 1, min 2
  b.scales[2] = 0x13;    // sub-block 2 (32-47): scale 3, min 1
  b.scales[4] = 0x05;    // sub-block 4 (64-79): scale 5, min 0
  b.scales[6] = 0xF7;    // sub-block 6 (96-111): scale 7, min 15
  b.qs[32 + 17] = 0x03;  // second half, byte 17 bits 0-1: element 128 + 17, level 3
  b.scales[9] = 0x12;    // sub-block 9 (144-159): scale 2, min 1
  std::vector<float> want(256, 0.0f);
  for (int e = 0; e < 16; ++e) want[e] = -0.5f;        // 0 * 0.5 - 2 * 0.25
  for (int e = 32; e < 48; ++e) want[e] = -0.25f;      // level 0 - 1 * 0.25
  for (int e = 96; e < 112; ++e) want[e] = -3.75f;     // level 0 - 15 * 0.25
  for (int e = 144; e < 160; ++e) want[e] = -0.25f;
  want[32] = 1.25f;   // 0.5 * 3 * 1 - 0.25
  want[64] = 5.0f;    // 0.5 * 5 * 2
  want[96] = 6.75f;   // 0.5 * 7 * 3 - 3.75
  want[145] = 2.75f;  // 0.5 * 2 * 3 - 0.25
  expect_values(decode(GgmlType::Q2_K, b), want);
}

TEST(QuantBlocks, Q3_K) {
  BlockQ3_K b{};
  b.d = kHalf1;
  std::memset(b.hmask, 0xFF, sizeof(b.hmask));  // high bit set: level = low 2 bits
  // Biased scales: 32 (= 0) everywhere except sub-block 0 = 33 (1) and sub-block 15 = 3 (-29).
  // Low nibbles: sub-block 0 in scales[0] bits 0-3, sub-block 15 in scales[7] bits 4-7.
  // Top 2 bits of sub-block j: scales[8 + j % 4] bits 2 * (j / 4): 0b10 for all but 15.
  b.scales[0] = 0x01;
  b.scales[7] = 0x30;
  b.scales[8] = b.scales[9] = b.scales[10] = 0xAA;
  b.scales[11] = 0x2A;
  b.qs[0] = 0x03;      // element 0: level 3, times scale 1
  b.hmask[1] = 0xFE;   // element 1: high bit (plane 0) clear: level 0 - 4
  b.qs[63] = 0x40;     // element 255 (second half, byte 16 + 15, bits 6-7): level 1
  b.hmask[30] = 0x7F;  // element 254 (plane 7, byte 30): level 0 - 4
  std::vector<float> want(256, 0.0f);
  want[0] = 3.0f, want[1] = -4.0f;
  want[255] = -29.0f, want[254] = 116.0f;
  expect_values(decode(GgmlType::Q3_K, b), want);
}

// Scales shared by the Q4_K and Q5_K tests: sub-block 0 scale 2 / min 4, sub-block 7 scale 17
// (0b01'0001) / min 33 (0b10'0001), all others 0.
template <class Block>
void set_k4_scales(Block& b) {
  b.d = kHalf1, b.dmin = kHalf0_5;
  b.scales[0] = 2;     // sub-block 0 scale
  b.scales[4] = 4;     // sub-block 0 min
  b.scales[11] = 0x11; // sub-block 7: low nibbles of scale and min
  b.scales[3] = 0x40;  // top bits of sub-block 7's scale in bits 6-7 of byte 3
  b.scales[7] = 0x80;  // top bits of its min in bits 6-7 of byte 7
}

TEST(QuantBlocks, Q4_K) {
  BlockQ4_K b{};
  set_k4_scales(b);
  b.qs[0] = 0x0F;    // element 0: level 15 -> 2 * 15 - 0.5 * 4
  b.qs[127] = 0x30;  // element 255 (group 3, high nibble of byte 31): level 3 -> 17 * 3 - 16.5
  std::vector<float> want(256, 0.0f);
  for (int e = 0; e < 32; ++e) want[e] = -2.0f;
  for (int e = 224; e < 256; ++e) want[e] = -16.5f;
  want[0] = 28.0f, want[255] = 34.5f;
  expect_values(decode(GgmlType::Q4_K, b), want);
}

TEST(QuantBlocks, Q5_K) {
  BlockQ5_K b{};
  set_k4_scales(b);
  b.qs[0] = 0x01, b.qh[0] = 0x01;  // element 0: 16 + 1 -> 2 * 17 - 2
  b.qh[31] = 0x80;                 // element 255 (group 3 high half -> qh bit 7): 16 -> 17 * 16 - 16.5
  std::vector<float> want(256, 0.0f);
  for (int e = 0; e < 32; ++e) want[e] = -2.0f;
  for (int e = 224; e < 256; ++e) want[e] = -16.5f;
  want[0] = 32.0f, want[255] = 255.5f;
  expect_values(decode(GgmlType::Q5_K, b), want);
}

TEST(QuantBlocks, Q6_K) {
  BlockQ6_K b{};
  b.d = kHalf0_5;
  b.scales[0] = 2, b.scales[15] = -3;  // all-zero bits are level -32
  b.ql[0] = 0x01, b.qh[0] = 0x02;      // element 0: 1 | (2 << 4) = 33 -> 1
  b.ql[127] = 0xF0, b.qh[63] = 0xC0;   // element 255: 15 | (3 << 4) = 63 -> 31
  std::vector<float> want(256, 0.0f);
  for (int e = 0; e < 16; ++e) want[e] = -32.0f;    // 0.5 * 2 * -32
  for (int e = 240; e < 256; ++e) want[e] = 48.0f;  // 0.5 * -3 * -32
  want[0] = 1.0f, want[255] = -46.5f;
  expect_values(decode(GgmlType::Q6_K, b), want);
}

TEST(QuantBlocks, F16AndBF16) {
  const uint16_t half[] = {0x3C00, 0xC000, 0x7BFF, 0x0001, 0x8000};
  std::vector<float> got(5);
  dequantize_row(GgmlType::F16, half, got.data(), 5);
  expect_values(got, {1.0f, -2.0f, 65504.0f, 5.9604644775390625e-8f, -0.0f});
  EXPECT_TRUE(std::signbit(got[4]));

  const uint16_t bf16[] = {0x3F80, 0xC040, 0x4780};
  got.resize(3);
  dequantize_row(GgmlType::BF16, bf16, got.data(), 3);
  expect_values(got, {1.0f, -3.0f, 65536.0f});
}

}  // namespace
}  // namespace vkllm
