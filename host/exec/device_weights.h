#pragma once
// Model weights copied to a Vulkan device once, as tensors in their file type.
#include <string>
#include <vector>

#include "engine/model/model_weights.h"
#include "host/exec/upload_progress.h"
#include "host/ops/tensor.h"
#include "host/vulkan/buffer.h"

namespace vkllm::vk {
class Device;
}

namespace vkllm {

class DeviceWeights {
 public:
  // `progress` (optional) hears of every uploaded tensor.
  explicit DeviceWeights(vk::Device& device, UploadProgress* progress = nullptr)
      : device_(device), progress_(progress) {}

  // Uploads `w` (a matrix [cols, rows] or a vector) and returns its tensor; an absent weight gives
  // a default Tensor whose data is empty.
  ops::Tensor add(const WeightRef& w);
  uint64_t bytes() const { return bytes_; }

 private:
  vk::Device& device_;
  UploadProgress* progress_;
  std::vector<vk::DeviceBuffer> buffers_;
  uint64_t bytes_ = 0;
};

}  // namespace vkllm
