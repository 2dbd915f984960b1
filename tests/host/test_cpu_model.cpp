// The CPU forward pass against llama.cpp's outputs in shared/golden: same top-1 token at every
// prompt position, last-position logits within the stated tolerance, same greedy continuation.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>

#include "common/test_paths.h"
#include "engine/gguf/gguf_file.h"
#include "engine/model/hparams.h"
#include "engine/model/model_weights.h"
#include "host/cpu/cpu_model.h"

namespace vkllm::cpu {
namespace {

struct Golden {
  std::string name;
  nlohmann::json json;
};

std::vector<Golden> goldens() {
  std::vector<Golden> out;
  const auto dir = test::shared_dir();
  if (!dir) return out;
  for (const auto& entry : std::filesystem::directory_iterator(*dir / "golden")) {
    const auto name = entry.path().filename().string();
    if (name.find("perplexity") != std::string::npos) continue;
    std::ifstream in(entry.path());
    out.push_back({name, nlohmann::json::parse(in)});
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.name < b.name; });
  return out;
}

int argmax(const float* v, int n) { return int(std::max_element(v, v + n) - v); }

// The greedy continuation must equal llama.cpp's. These tiny models hit near-ties (top two logits
// within 1e-3) where the order of float additions decides; past such a tie the sequences may
// part, but only at a tie, and only to llama.cpp's choice being our runner-up.
void expect_same_greedy(CpuModel& model, const float* first_logits, const std::vector<int32_t>& greedy, int n_vocab) {
  std::vector<float> logits(first_logits, first_logits + n_vocab);
  for (size_t i = 0; i < greedy.size(); ++i) {
    std::vector<int32_t> order(n_vocab);
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + 2, order.end(),
                      [&](int a, int b) { return logits[a] > logits[b]; });
    if (order[0] != greedy[i]) {
      const float gap = logits[order[0]] - logits[order[1]];
      EXPECT_EQ(order[1], greedy[i]) << "generated token " << i << " is not a near-tie miss";
      EXPECT_LT(gap, 1e-2f) << "generated token " << i << " differs with a clear margin";
      ::testing::Test::RecordProperty("greedy_exact_prefix", int(i));
      return;
    }
    logits = model.forward(std::span<const int32_t>(&greedy[i], 1), false);
  }
}

bool exact_type(const std::string& file) {
  return file.find("-F32") != std::string::npos || file.find("-F16") != std::string::npos ||
         file.find("-Q8_0") != std::string::npos;
}

TEST(CpuModel, MatchesLlamaCppGoldens) {
  const auto all = goldens();
  if (all.empty()) GTEST_SKIP() << "shared/ absent";
  for (const auto& g : all) {
    SCOPED_TRACE(g.name);
    const std::string file_name = g.json["file"];
    const bool qwen = file_name.starts_with("qwen2");
    const auto path = *test::shared_dir() / "models" / (qwen ? "qwen2-tiny" : "tiny-shakespeare") / file_name;
    const auto file = gguf::File::open(path);
    const auto hp = read_hparams(file);
    const auto weights = bind_weights(file, hp);
    const std::vector<int32_t> tokens = g.json["tokens"];
    const int n_vocab = int(hp.n_vocab);
    CpuModel model(hp, weights, 256, 2);
    const auto logits = model.forward(tokens, true);

    for (size_t t = 0; t < tokens.size(); ++t)
      EXPECT_EQ(argmax(&logits[t * n_vocab], n_vocab), g.json["top20"][t][0][0].get<int>()) << "position " << t;

    const std::vector<float> want = g.json["last_logits"];
    const float* got = &logits[(tokens.size() - 1) * n_vocab];
    double max_diff = 0, err = 0, norm = 0;
    for (int i = 0; i < n_vocab; ++i) {
      max_diff = std::max(max_diff, std::abs(double(got[i]) - want[i]));
      err += (double(got[i]) - want[i]) * (double(got[i]) - want[i]);
      norm += double(want[i]) * want[i];
    }
    if (qwen) {
      EXPECT_LE(err / norm, 2e-3) << "NMSE";
    } else {
      const bool full = file_name.find("-F32") != std::string::npos || file_name.find("-F16") != std::string::npos;
      EXPECT_LE(max_diff, full ? 1e-2 : 0.25);
    }
    RecordProperty(g.name, std::to_string(qwen ? err / norm : max_diff));

    if (!qwen && exact_type(file_name)) expect_same_greedy(model, got, g.json["greedy"], n_vocab);
  }
}

TEST(CpuModel, RejectsTokensOutsideTheVocabularyAndAFullContext) {
  VKLLM_REQUIRE_SHARED(path, "models/tiny-shakespeare/tiny-shakespeare-Q4_0.gguf");
  const auto file = gguf::File::open(path);
  const auto hp = read_hparams(file);
  const auto weights = bind_weights(file, hp);
  CpuModel model(hp, weights, 4, 1);
  EXPECT_THROW(model.forward(std::vector<int32_t>{1, 5000}, false), Error);
  model.reset();
  EXPECT_NO_THROW(model.forward(std::vector<int32_t>{1, 2, 3}, false));
  EXPECT_THROW(model.forward(std::vector<int32_t>{4, 5}, false), Error);
}

}  // namespace
}  // namespace vkllm::cpu
