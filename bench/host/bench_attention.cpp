// Attention over a KV cache: decode (one query token, split-K + combine) at several context lengths
// and a causal prefill, for a Llama-like head layout (head 128, 32 query heads, 8 kv heads) and
// tiny-shakespeare's (head 48, 6 heads). GPU time of the op's dispatches from timestamps; GB/s
// counts the K and V bytes the visible cells hold, GFLOP/s the 4 * head_dim flops of each visible
// (query head, cell) pair.
//   ./bench_host --benchmark_filter=attention
#include <benchmark/benchmark.h>

#include <memory>

#include "host/ops/ops.h"
#include "host/vulkan/device.h"
#include "host/vulkan/instance.h"
#include "host/vulkan/memory_pool.h"
#include "host/vulkan/recorder.h"

namespace {

using namespace vkllm;

struct AttentionBenchDevice {
  std::unique_ptr<vk::Instance> instance;
  std::unique_ptr<vk::Device> device;
  AttentionBenchDevice() {
    instance = std::make_unique<vk::Instance>(vk::options_from_environment());
    const auto devices = vk::enumerate_devices(*instance);
    device = std::make_unique<vk::Device>(*instance, devices.at(vk::default_device_index(devices)), "bench attention");
  }
  ~AttentionBenchDevice() {
    device.reset();
    instance.reset();
  }
};

vk::Device& device() {
  static AttentionBenchDevice shared;
  return *shared.device;
}

struct Owned {
  vk::DeviceBuffer buffer;
  ops::Tensor tensor;
};

Owned make(GgmlType type, const std::array<uint64_t, 4>& shape, float fill = 0.0f) {
  Owned t{device().memory().allocate(ops::contiguous_bytes(type, shape), vk::MemoryKind::DeviceLocal, "bench"), {}};
  t.tensor = ops::Tensor::contiguous(type, shape, t.buffer.view());
  if (std::byte* p = t.buffer.mapped()) {
    // Small nonzero f32/f16 values keep the arithmetic ordinary (no denormals, no NaN).
    std::fill(p, p + t.buffer.size(), std::byte{0});
    if (type == GgmlType::F32)
      std::fill(reinterpret_cast<float*>(p), reinterpret_cast<float*>(p) + t.tensor.elements(), fill);
  }
  return t;
}

struct Shape {
  uint64_t head_dim, n_head, n_head_kv;
};

// ggml: the ordered kernel (AttentionOptions::ggml_order, f16 cache), as CPU devices run runs of
// one sequence under 64 tokens.
void attention(benchmark::State& state, Shape s, GgmlType type, bool ggml = false) {
  const uint64_t n_kv = state.range(0), n_tokens = state.range(1);
  const uint64_t n_past = n_kv - n_tokens, row = s.head_dim * s.n_head_kv;
  const auto q = make(GgmlType::F32, {s.head_dim, s.n_head, n_tokens, 1}, 0.01f);
  const auto k = make(type, {row, n_kv, 1, 1}), v = make(type, {row, n_kv, 1, 1});
  const auto out = make(GgmlType::F32, {s.head_dim, s.n_head, n_tokens, 1});
  const uint64_t scratch_bytes = ops::attention_scratch_bytes(s.head_dim, s.n_head, s.n_head_kv, n_tokens, n_kv);
  const auto scratch = make(GgmlType::F32, {std::max<uint64_t>(scratch_bytes / 4, 1), 1, 1, 1});
  ops::AttentionOptions options;
  options.n_past = uint32_t(n_past);
  options.scratch = &scratch.tensor;
  options.ggml_order = ggml;

  vk::Recorder rec(device(), "bench attention", /*profile=*/true);
  const auto record = [&] { ops::attention(rec, q.tensor, k.tensor, v.tensor, options, out.tensor); };
  record();
  rec.submit_and_wait();
  double seconds_total = 0;
  for (auto _ : state) {
    record();
    rec.submit_and_wait();
    double seconds = 0;
    for (const auto& t : rec.timings()) seconds += t.ms * 1e-3;
    state.SetIterationTime(seconds);
    seconds_total += seconds;
  }
  // Visible (token, cell) pairs under the causal mask; each reads its cell's K and V once per kv head.
  double pairs = 0;
  for (uint64_t t = 0; t < n_tokens; ++t) pairs += double(n_past + t + 1);
  const double row_bytes = double(k.tensor.nb[1]);
  const double iters = double(state.iterations());
  state.counters["GB/s"] = 2.0 * row_bytes * double(n_kv) * iters / seconds_total * 1e-9;
  state.counters["GFLOP/s"] = 4.0 * double(s.head_dim * s.n_head) * pairs * iters / seconds_total * 1e-9;
}

constexpr Shape kLlama{128, 32, 8};
constexpr Shape kTiny{48, 6, 6};
constexpr Shape kSynth134m{64, 12, 12};

#define VKLLM_ATTENTION(name, shape, type) \
  BENCHMARK_CAPTURE(attention, name, shape, type)->UseManualTime()->Unit(benchmark::kMillisecond)
VKLLM_ATTENTION(llama_f16_decode, kLlama, GgmlType::F16)->Args({512, 1})->Args({4096, 1})->Args({16384, 1});
VKLLM_ATTENTION(llama_q8_0_decode, kLlama, GgmlType::Q8_0)->Args({512, 1})->Args({4096, 1})->Args({16384, 1});
VKLLM_ATTENTION(llama_f16_prefill, kLlama, GgmlType::F16)->Args({512, 512});
VKLLM_ATTENTION(llama_q8_0_prefill, kLlama, GgmlType::Q8_0)->Args({512, 512});
VKLLM_ATTENTION(tiny_f16_decode, kTiny, GgmlType::F16)->Args({256, 1});
VKLLM_ATTENTION(tiny_f16_prefill, kTiny, GgmlType::F16)->Args({256, 256});
BENCHMARK_CAPTURE(attention, synth134m_f16, kSynth134m, GgmlType::F16)
    ->Args({62, 62})->Args({512, 1})->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(attention, synth134m_f16_ggml, kSynth134m, GgmlType::F16, true)
    ->Args({62, 62})->Args({512, 1})->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
