#include "host/cpu/activation_rounding.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/util/fp16.h"

namespace vkllm::cpu {
namespace {

// q8_0 / q8_1 as ggml's AVX2 path makes them: scale 127/amax, round half to even, fp16 delta.
void round_q8_0(const float* x, float* out, int64_t n) {
  for (int64_t b = 0; b < n; b += 32) {
    float amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[b + j]));
    const float d = fp16_to_fp32(fp32_to_fp16(amax / 127.0f));
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    for (int j = 0; j < 32; ++j) out[b + j] = d * std::nearbyint(x[b + j] * id);
  }
}

// q8_K: blocks of 256, scale -127/max of the signed extreme, float delta.
void round_q8_k(const float* x, float* out, int64_t n) {
  for (int64_t b = 0; b < n; b += 256) {
    float amax = 0, max = 0;
    for (int j = 0; j < 256; ++j)
      if (std::fabs(x[b + j]) > amax) {
        amax = std::fabs(x[b + j]);
        max = x[b + j];
      }
    if (amax == 0) {
      std::fill(out + b, out + b + 256, 0.0f);
      continue;
    }
    const float iscale = -127.0f / max;
    const float d = 1.0f / iscale;
    for (int j = 0; j < 256; ++j) out[b + j] = d * std::min(127.0f, std::nearbyint(iscale * x[b + j]));
  }
}

}  // namespace

void round_activations(GgmlType weight_type, const float* x, float* out, int64_t n) {
  switch (weight_type) {
    case GgmlType::Q4_0: case GgmlType::Q4_1: case GgmlType::Q5_0: case GgmlType::Q5_1: case GgmlType::Q8_0:
      if (n % 32 == 0) return round_q8_0(x, out, n);
      break;
    case GgmlType::Q2_K: case GgmlType::Q3_K: case GgmlType::Q4_K: case GgmlType::Q5_K: case GgmlType::Q6_K:
      if (n % 256 == 0) return round_q8_k(x, out, n);
      break;
    case GgmlType::F16:
      for (int64_t i = 0; i < n; ++i) out[i] = fp16_to_fp32(fp32_to_fp16(x[i]));
      return;
    case GgmlType::BF16:
      for (int64_t i = 0; i < n; ++i) out[i] = bf16_to_fp32(fp32_to_bf16(x[i]));
      return;
    default:
      break;
  }
  std::memcpy(out, x, sizeof(float) * n);
}

}  // namespace vkllm::cpu
