#include "tools/serve/metrics.h"

#include <prometheus/text_serializer.h>
#include <unistd.h>

#include <fstream>

namespace vkllm::serve {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

constexpr std::chrono::seconds kWindow{10};

double resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  if (!(statm >> size >> resident)) return 0;
  return double(resident) * double(sysconf(_SC_PAGESIZE));
}

}  // namespace

Metrics::Metrics(int n_slots)
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(BuildCounter().Name("vkllm_requests_total").Help("HTTP requests by endpoint").Register(*registry_)),
      errors_(BuildCounter().Name("vkllm_request_errors_total").Help("Requests answered with an error, by status")
                  .Register(*registry_)),
      prompt_tokens_(BuildCounter().Name("vkllm_prompt_tokens_total").Help("Prompt tokens evaluated")
                         .Register(*registry_).Add({})),
      generated_tokens_(BuildCounter().Name("vkllm_generated_tokens_total").Help("Tokens generated")
                            .Register(*registry_).Add({})),
      duration_(BuildHistogram().Name("vkllm_generation_seconds").Help("Time from queueing to the last token")
                    .Register(*registry_)
                    .Add({}, prometheus::Histogram::BucketBoundaries{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120})),
      prompt_rate_(BuildGauge().Name("vkllm_prompt_tokens_per_second").Help("Prompt tokens/s over the last 10 s")
                       .Register(*registry_).Add({})),
      generation_rate_(BuildGauge().Name("vkllm_generated_tokens_per_second")
                           .Help("Generated tokens/s over the last 10 s, all slots together").Register(*registry_).Add({})),
      queue_(BuildGauge().Name("vkllm_queue_length").Help("Requests waiting for a slot").Register(*registry_).Add({})),
      busy_(BuildGauge().Name("vkllm_slots_busy").Help("Slots processing a request").Register(*registry_).Add({})),
      total_slots_(BuildGauge().Name("vkllm_slots_total").Help("Slots (--parallel)").Register(*registry_).Add({})),
      memory_(BuildGauge().Name("vkllm_device_memory_bytes")
                  .Help("Planned memory per device: weights, KV cache and scratch").Register(*registry_)),
      rss_(BuildGauge().Name("vkllm_process_resident_memory_bytes").Help("Resident memory of the server process")
               .Register(*registry_).Add({})) {
  total_slots_.Set(n_slots);
}

void Metrics::request(std::string_view endpoint) { requests_.Add({{"endpoint", std::string(endpoint)}}).Increment(); }

void Metrics::rejected(int status) { errors_.Add({{"status", std::to_string(status)}}).Increment(); }

void Metrics::finished(double seconds) { duration_.Observe(seconds); }

void Metrics::tokens(int n_prompt, int n_generated) {
  prompt_tokens_.Increment(n_prompt);
  generated_tokens_.Increment(n_generated);
  std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  recent_.push_back({now, n_prompt, n_generated});
  forget_before(now - kWindow);  // bounded even when nobody scrapes
}

void Metrics::forget_before(Clock::time_point t) {
  while (!recent_.empty() && recent_.front().at < t) recent_.pop_front();
}

void Metrics::slots(int n_busy, int n_queued) {
  busy_.Set(n_busy);
  queue_.Set(n_queued);
}

void Metrics::device_memory(const std::string& device, double bytes) { memory_.Add({{"device", device}}).Set(bytes); }

std::string Metrics::scrape() {
  {
    std::lock_guard lock(mutex_);
    forget_before(Clock::now() - kWindow);
    double n_prompt = 0, n_generated = 0;
    for (const auto& s : recent_) {
      n_prompt += s.n_prompt;
      n_generated += s.n_generated;
    }
    // Over the whole window, so a burst shorter than it reads low: a rate, not a peak.
    const double seconds = std::chrono::duration<double>(kWindow).count();
    prompt_rate_.Set(n_prompt / seconds);
    generation_rate_.Set(n_generated / seconds);
  }
  rss_.Set(resident_bytes());
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace vkllm::serve
