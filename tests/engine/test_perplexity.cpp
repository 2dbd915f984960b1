// perplexity() cuts and scores as llama-perplexity does: chunks of n_ctx from an empty cache, BOS in
// place of each chunk's first token, the second half scored against the text's own next tokens,
// passes of at most n_batch tokens. A stand-in model whose logits favour "token + 1" makes every
// expected likelihood a closed form.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "engine/session/perplexity.h"
#include "engine/util/check.h"

namespace vkllm {
namespace {

class NextTokenModel final : public LanguageModel {
 public:
  static constexpr int kVocab = 5;
  std::vector<float> forward(std::span<const int32_t> tokens, bool all_logits) override {
    EXPECT_TRUE(all_logits);
    passes.push_back(int(tokens.size()));
    if (past == 0) chunk_starts.push_back(tokens[0]);
    std::vector<float> logits;
    for (const int32_t t : tokens)
      for (int v = 0; v < kVocab; ++v) logits.push_back(v == (t + 1) % kVocab ? 2.0f : 0.0f);
    past += int(tokens.size());
    return logits;
  }
  int n_past() const override { return past; }
  int n_ctx() const override { return 16; }
  int n_vocab() const override { return kVocab; }
  void reset() override { past = 0; }

  int past = 0;
  std::vector<int> passes;
  std::vector<int32_t> chunk_starts;
};

TEST(Perplexity, ScoresTheSecondHalfOfEachChunkAsLlamaPerplexity) {
  std::vector<int32_t> tokens(37);
  for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = int32_t((i * i + 1) % NextTokenModel::kVocab);
  NextTokenModel model;
  PerplexityRequest request;
  request.n_ctx = 8;
  request.n_batch = 3;
  request.bos = 4;
  std::vector<double> seen;
  const auto result = perplexity(model, tokens, request, [&](int, double ppl) { seen.push_back(ppl); });

  EXPECT_EQ(result.n_chunks, 4);  // 37 / 8, the tail dropped
  EXPECT_EQ(result.n_scored, 4 * 3);  // positions 4, 5, 6 of each chunk
  EXPECT_EQ(model.chunk_starts, std::vector<int32_t>(4, 4));  // BOS first, every chunk
  EXPECT_EQ(model.passes, (std::vector<int>{3, 3, 2, 3, 3, 2, 3, 3, 2, 3, 3, 2}));
  EXPECT_EQ(seen, result.ppl_after_chunk);

  const double hit = -std::log(std::exp(2.0) / (std::exp(2.0) + 4.0)), miss = -std::log(1.0 / (std::exp(2.0) + 4.0));
  double nll = 0;
  for (int c = 0; c < 4; ++c)
    for (int p = 4; p < 7; ++p) {
      const int32_t at = tokens[size_t(8 * c + p)], next = tokens[size_t(8 * c + p + 1)];
      nll += next == (at + 1) % NextTokenModel::kVocab ? hit : miss;
    }
  EXPECT_NEAR(result.nll, nll / 12, 1e-6);
  EXPECT_NEAR(result.ppl, std::exp(nll / 12), 1e-5);
  EXPECT_GT(result.ppl_error, 0.0);
}

TEST(Perplexity, NegativeLogLikelihoodIsTheLogSoftmax) {
  const std::vector<float> logits = {1.0f, 3.0f, -2.0f, 0.5f};
  double sum = 0;
  for (const float l : logits) sum += std::exp(double(l));
  for (int t = 0; t < 4; ++t) EXPECT_NEAR(negative_log_likelihood(logits, t), std::log(sum) - logits[size_t(t)], 1e-6);
}

TEST(Perplexity, RefusesTooShortATextOrTooLongAChunk) {
  NextTokenModel model;
  PerplexityRequest request;
  request.n_ctx = 8;
  const std::vector<int32_t> short_text(15, 1);
  EXPECT_THROW(perplexity(model, short_text, request), Error);
  request.n_ctx = 32;  // more than the model's context of 16
  EXPECT_THROW(perplexity(model, std::vector<int32_t>(64, 1), request), Error);
}

}  // namespace
}  // namespace vkllm
