#include "host/vulkan_test_env.h"

#include <cmath>
#include <memory>

#include "engine/util/check.h"
#include "engine/util/log.h"
#include "host/vulkan/options.h"
#include "host/vulkan/transfer.h"

namespace vkllm::test {
namespace {

struct SharedVulkan {
  std::unique_ptr<vk::Instance> instance;
  std::unique_ptr<vk::Device> device;  // destroyed before the instance

  SharedVulkan() {
    instance = std::make_unique<vk::Instance>(vk::options_from_environment());
    const auto devices = vk::enumerate_devices(*instance);
    const auto& info = devices.at(vk::default_device_index(devices));
    device = std::make_unique<vk::Device>(*instance, info, "test device");
  }
};

std::unique_ptr<SharedVulkan> g_vulkan;

SharedVulkan& shared() {
  if (!g_vulkan) g_vulkan = std::make_unique<SharedVulkan>();
  return *g_vulkan;
}

// Tears the shared device down inside the test run, so validation messages from destruction (leaked
// objects, work still in flight) fail the run too.
class VulkanEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    if (!g_vulkan) return;
    const uint64_t before = g_vulkan->instance->validation_messages();
    g_vulkan->device.reset();
    EXPECT_EQ(g_vulkan->instance->validation_messages(), before) << "validation messages while destroying the device";
    g_vulkan.reset();
  }
};

[[maybe_unused]] const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new VulkanEnvironment);

}  // namespace

vk::Instance& vk_instance() { return *shared().instance; }
vk::Device& vk_device() { return *shared().device; }

vk::DeviceInfo test_device_on(const vk::Instance& instance) {
  for (auto& info : vk::enumerate_devices(instance))
    if (info.device_uuid == vk_device().info().device_uuid && info.name == vk_device().info().name) return info;
  throw Error("the test device is not visible to the new instance");
}

void VulkanTest::SetUp() { messages_before_ = vk_instance().validation_messages(); }

void VulkanTest::TearDown() {
  EXPECT_EQ(vk_instance().validation_messages(), messages_before_) << "the validation layer reported problems";
}

vk::DeviceBuffer VulkanTest::upload_bytes(std::span<const uint8_t> bytes, const std::string& name) {
  vk::DeviceBuffer buffer = device().memory().allocate(bytes.size(), vk::MemoryKind::DeviceLocal, name);
  vk::upload(device(), buffer.view(), std::as_bytes(bytes));
  return buffer;
}

vk::DeviceBuffer VulkanTest::allocate(uint64_t bytes, const std::string& name) {
  return device().memory().allocate(bytes, vk::MemoryKind::DeviceLocal, name);
}

DeviceTensor VulkanTest::tensor(GgmlType type, const std::array<uint64_t, 4>& shape, std::span<const uint8_t> data) {
  const uint64_t bytes = ops::contiguous_bytes(type, shape);
  EXPECT_TRUE(data.empty() || data.size() == bytes) << "tensor data of " << data.size() << " bytes for " << bytes;
  DeviceTensor t{data.empty() ? allocate(bytes, "tensor") : upload_bytes(data, "tensor"), {}};
  t.tensor = ops::Tensor::contiguous(type, shape, t.buffer.view());
  return t;
}

DeviceTensor VulkanTest::tensor_f32(const std::array<uint64_t, 4>& shape, const std::vector<float>& values) {
  return tensor(GgmlType::F32, shape, {reinterpret_cast<const uint8_t*>(values.data()), values.size() * 4});
}

std::vector<float> VulkanTest::read_f32(const DeviceTensor& t) {
  return download<float>(t.buffer, t.tensor.bytes() / 4);
}

std::vector<int32_t> VulkanTest::read_i32(const DeviceTensor& t) {
  return download<int32_t>(t.buffer, t.tensor.bytes() / 4);
}

template <typename T>
std::vector<T> VulkanTest::download(const vk::DeviceBuffer& buffer, size_t count) {
  std::vector<T> values(count);
  vk::download(device(), buffer.view(), std::as_writable_bytes(std::span(values)));
  return values;
}
template std::vector<float> VulkanTest::download(const vk::DeviceBuffer&, size_t);
template std::vector<int32_t> VulkanTest::download(const vk::DeviceBuffer&, size_t);
template std::vector<uint16_t> VulkanTest::download(const vk::DeviceBuffer&, size_t);
template std::vector<uint8_t> VulkanTest::download(const vk::DeviceBuffer&, size_t);

std::vector<float> random_floats(size_t n, float lo, float hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> values(n);
  for (auto& v : values) v = dist(rng);
  return values;
}

std::vector<int32_t> random_ints(size_t n, int32_t lo, int32_t hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int32_t> dist(lo, hi);
  std::vector<int32_t> values(n);
  for (auto& v : values) v = dist(rng);
  return values;
}

std::span<const uint8_t> bytes_of(const std::vector<int32_t>& v) {
  return {reinterpret_cast<const uint8_t*>(v.data()), v.size() * sizeof(int32_t)};
}

::testing::AssertionResult all_close(std::span<const float> got, std::span<const float> want, float abs, float rel) {
  if (got.size() != want.size())
    return ::testing::AssertionFailure() << "sizes differ: " << got.size() << " vs " << want.size();
  size_t bad = 0;
  std::string examples;
  for (size_t i = 0; i < got.size(); ++i) {
    const float tolerance = abs + rel * std::fabs(want[i]);
    const bool ok = std::fabs(got[i] - want[i]) <= tolerance || (std::isinf(want[i]) && got[i] == want[i]);
    if (ok) continue;
    if (++bad <= 5) examples += fmt::format(" [{}] got {} want {};", i, got[i], want[i]);
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << bad << " of " << got.size() << " values off:" << examples;
}

}  // namespace vkllm::test
