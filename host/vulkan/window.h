#pragma once
// Binding tensors larger than maxStorageBufferRange (128 MiB on lavapipe). A shader declares such a
// binding with WINDOWED_BUFFER (shaders/window.glsl): an array of descriptors, window k covering
// [k * stride, k * stride + range) of the tensor. Windows overlap by range - stride bytes, so a
// workgroup that picks its window by the first byte it touches can read kWindowReachBytes past it.
// The stride reaches the shaders as specialization constant 0.
#include <cstdint>
#include <vector>

#include "host/vulkan/buffer.h"
#include "host/vulkan/device_info.h"

namespace vkllm::vk {

// How far past its first byte one workgroup of a windowed kernel may read. Kernels must respect it
// (e.g. get_rows rows must be at most this long); the launchers assert it.
constexpr uint64_t kWindowReachBytes = 16ull << 20;

struct WindowLayout {
  uint64_t stride = 0;  // bytes between window starts (fits in the shader's uint)
  uint64_t range = 0;   // bytes one window descriptor covers

  static WindowLayout for_device(const DeviceLimits& limits);

  // The largest tensor `count` windows can cover (also capped below 4 GiB: shaders index bytes in uint).
  uint64_t max_bytes(uint32_t count) const;

  // The `count` descriptor ranges for `view`; windows past the end repeat the last real one.
  std::vector<BufferView> split(const BufferView& view, uint32_t count) const;
};

}  // namespace vkllm::vk
