#include "host/ops/ops.h"
#include "host/vulkan/device.h"

namespace vkllm::ops {

bool has_ggml_order(const vk::Device& device) { return device.info().features.float64; }

// ggml's CPU backend sums q4_0 tensors of 8k rows in their repacked layout's order (one chain per
// row); other q4_0 tensors in eight lanes, which has no kernel here (nor has bf16).
bool has_ggml_order(const vk::Device& device, const Tensor& weight) {
  if (!has_ggml_order(device)) return false;
  switch (weight.type) {
    case GgmlType::Q8_0: case GgmlType::Q5_0: case GgmlType::Q4_1: case GgmlType::Q5_1: case GgmlType::Q2_K:
    case GgmlType::Q3_K: case GgmlType::Q4_K: case GgmlType::Q5_K: case GgmlType::Q6_K: case GgmlType::F32:
    case GgmlType::F16: return true;
    case GgmlType::Q4_0: return weight.ne[1] % 8 == 0;
    default: return false;
  }
}

}  // namespace vkllm::ops
