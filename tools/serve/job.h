#pragma once
// One generation request as the scheduler sees it: what to generate, and the channel its output
// travels back to the HTTP thread on.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "engine/sampling/sampler.h"
#include "tools/serve/token_probs.h"

namespace vkllm::serve {

struct JobSpec {
  std::vector<int32_t> prompt;
  int max_tokens = -1;            // -1: until end of generation or a full slot
  SamplingParams sampling;        // seed resolved
  std::vector<std::string> stop;
  bool ignore_eos = false;
  int n_top = -1;                 // alternatives per token; -1: no log-probabilities at all
  bool stream = false;            // the reader wants each event as it comes, not just the last
};

// What one scheduler step produced for a job.
struct JobEvent {
  std::string text;                 // text that became final (may be empty)
  std::vector<TokenOutput> tokens;  // the token(s) sampled
  std::string finish_reason;        // empty while running; "stop", "length", "cancelled" or "error"
  std::string error;                // with "error"
};

class Job {
 public:
  explicit Job(JobSpec spec) : spec(std::move(spec)) {}

  const JobSpec spec;
  const std::chrono::steady_clock::time_point queued_at = std::chrono::steady_clock::now();

  // The HTTP side: give up (client gone); the scheduler frees the slot at its next step.
  void cancel() { cancelled_ = true; }
  bool cancelled() const { return cancelled_; }

  // Waits up to `timeout` for events (for a whole response: for the last) and moves them out.
  std::vector<JobEvent> take(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    ready_.wait_for(lock, timeout, [&] { return spec.stream ? !events_.empty() : finished_locked(); });
    std::vector<JobEvent> out(std::make_move_iterator(events_.begin()), std::make_move_iterator(events_.end()));
    events_.clear();
    return out;
  }

  // The scheduler side. A reader of whole responses is woken by the last event only.
  void push(JobEvent event) {
    const bool wake = spec.stream || !event.finish_reason.empty();
    {
      std::lock_guard lock(mutex_);
      events_.push_back(std::move(event));
    }
    if (wake) ready_.notify_all();
  }

 private:
  bool finished_locked() const { return !events_.empty() && !events_.back().finish_reason.empty(); }

  std::atomic<bool> cancelled_{false};
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<JobEvent> events_;
};

}  // namespace vkllm::serve
