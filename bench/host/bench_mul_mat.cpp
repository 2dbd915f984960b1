// mul_mat microbenchmarks: GPU time of one dispatch (timestamps), reported as GB/s of weight bytes
// for matrix-vector shapes and GFLOPS (2 m k n / time) for matrix-matrix shapes.
//   ./bench_host --benchmark_filter=mul_mat
// Args: m (weight rows = outputs), k, n. Reference on lavapipe (2 cores): llama.cpp's Vulkan
// backend does ~0.76 GB/s for q4_0 4096x14336 n=1 and ~4 GFLOPS for n=512.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <memory>

#include "engine/types/ggml_type.h"
#include "host/ops/ops.h"
#include "host/vulkan/device.h"
#include "host/vulkan/instance.h"
#include "host/vulkan/memory_pool.h"
#include "host/vulkan/recorder.h"

namespace {

using namespace vkllm;

struct MulMatBenchDevice {
  std::unique_ptr<vk::Instance> instance;
  std::unique_ptr<vk::Device> device;
  MulMatBenchDevice() {
    auto options = vk::options_from_environment();
    instance = std::make_unique<vk::Instance>(options);
    const auto devices = vk::enumerate_devices(*instance);
    device = std::make_unique<vk::Device>(*instance, devices.at(vk::default_device_index(devices)), "bench_mul_mat");
  }
  ~MulMatBenchDevice() {
    device.reset();
    instance.reset();
  }
};

vk::Device& device() {
  static MulMatBenchDevice shared;
  return *shared.device;
}

struct Owned {
  vk::DeviceBuffer buffer;
  ops::Tensor tensor;
};

// Zero-filled, except that f16/quantized weights get a byte pattern with finite scales.
Owned make(GgmlType type, const std::array<uint64_t, 4>& shape) {
  Owned t{device().memory().allocate(ops::contiguous_bytes(type, shape), vk::MemoryKind::DeviceLocal, "bench"), {}};
  t.tensor = ops::Tensor::contiguous(type, shape, t.buffer.view());
  if (std::byte* p = t.buffer.mapped()) std::fill(p, p + t.buffer.size(), std::byte{0x11});
  return t;
}

// Times what `record` records (GPU timestamps of its dispatches), once warm; reports GB/s of the
// weight and GFLOPS of an m x k x n product.
template <typename Record>
void time_dispatches(benchmark::State& state, Record record, const ops::Tensor& weight) {
  const uint64_t m = state.range(0), k = state.range(1), n = state.range(2);
  vk::Recorder rec(device(), "bench mul_mat", /*profile=*/true);
  record(rec);
  rec.submit_and_wait();
  double seconds = 0;
  for (auto _ : state) {
    record(rec);
    rec.submit_and_wait();
    if (rec.untimed_dispatches() > 0) return state.SkipWithError("more dispatches than the timestamp pool holds");
    double s = 0;
    for (const auto& t : rec.timings()) s += t.ms * 1e-3;
    state.SetIterationTime(s);
    seconds += s;
  }
  const double per_call = seconds / double(state.iterations());
  state.counters["GB/s"] = double(weight.bytes()) / per_call * 1e-9;
  state.counters["GFLOPS"] = 2.0 * double(m) * double(k) * double(n) / per_call * 1e-9;
}

void mul_mat(benchmark::State& state, GgmlType type, ops::MulMatKernel kernel = ops::MulMatKernel::Auto) {
  const uint64_t m = state.range(0), k = state.range(1), n = state.range(2);
  const auto w = make(type, {k, m, 1, 1});
  const auto x = make(GgmlType::F32, {k, n, 1, 1});
  const auto y = make(GgmlType::F32, {m, n, 1, 1});
  time_dispatches(state, [&](vk::Recorder& rec) { ops::mul_mat(rec, w.tensor, x.tensor, y.tensor, kernel); }, w.tensor);
}

// x as q8 integers (ops::Q8Columns), as the model passes it on CPU devices for the types ggml pairs
// with q8 activations; only the matmul's dispatches are timed, not the rounding. `order` Ggml: the
// kernel that sums as llama.cpp's CPU backend (q8_0).
void mul_mat_q8x(benchmark::State& state, GgmlType type, ops::SumOrder order = ops::SumOrder::Device) {
  const uint64_t m = state.range(0), k = state.range(1), n = state.range(2);
  const auto w = make(type, {k, m, 1, 1});
  const auto x = make(GgmlType::F32, {k, n, 1, 1});
  const auto y = make(GgmlType::F32, {m, n, 1, 1});
  const auto scratch = make(GgmlType::F32, {k, n, 1, 1});
  const auto q8 = ops::q8_columns_for(device(), w.tensor, x.tensor, scratch.tensor.data);
  if (!q8) return state.SkipWithError("q8 integer columns are for CPU devices");
  {
    vk::Recorder round(device(), "bench round");
    ops::round_activations(round, type, x.tensor, *q8);
    round.submit_and_wait();
  }
  if (order == ops::SumOrder::Ggml && !ops::has_ggml_order(device(), w.tensor))
    return state.SkipWithError("no kernel in ggml's order here");
  time_dispatches(state, [&](vk::Recorder& rec) { ops::mul_mat(rec, w.tensor, *q8, y.tensor, order); }, w.tensor);
}

// F32/F16 weights in ggml's order (ops::mul_mat_ggml): one column as ggml_vec_dot, n columns of one
// sequence as tinyBLAS.
void mul_mat_ggml(benchmark::State& state, GgmlType type) {
  const uint64_t m = state.range(0), k = state.range(1), n = state.range(2);
  const auto w = make(type, {k, m, 1, 1});
  const auto x = make(GgmlType::F32, {k, n, 1, 1});
  const auto y = make(GgmlType::F32, {m, n, 1, 1});
  if (!ops::mul_mat_ggml_fits(device(), w.tensor, x.tensor)) return state.SkipWithError("no kernel in ggml's order here");
  time_dispatches(state, [&](vk::Recorder& rec) { ops::mul_mat_ggml(rec, w.tensor, x.tensor, y.tensor); }, w.tensor);
}

#define VKLLM_MUL_MAT_BENCH(name, type)                                                     \
  BENCHMARK_CAPTURE(mul_mat, name, type)                                                    \
      ->ArgNames({"m", "k", "n"})                                                           \
      ->Args({4096, 4096, 1})                                                               \
      ->Args({4096, 4096, 8})                                                               \
      ->Args({4096, 4096, 512})                                                             \
      ->UseManualTime()                                                                     \
      ->Unit(benchmark::kMillisecond)

VKLLM_MUL_MAT_BENCH(f32, GgmlType::F32);
VKLLM_MUL_MAT_BENCH(f16, GgmlType::F16);
VKLLM_MUL_MAT_BENCH(bf16, GgmlType::BF16);
VKLLM_MUL_MAT_BENCH(q4_0, GgmlType::Q4_0);
VKLLM_MUL_MAT_BENCH(q4_1, GgmlType::Q4_1);
VKLLM_MUL_MAT_BENCH(q5_0, GgmlType::Q5_0);
VKLLM_MUL_MAT_BENCH(q5_1, GgmlType::Q5_1);
VKLLM_MUL_MAT_BENCH(q8_0, GgmlType::Q8_0);
VKLLM_MUL_MAT_BENCH(q2_k, GgmlType::Q2_K);
VKLLM_MUL_MAT_BENCH(q3_k, GgmlType::Q3_K);
VKLLM_MUL_MAT_BENCH(q4_k, GgmlType::Q4_K);
VKLLM_MUL_MAT_BENCH(q5_k, GgmlType::Q5_K);
VKLLM_MUL_MAT_BENCH(q6_k, GgmlType::Q6_K);

// The matrix-vector kernel that reads through storage buffers, for comparison on CPU devices (where
// one column otherwise goes through uniform buffers, shaders/mul_mat_vec_ubo.comp).
#define VKLLM_MUL_MAT_STORAGE_BENCH(name, type)                                             \
  BENCHMARK_CAPTURE(mul_mat, name##_storage, type, ops::MulMatKernel::Vector)               \
      ->ArgNames({"m", "k", "n"})                                                           \
      ->Args({4096, 4096, 1})                                                               \
      ->UseManualTime()                                                                     \
      ->Unit(benchmark::kMillisecond)

VKLLM_MUL_MAT_STORAGE_BENCH(f32, GgmlType::F32);
VKLLM_MUL_MAT_STORAGE_BENCH(f16, GgmlType::F16);
VKLLM_MUL_MAT_STORAGE_BENCH(bf16, GgmlType::BF16);
VKLLM_MUL_MAT_STORAGE_BENCH(q4_0, GgmlType::Q4_0);
VKLLM_MUL_MAT_STORAGE_BENCH(q4_1, GgmlType::Q4_1);
VKLLM_MUL_MAT_STORAGE_BENCH(q5_0, GgmlType::Q5_0);
VKLLM_MUL_MAT_STORAGE_BENCH(q5_1, GgmlType::Q5_1);
VKLLM_MUL_MAT_STORAGE_BENCH(q8_0, GgmlType::Q8_0);
VKLLM_MUL_MAT_STORAGE_BENCH(q2_k, GgmlType::Q2_K);
VKLLM_MUL_MAT_STORAGE_BENCH(q3_k, GgmlType::Q3_K);
VKLLM_MUL_MAT_STORAGE_BENCH(q4_k, GgmlType::Q4_K);
VKLLM_MUL_MAT_STORAGE_BENCH(q5_k, GgmlType::Q5_K);
VKLLM_MUL_MAT_STORAGE_BENCH(q6_k, GgmlType::Q6_K);

#define VKLLM_MUL_MAT_Q8X_BENCH(name, type)                                                 \
  BENCHMARK_CAPTURE(mul_mat_q8x, name##_q8x, type)                                          \
      ->ArgNames({"m", "k", "n"})                                                           \
      ->Args({4096, 4096, 1})                                                               \
      ->Args({4096, 4096, 8})                                                               \
      ->UseManualTime()                                                                     \
      ->Unit(benchmark::kMillisecond)

VKLLM_MUL_MAT_Q8X_BENCH(q4_0, GgmlType::Q4_0);
VKLLM_MUL_MAT_Q8X_BENCH(q4_1, GgmlType::Q4_1);
VKLLM_MUL_MAT_Q8X_BENCH(q5_0, GgmlType::Q5_0);
VKLLM_MUL_MAT_Q8X_BENCH(q5_1, GgmlType::Q5_1);
VKLLM_MUL_MAT_Q8X_BENCH(q8_0, GgmlType::Q8_0);
VKLLM_MUL_MAT_Q8X_BENCH(q2_k, GgmlType::Q2_K);
VKLLM_MUL_MAT_Q8X_BENCH(q3_k, GgmlType::Q3_K);
VKLLM_MUL_MAT_Q8X_BENCH(q4_k, GgmlType::Q4_K);
VKLLM_MUL_MAT_Q8X_BENCH(q5_k, GgmlType::Q5_K);
VKLLM_MUL_MAT_Q8X_BENCH(q6_k, GgmlType::Q6_K);
#define VKLLM_MUL_MAT_GGML_BENCH(bench, name, ...)                                          \
  BENCHMARK_CAPTURE(bench, name, __VA_ARGS__)                                               \
      ->ArgNames({"m", "k", "n"})                                                           \
      ->Args({4096, 4096, 1})                                                               \
      ->Args({4096, 4096, 8})                                                               \
      ->UseManualTime()                                                                     \
      ->Unit(benchmark::kMillisecond)

VKLLM_MUL_MAT_GGML_BENCH(mul_mat_q8x, q4_0_q8x_ggml, GgmlType::Q4_0, ops::SumOrder::Ggml);
VKLLM_MUL_MAT_GGML_BENCH(mul_mat_q8x, q4_1_q8x_ggml, GgmlType::Q4_1, ops::SumOrder::Ggml);
VKLLM_MUL_MAT_GGML_BENCH(mul_mat_q8x, q5_0_q8x_ggml, GgmlType::Q5_0, ops::SumOrder::Ggml);
VKLLM_MUL_MAT_GGML_BENCH(mul_mat_q8x, q5_1_q8x_ggml, GgmlType::Q5_1, ops::SumOrder::Ggml);
VKLLM_MUL_MAT_GGML_BENCH(mul_mat_q8x, q8_0_q8x_ggml, GgmlType::Q8_0, ops::SumOrder::Ggml);
VKLLM_MUL_MAT_GGML_BENCH(mul_mat_q8x, q2_k_q8x_ggml, GgmlType::Q2_K, ops::SumOrder::Ggml);
VKLLM_MUL_MAT_GGML_BENCH(mul_mat_q8x, q3_k_q8x_ggml, GgmlType::Q3_K, ops::SumOrder::Ggml);
VKLLM_MUL_MAT_GGML_BENCH(mul_mat_q8x, q4_k_q8x_ggml, GgmlType::Q4_K, ops::SumOrder::Ggml);
VKLLM_MUL_MAT_GGML_BENCH(mul_mat_q8x, q5_k_q8x_ggml, GgmlType::Q5_K, ops::SumOrder::Ggml);
VKLLM_MUL_MAT_GGML_BENCH(mul_mat_q8x, q6_k_q8x_ggml, GgmlType::Q6_K, ops::SumOrder::Ggml);
VKLLM_MUL_MAT_GGML_BENCH(mul_mat_ggml, f32_ggml, GgmlType::F32);
VKLLM_MUL_MAT_GGML_BENCH(mul_mat_ggml, f16_ggml, GgmlType::F16);

// The reference shape: a llama-3-8B feed-forward projection.
BENCHMARK_CAPTURE(mul_mat, q4_0_ffn, GgmlType::Q4_0)
    ->ArgNames({"m", "k", "n"})
    ->Args({4096, 14336, 1})
    ->Args({4096, 14336, 512})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(mul_mat_q8x, q4_0_ffn_q8x, GgmlType::Q4_0)
    ->ArgNames({"m", "k", "n"})
    ->Args({4096, 14336, 1})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(mul_mat, q4_0_ffn_storage, GgmlType::Q4_0, ops::MulMatKernel::Vector)
    ->ArgNames({"m", "k", "n"})
    ->Args({4096, 14336, 1})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
