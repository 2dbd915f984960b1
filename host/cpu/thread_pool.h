#pragma once
// A fixed set of worker threads that split index ranges: parallel_for(n, fn) calls fn(begin, end)
// on disjoint chunks covering [0, n), a few per thread, each taken by whichever thread is free, and
// returns when all are done. The caller's thread works too. Which thread runs a chunk, and how n is
// cut, must not matter to fn's results. An exception thrown by fn stops the handing out of chunks;
// parallel_for rethrows it once every chunk that had started has ended.
// Decoding issues hundreds of short parallel_for calls per token, so idle workers spin briefly on
// an atomic before sleeping on a condition variable, and the caller spins before waiting.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace vkllm::cpu {

class ThreadPool {
 public:
  explicit ThreadPool(int n_threads);  // n_threads <= 0: one per hardware thread
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return int(workers_.size()) + 1; }
  void parallel_for(int64_t n, const std::function<void(int64_t begin, int64_t end)>& fn);

 private:
  // Chunks per thread a range is cut into: a thread the OS or the hypervisor holds up leaves its
  // share to the others instead of keeping them waiting.
  static constexpr int64_t kChunksPerThread = 4;

  void worker_loop();
  void run_chunks();  // takes chunks of the current job until none is left

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_, done_;
  const std::function<void(int64_t, int64_t)>* job_ = nullptr;
  int64_t job_size_ = 0;
  int64_t grain_ = 1;              // indices per chunk
  std::atomic<int64_t> next_{0};  // the first index not yet handed out
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stopping_{false};
  std::exception_ptr error_;  // the first exception of the current job (under mutex_)
};

}  // namespace vkllm::cpu
