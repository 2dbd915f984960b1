#pragma once
// Model weights copied to a Vulkan device once, as tensors in their file type.
#include <string>
#include <vector>

#include "engine/model/model_weights.h"
#include "host/ops/tensor.h"
#include "host/vulkan/buffer.h"

namespace vkllm::vk {
class Device;
}

namespace vkllm {

class DeviceWeights {
 public:
  explicit DeviceWeights(vk::Device& device) : device_(device) {}

  // Uploads `w` (a matrix [cols, rows] or a vector) and returns its tensor; an absent weight gives
  // a default Tensor whose data is empty.
  ops::Tensor add(const WeightRef& w);
  uint64_t bytes() const { return bytes_; }

 private:
  vk::Device& device_;
  std::vector<vk::DeviceBuffer> buffers_;
  uint64_t bytes_ = 0;
};

}  // namespace vkllm
