// CPU attention microbenchmarks: one head of a causal prompt of n tokens over an f16 cache, by the
// two paths the CPU layers take (flash_attention.h token by token, tiled_attention.h in blocks of
// 64), one thread. GFLOPS counts 4 * head_dim operations per visible (query, key) pair: a
// multiply and an add for the score and for the value, per dimension.
//   ./bench_host --benchmark_filter=cpu_attention
// Args: n (prompt tokens), d (head size).
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "host/cpu/flash_attention.h"
#include "host/cpu/tiled_attention.h"

namespace {

using namespace vkllm;

struct Prompt {
  int64_t n, d;
  std::vector<float> q, out;
  std::vector<uint8_t> k, v;
  std::vector<int64_t> n_keys;

  Prompt(int64_t n_tokens, int64_t head_dim) : n(n_tokens), d(head_dim) {
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> value(-1.0f, 1.0f);
    q.resize(size_t(n * d));
    out.resize(q.size());
    for (auto& x : q) x = value(rng);
    const size_t row = cpu::cache_bytes(GgmlType::F16, d);
    k.resize(size_t(n) * row);
    v.resize(size_t(n) * row);
    std::vector<float> x(static_cast<size_t>(d));
    for (int64_t j = 0; j < n; ++j) {
      for (auto& e : x) e = value(rng);
      cpu::store_cache_row(GgmlType::F16, x.data(), d, k.data() + size_t(j) * row);
      for (auto& e : x) e = value(rng);
      cpu::store_cache_row(GgmlType::F16, x.data(), d, v.data() + size_t(j) * row);
    }
    for (int64_t t = 0; t < n; ++t) n_keys.push_back(t + 1);
  }
  cpu::CacheRows rows(const std::vector<uint8_t>& bytes) const {
    return {GgmlType::F16, bytes.data(), cpu::cache_bytes(GgmlType::F16, d)};
  }
  double flops() const { return 4.0 * double(d) * double(n) * double(n + 1) / 2.0; }
};

void cpu_attention_by_token(benchmark::State& state) {
  Prompt p(state.range(0), state.range(1));
  cpu::AttentionScratch scratch;
  const float scale = 1.0f / std::sqrt(float(p.d));
  for (auto _ : state) {
    for (int64_t t = 0; t < p.n; ++t)
      cpu::flash_attention(&p.q[size_t(t * p.d)], p.rows(p.k), p.rows(p.v), t + 1, p.d, scale, &p.out[size_t(t * p.d)],
                           scratch, cpu::cpu_path());
    benchmark::DoNotOptimize(p.out.data());
  }
  state.counters["GFLOPS"] = benchmark::Counter(p.flops() * double(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

void cpu_attention_tiled(benchmark::State& state) {
  Prompt p(state.range(0), state.range(1));
  cpu::TiledScratch scratch;
  const float scale = 1.0f / std::sqrt(float(p.d));
  for (auto _ : state) {
    for (int64_t t = 0; t < p.n; t += cpu::kAttentionTile) {
      const cpu::QueryBlock block{&p.q[size_t(t * p.d)], p.d, &p.n_keys[size_t(t)],
                                  int(std::min<int64_t>(cpu::kAttentionTile, p.n - t)), &p.out[size_t(t * p.d)], p.d};
      cpu::tiled_attention(block, p.rows(p.k), p.rows(p.v), p.d, scale, scratch, cpu::cpu_path());
    }
    benchmark::DoNotOptimize(p.out.data());
  }
  state.counters["GFLOPS"] = benchmark::Counter(p.flops() * double(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

BENCHMARK(cpu_attention_by_token)->ArgNames({"n", "d"})->Args({512, 64})->Args({512, 128})->Unit(benchmark::kMillisecond);
BENCHMARK(cpu_attention_tiled)->ArgNames({"n", "d"})->Args({512, 64})->Args({512, 128})->Unit(benchmark::kMillisecond);

}  // namespace
