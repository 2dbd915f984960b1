#pragma once
// A fixed set of worker threads that split index ranges: parallel_for(n, fn) calls fn(begin, end)
// on disjoint chunks covering [0, n) and returns when all are done. The caller's thread works too.
// An exception thrown by fn in any chunk is rethrown by parallel_for once every chunk has ended.
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
  void worker_loop(int index);
  void run_chunk(int index);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_, done_;
  const std::function<void(int64_t, int64_t)>* job_ = nullptr;
  int64_t job_size_ = 0;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stopping_{false};
  std::exception_ptr error_;  // the first exception of the current job (under mutex_)
};

}  // namespace vkllm::cpu
