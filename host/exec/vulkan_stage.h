#pragma once
// Consecutive llama-family layers, and the output head, on one Vulkan device. Weights are uploaded
// once; activations live on the device for the whole run of layers and cross to the host only at
// the stage's edges.
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/model/hparams.h"
#include "engine/model/model_weights.h"
#include "host/exec/device_weights.h"
#include "host/exec/exec_options.h"
#include "host/exec/stage.h"
#include "host/exec/stage_transfers.h"
#include "host/ops/ops.h"
#include "host/ops/tensor.h"
#include "host/vulkan/recorder.h"

namespace vkllm::vk {
class Device;
}

namespace vkllm::ops {
class KvCache;
}

namespace vkllm {

class VulkanLayers final : public LayerStage {
 public:
  // Layers [first, last) for n_seq sequences of n_ctx_per_seq cache cells each.
  VulkanLayers(vk::Device& device, const Hparams& hp, const ModelWeights& weights, uint32_t first, uint32_t last,
               int n_seq, int n_ctx_per_seq, const ExecOptions& options);
  ~VulkanLayers() override;

  void forward(std::span<float> x, const StageBatch& batch) override;
  std::string describe() const override;

  // Passes of at most this many tokens replay a recording of their shape (unless replay_ is off).
  static constexpr uint64_t kMaxReplayTokens = 32;

 private:
  struct Layer {
    ops::Tensor attn_norm, wq, wk, wv, wo, bq, bk, bv, ffn_norm, w_gate, w_up, w_down;
  };
  void forward_batch(float* x, const StageBatch& batch);  // at most n_batch tokens
  // The layers' work for n tokens; attention covers up to n_kv_max cells (see AttentionOptions).
  // runs: the lengths of the pass's runs of one sequence's consecutive tokens.
  void record_layers(vk::Recorder& rec, uint64_t n, bool single, uint32_t n_kv_max, std::span<const int64_t> runs);

  vk::Device& device_;
  const Hparams hp_;
  const uint32_t first_, last_;
  const int n_seq_, n_ctx_seq_;
  const int64_t n_batch_;
  const bool replay_;  // ExecOptions::replay_recordings
  // Runs of one sequence's tokens shorter than this take ggml's attention order, as the CPU
  // layers decide per run (ExecOptions::ggml_attention resolved for this device and cache): 0 never,
  // 64 (auto on CPU devices), or every run. Never between 1 and kMaxReplayTokens, so a replayed
  // recording suits every pass of its shape.
  const uint64_t ggml_attention_below_;
  const ops::SumOrder order_;  // ExecOptions::ggml_order resolved for this device
  Profiler* profiler_;
  DeviceWeights weights_;
  std::vector<Layer> layers_;
  std::unique_ptr<ops::KvCache> cache_;
  // Scratch for n_batch tokens.
  vk::DeviceBuffer x_[2], xn_, q_, k_, v_, attn_, proj_, gate_, up_, positions_, rounded_;
  vk::DeviceBuffer angles_;            // rope's cos and sin per token and pair, in ggml's order only
  std::vector<float> angles_host_;
  // Where each token goes, and the (seq, pos) of every cell for masking batches of several sequences.
  vk::DeviceBuffer cells_, query_info_, cell_info_;
  vk::DeviceBuffer state_;  // params::AttentionState of the pass, written before each submission
  std::vector<int32_t> cell_table_;  // (seq, pos) per cell; seq -1: never written
  std::vector<int32_t> cells_host_, query_info_host_;  // this pass's, kept to allocate nothing per pass
  uint32_t n_kv_ = 0;                // cells [0, n_kv_) have been written
  StageTransfers transfers_;
  // Records (or replays) every forward; last, so that it is destroyed (and waits for its work)
  // before the buffers that work uses.
  vk::Recorder recorder_;
};

class VulkanHead final : public HeadStage {
 public:
  VulkanHead(vk::Device& device, const Hparams& hp, const ModelWeights& weights, const ExecOptions& options);
  std::vector<float> forward(std::span<const float> x, int64_t n_rows, std::span<const int64_t> runs) override;
  std::string describe() const override;

 private:
  vk::Device& device_;
  const Hparams hp_;
  const int64_t n_batch_;
  const bool replay_;
  const ops::SumOrder order_;
  Profiler* profiler_;
  DeviceWeights weights_;
  ops::Tensor norm_, output_;
  vk::DeviceBuffer x_, xn_, logits_, rounded_;
  StageTransfers transfers_;
  vk::Recorder recorder_;  // last, as in VulkanLayers
};

}  // namespace vkllm
