#include "host/exec/pipeline_model.h"

#include "engine/util/check.h"
#include "host/cpu/cpu_ops.h"

namespace vkllm {

PipelineModel::PipelineModel(const ModelFile& model, int n_ctx, std::unique_ptr<Backends> backends,
                             std::vector<std::unique_ptr<LayerStage>> layers, std::unique_ptr<HeadStage> head)
    : model_(model),
      n_ctx_(n_ctx),
      backends_(std::move(backends)),
      layers_(std::move(layers)),
      head_(std::move(head)) {
  if (n_ctx <= 0) fail("context size must be positive, got {}", n_ctx);
  VKLLM_ASSERT(head_ != nullptr, "a model needs a head");
}

std::vector<float> PipelineModel::forward(std::span<const int32_t> tokens, bool all_logits) {
  const int64_t n = int64_t(tokens.size());
  if (n == 0) fail("forward() needs at least one token");
  if (n_past_ + n > n_ctx_) fail("context full: {} + {} tokens exceed the context size {}", n_past_, n, n_ctx_);
  const int64_t d = model_.hp.n_embd;
  std::vector<float> x(size_t(n * d));
  cpu::get_rows(model_.weights.token_embd, tokens, x.data());  // checks the ids
  for (auto& stage : layers_) stage->forward(x, n, n_past_);
  n_past_ += int(n);
  const int64_t first = all_logits ? 0 : n - 1;
  return head_->forward(std::span(x).subspan(size_t(first * d)), n - first);
}

std::vector<std::string> PipelineModel::describe() const {
  std::vector<std::string> lines;
  for (const auto& stage : layers_) lines.push_back(stage->describe());
  lines.push_back(head_->describe());
  return lines;
}

}  // namespace vkllm
