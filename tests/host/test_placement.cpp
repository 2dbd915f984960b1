// Where layers run must not change what the model says: greedy output is the same for every -ngl
// and for two logical devices with either split (issue: scheduler); on a CPU Vulkan device, where
// the layers take ggml's order (ExecOptions::ggml_order), the logits are the same to the bit. Also
// the plan's arithmetic.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <tuple>

#include "common/test_paths.h"
#include "engine/model/model_file.h"
#include "host/exec/open_model.h"
#include "host/exec/placement.h"
#include "host/ops/ops.h"
#include "host/vulkan_test_env.h"

namespace vkllm {
namespace {

std::vector<int32_t> greedy(const ModelFile& m, const ExecOptions& options, const std::vector<int32_t>& prompt, int n) {
  auto model = open_language_model(m, options);
  auto logits = model->forward(prompt, false);
  std::vector<int32_t> out;
  for (int i = 0; i < n; ++i) {
    const int32_t t = int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
    out.push_back(t);
    logits = model->forward(std::span(&t, 1), false);
  }
  return out;
}

std::vector<std::filesystem::path> models() {
  std::vector<std::filesystem::path> out = {test::data_dir() / "tiny-shakespeare-Q4_0.gguf"};
  for (const char* name : {"tiny-shakespeare-Q8_0.gguf", "tiny-shakespeare-F16.gguf"})
    if (auto p = test::shared_file(std::string("models/tiny-shakespeare/") + name)) out.push_back(*p);
  return out;
}

TEST(Placement, GreedyOutputIsTheSameWhereverLayersRun) {
  for (const auto& path : models()) {
    SCOPED_TRACE(path.filename().string());
    const auto m = ModelFile::open(path);
    const auto prompt = m->tokenizer.tokenize("ROMEO:\nWhat light through yonder window breaks?", true);
    ExecOptions base;
    base.n_ctx = 128;
    base.n_threads = 2;
    base.n_gpu_layers = 0;
    const auto want = greedy(*m, base, prompt, 32);
    const int half = int(m->hp.n_layer) / 2;
    struct Case {
      const char* name;
      int ngl;
      std::vector<int> devices;
      std::vector<float> split;
    };
    for (const auto& c : {Case{"ngl 1", 1, {}, {}}, Case{"ngl half", half, {}, {}}, Case{"ngl all", 99, {}, {}},
                          Case{"devices 0,0 ts 1,1", 99, {0, 0}, {1, 1}}, Case{"devices 0,0 ts 3,1", 99, {0, 0}, {3, 1}},
                          Case{"devices 0,0 half on CPU", half, {0, 0}, {1, 1}}}) {
      SCOPED_TRACE(c.name);
      ExecOptions o = base;
      o.n_gpu_layers = c.ngl;
      o.devices = c.devices;
      o.tensor_split = c.split;
      EXPECT_EQ(greedy(*m, o, prompt, 32), want);
    }
  }
}

// Every position's logits of a prompt, then of eight greedy steps.
std::vector<float> logits_along(const ModelFile& m, const ExecOptions& options, const std::vector<int32_t>& prompt) {
  auto model = open_language_model(m, options);
  auto all = model->forward(prompt, true);
  std::vector<float> last(all.end() - m.hp.n_vocab, all.end());
  for (int i = 0; i < 8; ++i) {
    const int32_t t = int32_t(std::max_element(last.begin(), last.end()) - last.begin());
    last = model->forward(std::span(&t, 1), false);
    all.insert(all.end(), last.begin(), last.end());
  }
  return all;
}

// Files whose every weight type has a kernel in ggml's order: every tiny-shakespeare file (f32, f16,
// legacy quants, K-quants).
std::vector<std::filesystem::path> ggml_order_models() {
  std::vector<std::filesystem::path> out = {test::data_dir() / "tiny-shakespeare-Q4_0.gguf"};
  for (const char* type : {"F32", "F16", "Q8_0", "Q6_K", "Q5_1", "Q5_0", "Q4_1", "Q5_K_M", "Q4_K_M", "Q3_K_M", "Q2_K"})
    if (auto p = test::shared_file(fmt::format("models/tiny-shakespeare/tiny-shakespeare-{}.gguf", type))) out.push_back(*p);
  return out;
}

using PlacementOnVulkan = test::VulkanTest;

TEST_F(PlacementOnVulkan, LogitsAreTheSameToTheBitWhereverLayersRun) {
  if (!device().info().is_cpu() || !ops::has_ggml_order(device()))
    GTEST_SKIP() << "ggml's order is the default on CPU Vulkan devices with shaderFloat64 only";
  for (const auto& path : ggml_order_models()) {
    SCOPED_TRACE(path.filename().string());
    const auto m = ModelFile::open(path);
    const auto prompt = m->tokenizer.tokenize("JULIET:\nO Romeo, Romeo! wherefore art thou Romeo?", true);
    ExecOptions base;
    base.n_ctx = 128;
    base.n_threads = 2;
    base.n_gpu_layers = 0;
    const auto want = logits_along(*m, base, prompt);
    const int half = int(m->hp.n_layer) / 2;
    for (const auto& [name, ngl, devices, split] :
         {std::tuple<const char*, int, std::vector<int>, std::vector<float>>{"ngl 1", 1, {}, {}},
          {"ngl half", half, {}, {}},
          {"ngl all", 99, {}, {}},
          {"devices 0,0 ts 3,1", 99, {0, 0}, {3, 1}}}) {
      SCOPED_TRACE(name);
      ExecOptions o = base;
      o.n_gpu_layers = ngl;
      o.devices = devices;
      o.tensor_split = split;
      const auto got = logits_along(*m, o, prompt);
      ASSERT_EQ(got.size(), want.size());
      size_t differ = 0;
      for (size_t i = 0; i < got.size(); ++i) differ += std::memcmp(&got[i], &want[i], sizeof(float)) != 0;
      EXPECT_EQ(differ, 0u) << "of " << got.size() << " logits";
    }
  }
}

TEST(Placement, PlanFollowsNglAndSplit) {
  const auto m = ModelFile::open(test::data_dir() / "tiny-shakespeare-Q4_0.gguf");
  const std::vector<DeviceMemory> two = {{"a", 1ull << 30}, {"b", 1ull << 30}};
  PlacementRequest r;
  r.n_ctx = 256;
  r.n_gpu_layers = 2;
  auto p = plan_placement(m->hp, m->weights, two, r);
  EXPECT_EQ(p.layer_device, (std::vector<int>{kCpu, kCpu, 0, 1}));
  EXPECT_EQ(p.head_device, kCpu);
  r.n_gpu_layers = 5;
  r.tensor_split = {3, 1};
  p = plan_placement(m->hp, m->weights, two, r);
  EXPECT_EQ(p.layer_device, (std::vector<int>{0, 0, 0, 1}));
  EXPECT_EQ(p.head_device, 1);
  EXPECT_GT(p.device_bytes[0], p.device_bytes[1] / 2);

  // auto: everything fits a big device; a tiny one takes fewer layers; an explicit -ngl that does
  // not fit is refused with the shortfall.
  r = {};
  r.n_ctx = 256;
  p = plan_placement(m->hp, m->weights, {{"big", 1ull << 30}}, r);
  EXPECT_EQ(p.n_gpu_layers, int(m->hp.n_layer) + 1);
  const uint64_t one_layer = layer_weight_bytes(m->weights.layers[0]) + layer_cache_bytes(m->hp, 256, r.cache_type_k, r.cache_type_v);
  p = plan_placement(m->hp, m->weights, {{"small", one_layer * 2 + (8ull << 20)}}, r);
  EXPECT_GT(p.n_gpu_layers, 0);
  EXPECT_LE(p.n_gpu_layers, int(m->hp.n_layer));
  r.n_gpu_layers = 99;
  try {
    plan_placement(m->hp, m->weights, {{"small", 1 << 20}}, r);
    ADD_FAILURE() << "a plan that does not fit was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("short by"), std::string::npos) << e.what();
  }
  r.tensor_split = {1};
  EXPECT_THROW(plan_placement(m->hp, m->weights, two, r), Error);  // one value for two devices
}

}  // namespace
}  // namespace vkllm
