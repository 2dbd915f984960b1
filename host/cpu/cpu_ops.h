#pragma once
// The operations of a llama-family layer on the CPU, on row-major float activations
// ([n_tokens][width]). Weights stay in their file type and are decoded row by row.
#include <cstdint>
#include <span>

#include "engine/model/hparams.h"
#include "engine/model/model_weights.h"
#include "host/cpu/thread_pool.h"

namespace vkllm::cpu {

// y[t][r] = sum_c w[r][c] * x[t][c] for t < n_tokens, r < w.rows().
//
// runs: the lengths of the runs of consecutive tokens of one sequence (summing to n_tokens; empty:
// one run). llama.cpp sums a product differently by the number of tokens it has (its prompt-path
// kernels, DotKernel::batch_dot); each run is summed as llama.cpp would sum that sequence alone, so a
// sequence's results do not depend on what else was batched with it.
void matmul(const WeightRef& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool,
            std::span<const int64_t> runs = {});

// Several products of the same activations (q, k and v; gate and up), as one pass over the pool:
// each target's y = w · x, the weights of equal width.
struct MatmulTarget {
  const WeightRef* w;
  float* y;
};
void matmuls(std::span<const MatmulTarget> targets, const float* x, int64_t n_tokens, ThreadPool& pool,
             std::span<const int64_t> runs = {});

// y[t] = x[t] / rms(x[t]) * weight, row by row.
void rms_norm(const float* x, const WeightRef& weight, int64_t n_tokens, int64_t width, float eps, float* y);

// x[t] += bias for every row.
void add_bias(float* x, const WeightRef& bias, int64_t n_tokens, int64_t width);

// Rotates the first n_rot dimensions of every head of x ([n_tokens][n_heads][head_dim]) in place.
void rope(float* x, std::span<const int32_t> positions, int64_t n_heads, const Hparams& hp);

// gate[i] = silu(gate[i]) * up[i], with e^x as ggml's vector kernels compute it (swiglu.cpp).
void swiglu(float* gate, const float* up, int64_t n);

// Rows of token embeddings: out[t] = dequantized token_embd row tokens[t].
void get_rows(const WeightRef& table, std::span<const int32_t> tokens, float* out);

}  // namespace vkllm::cpu
