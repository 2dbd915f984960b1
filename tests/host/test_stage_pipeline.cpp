// Layer stages overlapped over micro-batches (host/exec/stage_pipeline.h), with stand-in stages:
//  - every stage sees every token once, micro-batches in order, and a stage starts micro-batch m
//    only after the stage before it finished m; the result equals one plain pass per stage;
//  - the stages really work at once (stage 1 waits, with a deadline, for stage 0 to start the next
//    micro-batch: run one after the other, it would time out);
//  - a stage that throws: the stages after it stop, and its exception comes out of run_stages;
//  - micro_batch_size: -ub for several stages, no cutting for one.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <string>

#include "host/exec/stage_pipeline.h"

namespace vkllm {
namespace {

constexpr int64_t kEmbd = 3;

// Shared record of what the stages did, in the order it happened.
struct Log {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::pair<int, int64_t>> started, finished;  // (stage, first position of the micro-batch)
};

// Multiplies by `factor` and adds the stage index, so the result depends on the order of stages.
class FakeStage final : public LayerStage {
 public:
  FakeStage(int index, Log& log) : index_(index), log_(log) {}
  std::function<void(int64_t first_pos)> during;  // runs inside forward, after "started" is logged
  int64_t throw_at = -1;                          // the micro-batch starting at this position throws

  void forward(std::span<float> x, const StageBatch& batch) override {
    ASSERT_EQ(x.size(), size_t(batch.size() * kEmbd));
    const int64_t first = batch.pos[0];
    {
      std::lock_guard lock(log_.mutex);
      log_.started.emplace_back(index_, first);
      log_.changed.notify_all();
    }
    if (during) during(first);
    if (first == throw_at) throw std::runtime_error("stage " + std::to_string(index_) + " failed");
    for (auto& v : x) v = v * 2 + float(index_);
    std::lock_guard lock(log_.mutex);
    log_.finished.emplace_back(index_, first);
    log_.changed.notify_all();
  }
  std::string describe() const override { return "fake"; }

 private:
  const int index_;
  Log& log_;
};

struct Pass {
  std::vector<int32_t> seq, pos;
  std::vector<float> x;
  explicit Pass(int64_t n) : seq(size_t(n), 0), pos(size_t(n)), x(size_t(n * kEmbd)) {
    std::iota(pos.begin(), pos.end(), 0);
    std::iota(x.begin(), x.end(), 0.0f);
  }
  StageBatch batch() const { return {seq, pos}; }
};

std::vector<std::unique_ptr<LayerStage>> make_stages(int n, Log& log) {
  std::vector<std::unique_ptr<LayerStage>> stages;
  for (int i = 0; i < n; ++i) stages.push_back(std::make_unique<FakeStage>(i, log));
  return stages;
}

TEST(StagePipeline, MicroBatchesFlowInOrderAndMatchOnePass) {
  for (const int64_t micro : {7, 10, 64, 100}) {
    SCOPED_TRACE(testing::Message() << "micro-batches of " << micro);
    Log log, plain_log;
    auto stages = make_stages(3, log), plain = make_stages(3, plain_log);
    Pass piped(64), once(64);
    run_stages(stages, piped.x, kEmbd, piped.batch(), micro);
    for (auto& s : plain) s->forward(once.x, once.batch());
    EXPECT_EQ(piped.x, once.x);
    const int64_t n_micro = (64 + micro - 1) / micro;
    ASSERT_EQ(log.finished.size(), size_t(3 * n_micro));
    for (int s = 0; s < 3; ++s) {
      std::vector<int64_t> order;
      for (const auto& [stage, first] : log.started)
        if (stage == s) order.push_back(first);
      ASSERT_EQ(order.size(), size_t(n_micro));
      for (int64_t m = 0; m < n_micro; ++m) EXPECT_EQ(order[size_t(m)], std::min<int64_t>(m * micro, 64)) << s;
    }
    // Stage s starts a micro-batch only after stage s - 1 finished it.
    for (size_t i = 0; i < log.started.size(); ++i) {
      const auto [stage, first] = log.started[i];
      if (stage == 0) continue;
      bool before_done = false;
      for (size_t j = 0; j < log.finished.size() && !before_done; ++j)
        before_done = log.finished[j] == std::pair<int, int64_t>(stage - 1, first);
      EXPECT_TRUE(before_done) << "stage " << stage << " started at " << first << " too early";
    }
  }
}

TEST(StagePipeline, StagesWorkAtTheSameTime) {
  Log log;
  auto stages = make_stages(2, log);
  bool overlapped = false;
  // Stage 1, on its first micro-batch, waits for stage 0 to start the second one.
  static_cast<FakeStage&>(*stages[1]).during = [&](int64_t first) {
    if (first != 0) return;
    std::unique_lock lock(log.mutex);
    overlapped = log.changed.wait_for(lock, std::chrono::seconds(20), [&] {
      for (const auto& [stage, pos] : log.started)
        if (stage == 0 && pos == 16) return true;
      return false;
    });
  };
  Pass pass(48);
  run_stages(stages, pass.x, kEmbd, pass.batch(), 16);
  EXPECT_TRUE(overlapped) << "stage 0 did not start micro-batch 2 while stage 1 worked on micro-batch 1";
}

TEST(StagePipeline, AFailingStageStopsTheOthers) {
  for (int failing : {0, 1, 2}) {
    SCOPED_TRACE(testing::Message() << "stage " << failing << " throws");
    Log log;
    auto stages = make_stages(3, log);
    static_cast<FakeStage&>(*stages[size_t(failing)]).throw_at = 20;
    Pass pass(80);
    try {
      run_stages(stages, pass.x, kEmbd, pass.batch(), 10);
      FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()), "stage " + std::to_string(failing) + " failed");
    }
    // Stages after the failing one never see its micro-batch (the ones before may have finished).
    for (const auto& [stage, first] : log.started) {
      if (stage > failing) {
        EXPECT_LT(first, 20) << stage;
      }
    }
  }
}

TEST(StagePipeline, MicroBatchSize) {
  EXPECT_EQ(micro_batch_size(512, 2, 100), 100);  // -ub
  EXPECT_EQ(micro_batch_size(512, 1, 100), 512);  // one stage: nothing to overlap
  EXPECT_EQ(micro_batch_size(300, 3, 512), 300);  // shorter than -ub
}

}  // namespace
}  // namespace vkllm
