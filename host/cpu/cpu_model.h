#pragma once
// A llama-family forward pass on the CPU: the reference every other path is checked against,
// and the backend for layers that are not offloaded.
#include <cstdint>
#include <span>
#include <vector>

#include "engine/model/hparams.h"
#include "engine/model/model_weights.h"
#include "host/cpu/thread_pool.h"

namespace vkllm::cpu {

class CpuModel {
 public:
  CpuModel(const Hparams& hp, const ModelWeights& weights, int n_ctx, int n_threads);

  // Evaluates `tokens` at positions n_past(), n_past()+1, ... and appends them to the KV cache.
  // Returns logits ([n][n_vocab]) for every token when all_logits, else for the last one only.
  std::vector<float> forward(std::span<const int32_t> tokens, bool all_logits);

  int n_past() const { return n_past_; }
  int n_ctx() const { return n_ctx_; }
  void reset() { n_past_ = 0; }

 private:
  void attention(int layer, const float* q, int64_t n_tokens, float* out);

  const Hparams hp_;
  const ModelWeights& w_;
  const int n_ctx_;
  int n_past_ = 0;
  ThreadPool pool_;
  std::vector<float> k_cache_, v_cache_;  // [n_layer][n_ctx][n_embd_kv]
};

}  // namespace vkllm::cpu
