// The Vulkan runtime itself: devices, memory, submission, timing, pipeline cache, validation.
#include <gtest/gtest.h>

#include <filesystem>

#include "engine/util/check.h"
#include "engine/util/log.h"

#include "host/ops/ops.h"
#include "host/vulkan/pipeline.h"
#include "host/vulkan/pipeline_cache.h"
#include "host/vulkan/queue.h"
#include "host/vulkan/recorder.h"
#include "host/vulkan/spirv_reflect.h"
#include "host/vulkan/transfer.h"
#include "host/vulkan/vk_check.h"
#include "host/vulkan_test_env.h"
#include "shaders/params.h"

namespace vkllm::test {
namespace {

using ops::Tensor;

class RuntimeTest : public VulkanTest {};

TEST_F(RuntimeTest, EnumeratesDevicesAndPrefersGpus) {
  const auto devices = vk::enumerate_devices(vk_instance());
  ASSERT_FALSE(devices.empty());
  const auto chosen = vk::default_device_index(devices);
  bool any_gpu = false;
  for (const auto& d : devices) any_gpu |= !d.is_cpu();
  EXPECT_EQ(devices[chosen].is_cpu(), !any_gpu);
}

TEST_F(RuntimeTest, DeviceInfoRecordsFeaturesAndLimits) {
  const vk::DeviceInfo& info = device().info();
  EXPECT_FALSE(info.name.empty());
  EXPECT_GT(info.limits.subgroup_size, 0u);
  EXPECT_GT(info.limits.shared_memory_bytes, 0u);
  EXPECT_GT(info.limits.max_storage_buffer_range, 0u);
  EXPECT_GT(info.limits.max_memory_allocation_size, 0u);
  ASSERT_FALSE(info.heaps.empty());
  EXPECT_GT(info.heaps[0].budget, 0u);
  EXPECT_TRUE(info.features.timeline_semaphore);
  EXPECT_FALSE(vk::subgroup_operation_names(info.limits.subgroup_operations).empty());
}

TEST_F(RuntimeTest, VulkanErrorsNameTheResultAndTheCall) {
  try {
    VKLLM_VK_CHECK(VK_ERROR_OUT_OF_DEVICE_MEMORY);
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("VK_ERROR_OUT_OF_DEVICE_MEMORY"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("test_runtime.cpp"), std::string::npos) << e.what();
  }
}

TEST_F(RuntimeTest, SubAllocatorPacksAndReleasesBlocks) {
  const auto before = device().memory().stats();
  {
    std::vector<vk::DeviceBuffer> buffers;
    for (int i = 0; i < 16; ++i) buffers.push_back(allocate(1000 + i, "small"));
    const auto during = device().memory().stats();
    EXPECT_LE(during.blocks, before.blocks + 1) << "small buffers should share a block";
    for (size_t i = 1; i < buffers.size(); ++i) {
      EXPECT_FALSE(buffers[i].view().overlaps(buffers[i - 1].view()));
      EXPECT_EQ(buffers[i].view().offset % vk::MemoryPool::kAlignment, 0u);
    }
    buffers.erase(buffers.begin() + 3, buffers.begin() + 9);  // holes get reused
    buffers.push_back(allocate(3000, "reuse"));
    EXPECT_LE(device().memory().stats().blocks, before.blocks + 1);
  }
  EXPECT_EQ(device().memory().stats().used_bytes, before.used_bytes);
}

TEST_F(RuntimeTest, UploadDownloadRoundTripsThroughBothMemoryKinds) {
  const auto values = random_floats(10007, -1, 1, 1);
  for (auto kind : {vk::MemoryKind::DeviceLocal, vk::MemoryKind::Host}) {
    auto buffer = device().memory().allocate(values.size() * 4, kind, "roundtrip");
    vk::upload(device(), buffer.view(), std::span<const float>(values));
    EXPECT_EQ(vk::download<float>(device(), buffer.view()), values);
  }
}

TEST_F(RuntimeTest, CopyBetweenBuffersOnTheQueue) {
  const auto values = random_floats(4096, -1, 1, 2);
  auto src = upload(values, "src");
  auto dst = allocate(values.size() * 4, "dst");
  vk::Recorder rec(device(), "copy");
  rec.copy(src.view(), dst.view());
  rec.submit_and_wait();
  EXPECT_EQ(download<float>(dst, values.size()), values);
}

TEST_F(RuntimeTest, TimelineValuesIncreaseAndComplete) {
  auto buffer = upload(random_floats(1024, -1, 1, 3), "x");
  const Tensor x = Tensor::contiguous(GgmlType::F32, {1024, 1, 1, 1}, buffer.view());
  vk::Recorder first(device(), "first"), second(device(), "second");
  ops::scale(first, x, 2.0f, x);
  ops::scale(second, x, 0.5f, x);
  const uint64_t a = first.submit();
  const uint64_t b = second.submit();
  EXPECT_GT(b, a);
  second.wait();
  EXPECT_GE(device().queue().completed_value(), b);
}

TEST_F(RuntimeTest, DependentDispatchesGetBarriers) {
  // x -> *2 -> *3 -> +x chains through one buffer; a missing barrier shows as wrong values.
  const auto values = random_floats(70000, -1, 1, 4);
  auto a = upload(values, "a");
  auto b = allocate(values.size() * 4, "b");
  const std::array<uint64_t, 4> shape{values.size(), 1, 1, 1};
  const Tensor ta = Tensor::contiguous(GgmlType::F32, shape, a.view());
  const Tensor tb = Tensor::contiguous(GgmlType::F32, shape, b.view());
  vk::Recorder rec(device(), "chain");
  ops::scale(rec, ta, 2.0f, tb);
  ops::scale(rec, tb, 3.0f, tb);
  ops::add(rec, tb, ta, tb);
  rec.submit_and_wait();
  const auto got = download<float>(b, values.size());
  for (size_t i = 0; i < values.size(); i += 997) EXPECT_FLOAT_EQ(got[i], values[i] * 7.0f) << i;
}

TEST_F(RuntimeTest, TimestampsTimeEachDispatch) {
  if (device().info().limits.timestamp_valid_bits == 0) GTEST_SKIP() << "no timestamps";
  auto buffer = upload(random_floats(1 << 16, -1, 1, 5), "x");
  const Tensor x = Tensor::contiguous(GgmlType::F32, {1 << 16, 1, 1, 1}, buffer.view());
  vk::Recorder rec(device(), "timed", /*profile=*/true);
  ops::scale(rec, x, 2.0f, x);
  ops::silu(rec, x, x);
  rec.submit_and_wait();
  const auto timings = rec.timings();
  ASSERT_EQ(timings.size(), 2u);
  EXPECT_EQ(timings[0].label, "scale_f32");
  EXPECT_EQ(timings[1].label, "silu_f32");
  for (const auto& t : timings) EXPECT_GE(t.ms, 0.0);
}

TEST_F(RuntimeTest, SamePhysicalDeviceOpensTwice) {
  vk::Device second(vk_instance(), device().info(), "second device");
  const auto values = random_floats(5000, -1, 1, 6);
  for (vk::Device* dev : {&device(), &second}) {
    auto buffer = dev->memory().allocate(values.size() * 4, vk::MemoryKind::DeviceLocal, "x");
    vk::upload(*dev, buffer.view(), std::span<const float>(values));
    const Tensor x = Tensor::contiguous(GgmlType::F32, {values.size(), 1, 1, 1}, buffer.view());
    vk::Recorder rec(*dev, "scale");
    ops::scale(rec, x, -1.0f, x);
    rec.submit_and_wait();
    const auto got = vk::download<float>(*dev, buffer.view());
    EXPECT_EQ(got[17], -values[17]);
  }
}

TEST_F(RuntimeTest, PipelineCacheIsSavedPerDeviceAndDriver) {
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("vkllm-cache-test-{}", ::testing::UnitTest::GetInstance()->random_seed());
  std::filesystem::remove_all(dir);
  vk::RuntimeOptions options = vk_instance().options();
  options.cache_dir = dir;
  options.pipeline_cache = true;
  std::filesystem::path saved;
  for (int round = 0; round < 2; ++round) {  // the second round loads what the first saved
    vk::Instance instance(options);
    vk::Device dev(instance, test_device_on(instance), "cache device");
    dev.pipelines().get(shaders::ShaderId::add_f32);
    EXPECT_EQ(dev.pipelines().created(), 1u);
    saved = dev.pipeline_cache().path();
    EXPECT_NE(saved.filename().string().find(vk::uuid_string(dev.info().device_uuid)), std::string::npos);
  }
  EXPECT_TRUE(std::filesystem::exists(saved)) << saved;
  EXPECT_GT(std::filesystem::file_size(saved), 0u);
  std::filesystem::remove_all(dir);
}

TEST_F(RuntimeTest, ReflectionReadsBindingsAndWorkgroupSize) {
  const auto layout = vk::reflect_compute_shader(shaders::shader_info(shaders::ShaderId::get_rows_q4_0).spirv);
  ASSERT_EQ(layout.bindings.size(), 3u);
  EXPECT_GT(layout.bindings[0].count, 1u);  // the windowed source
  EXPECT_EQ(layout.bindings[1].count, 1u);
  EXPECT_EQ(layout.workgroup_size[0], 128u);
  EXPECT_TRUE(layout.has_push_constants);
  for (const auto& b : layout.bindings) EXPECT_FALSE(b.uniform) << b.binding;
}

TEST_F(RuntimeTest, ReflectionTellsUniformBuffersApart) {
  const auto layout = vk::reflect_compute_shader(shaders::shader_info(shaders::ShaderId::mul_mat_vec_ubo_q4_0_r8).spirv);
  ASSERT_EQ(layout.bindings.size(), 3u);
  EXPECT_TRUE(layout.bindings[0].uniform);  // the weight slots
  EXPECT_EQ(layout.bindings[0].count, 14u);
  EXPECT_TRUE(layout.bindings[1].uniform);  // x
  EXPECT_EQ(layout.bindings[1].count, 1u);
  EXPECT_FALSE(layout.bindings[2].uniform);  // dst, a storage buffer
}

TEST_F(RuntimeTest, ReflectionTellsTexelBuffersApart) {
  const auto layout =
      vk::reflect_compute_shader(shaders::shader_info(shaders::ShaderId::mul_mat_vec_texel_q4_0_r8).spirv);
  ASSERT_EQ(layout.bindings.size(), 3u);
  EXPECT_TRUE(layout.bindings[0].texel);  // the weight
  EXPECT_TRUE(layout.bindings[1].texel);  // x
  EXPECT_FALSE(layout.bindings[2].texel);  // dst, a storage buffer
  EXPECT_FALSE(layout.bindings[2].uniform);
  for (const auto& b : layout.bindings) EXPECT_EQ(b.count, 1u) << b.binding;
}

// A texel binding must start where a texel view may; a misaligned one is an error, not a crash.
TEST_F(RuntimeTest, TexelBindingAtAnUnalignedOffsetIsRefused) {
  const uint64_t align = device().info().limits.min_texel_buffer_offset_alignment;
  if (align <= 4) GTEST_SKIP() << "every word offset is aligned on this device";
  auto buffer = device().memory().allocate(64 * 1024, vk::MemoryKind::DeviceLocal, "texel");
  auto dst = device().memory().allocate(1024, vk::MemoryKind::DeviceLocal, "dst");
  vk::Recorder rec(device(), "texel misaligned");
  const params::MulMatVecTexelParams p{8, 256, 1, 0};
  EXPECT_THROW(rec.dispatch(shaders::ShaderId::mul_mat_vec_texel_q4_0_r4,
                            {vk::reads(buffer.view().sub(4, 8 * 144)), vk::reads(buffer.view().sub(0, 1024)),
                             vk::writes(dst.view())},
                            p, vk::workgroups(1)),
               Error);
  rec.discard();
}

TEST_F(RuntimeTest, WindowsOverlapAndCoverTheView) {
  vk::DeviceLimits limits;
  limits.max_storage_buffer_range = 128ull << 20;
  const auto windows = vk::WindowLayout::for_device(limits);
  EXPECT_EQ(windows.range, 128ull << 20);
  EXPECT_EQ(windows.range - windows.stride, vk::kWindowReachBytes);
  const vk::BufferView view{VK_NULL_HANDLE, 256, 300ull << 20, nullptr};
  const auto parts = windows.split(view, 8);
  ASSERT_EQ(parts.size(), 8u);
  EXPECT_EQ(parts[0].offset, 256u);
  EXPECT_EQ(parts[1].offset, 256 + windows.stride);
  EXPECT_EQ(parts[2].offset + parts[2].size, view.offset + view.size);
  EXPECT_EQ(parts[7].offset, parts[2].offset);  // unused windows repeat the last one
}

TEST(ValidationTest, MessagesAreCounted) {
  vk::RuntimeOptions options = vk_instance().options();
  if (!options.validation) GTEST_SKIP() << "VKLLM_VALIDATE is not set";
  vk::Instance instance(options);
  vk::Device dev(instance, test_device_on(instance), "invalid use");
  auto info = vk::make_struct<VkBufferCreateInfo>(VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO);
  info.size = 64;
  info.usage = 0;  // invalid: usage must not be 0
  VkBuffer buffer = VK_NULL_HANDLE;
  const auto level = spdlog::get_level();
  spdlog::set_level(spdlog::level::off);  // the message is expected: keep it out of the test log
  vkCreateBuffer(dev.handle(), &info, nullptr, &buffer);
  spdlog::set_level(level);
  if (buffer != VK_NULL_HANDLE) vkDestroyBuffer(dev.handle(), buffer, nullptr);
  EXPECT_GT(instance.validation_messages(), 0u);
}

}  // namespace
}  // namespace vkllm::test
