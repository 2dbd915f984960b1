#pragma once
// Attention of one query row over one head's cached keys and values, computed the way ggml's CPU
// flash attention (llama.cpp's default) does, so that logits match llama.cpp's to the last bit
// wherever the rest of the layer does:
//  - q is rounded to the key type's dot format (f16 for an f16 cache), scores are dot products in
//    ggml_vec_dot_f16's order, scaled after the dot;
//  - one pass over the keys with a running maximum; the value accumulator has the cache's type, so
//    with an f16 cache every rescale and every multiply-add is rounded to f16;
//  - the result is the accumulator times 1/sum.
// The f16 rounding costs accuracy (llama.cpp accepts it); matching it is what keeps near-tied
// logits resolving as they do there.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/types/ggml_type.h"
#include "host/cpu/cpu_features.h"

namespace vkllm::cpu {

// A head's rows in a KV cache: cell j of the head at data + j * stride bytes, `type` F32 or F16.
struct CacheRows {
  GgmlType type = GgmlType::F32;
  const uint8_t* data = nullptr;
  size_t stride = 0;
};

// Per-thread buffers, reused across calls.
struct AttentionScratch {
  std::vector<float> scores, q, acc;
  std::vector<uint16_t> acc16;
};

// out[0..head_dim) = softmax(scale * q·k_j) · v_j over cells j < n_keys.
void flash_attention(const float* q, CacheRows k, CacheRows v, int64_t n_keys, int64_t head_dim, float scale,
                     float* out, AttentionScratch& scratch, CpuPath path);

// The type a CPU cache uses when asked for `asked`: F32 stays, anything else is held in F16.
inline GgmlType cpu_cache_type(GgmlType asked) { return asked == GgmlType::F32 ? GgmlType::F32 : GgmlType::F16; }

// Bytes of one cached element of `type` (F32 or F16; anything else is an error).
size_t cache_element_bytes(GgmlType type);

// Stores n floats as `type` (F32 or F16, rounded to nearest even).
void store_cache_row(GgmlType type, const float* x, int64_t n, uint8_t* out);

}  // namespace vkllm::cpu
