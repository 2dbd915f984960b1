// Several sequences decoded together must each get what they get alone: the server's continuous
// batching depends on it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "common/greedy.h"
#include "common/test_paths.h"
#include "engine/model/model_file.h"
#include "host/exec/open_model.h"

namespace vkllm {
namespace {


struct Alone {
  std::vector<float> prompt_logits;  // every position
  std::vector<int32_t> greedy;
};

Alone run_alone(const ModelFile& m, const ExecOptions& options, const std::vector<int32_t>& prompt, int n_gen) {
  auto model = open_language_model(m, options);
  Alone a;
  a.prompt_logits = model->forward(prompt, true);
  std::vector<float> last(a.prompt_logits.end() - model->n_vocab(), a.prompt_logits.end());
  for (int i = 0; i < n_gen; ++i) {
    const int32_t t = test::argmax(last);
    a.greedy.push_back(t);
    last = model->forward(std::span(&t, 1), false);
  }
  return a;
}

class BatchedModelTest : public ::testing::TestWithParam<int> {};

TEST_P(BatchedModelTest, EachSequenceGetsWhatItGetsAlone) {
  const auto m = ModelFile::open(test::data_dir() / "tiny-shakespeare-Q4_0.gguf");
  ExecOptions options;
  options.n_gpu_layers = GetParam();
  options.n_threads = 2;
  options.n_ctx = 64;
  const std::vector<std::vector<int32_t>> prompts = {{1, 349, 266, 306, 287}, {1, 76, 35}, {1, 500, 501, 502, 503, 504, 505}};
  const int n_gen = 8, n_vocab = int(m->hp.n_vocab);
  std::vector<Alone> alone;
  for (const auto& p : prompts) alone.push_back(run_alone(*m, options, p, n_gen));

  options.n_ctx = 64 * 3;
  auto batched = open_batched_model(*m, options, 3);
  ASSERT_EQ(batched->n_ctx_per_seq(), 64);
  // All prompts in one step, interleaved, every position's logits.
  std::vector<BatchToken> step;
  const size_t longest = std::max({prompts[0].size(), prompts[1].size(), prompts[2].size()});
  for (size_t i = 0; i < longest; ++i)
    for (int s = 0; s < 3; ++s)
      if (i < prompts[size_t(s)].size()) step.push_back({prompts[size_t(s)][i], s, int32_t(i), true});
  const auto logits = batched->decode(step);
  ASSERT_EQ(logits.size(), step.size() * size_t(n_vocab));
  // The CPU computes each token alike in any batch. On Vulkan a batch of 9+ tokens runs the matrix
  // kernel instead of the vector one; the last-bit differences can move an activation across a q8
  // rounding boundary, which shifts logits by a few hundredths.
  const float tolerance = GetParam() == 0 ? 1e-4f : 0.15f;
  for (size_t r = 0; r < step.size(); ++r) {
    const auto& want = alone[size_t(step[r].seq)].prompt_logits;
    for (int v = 0; v < n_vocab; ++v)
      ASSERT_NEAR(logits[r * size_t(n_vocab) + size_t(v)], want[size_t(step[r].pos) * size_t(n_vocab) + size_t(v)],
                  tolerance)
          << "sequence " << step[r].seq << " position " << step[r].pos;
  }

  // Greedy decoding of all three together, one token each per step.
  std::vector<std::vector<int32_t>> generated(3);
  std::vector<std::vector<float>> last(3);
  for (size_t r = 0; r < step.size(); ++r)
    if (size_t(step[r].pos) + 1 == prompts[size_t(step[r].seq)].size())
      last[size_t(step[r].seq)].assign(logits.begin() + int64_t(r) * n_vocab, logits.begin() + int64_t(r + 1) * n_vocab);
  for (int i = 0; i < n_gen; ++i) {
    std::vector<BatchToken> one;
    for (int s = 0; s < 3; ++s) {
      const int32_t t = test::argmax(last[size_t(s)]);
      generated[size_t(s)].push_back(t);
      one.push_back({t, s, int32_t(prompts[size_t(s)].size()) + i, true});
    }
    const auto out = batched->decode(one);
    for (int s = 0; s < 3; ++s) last[size_t(s)].assign(out.begin() + s * n_vocab, out.begin() + (s + 1) * n_vocab);
  }
  for (int s = 0; s < 3; ++s) EXPECT_EQ(generated[size_t(s)], alone[size_t(s)].greedy) << "sequence " << s;

  // A slot reused for a shorter prompt forgets the old one.
  const auto again = batched->decode(std::vector<BatchToken>{{1, 2, 0, false}, {76, 2, 1, false}, {35, 2, 2, true}});
  const auto& want = alone[1].prompt_logits;
  for (int v = 0; v < n_vocab; ++v) ASSERT_NEAR(again[size_t(v)], want[2 * size_t(n_vocab) + size_t(v)], tolerance);

  EXPECT_THROW(batched->decode(std::vector<BatchToken>{{1, 3, 0, true}}), Error);
  EXPECT_THROW(batched->decode(std::vector<BatchToken>{{1, 0, 64, true}}), Error);
  EXPECT_THROW(batched->decode(std::vector<BatchToken>{{999999, 0, 0, true}}), Error);
}

// llama.cpp sums some products differently by how many tokens a pass has (F16/F32 weights through
// tinyBLAS for two or more, Q2_K/Q4_K through the repacked gemm for whole fours). The CPU backend
// picks that per run of one sequence's consecutive tokens (in the layers and in the output head),
// so prompts batched side by side, and decoding steps of several sequences, give each sequence
// exactly the logits it gets alone.
TEST(BatchedModel, CpuRunsOfOneSequenceSumAsThatSequenceAlone) {
  for (const char* type : {"F16", "Q2_K", "Q4_K_M"}) {
    SCOPED_TRACE(type);
    const auto path = test::shared_file(std::string("models/tiny-shakespeare/tiny-shakespeare-") + type + ".gguf");
    if (!path) GTEST_SKIP() << "needs ../shared";
    const auto m = ModelFile::open(*path);
    ExecOptions options;
    options.n_gpu_layers = 0;
    options.n_threads = 2;
    options.n_ctx = 64;
    const std::vector<std::vector<int32_t>> prompts = {{1, 349, 266, 306, 287, 300}, {1, 76}, {1, 500, 501, 502, 503, 504, 505, 506, 507}};
    const int n_gen = 6, n_vocab = int(m->hp.n_vocab);
    std::vector<Alone> alone;
    std::vector<std::vector<std::vector<float>>> alone_steps;  // [sequence][step]: logits decoding alone
    for (const auto& p : prompts) {
      alone.push_back(run_alone(*m, options, p, n_gen));
      auto model = open_language_model(*m, options);
      model->forward(p, false);
      auto& steps = alone_steps.emplace_back();
      for (const int32_t t : alone.back().greedy) steps.push_back(model->forward(std::span(&t, 1), false));
    }

    options.n_ctx = 64 * 3;
    auto batched = open_batched_model(*m, options, 3);
    std::vector<BatchToken> step;  // the prompts one after another
    for (int s = 0; s < 3; ++s)
      for (size_t i = 0; i < prompts[size_t(s)].size(); ++i) step.push_back({prompts[size_t(s)][i], s, int32_t(i), true});
    const auto logits = batched->decode(step);
    std::vector<std::vector<float>> last(3);
    for (size_t r = 0; r < step.size(); ++r) {
      const auto& want = alone[size_t(step[r].seq)].prompt_logits;
      for (int v = 0; v < n_vocab; ++v)
        ASSERT_EQ(logits[r * size_t(n_vocab) + size_t(v)], want[size_t(step[r].pos) * size_t(n_vocab) + size_t(v)])
            << "sequence " << step[r].seq << " position " << step[r].pos;
      if (size_t(step[r].pos) + 1 == prompts[size_t(step[r].seq)].size())
        last[size_t(step[r].seq)].assign(logits.begin() + int64_t(r) * n_vocab, logits.begin() + int64_t(r + 1) * n_vocab);
    }
    std::vector<std::vector<int32_t>> generated(3);
    for (int i = 0; i < n_gen; ++i) {  // one token of each sequence per step
      std::vector<BatchToken> one;
      for (int s = 0; s < 3; ++s) {
        generated[size_t(s)].push_back(test::argmax(last[size_t(s)]));
        one.push_back({generated[size_t(s)].back(), s, int32_t(prompts[size_t(s)].size()) + i, true});
      }
      const auto out = batched->decode(one);
      for (int s = 0; s < 3; ++s) {
        last[size_t(s)].assign(out.begin() + s * n_vocab, out.begin() + (s + 1) * n_vocab);
        if (generated[size_t(s)] == std::vector<int32_t>(alone[size_t(s)].greedy.begin(), alone[size_t(s)].greedy.begin() + i + 1)) {
          ASSERT_EQ(last[size_t(s)], alone_steps[size_t(s)][size_t(i)]) << "sequence " << s << " step " << i;
        }
      }
    }
    for (int s = 0; s < 3; ++s) EXPECT_EQ(generated[size_t(s)], alone[size_t(s)].greedy) << "sequence " << s;
  }
}

INSTANTIATE_TEST_SUITE_P(Placements, BatchedModelTest, ::testing::Values(0, 99),
                         [](const auto& info) { return info.param == 0 ? std::string("cpu") : std::string("vulkan"); });

}  // namespace
}  // namespace vkllm
