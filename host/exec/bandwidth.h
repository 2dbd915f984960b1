#pragma once
// The device's achievable memory bandwidth, measured with a large copy kernel: the denominator of
// bench's roofline column.
namespace vkllm::vk {
class Device;
}

namespace vkllm {

// GB/s (1e9 bytes) of bytes read + written by the fastest of a few copies of a 64 MiB f32 buffer.
double measure_bandwidth(vk::Device& device);

}  // namespace vkllm
