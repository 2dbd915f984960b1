// A model split over several stages (CPU and Vulkan, or two Vulkan devices) runs long passes in
// overlapping micro-batches (-ub, stage_pipeline.h). Cutting a pass must not change what it
// computes: each token attends to the same cells either way. The CPU computes every token alike in
// any batch of 64+ tokens (shorter ones take llama.cpp's other attention path, flash_attention.h,
// so every micro-batch here has 64 or more); Vulkan picks kernels by the micro-batch's size, so its
// logits may move in the last bits. Every position keeps its best token, and the greedy
// continuation is the same.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/greedy.h"
#include "common/test_paths.h"
#include "engine/model/model_file.h"
#include "host/exec/open_model.h"

namespace vkllm {
namespace {


struct Split {
  const char* name;
  int n_gpu_layers;
  std::vector<int> devices;
  std::vector<float> tensor_split;
};

class PipelinedModelTest : public ::testing::TestWithParam<Split> {};

TEST_P(PipelinedModelTest, MicroBatchesComputeWhatOnePassComputes) {
  const auto m = ModelFile::open(test::data_dir() / "tiny-shakespeare-Q4_0.gguf");
  ExecOptions options;
  options.n_gpu_layers = GetParam().n_gpu_layers;
  options.devices = GetParam().devices;
  options.tensor_split = GetParam().tensor_split;
  options.n_threads = 2;
  options.n_ctx = 256;
  std::vector<int32_t> prompt(192);
  for (size_t i = 0; i < prompt.size(); ++i) prompt[i] = int32_t(1 + (i * 37 + 11) % 1000);
  const int n_vocab = int(m->hp.n_vocab);

  auto run = [&](int n_ubatch, std::vector<int32_t>& greedy) {
    options.n_ubatch = n_ubatch;
    auto model = open_language_model(*m, options);
    auto logits = model->forward(prompt, true);
    std::vector<float> last(logits.end() - n_vocab, logits.end());
    for (int i = 0; i < 8; ++i) {
      const int32_t t = test::argmax(last);
      greedy.push_back(t);
      last = model->forward(std::span(&t, 1), false);
    }
    return logits;
  };
  std::vector<int32_t> greedy_once, greedy_piped, greedy_halves;
  const auto once = run(512, greedy_once);     // one pass per stage
  const auto piped = run(64, greedy_piped);    // three micro-batches
  const auto halves = run(96, greedy_halves);  // two
  for (const auto* other : {&piped, &halves}) {
    ASSERT_EQ(other->size(), once.size());
    double worst = 0;
    for (size_t i = 0; i < once.size(); ++i) worst = std::max(worst, double(std::fabs((*other)[i] - once[i])));
    EXPECT_LT(worst, 0.05);
    for (size_t p = 0; p < prompt.size(); ++p)
      EXPECT_EQ(test::argmax(std::span(*other).subspan(p * size_t(n_vocab), size_t(n_vocab))),
                test::argmax(std::span(once).subspan(p * size_t(n_vocab), size_t(n_vocab))))
          << "position " << p;
  }
  EXPECT_EQ(greedy_piped, greedy_once);
  EXPECT_EQ(greedy_halves, greedy_once);
}

INSTANTIATE_TEST_SUITE_P(Splits, PipelinedModelTest,
                         ::testing::Values(Split{"cpu_then_gpu", 2, {}, {}}, Split{"two_devices", 99, {0, 0}, {1, 1}}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace vkllm
