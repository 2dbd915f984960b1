#include "host/exec/pipeline_model.h"

#include <numeric>

#include "engine/util/check.h"
#include "host/cpu/cpu_ops.h"
#include "host/exec/stage_pipeline.h"

namespace vkllm {

PipelineModel::PipelineModel(const ModelFile& model, int n_seq, int n_ctx_per_seq, std::unique_ptr<Backends> backends,
                             std::vector<std::unique_ptr<LayerStage>> layers, std::unique_ptr<HeadStage> head,
                             int n_ubatch)
    : model_(model),
      n_seq_(n_seq),
      n_ctx_seq_(n_ctx_per_seq),
      n_ubatch_(n_ubatch),
      backends_(std::move(backends)),
      layers_(std::move(layers)),
      head_(std::move(head)) {
  if (n_seq <= 0 || n_ctx_per_seq <= 0) fail("context of {} x {} tokens is empty", n_seq, n_ctx_per_seq);
  if (n_ubatch <= 0) fail("-ub must be positive, got {}", n_ubatch);
  VKLLM_ASSERT(head_ != nullptr, "a model needs a head");
}

std::vector<float> PipelineModel::run(std::span<const int32_t> tokens, const StageBatch& batch,
                                      std::span<const int64_t> outputs) {
  const int64_t n = int64_t(tokens.size()), d = model_.hp.n_embd;
  std::vector<float> x(size_t(n * d));
  cpu::get_rows(model_.weights.token_embd, tokens, x.data());  // checks the ids first
  run_stages(layers_, x, d, batch, micro_batch_size(n, layers_.size(), n_ubatch_));
  if (outputs.empty()) return {};
  // Gather the rows that want logits (contiguous in the common cases: last row, all rows), and the
  // runs of them that belong to one sequence.
  std::vector<float> rows(outputs.size() * size_t(d));
  std::vector<int64_t> runs;
  for (size_t i = 0; i < outputs.size(); ++i) {
    std::copy_n(x.begin() + outputs[i] * d, d, rows.begin() + int64_t(i) * d);
    if (i > 0 && batch.seq[size_t(outputs[i])] == batch.seq[size_t(outputs[i - 1])]) ++runs.back();
    else runs.push_back(1);
  }
  return head_->forward(rows, int64_t(outputs.size()), runs);
}

std::vector<float> PipelineModel::forward(std::span<const int32_t> tokens, bool all_logits) {
  const int64_t n = int64_t(tokens.size());
  if (n == 0) fail("forward() needs at least one token");
  if (n_past_ + n > n_ctx_seq_)
    fail("context full: {} + {} tokens exceed the context size {}", n_past_, n, n_ctx_seq_);
  std::vector<int32_t> seq(static_cast<size_t>(n), 0), pos(static_cast<size_t>(n));
  std::iota(pos.begin(), pos.end(), n_past_);
  std::vector<int64_t> outputs;
  for (int64_t t = all_logits ? 0 : n - 1; t < n; ++t) outputs.push_back(t);
  auto logits = run(tokens, {seq, pos}, outputs);
  n_past_ += int(n);
  return logits;
}

std::vector<float> PipelineModel::decode(std::span<const BatchToken> batch) {
  if (batch.empty()) return {};
  std::vector<int32_t> tokens, seq, pos;
  std::vector<int64_t> outputs;
  for (size_t i = 0; i < batch.size(); ++i) {
    const auto& b = batch[i];
    if (b.seq < 0 || b.seq >= n_seq_) fail("batch token {}: sequence {} outside 0..{}", i, b.seq, n_seq_ - 1);
    if (b.pos < 0 || b.pos >= n_ctx_seq_)
      fail("batch token {}: position {} outside the context of {} tokens per sequence", i, b.pos, n_ctx_seq_);
    if (b.token < 0 || uint32_t(b.token) >= model_.hp.n_vocab)
      fail("batch token {}: id {} is outside the vocabulary of {} tokens", i, b.token, model_.hp.n_vocab);
    tokens.push_back(b.token);
    seq.push_back(b.seq);
    pos.push_back(b.pos);
    if (b.logits) outputs.push_back(int64_t(i));
  }
  return run(tokens, {seq, pos}, outputs);
}

std::vector<std::string> PipelineModel::describe() const {
  std::vector<std::string> lines;
  for (const auto& stage : layers_) lines.push_back(stage->describe());
  lines.push_back(head_->describe());
  return lines;
}

}  // namespace vkllm
