// quantize_row then dequantize_row on random data: every element within the format's step, the
// tensor within a relative RMS bound; plus the error paths.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/quant/blocks.h"
#include "engine/quant/dequantize.h"
#include "engine/quant/quantize.h"
#include "engine/util/check.h"

namespace vkllm {
namespace {

std::vector<float> random_weights(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.02f);  // the spread of typical LLM weights
  std::vector<float> x(size_t(n), 0.0f);
  for (auto& v : x) v = normal(rng);
  return x;
}

std::vector<float> round_trip(GgmlType type, const std::vector<float>& x) {
  const auto n = int64_t(x.size());
  std::vector<uint8_t> bytes(*row_bytes(type, uint64_t(n)));
  quantize_row(type, x.data(), bytes.data(), n);
  std::vector<float> y(x.size());
  dequantize_row(type, bytes.data(), y.data(), n);
  return y;
}

// Largest error an element of this 32-block may have: half a step for the formats that round to
// nearest; a full step for Q4_0/Q5_0, whose levels run one further on the side of the block's
// extreme value than the other, so the opposite extreme can clamp. Plus the fp16 rounding of d
// and m (relative 2^-11 each) scaled by the largest magnitude involved.
float element_bound(GgmlType type, const float* block) {
  float lo = block[0], hi = block[0], amax = 0;
  for (int j = 0; j < kQK; ++j) lo = std::min(lo, block[j]), hi = std::max(hi, block[j]), amax = std::max(amax, std::fabs(block[j]));
  const float fp16_slack = 2 * amax * 0x1p-11f;
  switch (type) {
    case GgmlType::Q4_0: return amax / 8 + fp16_slack;
    case GgmlType::Q5_0: return amax / 16 + fp16_slack;
    case GgmlType::Q4_1: return 0.5f * (hi - lo) / 15 + fp16_slack;
    case GgmlType::Q5_1: return 0.5f * (hi - lo) / 31 + fp16_slack;
    case GgmlType::Q8_0: return 0.5f * amax / 127 + fp16_slack;
    case GgmlType::F16: return amax * 0x1p-11f;
    case GgmlType::BF16: return amax * 0x1p-8f;
    default: return 0.0f;  // F32
  }
}

// Relative RMS of normally distributed data, from measurement with some margin.
double relative_rms_bound(GgmlType type) {
  switch (type) {
    case GgmlType::Q4_0: return 0.12;
    case GgmlType::Q4_1: return 0.11;
    case GgmlType::Q5_0: return 0.06;
    case GgmlType::Q5_1: return 0.055;
    case GgmlType::Q8_0: return 0.0075;
    case GgmlType::F16: return 3e-4;
    case GgmlType::BF16: return 3e-3;
    default: return 0.0;
  }
}

class QuantRoundTrip : public testing::TestWithParam<GgmlType> {};

TEST_P(QuantRoundTrip, RandomData) {
  const GgmlType type = GetParam();
  const auto x = random_weights(64 * 256, 42);
  const auto y = round_trip(type, x);

  double err2 = 0, ref2 = 0;
  for (size_t b = 0; b < x.size(); b += kQK) {
    const float bound = element_bound(type, &x[b]);
    for (size_t i = b; i < b + kQK; ++i) {
      ASSERT_LE(std::fabs(y[i] - x[i]), bound) << "element " << i << " = " << x[i] << " decoded " << y[i];
      err2 += double(y[i] - x[i]) * (y[i] - x[i]);
      ref2 += double(x[i]) * x[i];
    }
  }
  const double rel = std::sqrt(err2 / ref2);
  EXPECT_LE(rel, relative_rms_bound(type));
  std::printf("[ round trip ] %-5s relative RMS %.5f\n", std::string(type_name(type)).c_str(), rel);
}

// A zero block must encode to d = 0 and decode to exact zeros, not NaN from 0 * (1/0).
TEST_P(QuantRoundTrip, ZerosStayZero) {
  const std::vector<float> zeros(64, 0.0f);
  for (float v : round_trip(GetParam(), zeros)) EXPECT_EQ(v, 0.0f);
}

// A block's largest-magnitude value is represented exactly up to the fp16 rounding of d.
TEST_P(QuantRoundTrip, ExtremeValueSurvives) {
  std::vector<float> x(32, 0.001f);
  x[7] = -3.0f;
  const auto y = round_trip(GetParam(), x);
  EXPECT_NEAR(y[7], -3.0f, 3.0f * 0x1p-10f);
}

// Data read from a file need not be aligned; the codecs must not care.
TEST_P(QuantRoundTrip, UnalignedBuffers) {
  const GgmlType type = GetParam();
  const auto x = random_weights(256, 7);
  const size_t size = *row_bytes(type, 256);
  std::vector<uint8_t> aligned(size), shifted(size + 1);
  quantize_row(type, x.data(), aligned.data(), 256);
  quantize_row(type, x.data(), shifted.data() + 1, 256);
  EXPECT_EQ(std::memcmp(aligned.data(), shifted.data() + 1, size), 0);

  std::vector<float> a(256), b(257);
  dequantize_row(type, aligned.data(), a.data(), 256);
  dequantize_row(type, shifted.data() + 1, b.data() + 1, 256);
  EXPECT_EQ(std::memcmp(a.data(), b.data() + 1, 256 * sizeof(float)), 0);
}

INSTANTIATE_TEST_SUITE_P(Types, QuantRoundTrip,
                         testing::Values(GgmlType::F32, GgmlType::F16, GgmlType::BF16, GgmlType::Q4_0, GgmlType::Q4_1,
                                         GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0),
                         [](const testing::TestParamInfo<GgmlType>& info) {
                           return std::string(type_name(info.param));
                         });

// Expects `body` to throw vkllm::Error whose message contains `needle`.
template <class F>
void expect_error(F body, const std::string& needle) {
  try {
    body();
    ADD_FAILURE() << "no error thrown; expected one mentioning '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(QuantErrors, UnsupportedTypesThrow) {
  std::vector<uint8_t> src(1024);
  std::vector<float> dst(256);
  for (GgmlType type : {GgmlType::IQ2_XXS, GgmlType::IQ4_NL, GgmlType::TQ1_0, GgmlType::Q8_1, GgmlType::Q8_K,
                        GgmlType::I8, GgmlType::MXFP4}) {
    const auto name = std::string(type_name(type));
    SCOPED_TRACE(name);
    EXPECT_FALSE(can_dequantize(type));
    EXPECT_FALSE(traits(type).dequant_supported);  // the type table agrees
    expect_error([&] { dequantize_row(type, src.data(), dst.data(), 256); },
                 "type " + name + " is recognised but not supported");
  }
  expect_error([&] { dequantize_row(GgmlType::IQ2_XXS, src.data(), dst.data(), 256); }, "iq2_xxs");
  for (GgmlType type : {GgmlType::Q2_K, GgmlType::Q4_K, GgmlType::Q6_K, GgmlType::IQ4_XS})
    expect_error([&] { quantize_row(type, dst.data(), src.data(), 256); }, "not supported by the CPU quantizer");
}

TEST(QuantErrors, SupportedTypesAgreeWithTypeTable) {
  for (GgmlType type : {GgmlType::F32, GgmlType::F16, GgmlType::BF16, GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0,
                        GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K,
                        GgmlType::Q6_K}) {
    EXPECT_TRUE(can_dequantize(type)) << type_name(type);
    EXPECT_TRUE(traits(type).dequant_supported) << type_name(type);
  }
}

TEST(QuantErrors, PartialBlocksThrow) {
  std::vector<uint8_t> bytes(1024);
  std::vector<float> x(300);
  expect_error([&] { dequantize_row(GgmlType::Q4_0, bytes.data(), x.data(), 33); }, "block size 32");
  expect_error([&] { dequantize_row(GgmlType::Q6_K, bytes.data(), x.data(), 288); }, "block size 256");
  expect_error([&] { quantize_row(GgmlType::Q8_0, x.data(), bytes.data(), 40); }, "block size 32");
  expect_error([&] { dequantize(GgmlType::Q8_0, std::span(bytes).first(33), std::span(x).first(32)); },
               "take 34 bytes");
}

}  // namespace
}  // namespace vkllm
