#include <gtest/gtest.h>

#include "engine/types/file_type.h"
#include "engine/types/ggml_type.h"
#include "engine/util/fp16.h"

namespace vkllm {
namespace {

TEST(GgmlType, TableMatchesGgmlIds) {
  EXPECT_EQ(find_type(2)->name, "q4_0");
  EXPECT_EQ(find_type(8)->block_bytes, 34u);
  EXPECT_EQ(find_type(14)->block_bytes, 210u);  // q6_K
  EXPECT_EQ(find_type(30)->name, "bf16");
  EXPECT_EQ(find_type(39)->block_bytes, 17u);   // mxfp4
  for (uint32_t retired : {4u, 5u, 31u, 32u, 33u, 36u, 37u, 38u, 40u, 1000u, ~0u})
    EXPECT_FALSE(find_type(retired).has_value()) << retired;
  EXPECT_FALSE(find_type(16)->dequant_supported);  // iq2_xxs: recognised, not supported
  EXPECT_EQ(type_from_name("Q4_K"), GgmlType::Q4_K);
  EXPECT_EQ(type_from_name("nope"), std::nullopt);
  EXPECT_EQ(row_bytes(GgmlType::Q4_0, 64), 36u);
  EXPECT_EQ(row_bytes(GgmlType::Q4_0, 48), std::nullopt);
  EXPECT_EQ(row_bytes(GgmlType::F16, 7), 14u);
}

TEST(FileType, Names) {
  EXPECT_EQ(file_type_name(15), "Q4_K_M");
  EXPECT_EQ(file_type_name(7), "Q8_0");
  EXPECT_EQ(file_type_name(5), "unknown (5)");
  EXPECT_EQ(file_type_name(-1), "unknown (-1)");
}

TEST(Fp16, EveryHalfRoundTripsAndRoundingIsNearestEven) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = fp16_to_fp32(uint16_t(h));
    if (f != f) continue;  // NaN payloads need not survive
    EXPECT_EQ(fp32_to_fp16(f), h) << h;
  }
  EXPECT_EQ(fp32_to_fp16(65504.0f), 0x7bff);
  EXPECT_EQ(fp32_to_fp16(65520.0f), 0x7c00);            // halfway to 65536 rounds to even: infinity
  EXPECT_EQ(fp32_to_fp16(1.0f + 1.0f / 2048), 0x3c00);  // tie rounds to even mantissa
  EXPECT_EQ(fp32_to_fp16(1.0f + 3.0f / 2048), 0x3c02);
  EXPECT_EQ(fp32_to_fp16(5.9604644775390625e-8f), 0x0001);  // smallest subnormal
  EXPECT_EQ(fp32_to_fp16(2.98023223876953125e-8f), 0x0000);  // half of it: tie to even zero
  EXPECT_EQ(fp32_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(bf16_to_fp32(0xc040), -3.0f);
}

}  // namespace
}  // namespace vkllm
