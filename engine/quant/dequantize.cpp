#include "engine/quant/dequantize.h"

#include <cstring>

#include "engine/quant/dequantize_impl.h"
#include "engine/util/check.h"
#include "engine/util/fp16.h"

namespace vkllm {
namespace {

using BlockDecoder = void (*)(const uint8_t* src, float* dst, int64_t n_blocks);

// The decoder of each quantized type, or nullptr where there is none.
BlockDecoder block_decoder(GgmlType type) {
  using namespace quant_detail;
  switch (type) {
    case GgmlType::Q4_0: return dequantize_q4_0;
    case GgmlType::Q4_1: return dequantize_q4_1;
    case GgmlType::Q5_0: return dequantize_q5_0;
    case GgmlType::Q5_1: return dequantize_q5_1;
    case GgmlType::Q8_0: return dequantize_q8_0;
    case GgmlType::Q2_K: return dequantize_q2_k;
    case GgmlType::Q3_K: return dequantize_q3_k;
    case GgmlType::Q4_K: return dequantize_q4_k;
    case GgmlType::Q5_K: return dequantize_q5_k;
    case GgmlType::Q6_K: return dequantize_q6_k;
    default: return nullptr;
  }
}

// F16/BF16 elements are 2 bytes with no alignment promise; copy each out before converting.
template <float (*convert)(uint16_t)>
void widen_16bit(const uint8_t* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    uint16_t bits;
    std::memcpy(&bits, src + 2 * i, sizeof(bits));
    dst[i] = convert(bits);
  }
}

}  // namespace

bool can_dequantize(GgmlType type) {
  return type == GgmlType::F32 || type == GgmlType::F16 || type == GgmlType::BF16 || block_decoder(type) != nullptr;
}

void dequantize_row(GgmlType type, const void* src, float* dst, int64_t n) {
  const TypeTraits& t = traits(type);
  if (!can_dequantize(type)) fail("type {} is recognised but not supported by the CPU dequantizer", t.name);
  if (n < 0 || n % t.block_elems != 0)
    fail("cannot dequantize {} elements of {}: not a multiple of its block size {}", n, t.name, t.block_elems);

  const auto* bytes = static_cast<const uint8_t*>(src);
  switch (type) {
    case GgmlType::F32: std::memcpy(dst, bytes, size_t(n) * sizeof(float)); return;
    case GgmlType::F16: widen_16bit<fp16_to_fp32>(bytes, dst, n); return;
    case GgmlType::BF16: widen_16bit<bf16_to_fp32>(bytes, dst, n); return;
    default: block_decoder(type)(bytes, dst, n / t.block_elems); return;
  }
}

void dequantize(GgmlType type, std::span<const uint8_t> src, std::span<float> dst) {
  const auto n = int64_t(dst.size());
  const auto expected = row_bytes(type, uint64_t(n));
  if (expected && *expected != src.size())
    fail("cannot dequantize {} elements of {} from {} bytes: they take {} bytes", n, type_name(type), src.size(),
         *expected);
  dequantize_row(type, src.data(), dst.data(), n);  // reports unsupported types and bad n
}

}  // namespace vkllm
