// CPU backend matmul microbenchmarks: GB/s of weight bytes for matrix-vector shapes (decode) and
// GFLOPS (2 m k n / time) for batched prompts, per weight type, with 1 and 2 threads.
//   ./bench_host --benchmark_filter=cpu_
// Args: m (weight rows = outputs), k (row length), n (tokens), threads.
// Weights are held as the CPU layers hold them (rows grouped by eight where a type allows, row_groups.h).
// VKLLM_CPU_SCALAR=1 measures the scalar fallback.
#include <benchmark/benchmark.h>

#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "engine/gguf/gguf_file.h"
#include "engine/quant/blocks.h"
#include "engine/quant/quantize.h"
#include "engine/types/ggml_type.h"
#include "engine/util/fp16.h"
#include "host/cpu/cpu_ops.h"
#include "host/cpu/row_groups.h"

namespace {

using namespace vkllm;

// A weight of m rows of k elements: random values quantized where we have an encoder, random bytes
// with small finite scales for the K-quants.
struct BenchWeight {
  gguf::TensorInfo info;
  std::vector<uint8_t> bytes, repacked;
  std::optional<WeightRef> held;
  WeightRef ref() {
    if (!held) held = cpu::group_rows(WeightRef{&info, bytes}, repacked);
    return *held;
  }
};

void patch_k_scales(GgmlType type, uint8_t* row, int64_t k, std::mt19937& rng) {
  std::uniform_real_distribution<float> scale(0.001f, 0.01f);
  for (int64_t b = 0; b < k / kQK_K; ++b) {
    auto set = [&](auto* block) {
      if constexpr (requires { block->dmin; }) block->dmin = fp32_to_fp16(scale(rng));
      block->d = fp32_to_fp16(scale(rng));
    };
    switch (type) {
      case GgmlType::Q2_K: set(reinterpret_cast<BlockQ2_K*>(row) + b); break;
      case GgmlType::Q3_K: set(reinterpret_cast<BlockQ3_K*>(row) + b); break;
      case GgmlType::Q4_K: set(reinterpret_cast<BlockQ4_K*>(row) + b); break;
      case GgmlType::Q5_K: set(reinterpret_cast<BlockQ5_K*>(row) + b); break;
      case GgmlType::Q6_K: set(reinterpret_cast<BlockQ6_K*>(row) + b); break;
      default: break;
    }
  }
}

BenchWeight& weight(GgmlType type, int64_t m, int64_t k) {
  static std::map<std::tuple<GgmlType, int64_t, int64_t>, std::unique_ptr<BenchWeight>> cache;
  auto& slot = cache[{type, m, k}];
  if (slot) return *slot;
  slot = std::make_unique<BenchWeight>();
  auto& w = *slot;
  const uint64_t rb = *row_bytes(type, uint64_t(k));
  w.info = {"bench", {uint64_t(k), uint64_t(m)}, type, 0, uint64_t(m * k), rb * uint64_t(m)};
  w.bytes.resize(rb * uint64_t(m));
  std::mt19937 rng(uint32_t(m * 31 + k));
  if (can_quantize(type)) {
    std::uniform_real_distribution<float> value(-1.0f, 1.0f);
    std::vector<float> row(size_t(k), 0.0f);
    for (int64_t r = 0; r < m; ++r) {
      for (auto& v : row) v = value(rng);
      quantize_row(type, row.data(), w.bytes.data() + r * rb, k);
    }
  } else {
    for (auto& b : w.bytes) b = uint8_t(rng());
    for (int64_t r = 0; r < m; ++r) patch_k_scales(type, w.bytes.data() + r * rb, k, rng);
  }
  return w;
}

cpu::ThreadPool& pool(int threads) {
  static std::map<int, std::unique_ptr<cpu::ThreadPool>> pools;
  auto& p = pools[threads];
  if (!p) p = std::make_unique<cpu::ThreadPool>(threads);
  return *p;
}

void cpu_matmul(benchmark::State& state, GgmlType type) {
  const int64_t m = state.range(0), k = state.range(1), n = state.range(2);
  const int threads = int(state.range(3));
  auto& w = weight(type, m, k);
  const WeightRef ref = w.ref();
  std::vector<float> x(size_t(n * k)), y(size_t(n * m));
  std::mt19937 rng(7);
  std::normal_distribution<float> value(0.0f, 1.0f);
  for (auto& v : x) v = value(rng);
  auto& p = pool(threads);
  for (auto _ : state) {
    cpu::matmul(ref, x.data(), n, y.data(), p);
    benchmark::DoNotOptimize(y.data());
  }
  const double iters = double(state.iterations());
  if (n == 1) {
    state.counters["GB/s"] = benchmark::Counter(double(w.bytes.size()) * iters / 1e9, benchmark::Counter::kIsRate);
  } else {
    state.counters["GFLOPS"] = benchmark::Counter(2.0 * double(m * k * n) * iters / 1e9, benchmark::Counter::kIsRate);
  }
}

constexpr GgmlType kTypes[] = {GgmlType::F32,  GgmlType::F16,  GgmlType::BF16, GgmlType::Q4_0, GgmlType::Q4_1,
                               GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q2_K, GgmlType::Q3_K,
                               GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K};

bool batched_large(GgmlType t) {
  return t == GgmlType::F16 || t == GgmlType::Q4_0 || t == GgmlType::Q8_0 || t == GgmlType::Q4_K ||
         t == GgmlType::Q6_K;
}

int register_all() {
  for (GgmlType type : kTypes) {
    const std::string name = "cpu_matmul/" + std::string(type_name(type));
    auto* b = benchmark::RegisterBenchmark(name.c_str(), cpu_matmul, type);
    b->ArgNames({"m", "k", "n", "t"})->Unit(benchmark::kMillisecond)->UseRealTime();
    for (int threads : {1, 2}) {
      b->Args({4096, 4096, 1, threads});
      b->Args({14336, 4096, 1, threads});
      // A small model's short rows (768 wide; K-quants need multiples of 256): per-call costs weigh more.
      b->Args({2048, 768, 1, threads});
      b->Args({32768, 768, 1, threads});
      b->Args({4096, 4096, 32, threads});
      if (batched_large(type)) b->Args({4096, 4096, 512, threads});
      // A small model's prompt (SmolLM-135M's feed-forward: 576 wide; K-quants need multiples of 256).
      if (batched_large(type)) b->Args({1536, 768, 256, threads});
    }
  }
  return 0;
}

const int registered = register_all();

}  // namespace
