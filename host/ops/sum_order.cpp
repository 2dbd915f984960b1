#include "host/ops/ops.h"
#include "host/vulkan/device.h"

namespace vkllm::ops {

bool has_ggml_order(const vk::Device& device) { return device.info().features.float64; }

bool has_ggml_order(const vk::Device& device, const Tensor& weight) {
  return has_ggml_order(device) && weight.type == GgmlType::Q8_0;
}

}  // namespace vkllm::ops
