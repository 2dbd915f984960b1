// Throughput of the CPU reference codecs, per type, on one thread. Bytes counted are the memory
// traffic of a call (encoded bytes plus float bytes); items are elements.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "engine/quant/dequantize.h"
#include "engine/quant/quantize.h"

namespace vkllm {
namespace {

constexpr int64_t kElements = 1 << 20;  // 4 MiB of floats: larger than L2, as weights are

std::vector<float> weights() {
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  std::vector<float> x(kElements);
  for (auto& v : x) v = normal(rng);
  return x;
}

// Encoded bytes for dequantize: the quantizable types encode the weights themselves; the
// K-quants (no encoder here) decode random bytes, which costs the same.
std::vector<uint8_t> encoded(GgmlType type, const std::vector<float>& x) {
  std::vector<uint8_t> bytes(*row_bytes(type, kElements));
  if (can_quantize(type)) {
    quantize_row(type, x.data(), bytes.data(), kElements);
  } else {
    std::mt19937 rng(2);
    for (auto& b : bytes) b = uint8_t(rng());
  }
  return bytes;
}

void set_counters(benchmark::State& state, GgmlType type) {
  const auto bytes = int64_t(*row_bytes(type, kElements)) + kElements * int64_t(sizeof(float));
  state.SetBytesProcessed(state.iterations() * bytes);
  state.SetItemsProcessed(state.iterations() * kElements);
}

void BM_Dequantize(benchmark::State& state, GgmlType type) {
  const auto x = weights();
  const auto bytes = encoded(type, x);
  std::vector<float> out(kElements);
  for (auto _ : state) {
    dequantize_row(type, bytes.data(), out.data(), kElements);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, type);
}

void BM_Quantize(benchmark::State& state, GgmlType type) {
  const auto x = weights();
  std::vector<uint8_t> out(*row_bytes(type, kElements));
  for (auto _ : state) {
    quantize_row(type, x.data(), out.data(), kElements);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, type);
}

#define VKLLM_BENCH_DEQUANT(T) BENCHMARK_CAPTURE(BM_Dequantize, T, GgmlType::T)->Unit(benchmark::kMillisecond)
#define VKLLM_BENCH_QUANT(T) BENCHMARK_CAPTURE(BM_Quantize, T, GgmlType::T)->Unit(benchmark::kMillisecond)

VKLLM_BENCH_DEQUANT(F16);
VKLLM_BENCH_DEQUANT(BF16);
VKLLM_BENCH_DEQUANT(Q4_0);
VKLLM_BENCH_DEQUANT(Q4_1);
VKLLM_BENCH_DEQUANT(Q5_0);
VKLLM_BENCH_DEQUANT(Q5_1);
VKLLM_BENCH_DEQUANT(Q8_0);
VKLLM_BENCH_DEQUANT(Q2_K);
VKLLM_BENCH_DEQUANT(Q3_K);
VKLLM_BENCH_DEQUANT(Q4_K);
VKLLM_BENCH_DEQUANT(Q5_K);
VKLLM_BENCH_DEQUANT(Q6_K);

VKLLM_BENCH_QUANT(F16);
VKLLM_BENCH_QUANT(BF16);
VKLLM_BENCH_QUANT(Q4_0);
VKLLM_BENCH_QUANT(Q4_1);
VKLLM_BENCH_QUANT(Q5_0);
VKLLM_BENCH_QUANT(Q5_1);
VKLLM_BENCH_QUANT(Q8_0);

}  // namespace
}  // namespace vkllm
