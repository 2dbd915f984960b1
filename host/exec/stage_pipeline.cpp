#include "host/exec/stage_pipeline.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "engine/util/check.h"

namespace vkllm {

int64_t micro_batch_size(int64_t n_tokens, size_t n_stages, int n_ubatch) {
  VKLLM_ASSERT(n_ubatch > 0, "micro-batch of {} tokens", n_ubatch);
  return n_stages < 2 ? n_tokens : std::min<int64_t>(n_ubatch, n_tokens);
}

namespace {

// How far each stage has got, shared by the stage threads.
struct Progress {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<int64_t> finished;  // micro-batches done, per stage
  std::exception_ptr error;       // the first failure; the others stop when they see it
};

void run_stage(LayerStage& stage, size_t index, Progress& progress, std::span<float> x, int64_t n_embd,
               const StageBatch& batch, int64_t micro) {
  const int64_t n = batch.size(), n_micro = (n + micro - 1) / micro;
  for (int64_t m = 0; m < n_micro; ++m) {
    {
      std::unique_lock lock(progress.mutex);
      progress.changed.wait(lock, [&] { return progress.error || index == 0 || progress.finished[index - 1] > m; });
      if (progress.error) return;
    }
    const int64_t begin = m * micro, count = std::min(micro, n - begin);
    try {
      stage.forward(x.subspan(size_t(begin * n_embd), size_t(count * n_embd)), batch.slice(begin, count));
    } catch (...) {
      std::lock_guard lock(progress.mutex);
      if (!progress.error) progress.error = std::current_exception();
      progress.changed.notify_all();
      return;
    }
    std::lock_guard lock(progress.mutex);
    progress.finished[index] = m + 1;
    progress.changed.notify_all();
  }
}

}  // namespace

void run_stages(std::span<const std::unique_ptr<LayerStage>> stages, std::span<float> x, int64_t n_embd,
                const StageBatch& batch, int64_t micro) {
  VKLLM_ASSERT(x.size() == size_t(batch.size() * n_embd), "{} activations for {} tokens of {}", x.size(),
               batch.size(), n_embd);
  if (stages.size() < 2 || micro <= 0 || micro >= batch.size()) {
    for (const auto& stage : stages) stage->forward(x, batch);
    return;
  }
  Progress progress;
  progress.finished.assign(stages.size(), 0);
  std::vector<std::thread> threads;
  threads.reserve(stages.size());
  try {
    for (size_t s = 0; s < stages.size(); ++s)
      threads.emplace_back(run_stage, std::ref(*stages[s]), s, std::ref(progress), x, n_embd, std::cref(batch), micro);
  } catch (...) {  // no thread for a stage: stop the started ones
    std::lock_guard lock(progress.mutex);
    progress.error = std::current_exception();
    progress.changed.notify_all();
  }
  for (auto& t : threads) t.join();
  if (progress.error) std::rethrow_exception(progress.error);
}

}  // namespace vkllm
