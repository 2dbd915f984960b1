// Microbenchmark per kernel: GPU time from timestamps around one dispatch, and the bandwidth
// achieved over the bytes the kernel must move (reads + writes, counted once).
//   ./bench_host --benchmark_filter=rms_norm
#include <benchmark/benchmark.h>

#include <functional>
#include <memory>

#include "host/ops/ops.h"
#include "host/vulkan/device.h"
#include "host/vulkan/instance.h"
#include "host/vulkan/memory_pool.h"
#include "host/vulkan/recorder.h"

namespace {

using namespace vkllm;
using Shape = std::array<uint64_t, 4>;

struct BenchDevice {
  std::unique_ptr<vk::Instance> instance;
  std::unique_ptr<vk::Device> device;
  BenchDevice() {
    auto options = vk::options_from_environment();
    instance = std::make_unique<vk::Instance>(options);
    const auto devices = vk::enumerate_devices(*instance);
    device = std::make_unique<vk::Device>(*instance, devices.at(vk::default_device_index(devices)), "bench");
  }
  ~BenchDevice() {
    device.reset();
    instance.reset();
  }
};

vk::Device& bench_device() {
  static BenchDevice shared;
  return *shared.device;
}

// Tensors whose contents do not matter to the timing (zero-filled by the upload of nothing).
struct BenchTensor {
  vk::DeviceBuffer buffer;
  ops::Tensor tensor;
  operator const ops::Tensor&() const { return tensor; }
};

BenchTensor make(GgmlType type, const Shape& shape) {
  BenchTensor t{bench_device().memory().allocate(ops::contiguous_bytes(type, shape), vk::MemoryKind::DeviceLocal,
                                                 "bench"),
                {}};
  t.tensor = ops::Tensor::contiguous(type, shape, t.buffer.view());
  if (std::byte* p = t.buffer.mapped()) std::fill(p, p + t.buffer.size(), std::byte{0});
  return t;
}

// Times `record` (one dispatch) per iteration on the GPU, after one warm-up.
void run(benchmark::State& state, uint64_t bytes, const std::function<void(vk::Recorder&)>& record) {
  vk::Recorder rec(bench_device(), "bench", /*profile=*/true);
  record(rec);
  rec.submit_and_wait();
  double gpu_seconds = 0;
  for (auto _ : state) {
    record(rec);
    rec.submit_and_wait();
    const double seconds = rec.timings().at(0).ms * 1e-3;
    state.SetIterationTime(seconds);
    gpu_seconds += seconds;
  }
  state.counters["GB/s"] = double(bytes) * double(state.iterations()) / gpu_seconds * 1e-9;
}

constexpr uint64_t kN = 16ull << 20;  // 64 MiB of f32

void scale(benchmark::State& state) {
  const auto x = make(GgmlType::F32, {kN, 1, 1, 1});
  run(state, 8 * kN, [&](vk::Recorder& rec) { ops::scale(rec, x, 0.5f, x); });
}

void silu(benchmark::State& state) {
  const auto x = make(GgmlType::F32, {kN, 1, 1, 1});
  run(state, 8 * kN, [&](vk::Recorder& rec) { ops::silu(rec, x, x); });
}

void gelu(benchmark::State& state) {
  const auto x = make(GgmlType::F32, {kN, 1, 1, 1});
  run(state, 8 * kN, [&](vk::Recorder& rec) { ops::gelu(rec, x, x); });
}

void copy_f32_f16(benchmark::State& state) {
  const auto x = make(GgmlType::F32, {kN, 1, 1, 1});
  const auto y = make(GgmlType::F16, {kN, 1, 1, 1});
  run(state, 6 * kN, [&](vk::Recorder& rec) { ops::copy(rec, x, y); });
}

void add(benchmark::State& state) {
  const auto a = make(GgmlType::F32, {kN, 1, 1, 1});
  const auto b = make(GgmlType::F32, {kN, 1, 1, 1});
  run(state, 12 * kN, [&](vk::Recorder& rec) { ops::add(rec, a, b, a); });
}

void mul_broadcast_row(benchmark::State& state) {
  const auto a = make(GgmlType::F32, {4096, kN / 4096, 1, 1});
  const auto b = make(GgmlType::F32, {4096, 1, 1, 1});
  run(state, 8 * kN, [&](vk::Recorder& rec) { ops::mul(rec, a, b, a); });
}

void swiglu(benchmark::State& state) {
  const auto g = make(GgmlType::F32, {kN, 1, 1, 1});
  const auto u = make(GgmlType::F32, {kN, 1, 1, 1});
  run(state, 12 * kN, [&](vk::Recorder& rec) { ops::swiglu(rec, g, u, g); });
}

void rms_norm(benchmark::State& state) {
  const uint64_t cols = 4096, rows = state.range(0);
  const auto x = make(GgmlType::F32, {cols, rows, 1, 1});
  const auto w = make(GgmlType::F32, {cols, 1, 1, 1});
  run(state, 8 * cols * rows + 4 * cols, [&](vk::Recorder& rec) { ops::rms_norm(rec, x, w, 1e-5f, x); });
}

void softmax(benchmark::State& state) {
  const uint64_t cols = state.range(0), rows = state.range(1);
  const auto x = make(GgmlType::F32, {cols, rows, 1, 1});
  ops::SoftmaxOptions options;
  options.causal = true;
  run(state, 8 * cols * rows, [&](vk::Recorder& rec) { ops::softmax(rec, x, options, x); });
}

void rope(benchmark::State& state) {
  const uint64_t head_dim = 128, heads = 32, tokens = state.range(0);
  const auto x = make(GgmlType::F32, {head_dim, heads, tokens, 1});
  const auto pos = make(GgmlType::I32, {tokens, 1, 1, 1});
  const ops::RopeOptions options{ops::RopeMode::Neox, 0, 10000.0f, 1.0f};
  run(state, 8 * head_dim * heads * tokens, [&](vk::Recorder& rec) { ops::rope(rec, x, pos, options, x); });
}

void argmax(benchmark::State& state) {
  const uint64_t cols = 151936, rows = state.range(0);
  const auto x = make(GgmlType::F32, {cols, rows, 1, 1});
  const auto out = make(GgmlType::I32, {rows, 1, 1, 1});
  run(state, 4 * cols * rows, [&](vk::Recorder& rec) { ops::argmax(rec, x, out); });
}

void get_rows(benchmark::State& state, GgmlType type) {
  const uint64_t cols = 4096, vocab = 32000, n = state.range(0);
  const auto table = make(type, {cols, vocab, 1, 1});
  const auto idx = make(GgmlType::I32, {n, 1, 1, 1});
  const auto out = make(GgmlType::F32, {cols, n, 1, 1});
  run(state, n * (*row_bytes(type, cols) + 4 * cols), [&](vk::Recorder& rec) { ops::get_rows(rec, table, idx, out); });
}

#define VKLLM_BENCH(fn) BENCHMARK(fn)->UseManualTime()->Unit(benchmark::kMillisecond)
VKLLM_BENCH(scale);
VKLLM_BENCH(silu);
VKLLM_BENCH(gelu);
VKLLM_BENCH(copy_f32_f16);
VKLLM_BENCH(add);
VKLLM_BENCH(mul_broadcast_row);
VKLLM_BENCH(swiglu);
VKLLM_BENCH(rms_norm)->Arg(1)->Arg(512);
VKLLM_BENCH(softmax)->Args({32000, 1})->Args({512, 32 * 512});
VKLLM_BENCH(rope)->Arg(1)->Arg(512);
VKLLM_BENCH(argmax)->Arg(1);
BENCHMARK_CAPTURE(get_rows, f16, GgmlType::F16)->Arg(512)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(get_rows, q8_0, GgmlType::Q8_0)->Arg(512)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(get_rows, q4_0, GgmlType::Q4_0)->Arg(512)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
