#pragma once
// Consecutive llama-family layers on the CPU, with their own KV cache (f16, f32 or q8_0).
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "engine/model/hparams.h"
#include "engine/model/model_weights.h"
#include "host/cpu/flash_attention.h"
#include "host/cpu/thread_pool.h"
#include "host/exec/stage.h"

namespace vkllm::cpu {

class CpuLayers final : public LayerStage {
 public:
  // Layers [first, last) of the model for n_seq sequences of n_ctx_per_seq cells each, K and V
  // cached as cache_k / cache_v (F16, F32 or Q8_0); tiled_attention: ExecOptions::cpu_tiled_attention.
  // The pool is shared with the other CPU stages.
  CpuLayers(const Hparams& hp, const ModelWeights& weights, uint32_t first, uint32_t last, int n_seq,
            int n_ctx_per_seq, GgmlType cache_k, GgmlType cache_v, bool tiled_attention, ThreadPool& pool);

  void forward(std::span<float> x, const StageBatch& batch) override;
  std::string describe() const override;

 private:
  struct QueryRun {
    int64_t first;  // batch index of the first token
    int rows;
  };
  // runs: the lengths of the runs of consecutive tokens of one sequence in the batch.
  void attention(uint32_t layer, const float* q, const StageBatch& batch, std::span<const int64_t> runs, float* out);
  // The cached keys and values that query head `head` of sequence `seq` reads in `layer`.
  std::pair<CacheRows, CacheRows> head_cache(uint32_t layer, int32_t seq, int64_t head);
  // Per token and head, as llama.cpp does for short batches (flash_attention.h)...
  void attention_by_token(uint32_t layer, const float* q, const StageBatch& batch, std::span<const int64_t> tokens,
                          float* out);
  // ...and in blocks of up to 64 tokens of one sequence per head for 64+ tokens (tiled_attention.h).
  void tiled_attention_blocks(uint32_t layer, const float* q, const StageBatch& batch,
                              std::span<const QueryRun> blocks, float* out);
  size_t n_cells() const { return size_t(n_seq_) * size_t(n_ctx_seq_); }
  size_t k_row_bytes() const { return cache_bytes(k_type_, hp_.n_embd_kv()); }
  size_t v_row_bytes() const { return cache_bytes(v_type_, hp_.n_embd_kv()); }
  uint8_t* k_cells(uint32_t layer) { return k_cache_.data() + size_t(layer - first_) * n_cells() * k_row_bytes(); }
  uint8_t* v_cells(uint32_t layer) { return v_cache_.data() + size_t(layer - first_) * n_cells() * v_row_bytes(); }

  const Hparams hp_;
  const uint32_t first_, last_;
  std::vector<LayerWeights> layers_;            // layers [first_, last_), matrices regrouped (row_groups.h)
  std::vector<std::vector<uint8_t>> repacked_;  // what they point into
  const int n_seq_, n_ctx_seq_;
  const GgmlType k_type_, v_type_;  // F32, F16 or Q8_0
  const bool tiled_attention_;
  ThreadPool& pool_;
  std::vector<uint8_t> k_cache_, v_cache_;  // [layer][cell][n_embd_kv]
};

class CpuHead final : public HeadStage {
 public:
  CpuHead(const Hparams& hp, const ModelWeights& weights, ThreadPool& pool);
  std::vector<float> forward(std::span<const float> x, int64_t n_rows, std::span<const int64_t> runs) override;
  std::string describe() const override { return "output on CPU"; }

 private:
  const Hparams hp_;
  std::vector<uint8_t> repacked_;   // before output_, which points into it
  WeightRef output_norm_, output_;  // output regrouped where its type allows
  ThreadPool& pool_;
};

}  // namespace vkllm::cpu
