// Whole forward passes against llama.cpp's outputs in shared/golden, on every backend placement:
// same top-1 token at every prompt position, last-position logits within the stated tolerance,
// and the same greedy continuation for F32/F16/Q8_0 up to near-ties (on the CPU with an f16 cache,
// and on a CPU Vulkan device for the files whose every weight type has a kernel in ggml's order:
// the goldens' logits to their printed precision and every greedy continuation).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <optional>

#include "common/greedy.h"
#include "common/test_paths.h"
#include "engine/model/model_file.h"
#include "engine/session/generation.h"
#include "host/exec/open_model.h"
#include "host/ops/ops.h"
#include "host/vulkan/device.h"
#include "host/vulkan_test_env.h"

namespace vkllm {
namespace {

struct Placement {
  std::string name;
  ExecOptions options;
  // Top-1 may differ from llama.cpp's at a prompt position only where llama.cpp's own top two are
  // closer than this and swapped (0: never).
  float near_tie = 0;
  // Largest last-position logit difference allowed for quantized llama files (the bound).
  float quantized_bound = 0.25f;
  // Computes as the goldens were computed: logits equal to their printed precision, and the greedy
  // continuation of every file (not only F32/F16/Q8_0) identical.
  bool exact = false;
  // The greedy continuations of the tiny-shakespeare F32/F16/Q8_0 files may part from llama.cpp's
  // only where its top two are closer than this (qwen2-tiny's random weights amplify the last bits
  // far more, so its continuations are not compared off the exact placement).
  float greedy_tie = 2e-2f;
  // Vulkan layers in ggml's order (ExecOptions::ggml_order, the default on CPU devices with
  // shaderFloat64): exact for the files whose every weight type has a kernel in that order.
  bool exact_in_ggml_order = false;
};

// Every weight of the file has a kernel in ggml's order (ops::has_ggml_order): all the goldens'
// types do (f32, f16, the legacy quants with q4_0 tensors of 8k rows, the K-quants); bf16 does not.
bool ggml_order_file(const std::string& file) { return file.find("-BF16") == std::string::npos; }

bool vulkan_takes_ggml_order() {
  vk::Device& device = test::vk_device();
  return device.info().is_cpu() && ops::has_ggml_order(device);
}

std::vector<Placement> placements() {
  auto with = [](int ngl, GgmlType cache, std::optional<bool> ggml_order = std::nullopt) {
    ExecOptions o;
    o.n_ctx = 256;
    o.n_threads = 2;
    o.n_gpu_layers = ngl;
    o.cache_type_k = o.cache_type_v = cache;
    o.ggml_attention = o.ggml_order = ggml_order;
    return o;
  };
  // The CPU backend computes as the llama.cpp build that made the goldens did (its AVX-512 x86
  // build: activation rounding, summation orders, repacked Q4_0/Q4_K kernels, flash attention with
  // an f16 accumulator for an f16 cache, its vector e^x), so with llama.cpp's default f16 cache it
  // reproduces them. An f32 cache, and the Vulkan kernels in the device's orders (what GPUs run),
  // move logits by up to ~0.07 and may swap a pair of logits closer than 0.02 (0.03 with the device
  // orders, which on lavapipe mix the K-quants' exact mat-vec kernels with the other kernels' own
  // orders: Q5_K_M p2 swaps a pair 0.0234 apart). Vulkan in ggml's order (attention, norms, rope,
  // swiglu and the mat-vec kernels bit for bit as the CPU's) reproduces every golden as the CPU does.
  Placement cpu{"cpu", with(0, GgmlType::F16)};
  cpu.exact = true;
  Placement vulkan{"vulkan", with(99, GgmlType::F16, true), 0.0f};
  vulkan.greedy_tie = 0.0f;
  vulkan.exact_in_ggml_order = true;
  return {cpu,
          {"cpu_f32cache", with(0, GgmlType::F32), 0.02f},
          vulkan,
          {"vulkan_device_order", with(99, GgmlType::F16, false), 0.03f},
          {"vulkan_f32cache", with(99, GgmlType::F32), 0.02f}};
}

// shared/golden when it is there, else the copies under tests/data (the Q4_0 goldens only).
std::filesystem::path golden_dir() {
  const auto shared = test::shared_dir();
  return shared ? *shared / "golden" : test::data_dir() / "golden";
}

std::filesystem::path model_path(const std::string& file_name) {
  const auto shared = test::shared_dir();
  if (!shared) return test::data_dir() / file_name;
  return *shared / "models" / (file_name.starts_with("qwen2") ? "qwen2-tiny" : "tiny-shakespeare") / file_name;
}

std::vector<std::string> golden_names() {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(golden_dir())) {
    const auto name = entry.path().stem().string();
    if (name.find("perplexity") == std::string::npos) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

nlohmann::json read_golden(const std::string& name) {
  std::ifstream in(golden_dir() / (name + ".json"));
  return nlohmann::json::parse(in);
}

// The greedy continuation must equal llama.cpp's. These tiny models hit near-ties (top two logits
// within 1e-3) where the order of float additions decides; past such a tie the sequences may
// part, but only at a tie, and only to llama.cpp's choice being our runner-up.
void expect_same_greedy(LanguageModel& model, const float* first_logits, const std::vector<int32_t>& greedy,
                        float near_tie) {
  const int n_vocab = model.n_vocab();
  std::vector<float> logits(first_logits, first_logits + n_vocab);
  for (size_t i = 0; i < greedy.size(); ++i) {
    std::vector<int32_t> order(static_cast<size_t>(n_vocab));
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + 2, order.end(),
                      [&](int a, int b) { return logits[size_t(a)] > logits[size_t(b)]; });
    if (order[0] != greedy[i]) {
      const float gap = logits[size_t(order[0])] - logits[size_t(order[1])];
      EXPECT_EQ(order[1], greedy[i]) << "generated token " << i << " is not a near-tie miss";
      EXPECT_LT(gap, near_tie) << "generated token " << i << " differs with a clear margin";
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

class ModelGoldens : public ::testing::TestWithParam<std::tuple<Placement, std::string>> {};

TEST_P(ModelGoldens, MatchLlamaCpp) {
  const auto& [placement, name] = GetParam();
  const auto g = read_golden(name);
  const std::string file_name = g["file"];
  const bool qwen = file_name.starts_with("qwen2");
  const bool exact =
      placement.exact || (placement.exact_in_ggml_order && ggml_order_file(file_name) && vulkan_takes_ggml_order());
  const auto model_file = ModelFile::open(model_path(file_name));
  auto model = open_language_model(*model_file, placement.options);
  const std::vector<int32_t> tokens = g["tokens"];
  EXPECT_EQ(model_file->tokenizer.tokenize(g["prompt"].get<std::string>(), true), tokens);
  const int n_vocab = model->n_vocab();
  const auto logits = evaluate_prompt(*model, tokens, 512, true);

  for (size_t t = 0; t < tokens.size(); ++t) {
    const int got = test::argmax(std::span(logits).subspan(t * size_t(n_vocab), size_t(n_vocab)));
    const auto& want = g["top20"][t];
    if (got == want[0][0].get<int>()) continue;
    const float gap = want[0][1].get<float>() - want[1][1].get<float>();
    const bool swapped_tie = got == want[1][0].get<int>() && gap < placement.near_tie;
    EXPECT_TRUE(swapped_tie) << "position " << t << ": top-1 " << got << ", llama.cpp " << want[0][0]
                             << " (its top two are " << gap << " apart)";
    if (swapped_tie) RecordProperty("near_tie_swap_position", int(t));
  }

  const std::vector<float> want = g["last_logits"];
  const float* got = &logits[(tokens.size() - 1) * size_t(n_vocab)];
  double max_diff = 0, err = 0, norm = 0;
  for (int i = 0; i < n_vocab; ++i) {
    const double diff = double(got[i]) - want[size_t(i)];
    max_diff = std::max(max_diff, std::abs(diff));
    err += diff * diff;
    norm += double(want[size_t(i)]) * want[size_t(i)];
  }
  if (exact) {  // the goldens print six significant digits
    auto off_by = [&](int i) { return std::abs(got[i] - want[size_t(i)]) / std::max(1.0f, std::abs(want[size_t(i)])); };
    int worst = 0;
    for (int i = 1; i < n_vocab; ++i)
      if (off_by(i) > off_by(worst)) worst = i;
    EXPECT_LE(off_by(worst), 1e-5f) << "logit " << worst << ": " << got[worst] << ", llama.cpp " << want[size_t(worst)];
  } else if (qwen) {
    EXPECT_LE(err / norm, 2e-3) << "NMSE";
  } else {
    const bool full = file_name.find("-F32") != std::string::npos || file_name.find("-F16") != std::string::npos;
    EXPECT_LE(max_diff, full ? 1e-2f : placement.quantized_bound);
  }
  RecordProperty("last_logits_diff", std::to_string(qwen ? err / norm : max_diff));
  if (exact) expect_same_greedy(*model, got, g["greedy"], 0.0f);
  else if (!qwen && exact_type(file_name)) expect_same_greedy(*model, got, g["greedy"], placement.greedy_tie);
}

INSTANTIATE_TEST_SUITE_P(Goldens, ModelGoldens, ::testing::Combine(::testing::ValuesIn(placements()),
                                                                   ::testing::ValuesIn(golden_names())),
                         [](const auto& info) {
                           std::string name = std::get<0>(info.param).name + "_" + std::get<1>(info.param);
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(LanguageModel, RejectsTokensOutsideTheVocabularyAndAFullContext) {
  const auto model_file = ModelFile::open(test::data_dir() / "tiny-shakespeare-Q4_0.gguf");
  for (const auto& placement : placements()) {
    SCOPED_TRACE(placement.name);
    auto options = placement.options;
    options.n_ctx = 4;
    auto model = open_language_model(*model_file, options);
    EXPECT_THROW(model->forward(std::vector<int32_t>{1, 5000}, false), Error);
    model->reset();
    EXPECT_NO_THROW(model->forward(std::vector<int32_t>{1, 2, 3}, false));
    EXPECT_THROW(model->forward(std::vector<int32_t>{4, 5}, false), Error);
  }
}

}  // namespace
}  // namespace vkllm
