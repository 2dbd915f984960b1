// Discrete GPUs keep device-local memory out of the host's reach, so a stage's inputs and outputs
// travel through host-visible buffers; VKLLM_FORCE_STAGING=1 makes lavapipe behave that way. The
// results must be bit-identical to those of mapped buffers: the same kernels run on the same bytes.
#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

#include "common/test_paths.h"
#include "engine/model/model_file.h"
#include "host/exec/open_model.h"
#include "host/vulkan/device.h"
#include "host/vulkan/instance.h"
#include "host/vulkan/memory_pool.h"

namespace vkllm {
namespace {

// Sets VKLLM_FORCE_STAGING for its lifetime (open_model reads the environment).
class ForcedStaging {
 public:
  ForcedStaging() { setenv("VKLLM_FORCE_STAGING", "1", 1); }
  ~ForcedStaging() { unsetenv("VKLLM_FORCE_STAGING"); }
};

TEST(StagedTransfers, ForcedStagingLeavesDeviceLocalMemoryUnmapped) {
  vk::RuntimeOptions options = vk::options_from_environment();
  options.force_staging = true;
  const vk::Instance instance(options);
  const auto devices = vk::enumerate_devices(instance);
  vk::Device device(instance, devices.at(vk::default_device_index(devices)), "staging");
  EXPECT_FALSE(device.memory().device_local_is_mappable());
  const auto local = device.memory().allocate(4096, vk::MemoryKind::DeviceLocal, "local");
  const auto host = device.memory().allocate(4096, vk::MemoryKind::Host, "host");
  EXPECT_EQ(local.mapped(), nullptr);
  EXPECT_NE(host.mapped(), nullptr);
}

// A prompt, a few decoding steps, and two sequences in one batch (the tables of cells travel too),
// on a layer split over two logical devices so that activations cross a device boundary.
std::vector<float> run(const ModelFile& m) {
  ExecOptions options;
  options.n_gpu_layers = 99;
  options.n_threads = 2;
  options.n_ctx = 2 * 64;
  options.devices = {0, 0};
  options.tensor_split = {1, 1};
  auto model = open_batched_model(m, options, 2);
  std::vector<BatchToken> prompt = {{1, 0, 0, false}, {349, 0, 1, false}, {266, 0, 2, true},
                                    {1, 1, 0, false}, {76, 1, 1, true}};
  std::vector<float> out = model->decode(prompt);
  for (int32_t step = 0; step < 3; ++step) {
    const std::vector<BatchToken> next = {{int32_t(300 + step), 0, 3 + step, true}, {int32_t(40 + step), 1, 2 + step, true}};
    const auto logits = model->decode(next);
    out.insert(out.end(), logits.begin(), logits.end());
  }
  return out;
}

TEST(StagedTransfers, ModelOutputIsTheSameAsWithMappedBuffers) {
  const auto m = ModelFile::open(test::data_dir() / "tiny-shakespeare-Q4_0.gguf");
  const auto mapped = run(*m);
  std::vector<float> staged;
  {
    ForcedStaging forced;
    staged = run(*m);
  }
  ASSERT_EQ(staged.size(), mapped.size());
  for (size_t i = 0; i < mapped.size(); ++i) ASSERT_EQ(staged[i], mapped[i]) << "logit " << i;
}

}  // namespace
}  // namespace vkllm
