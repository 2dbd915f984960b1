#pragma once
// Continuous batching: n_seq slots share one BatchedModel. Each step decodes, in one decode() call,
// the next token of every generating slot plus prompt tokens of joining slots (up to n_batch tokens
// in all); queued requests take free slots between steps.
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/session/batched_model.h"
#include "engine/tokenizer/tokenizer.h"
#include "tools/serve/job.h"
#include "tools/serve/metrics.h"

namespace vkllm::serve {

struct SchedulerOptions {
  int n_batch = 512;     // most tokens per decode() call
  int queue_size = 64;   // most requests waiting for a slot
};

class Scheduler {
 public:
  Scheduler(BatchedModel& model, const tokenizer::Tokenizer& tokenizer, SchedulerOptions options, Metrics& metrics);
  ~Scheduler();

  enum class Admission { Accepted, QueueFull, Draining };
  Admission submit(std::shared_ptr<Job> job);
  // Refuse new jobs from now on; queued and running ones go on.
  void drain();

  int n_slots() const { return model_.n_seq(); }
  int n_ctx_per_slot() const { return model_.n_ctx_per_seq(); }
  int n_vocab() const { return model_.n_vocab(); }
  struct Load {
    int busy = 0, queued = 0;
  };
  Load load() const;

 private:
  struct Slot;

  void loop();
  void admit();                // queued jobs -> free slots (mutex_ held)
  void step();                 // one decode() over every active slot
  void on_logits(Slot& slot, std::span<const float> logits);
  void finish(Slot& slot, JobEvent last, const char* reason, bool stopped_by_string = false);
  void publish_load();         // mutex_ held

  BatchedModel& model_;
  const tokenizer::Tokenizer& tokenizer_;
  const SchedulerOptions options_;
  Metrics& metrics_;
  const std::vector<int32_t> eog_;  // sorted end-of-generation ids

  std::vector<Slot> slots_;           // touched by the loop thread only (busy flags under mutex_)
  size_t prompt_turn_ = 0;            // the slot whose prompt goes first: round robin

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_;
  int n_busy_ = 0;
  bool draining_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace vkllm::serve
