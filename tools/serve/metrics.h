#pragma once
// GET /metrics: Prometheus text format from prometheus-cpp's registry. Counters and gauges are
// updated by the routes and the scheduler (thread-safe); rates are computed when scraped.
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace vkllm::serve {

class Metrics {
 public:
  explicit Metrics(int n_slots);

  void request(std::string_view endpoint);                  // a request arrived
  void rejected(int status);                                // answered with an error status
  void finished(double seconds);                            // a generation ended (any reason)
  void tokens(int n_prompt, int n_generated);               // one scheduler step's work
  void slots(int n_busy, int n_queued);
  void device_memory(const std::string& device, double bytes);

  // The text exposition of every metric, with the token rates of the last few seconds.
  std::string scrape();

 private:
  using Clock = std::chrono::steady_clock;
  struct Sample {
    Clock::time_point at;
    int n_prompt, n_generated;
  };
  void forget_before(Clock::time_point t);  // drops older samples; mutex_ held

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Counter& prompt_tokens_;
  prometheus::Counter& generated_tokens_;
  prometheus::Histogram& duration_;
  prometheus::Gauge& prompt_rate_;
  prometheus::Gauge& generation_rate_;
  prometheus::Gauge& queue_;
  prometheus::Gauge& busy_;
  prometheus::Gauge& total_slots_;
  prometheus::Family<prometheus::Gauge>& memory_;
  prometheus::Gauge& rss_;

  std::mutex mutex_;
  std::deque<Sample> recent_;  // steps of the last kWindow
};

}  // namespace vkllm::serve
