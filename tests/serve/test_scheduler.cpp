// The continuous-batching scheduler over a fake BatchedModel whose next token depends on the whole
// history of its sequence: any mix-up of sequences, positions or slots changes the output.
#include <gtest/gtest.h>

#include <atomic>
#include <numeric>
#include <thread>

#include "common/test_paths.h"
#include "engine/gguf/gguf_file.h"
#include "tools/serve/scheduler.h"

namespace vkllm::serve {
namespace {

using namespace std::chrono_literals;

constexpr int kVocab = 1024;  // the tiny-shakespeare vocabulary, whose tokenizer the scheduler uses

int32_t next_token(const std::vector<int32_t>& history) {
  int64_t h = 0;
  for (const auto t : history) h = (h * 31 + t) % 1000003;
  return int32_t(3 + h % 1000);  // never 0..2 (unk, bos, eos)
}

class FakeModel : public BatchedModel {
 public:
  FakeModel(int n_seq, int n_ctx) : n_seq_(n_seq), n_ctx_(n_ctx), history_(size_t(n_seq)) {}
  int n_seq() const override { return n_seq_; }
  int n_ctx_per_seq() const override { return n_ctx_; }
  int n_vocab() const override { return kVocab; }

  std::vector<float> decode(std::span<const BatchToken> batch) override {
    while (hold) std::this_thread::sleep_for(1ms);
    max_batch = std::max(max_batch.load(), int(batch.size()));
    std::vector<float> logits;
    for (const auto& t : batch) {
      auto& h = history_[size_t(t.seq)];
      // A new request in a slot starts again at 0; otherwise positions follow on.
      if (t.pos > int(h.size()) || t.pos >= n_ctx_) ++bad_positions;
      h.resize(size_t(std::min<int>(t.pos, int(h.size()))));
      h.push_back(t.token);
      if (!t.logits) continue;
      std::vector<float> row(kVocab, 0.0f);
      row[size_t(next_token(h))] = 10.0f;
      logits.insert(logits.end(), row.begin(), row.end());
    }
    return logits;
  }

  std::atomic<bool> hold{false};
  std::atomic<int> max_batch{0};
  std::atomic<int> bad_positions{0};

 private:
  const int n_seq_, n_ctx_;
  std::vector<std::vector<int32_t>> history_;
};

struct Fixture {
  Fixture(int n_seq, int n_ctx, SchedulerOptions options)
      : file(gguf::File::open(test::data_dir() / "tiny-shakespeare-Q4_0.gguf")),
        tokenizer(tokenizer::Tokenizer::load(file)),
        model(n_seq, n_ctx),
        metrics(n_seq),
        scheduler(model, tokenizer, options, metrics) {}
  gguf::File file;
  tokenizer::Tokenizer tokenizer;
  FakeModel model;
  Metrics metrics;
  Scheduler scheduler;
};

std::shared_ptr<Job> make_job(std::vector<int32_t> prompt, int max_tokens) {
  JobSpec spec;
  spec.prompt = std::move(prompt);
  spec.max_tokens = max_tokens;
  spec.sampling.temperature = 0;
  spec.ignore_eos = true;
  spec.stream = true;
  return std::make_shared<Job>(std::move(spec));
}

// Every token until the last event; the finish reason.
std::pair<std::vector<int32_t>, std::string> collect(Job& job) {
  std::vector<int32_t> tokens;
  for (int i = 0; i < 1000; ++i)
    for (const auto& e : job.take(10ms)) {
      for (const auto& t : e.tokens) tokens.push_back(t.id);
      if (!e.finish_reason.empty()) return {tokens, e.finish_reason};
    }
  return {tokens, "timeout"};
}

std::vector<int32_t> alone(std::vector<int32_t> history, int n) {
  std::vector<int32_t> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(next_token(history));
    history.push_back(out.back());
  }
  return out;
}

TEST(Scheduler, EachJobGetsWhatItGetsAlone) {
  Fixture f(3, 64, {.n_batch = 5, .queue_size = 16});
  std::vector<std::shared_ptr<Job>> jobs;
  f.model.hold = true;  // all queued before the first step ends: they must share steps
  for (int j = 0; j < 7; ++j) {
    std::vector<int32_t> prompt(size_t(1 + 2 * j));
    std::iota(prompt.begin(), prompt.end(), 10 * j + 1);
    jobs.push_back(make_job(prompt, 4 + j));
    ASSERT_EQ(f.scheduler.submit(jobs.back()), Scheduler::Admission::Accepted);
  }
  f.model.hold = false;
  for (size_t j = 0; j < jobs.size(); ++j) {
    const auto [tokens, reason] = collect(*jobs[j]);
    EXPECT_EQ(reason, "length");
    EXPECT_EQ(tokens, alone(jobs[j]->spec.prompt, jobs[j]->spec.max_tokens)) << "job " << j;
  }
  EXPECT_EQ(f.model.bad_positions, 0);
  EXPECT_GT(f.model.max_batch, 1);   // sequences were decoded together
  EXPECT_LE(f.model.max_batch, 5);   // never more than -b tokens
  EXPECT_EQ(f.scheduler.load().busy, 0);
}

TEST(Scheduler, StopsAtAFullSlotAndOnCancel) {
  Fixture f(2, 16, {.n_batch = 8, .queue_size = 4});
  auto full = make_job({5, 6, 7, 8, 9, 10}, -1);
  auto cancelled = make_job({11}, -1);
  f.model.hold = true;
  f.scheduler.submit(full);
  f.scheduler.submit(cancelled);
  cancelled->cancel();
  f.model.hold = false;
  const auto [tokens, reason] = collect(*full);
  EXPECT_EQ(reason, "length");
  EXPECT_EQ(tokens.size(), 16u - 6u + 1u);  // the last token is sampled but needs no cell
  EXPECT_EQ(collect(*cancelled).second, "cancelled");
}

TEST(Scheduler, RefusesBeyondTheQueue) {
  Fixture f(1, 32, {.n_batch = 4, .queue_size = 1});
  f.model.hold = true;
  auto running = make_job({1, 2}, 3), queued = make_job({3}, 3), refused = make_job({4}, 3);
  ASSERT_EQ(f.scheduler.submit(running), Scheduler::Admission::Accepted);
  for (int i = 0; i < 1000 && f.scheduler.load().busy == 0; ++i) std::this_thread::sleep_for(1ms);
  ASSERT_EQ(f.scheduler.submit(queued), Scheduler::Admission::Accepted);
  EXPECT_EQ(f.scheduler.submit(refused), Scheduler::Admission::QueueFull);
  f.model.hold = false;
  EXPECT_EQ(collect(*running).second, "length");
  EXPECT_EQ(collect(*queued).second, "length");
  f.scheduler.drain();
  EXPECT_EQ(f.scheduler.submit(make_job({5}, 1)), Scheduler::Admission::Draining);
}

}  // namespace
}  // namespace vkllm::serve
