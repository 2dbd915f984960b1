#pragma once
// A LanguageModel made of stages: token embeddings looked up on the CPU (as llama.cpp keeps them),
// then each layer stage in order, then the head.
#include <memory>
#include <vector>

#include "engine/model/model_file.h"
#include "engine/session/language_model.h"
#include "host/exec/backends.h"
#include "host/exec/stage.h"

namespace vkllm {

class PipelineModel final : public LanguageModel {
 public:
  PipelineModel(const ModelFile& model, int n_ctx, std::unique_ptr<Backends> backends,
                std::vector<std::unique_ptr<LayerStage>> layers, std::unique_ptr<HeadStage> head);

  std::vector<float> forward(std::span<const int32_t> tokens, bool all_logits) override;
  int n_past() const override { return n_past_; }
  int n_ctx() const override { return n_ctx_; }
  int n_vocab() const override { return int(model_.hp.n_vocab); }
  void reset() override { n_past_ = 0; }

  // One line per stage, in order.
  std::vector<std::string> describe() const;

 private:
  const ModelFile& model_;
  const int n_ctx_;
  int n_past_ = 0;
  std::unique_ptr<Backends> backends_;  // declared before the stages: outlives them
  std::vector<std::unique_ptr<LayerStage>> layers_;
  std::unique_ptr<HeadStage> head_;
};

}  // namespace vkllm
