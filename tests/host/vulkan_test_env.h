#pragma once
// The Vulkan device the host tests share (created once), and a fixture that fails a test when the
// validation layer reported anything during it. ctest runs test_host with VKLLM_VALIDATE=1.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "engine/util/check.h"
#include "host/ops/tensor.h"
#include "host/vulkan/device.h"
#include "host/vulkan/instance.h"
#include "host/vulkan/memory_pool.h"

namespace vkllm::test {

vk::Instance& vk_instance();
vk::Device& vk_device();  // the default device (lavapipe on a machine without a GPU)
// The test device's physical device as enumerated by another instance.
vk::DeviceInfo test_device_on(const vk::Instance& instance);

// A tensor with the buffer that owns its data.
struct DeviceTensor {
  vk::DeviceBuffer buffer;
  ops::Tensor tensor;
  operator const ops::Tensor&() const { return tensor; }
};

class VulkanTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;  // fails the test on any new validation message

  vk::Device& device() { return vk_device(); }

  // A device-local tensor holding `values` (of `type`'s element size), or uninitialised.
  vk::DeviceBuffer upload_bytes(std::span<const uint8_t> bytes, const std::string& name);
  template <typename T>
  vk::DeviceBuffer upload(const std::vector<T>& values, const std::string& name) {
    return upload_bytes({reinterpret_cast<const uint8_t*>(values.data()), values.size() * sizeof(T)}, name);
  }
  vk::DeviceBuffer allocate(uint64_t bytes, const std::string& name);
  template <typename T>
  std::vector<T> download(const vk::DeviceBuffer& buffer, size_t count);

  // Tensors for op tests: `data` holds the tensor's bytes (any type), or it stays uninitialised.
  DeviceTensor tensor(GgmlType type, const std::array<uint64_t, 4>& shape, std::span<const uint8_t> data = {});
  DeviceTensor tensor_f32(const std::array<uint64_t, 4>& shape, const std::vector<float>& values);
  std::vector<float> read_f32(const DeviceTensor& t);
  std::vector<int32_t> read_i32(const DeviceTensor& t);

 private:
  uint64_t messages_before_ = 0;
};

std::vector<float> random_floats(size_t n, float lo, float hi, uint32_t seed);
std::vector<int32_t> random_ints(size_t n, int32_t lo, int32_t hi, uint32_t seed);
// The bytes of v, for uploads.
std::span<const uint8_t> bytes_of(const std::vector<int32_t>& v);

// Tolerance check |got - want| <= abs + rel * |want| for every element; reports the worst misses.
::testing::AssertionResult all_close(std::span<const float> got, std::span<const float> want, float abs, float rel);

}  // namespace vkllm::test
