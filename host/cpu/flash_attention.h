#pragma once
// Attention of one query row over one head's cached keys and values, computed the way ggml's CPU
// flash attention (llama.cpp's default) does, so that logits match llama.cpp's to the last bit
// wherever the rest of the layer does:
//  - q is rounded to the key type's dot format (f16 for an f16 cache), scores are dot products in
//    ggml_vec_dot_f16's order, scaled after the dot;
//  - one pass over the keys with a running maximum; the value accumulator is f16 for an f16 cache
//    (every rescale and every multiply-add rounded to f16), else f32 (a q8_0 V row is decoded first);
//  - the result is the accumulator times 1/sum.
// The f16 rounding costs accuracy (llama.cpp accepts it); matching it is what keeps near-tied
// logits resolving as they do there.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/types/ggml_type.h"
#include "host/cpu/cpu_features.h"

namespace vkllm::cpu {

// A head's rows in a KV cache: cell j of the head at data + j * stride bytes, `type` F32, F16 or
// Q8_0 (whole blocks of 32: head sizes are multiples of 32 then).
struct CacheRows {
  GgmlType type = GgmlType::F32;
  const uint8_t* data = nullptr;
  size_t stride = 0;
};

// Per-thread buffers, reused across calls.
struct AttentionScratch {
  std::vector<float> scores, q, acc, v_row;
  std::vector<uint16_t> acc16;
};

// out[0..head_dim) = softmax(scale * q·k_j) · v_j over cells j < n_keys.
void flash_attention(const float* q, CacheRows k, CacheRows v, int64_t n_keys, int64_t head_dim, float scale,
                     float* out, AttentionScratch& scratch, CpuPath path);

// The type a CPU cache uses when asked for `asked`: F32, F16 and Q8_0 as asked, anything else F16.
inline GgmlType cpu_cache_type(GgmlType asked) {
  return asked == GgmlType::F32 || asked == GgmlType::Q8_0 ? asked : GgmlType::F16;
}

// Bytes of n cached elements of `type` (F32, F16, or Q8_0 with n % 32 == 0; else an error).
size_t cache_bytes(GgmlType type, int64_t n);

// Stores n floats as `type`: F32 as they are, F16 rounded to nearest even, Q8_0 as ggml's x86
// backend quantizes them.
void store_cache_row(GgmlType type, const float* x, int64_t n, uint8_t* out);

}  // namespace vkllm::cpu
