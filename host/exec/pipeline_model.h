#pragma once
// A model made of stages: token embeddings looked up on the CPU (as llama.cpp keeps them), then
// each layer stage in order, then the head. It serves one sequence (LanguageModel: run, eval,
// bench) or several decoded together (BatchedModel: the server).
#include <memory>
#include <vector>

#include "engine/model/model_file.h"
#include "engine/session/batched_model.h"
#include "engine/session/language_model.h"
#include "host/exec/backends.h"
#include "host/exec/stage.h"

namespace vkllm {

class PipelineModel final : public LanguageModel, public BatchedModel {
 public:
  // n_ubatch: tokens per micro-batch when several layer stages overlap (stage_pipeline.h).
  PipelineModel(const ModelFile& model, int n_seq, int n_ctx_per_seq, std::unique_ptr<Backends> backends,
                std::vector<std::unique_ptr<LayerStage>> layers, std::unique_ptr<HeadStage> head, int n_ubatch);

  // LanguageModel: sequence 0.
  std::vector<float> forward(std::span<const int32_t> tokens, bool all_logits) override;
  int n_past() const override { return n_past_; }
  int n_ctx() const override { return n_ctx_seq_; }
  int n_vocab() const override { return int(model_.hp.n_vocab); }
  void reset() override { n_past_ = 0; }

  // BatchedModel.
  int n_seq() const override { return n_seq_; }
  int n_ctx_per_seq() const override { return n_ctx_seq_; }
  std::vector<float> decode(std::span<const BatchToken> batch) override;

  // One line per stage, in order.
  std::vector<std::string> describe() const;

 private:
  // Runs tokens through every stage; returns the logits of the rows listed in `outputs`.
  std::vector<float> run(std::span<const int32_t> tokens, const StageBatch& batch, std::span<const int64_t> outputs);

  const ModelFile& model_;
  const int n_seq_, n_ctx_seq_, n_ubatch_;
  int n_past_ = 0;
  std::unique_ptr<Backends> backends_;  // declared before the stages: outlives them
  std::vector<std::unique_ptr<LayerStage>> layers_;
  std::unique_ptr<HeadStage> head_;
};

}  // namespace vkllm
