#include "tools/serve/scheduler.h"

#include "engine/util/log.h"

#include <algorithm>
#include <deque>
#include <optional>

#include "engine/tokenizer/end_of_generation.h"
#include "engine/util/check.h"
#include "tools/serve/stop_matcher.h"

namespace vkllm::serve {

struct Scheduler::Slot {
  std::shared_ptr<Job> job;  // null: free
  std::optional<Sampler> sampler;
  std::optional<tokenizer::StreamDecoder> decoder;
  std::optional<StopMatcher> stop;
  size_t n_prompt_done = 0;  // prompt tokens in the cache
  int n_past = 0;            // cache cells in use
  int chunk = 0;             // prompt tokens in the current step
  int32_t next_token = -1;   // sampled, to be decoded next step; -1: still in the prompt
  int n_generated = 0;

  void clear() {
    job.reset();
    sampler.reset();
    decoder.reset();
    stop.reset();
    n_prompt_done = 0;
    n_past = chunk = n_generated = 0;
    next_token = -1;
  }
};

namespace {

JobEvent final_event(std::string reason, std::string error = {}) {
  JobEvent event;
  event.finish_reason = std::move(reason);
  event.error = std::move(error);
  return event;
}

}  // namespace

Scheduler::Scheduler(BatchedModel& model, const tokenizer::Tokenizer& tokenizer, SchedulerOptions options,
                     Metrics& metrics)
    : model_(model),
      tokenizer_(tokenizer),
      options_(options),
      metrics_(metrics),
      eog_(tokenizer::end_of_generation_tokens(tokenizer.vocab())),
      slots_(size_t(model.n_seq())) {
  if (options_.n_batch < model.n_seq())
    fail("-b ({}) must be at least --parallel ({}): every slot decodes one token per step", options_.n_batch,
         model.n_seq());
  thread_ = std::thread([this] { loop(); });
}

Scheduler::~Scheduler() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    draining_ = true;
    for (auto& job : queue_) job->cancel();
  }
  wake_.notify_all();
  thread_.join();
}

Scheduler::Admission Scheduler::submit(std::shared_ptr<Job> job) {
  {
    std::lock_guard lock(mutex_);
    if (draining_) return Admission::Draining;
    // Waiting jobs whose clients went away hold no place in the queue.
    std::erase_if(queue_, [](const std::shared_ptr<Job>& waiting) {
      if (!waiting->cancelled()) return false;
      waiting->push(final_event("cancelled"));
      return true;
    });
    // Jobs that free slots will take at the next step are not waiting.
    const int n_waiting = int(queue_.size()) - (n_slots() - n_busy_);
    if (n_waiting >= options_.queue_size) return Admission::QueueFull;
    queue_.push_back(std::move(job));
    publish_load();
  }
  wake_.notify_all();
  return Admission::Accepted;
}

void Scheduler::drain() {
  std::lock_guard lock(mutex_);
  draining_ = true;
}

Scheduler::Load Scheduler::load() const {
  std::lock_guard lock(mutex_);
  return {n_busy_, int(queue_.size())};
}

void Scheduler::publish_load() { metrics_.slots(n_busy_, int(queue_.size())); }

void Scheduler::loop() {
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || n_busy_ > 0 || !queue_.empty(); });
      if (stopping_) {
        // Only the destructor sets it; whatever is left is cancelled.
        for (auto& slot : slots_)
          if (slot.job) slot.job->cancel();
        for (auto& job : queue_) job->push(final_event("cancelled"));
        queue_.clear();
        if (n_busy_ == 0) return;
      }
      admit();
    }
    step();
  }
}

void Scheduler::admit() {
  for (size_t s = 0; s < slots_.size() && !queue_.empty(); ++s) {
    auto& slot = slots_[s];
    if (slot.job) continue;
    slot.clear();
    slot.job = std::move(queue_.front());
    queue_.pop_front();
    const auto& spec = slot.job->spec;
    try {
      slot.sampler.emplace(spec.sampling);
      for (const auto id : spec.prompt) slot.sampler->accept(id);
      slot.decoder.emplace(tokenizer_);
      slot.stop.emplace(spec.stop);
    } catch (const std::exception& e) {  // settings the request checks let through: this job fails alone
      spdlog::error("serve: cannot start a request: {}", e.what());
      const auto job = std::move(slot.job);
      slot.clear();
      job->push(final_event("error", e.what()));
      continue;
    }
    ++n_busy_;
  }
  publish_load();
}

void Scheduler::step() {
  for (auto& slot : slots_)
    if (slot.job && slot.job->cancelled()) finish(slot, {}, "cancelled");

  // Every generating slot's next token first, then prompt chunks in the room left.
  std::vector<BatchToken> batch;
  std::vector<size_t> logit_owner;  // slot per logits row
  for (size_t s = 0; s < slots_.size(); ++s) {
    auto& slot = slots_[s];
    slot.chunk = 0;
    if (!slot.job || slot.next_token < 0) continue;
    batch.push_back({slot.next_token, int32_t(s), slot.n_past, true});
    logit_owner.push_back(s);
  }
  int room = options_.n_batch - int(batch.size());
  int n_prompt = 0;
  for (size_t i = 0; i < slots_.size() && room > 0; ++i) {
    const size_t s = (prompt_turn_ + i) % slots_.size();
    auto& slot = slots_[s];
    if (!slot.job || slot.next_token >= 0) continue;
    const auto& prompt = slot.job->spec.prompt;
    slot.chunk = std::min(int(prompt.size() - slot.n_prompt_done), room);
    for (int k = 0; k < slot.chunk; ++k) {
      const size_t at = slot.n_prompt_done + size_t(k);
      const bool last = at + 1 == prompt.size();
      batch.push_back({prompt[at], int32_t(s), int32_t(at), last});
      if (last) logit_owner.push_back(s);
    }
    room -= slot.chunk;
    n_prompt += slot.chunk;
  }
  prompt_turn_ = (prompt_turn_ + 1) % slots_.size();
  if (batch.empty()) return;

  std::vector<float> logits;
  try {
    logits = model_.decode(batch);
  } catch (const std::exception& e) {
    spdlog::error("serve: decoding a batch of {} tokens failed: {}", batch.size(), e.what());
    for (auto& slot : slots_)
      if (slot.job && (slot.chunk > 0 || slot.next_token >= 0)) finish(slot, final_event("", e.what()), "error");
    return;
  }

  for (auto& slot : slots_) {
    if (!slot.job) continue;
    if (slot.next_token >= 0) slot.n_past += 1;
    slot.n_past += slot.chunk;
    slot.n_prompt_done += size_t(slot.chunk);
  }
  const size_t n_vocab = size_t(model_.n_vocab());
  VKLLM_ASSERT(logits.size() == logit_owner.size() * n_vocab, "decode returned {} logits for {} rows", logits.size(),
               logit_owner.size());
  for (size_t r = 0; r < logit_owner.size(); ++r) {
    auto& slot = slots_[logit_owner[r]];
    try {
      on_logits(slot, std::span(logits).subspan(r * n_vocab, n_vocab));
    } catch (const std::exception& e) {  // e.g. a sampled id the tokenizer cannot spell: this job fails alone
      spdlog::error("serve: a request failed: {}", e.what());
      if (slot.job) finish(slot, final_event("", e.what()), "error", true);
    }
  }
  metrics_.tokens(n_prompt, int(logit_owner.size()));
}

void Scheduler::on_logits(Slot& slot, std::span<const float> logits) {
  const auto& spec = slot.job->spec;
  const int32_t token = slot.sampler->sample(logits);
  ++slot.n_generated;
  if (!spec.ignore_eos && std::binary_search(eog_.begin(), eog_.end(), token)) {
    finish(slot, {}, "stop");
    return;
  }
  JobEvent event;
  event.tokens.push_back(token_logprobs(logits, token, spec.n_top));
  auto out = slot.stop->push(slot.decoder->push(token));
  event.text = std::move(out.text);
  if (out.stopped) {
    finish(slot, std::move(event), "stop", true);
  } else if (slot.n_generated == spec.max_tokens || slot.n_past >= model_.n_ctx_per_seq()) {
    finish(slot, std::move(event), "length");
  } else {
    slot.next_token = token;
    slot.job->push(std::move(event));
  }
}

void Scheduler::finish(Slot& slot, JobEvent last, const char* reason, bool stopped_by_string) {
  // What the decoder and the stop matcher still hold is final text now, unless a stop string ended it.
  if (!stopped_by_string) {
    auto tail = slot.stop->push(slot.decoder->flush());
    last.text += tail.text;
    if (!tail.stopped) last.text += slot.stop->flush();
  }
  last.finish_reason = reason;
  metrics_.finished(std::chrono::duration<double>(std::chrono::steady_clock::now() - slot.job->queued_at).count());
  // The slot is free before the reader hears the end, so /health never lags a finished request.
  const auto job = std::move(slot.job);
  slot.clear();
  {
    std::lock_guard lock(mutex_);
    --n_busy_;
    publish_load();
  }
  job->push(std::move(last));
}

}  // namespace vkllm::serve
