#include "host/ops/ops.h"
#include "host/vulkan/device.h"

namespace vkllm::ops {

bool has_ggml_order(const vk::Device& device) { return device.info().features.float64; }

// ggml's CPU backend sums q4_0 tensors of 8k rows in their repacked layout's order (one chain per
// row); other q4_0 tensors in eight lanes, which has no kernel here.
bool has_ggml_order(const vk::Device& device, const Tensor& weight) {
  if (!has_ggml_order(device)) return false;
  return weight.type == GgmlType::Q8_0 || weight.type == GgmlType::Q6_K ||
         (weight.type == GgmlType::Q4_0 && weight.ne[1] % 8 == 0);
}

}  // namespace vkllm::ops
