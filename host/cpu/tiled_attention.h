#pragma once
// Attention of a block of query rows of one head, computed the way llama.cpp's CPU backend
// computes batches of 64 or more queries over an f32 or f16 cache (its tiled flash attention):
//  - keys are taken 64 at a time, converted to f32; the block's scores are one f32 matrix product
//    (small_gemm.h), scaled after it, with keys a query may not see set to -inf;
//  - per query a running maximum; e^x of the scores as ggml's vector exp (ggml_exp.h), their sum
//    in 16-lane groups added up in double (its AVX-512 build); the rescale of what is summed so far
//    with libm's expf;
//  - the f32 value accumulator gains the product of the block's weights with its values, and is
//    divided by the sum at the end.
// Everything stays in f32, so it is more accurate than the f16 accumulator of flash_attention.h,
// and much faster on long prompts; short batches keep to flash_attention.h, as llama.cpp does.
#include <cstdint>
#include <vector>

#include "engine/types/ggml_type.h"
#include "host/cpu/cpu_features.h"
#include "host/cpu/flash_attention.h"

namespace vkllm::cpu {

// Queries per block and keys per step.
inline constexpr int kAttentionTile = 64;

// llama.cpp's choice: a batch of 64+ tokens over a cache whose K and V are both f32 or both f16.
// (The CPU layers ask it per run of one sequence's consecutive tokens, so that what a sequence
// gets does not depend on the other sequences of a batch.)
bool use_tiled_attention(int64_t n_tokens, GgmlType k, GgmlType v, int64_t head_dim);

// Up to kAttentionTile query rows of one head: row r at q + r * q_stride sees cache cells
// [0, n_keys[r]) and writes head_dim floats at out + r * out_stride.
struct QueryBlock {
  const float* q = nullptr;
  int64_t q_stride = 0;
  const int64_t* n_keys = nullptr;
  int rows = 0;
  float* out = nullptr;
  int64_t out_stride = 0;
};

// Per-thread buffers, reused across calls.
struct TiledScratch {
  std::vector<float> k_row, k_t, v, scores, acc;
};

void tiled_attention(const QueryBlock& block, CacheRows k, CacheRows v, int64_t head_dim, float scale,
                     TiledScratch& scratch, CpuPath path);

}  // namespace vkllm::cpu
