// Tiled CPU attention (host/cpu/tiled_attention.h), the path of batches of 64+ tokens:
//  - agrees with the double-precision reference for f32 and f16 caches, head sizes 64/80/128,
//    blocks of 1..64 queries that see different numbers of keys (a causal block, a block wider
//    than one key step, a query that sees nothing);
//  - the scalar and AVX2 paths give the same floats;
//  - only batches of 64+ tokens over an f32 or f16 cache take it;
//  - in a whole model on the CPU with an f32 cache, a prompt passed in one batch (this path) gives
//    the logits of the same prompt passed 16 tokens at a time (flash_attention.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "common/test_paths.h"
#include "engine/model/model_file.h"
#include "engine/quant/dequantize.h"
#include "host/exec/open_model.h"
#include "host/cpu/attention_reference.h"
#include "host/cpu/tiled_attention.h"

namespace vkllm::cpu {
namespace {

struct Case {
  GgmlType type;
  int64_t head_dim;
  std::vector<int64_t> n_keys;  // per query row
};

struct Data {
  std::vector<float> q;                   // [rows][head_dim]
  std::vector<uint8_t> k_bytes, v_bytes;  // cache rows
  std::vector<float> k, v;                // what the cache holds, as floats
};

Data make_data(const Case& c, std::mt19937& rng) {
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  const int64_t rows = int64_t(c.n_keys.size()), hd = c.head_dim;
  int64_t cells = 0;
  for (int64_t n : c.n_keys) cells = std::max(cells, n);
  Data d;
  d.q.resize(size_t(rows * hd));
  for (auto& x : d.q) x = 3.0f * uniform(rng);
  const size_t row_bytes = cache_bytes(c.type, hd);
  d.k_bytes.resize(size_t(cells) * row_bytes);
  d.v_bytes.resize(size_t(cells) * row_bytes);
  d.k.resize(size_t(cells * hd));
  d.v.resize(size_t(cells * hd));
  std::vector<float> row(static_cast<size_t>(hd));
  for (int64_t j = 0; j < cells; ++j)
    for (auto [bytes, held] : {std::pair{&d.k_bytes, &d.k}, std::pair{&d.v_bytes, &d.v}}) {
      for (auto& x : row) x = uniform(rng);
      store_cache_row(c.type, row.data(), hd, bytes->data() + size_t(j) * row_bytes);
      dequantize_row(c.type, bytes->data() + size_t(j) * row_bytes, held->data() + j * hd, hd);
    }
  return d;
}

std::vector<float> run(const Case& c, const Data& d, CpuPath path) {
  const int64_t hd = c.head_dim;
  std::vector<float> out(d.q.size(), -1.0f);
  const CacheRows k{c.type, d.k_bytes.data(), cache_bytes(c.type, hd)};
  const CacheRows v{c.type, d.v_bytes.data(), cache_bytes(c.type, hd)};
  const QueryBlock block{d.q.data(), hd, c.n_keys.data(), int(c.n_keys.size()), out.data(), hd};
  TiledScratch scratch;
  tiled_attention(block, k, v, hd, 1.0f / std::sqrt(float(hd)), scratch, path);
  return out;
}

std::vector<float> reference(const Case& c, const Data& d) {
  // Query r at position n_keys[r] - 1 sees cells 0..n_keys[r]-1 of one sequence.
  const size_t rows = c.n_keys.size(), cells = d.k.size() / size_t(c.head_dim);
  std::vector<int32_t> seq(rows, 0), pos(rows), cell_seq(cells, 0), cell_pos(cells);
  for (size_t r = 0; r < rows; ++r) pos[r] = int32_t(c.n_keys[r] - 1);
  for (size_t j = 0; j < cells; ++j) cell_pos[j] = int32_t(j);
  AttentionArgs args;
  args.head_dim = uint64_t(c.head_dim);
  args.n_head = args.n_head_kv = 1;
  args.query_seq = seq;
  args.query_pos = pos;
  args.cell_seq = cell_seq;
  args.cell_pos = cell_pos;
  return attention(d.q, d.k, d.v, args);
}

std::vector<Case> cases() {
  std::vector<Case> out;
  for (GgmlType type : {GgmlType::F32, GgmlType::F16})
    for (int64_t hd : {64, 80, 128}) {
      std::vector<int64_t> causal(64), late(64), ragged;
      for (int r = 0; r < 64; ++r) causal[size_t(r)] = r + 1;          // a prompt's first block
      for (int r = 0; r < 64; ++r) late[size_t(r)] = 130 + r;          // a later block: three key steps
      for (int64_t n : {5, 0, 64, 65, 1, 200, 17}) ragged.push_back(n);  // one query sees nothing
      out.push_back({type, hd, causal});
      out.push_back({type, hd, late});
      out.push_back({type, hd, ragged});
      out.push_back({type, hd, {1}});
    }
  return out;
}

TEST(TiledAttention, MatchesTheReference) {
  std::mt19937 rng(11);
  for (const Case& c : cases()) {
    SCOPED_TRACE(testing::Message() << type_name(c.type) << " head_dim " << c.head_dim << " rows "
                                    << c.n_keys.size() << " first n_keys " << c.n_keys[0]);
    const Data d = make_data(c, rng);
    const auto want = reference(c, d);
    for (CpuPath path : {CpuPath::Scalar, CpuPath::Avx2}) {
      if (path == CpuPath::Avx2 && !cpu_has_avx2()) continue;
      const auto got = run(c, d, path);
      for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], 2e-5f) << "element " << i;
    }
  }
}

TEST(TiledAttention, ScalarAndAvx2GiveTheSameFloats) {
  if (!cpu_has_avx2()) GTEST_SKIP() << "no AVX2 here";
  std::mt19937 rng(12);
  for (const Case& c : cases()) {
    const Data d = make_data(c, rng);
    const auto scalar = run(c, d, CpuPath::Scalar), avx2 = run(c, d, CpuPath::Avx2);
    for (size_t i = 0; i < scalar.size(); ++i)
      ASSERT_EQ(scalar[i], avx2[i]) << type_name(c.type) << " head_dim " << c.head_dim << " element " << i;
  }
}

TEST(TiledAttention, TakesLongBatchesOverF32OrF16Caches) {
  EXPECT_TRUE(use_tiled_attention(64, GgmlType::F16, GgmlType::F16, 64));
  EXPECT_TRUE(use_tiled_attention(512, GgmlType::F32, GgmlType::F32, 128));
  EXPECT_FALSE(use_tiled_attention(63, GgmlType::F16, GgmlType::F16, 64));
  EXPECT_FALSE(use_tiled_attention(512, GgmlType::Q8_0, GgmlType::Q8_0, 64));
  EXPECT_FALSE(use_tiled_attention(512, GgmlType::F16, GgmlType::F32, 64));
  EXPECT_FALSE(use_tiled_attention(512, GgmlType::F16, GgmlType::F16, 68));
}

TEST(TiledAttention, OneLongBatchGivesTheLogitsOfShortOnes) {
  const auto m = ModelFile::open(test::data_dir() / "tiny-shakespeare-Q4_0.gguf");
  std::vector<int32_t> prompt(160);
  for (size_t i = 0; i < prompt.size(); ++i) prompt[i] = int32_t(1 + (i * 53 + 7) % 1000);
  ExecOptions options;
  options.n_gpu_layers = 0;
  options.n_threads = 2;
  options.n_ctx = 256;
  options.cache_type_k = options.cache_type_v = GgmlType::F32;  // both paths accumulate in f32 then
  auto logits = [&](size_t batch) {
    auto model = open_language_model(*m, options);
    std::vector<float> out;
    for (size_t i = 0; i < prompt.size(); i += batch) {
      const auto part = model->forward(std::span(prompt).subspan(i, std::min(batch, prompt.size() - i)), true);
      out.insert(out.end(), part.begin(), part.end());
    }
    return out;
  };
  const auto long_batch = logits(prompt.size()), short_batches = logits(16);
  ASSERT_EQ(long_batch.size(), short_batches.size());
  double worst = 0;
  for (size_t i = 0; i < long_batch.size(); ++i) worst = std::max(worst, double(std::fabs(long_batch[i] - short_batches[i])));
  RecordProperty("max_diff", std::to_string(worst));
  // The attention outputs differ in the last bits; where one crosses a q8 rounding boundary of the
  // next matmul's activations a logit moves by up to a few hundredths. A wrong mask or a lost key
  // block moves them by whole units.
  EXPECT_LT(worst, 0.05);
  EXPECT_GT(worst, 0.0) << "the long batch did not take the tiled path";
  const size_t n_vocab = m->hp.n_vocab;
  for (size_t p = 0; p < prompt.size(); ++p) {
    const float* a = &long_batch[p * n_vocab];
    const float* b = &short_batches[p * n_vocab];
    EXPECT_EQ(std::max_element(a, a + n_vocab) - a, std::max_element(b, b + n_vocab) - b) << "position " << p;
  }
}

}  // namespace
}  // namespace vkllm::cpu
