#include "host/exec/bandwidth.h"

#include <algorithm>
#include <chrono>

#include "host/ops/ops.h"
#include "host/vulkan/device.h"
#include "host/vulkan/memory_pool.h"
#include "host/vulkan/recorder.h"

namespace vkllm {

double measure_bandwidth(vk::Device& device) {
  const uint64_t limit = device.info().limits.max_storage_buffer_range;
  const uint64_t bytes = std::min<uint64_t>(64ull << 20, limit) / 4 * 4;
  auto src = device.memory().allocate(bytes, vk::MemoryKind::DeviceLocal, "bandwidth_src");
  auto dst = device.memory().allocate(bytes, vk::MemoryKind::DeviceLocal, "bandwidth_dst");
  const auto a = ops::Tensor::contiguous(GgmlType::F32, {bytes / 4, 1, 1, 1}, src.view());
  const auto b = ops::Tensor::contiguous(GgmlType::F32, {bytes / 4, 1, 1, 1}, dst.view());
  double best_ms = 0;
  for (int i = 0; i < 4; ++i) {
    vk::Recorder rec(device, "bandwidth", true);
    ops::copy(rec, a, b);
    const auto start = std::chrono::steady_clock::now();
    rec.submit_and_wait();
    const double wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    const auto timings = rec.timings();
    const double ms = timings.empty() || timings[0].ms <= 0 ? wall_ms : timings[0].ms;
    if (i > 0 && (best_ms == 0 || ms < best_ms)) best_ms = ms;  // the first run warms up
  }
  return best_ms > 0 ? 2.0 * double(bytes) / (best_ms * 1e6) : 0.0;
}

}  // namespace vkllm
