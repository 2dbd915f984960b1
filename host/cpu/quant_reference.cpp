#include "host/cpu/quant_reference.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/util/check.h"
#include "engine/util/fp16.h"

namespace vkllm::cpu {
namespace {

constexpr size_t kBlock = 32;

void put_f16(uint8_t* out, float value) {
  const uint16_t h = fp32_to_fp16(value);
  std::memcpy(out, &h, 2);
}

float get_f16(const uint8_t* in) {
  uint16_t h;
  std::memcpy(&h, in, 2);
  return fp16_to_fp32(h);
}

// Block q8_0: f16 d, then 32 int8 q, x = d * q.
void quantize_q8_0(const float* x, uint8_t* out) {
  float amax = 0;
  for (size_t i = 0; i < kBlock; ++i) amax = std::max(amax, std::fabs(x[i]));
  const float d = amax / 127.0f;
  const float inverse = d != 0 ? 1.0f / d : 0.0f;
  put_f16(out, d);
  for (size_t i = 0; i < kBlock; ++i) out[2 + i] = uint8_t(int8_t(std::lround(x[i] * inverse)));
}

// Block q4_0: f16 d, then 16 bytes; byte j holds q[j] (low nibble) and q[j + 16] (high), x = d * (q - 8).
void quantize_q4_0(const float* x, uint8_t* out) {
  float amax = 0, max = 0;
  for (size_t i = 0; i < kBlock; ++i)
    if (std::fabs(x[i]) > amax) {
      amax = std::fabs(x[i]);
      max = x[i];
    }
  const float d = max / -8.0f;
  const float inverse = d != 0 ? 1.0f / d : 0.0f;
  put_f16(out, d);
  for (size_t j = 0; j < kBlock / 2; ++j) {
    const auto q0 = uint8_t(std::min(15, int(x[j] * inverse + 8.5f)));
    const auto q1 = uint8_t(std::min(15, int(x[j + 16] * inverse + 8.5f)));
    out[2 + j] = uint8_t(q0 | (q1 << 4));
  }
}

}  // namespace

std::vector<uint8_t> quantize(GgmlType type, std::span<const float> x) {
  const TypeTraits& t = traits(type);
  VKLLM_ASSERT(x.size() % t.block_elems == 0, "{} values are not whole {} blocks", x.size(), t.name);
  std::vector<uint8_t> out(x.size() / t.block_elems * t.block_bytes);
  for (size_t b = 0; b < x.size() / t.block_elems; ++b) {
    const float* in = x.data() + b * t.block_elems;
    uint8_t* block = out.data() + b * t.block_bytes;
    switch (type) {
      case GgmlType::F32: std::memcpy(block, in, 4); break;
      case GgmlType::F16: put_f16(block, *in); break;
      case GgmlType::Q8_0: quantize_q8_0(in, block); break;
      case GgmlType::Q4_0: quantize_q4_0(in, block); break;
      default: fail("reference quantize: {} not supported", t.name);
    }
  }
  return out;
}

std::vector<float> dequantize(GgmlType type, std::span<const uint8_t> data, uint64_t n) {
  const TypeTraits& t = traits(type);
  VKLLM_ASSERT(n % t.block_elems == 0 && data.size() >= n / t.block_elems * t.block_bytes, "bad dequantize size");
  std::vector<float> out(n);
  for (size_t b = 0; b < n / t.block_elems; ++b) {
    const uint8_t* block = data.data() + b * t.block_bytes;
    float* y = out.data() + b * t.block_elems;
    switch (type) {
      case GgmlType::F32: std::memcpy(y, block, 4); break;
      case GgmlType::F16: *y = get_f16(block); break;
      case GgmlType::Q8_0:
        for (size_t i = 0; i < kBlock; ++i) y[i] = get_f16(block) * float(int8_t(block[2 + i]));
        break;
      case GgmlType::Q4_0:
        for (size_t j = 0; j < kBlock / 2; ++j) {
          y[j] = get_f16(block) * float(int(block[2 + j] & 0xf) - 8);
          y[j + 16] = get_f16(block) * float(int(block[2 + j] >> 4) - 8);
        }
        break;
      default: fail("reference dequantize: {} not supported", t.name);
    }
  }
  return out;
}

}  // namespace vkllm::cpu
