// CPU attention over a KV cache (host/cpu/flash_attention.h):
//  - agrees with the double-precision reference for f32, f16 and q8_0 caches, head sizes 64/80/128 and
//    key counts that do and do not fill the dot kernel's row batches;
//  - an f16 cache accumulates in f16 as ggml does (a value half an f16 ulp below the running sum
//    is lost), an f32 cache keeps it;
//  - the scalar and AVX2 paths agree.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "engine/quant/dequantize.h"
#include "engine/util/fp16.h"
#include "host/cpu/activation_rounding.h"
#include "host/cpu/attention_reference.h"
#include "host/cpu/flash_attention.h"
#include "common/test_paths.h"
#include "engine/model/model_file.h"
#include "engine/session/generation.h"
#include "host/exec/open_model.h"

namespace vkllm::cpu {
namespace {

struct Cache {
  GgmlType type;
  int64_t head_dim;
  std::vector<uint8_t> bytes;
  std::vector<float> values;  // what the cache holds, as floats (f16-rounded for an f16 cache)

  void push(const std::vector<float>& row) {
    const size_t at = bytes.size();
    bytes.resize(at + cache_bytes(type, head_dim));
    store_cache_row(type, row.data(), head_dim, bytes.data() + at);
    std::vector<float> held(row.size());
    dequantize_row(type, bytes.data() + at, held.data(), head_dim);
    values.insert(values.end(), held.begin(), held.end());
  }
  CacheRows rows() const { return {type, bytes.data(), cache_bytes(type, head_dim)}; }
};

std::vector<float> run(const std::vector<float>& q, const Cache& k, const Cache& v, int64_t n_keys, CpuPath path) {
  std::vector<float> out(q.size());
  AttentionScratch scratch;
  flash_attention(q.data(), k.rows(), v.rows(), n_keys, int64_t(q.size()), 1.0f / std::sqrt(float(q.size())),
                  out.data(), scratch, path);
  return out;
}

TEST(FlashAttention, MatchesTheReference) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (GgmlType type : {GgmlType::F32, GgmlType::F16, GgmlType::Q8_0})
    for (int64_t head_dim : {64, 80, 128})
      for (int64_t n_keys : {1, 3, 4, 9, 130}) {
        if (type == GgmlType::Q8_0 && head_dim % 32 != 0) continue;
        SCOPED_TRACE(testing::Message() << type_name(type) << " head_dim " << head_dim << " keys " << n_keys);
        Cache k{type, head_dim, {}, {}}, v{type, head_dim, {}, {}};
        std::vector<float> q(static_cast<size_t>(head_dim), 0.0f), row(static_cast<size_t>(head_dim));
        for (auto& x : q) x = 2.0f * uniform(rng);
        for (int64_t j = 0; j < n_keys; ++j) {
          for (auto& x : row) x = uniform(rng);
          k.push(row);
          for (auto& x : row) x = uniform(rng);
          v.push(row);
        }
        // The reference sees q as the kernel does: rounded to f16 for f16 keys, to q8_0 for q8_0 ones.
        std::vector<float> q_seen = q;
        if (type != GgmlType::F32) round_activations(type, q.data(), q_seen.data(), head_dim);
        const std::vector<int32_t> seq{0}, pos{int32_t(n_keys - 1)};
        std::vector<int32_t> cell_seq(static_cast<size_t>(n_keys), 0), cell_pos(static_cast<size_t>(n_keys));
        for (int64_t j = 0; j < n_keys; ++j) cell_pos[size_t(j)] = int32_t(j);
        AttentionArgs args;
        args.head_dim = uint64_t(head_dim);
        args.n_head = args.n_head_kv = 1;
        args.query_seq = seq;
        args.query_pos = pos;
        args.cell_seq = cell_seq;
        args.cell_pos = cell_pos;
        const auto want = attention(q_seen, k.values, v.values, args);
        // f16 accumulation loses up to half an ulp (2^-11 relative) per key.
        const float tol = type == GgmlType::F16 ? 4e-3f : 1e-5f;
        for (CpuPath path : {CpuPath::Scalar, CpuPath::Avx2}) {
          if (path == CpuPath::Avx2 && !cpu_has_avx2()) continue;
          const auto got = run(q, k, v, n_keys, path);
          for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], tol) << "element " << i;
        }
      }
}

TEST(FlashAttention, AnF16CacheAccumulatesInF16) {
  // Two keys with equal scores (q = 0): the output is (v0 + v1) / 2 with the sum taken in the
  // accumulator's precision. 1 + 2^-11 is a tie in f16 and rounds to 1.
  for (GgmlType type : {GgmlType::F16, GgmlType::F32}) {
    Cache k{type, 64, {}, {}}, v{type, 64, {}, {}};
    const std::vector<float> q(64, 0.0f), zeros(64, 0.0f);
    k.push(zeros);
    k.push(zeros);
    v.push(std::vector<float>(64, 1.0f));
    v.push(std::vector<float>(64, 0x1p-11f));
    for (CpuPath path : {CpuPath::Scalar, CpuPath::Avx2}) {
      if (path == CpuPath::Avx2 && !cpu_has_avx2()) continue;
      const auto got = run(q, k, v, 2, path);
      const float want = type == GgmlType::F16 ? 0.5f : (1.0f + 0x1p-11f) / 2.0f;
      for (float x : got) ASSERT_EQ(x, want) << type_name(type);
    }
  }
}

TEST(FlashAttention, TheCpuCacheHoldsF16F32OrQ8_0) {
  EXPECT_EQ(cache_bytes(GgmlType::F16, 64), 128u);
  EXPECT_EQ(cache_bytes(GgmlType::F32, 64), 256u);
  EXPECT_EQ(cache_bytes(GgmlType::Q8_0, 64), 68u);
  EXPECT_THROW(cache_bytes(GgmlType::Q8_0, 80), std::exception);
  EXPECT_THROW(cache_bytes(GgmlType::Q4_0, 64), std::exception);
  EXPECT_EQ(cpu_cache_type(GgmlType::Q8_0), GgmlType::Q8_0);
  EXPECT_EQ(cpu_cache_type(GgmlType::F32), GgmlType::F32);
  EXPECT_EQ(cpu_cache_type(GgmlType::Q4_0), GgmlType::F16);
}

// A whole model on the CPU with each cache type: q8_0 (or f32) moves the logits of a prompt only a
// little from those of the default f16 cache, and keeps the best token.
TEST(CpuCacheTypes, EveryTypeGivesNearlyTheF16Logits) {
  const auto m = ModelFile::open(test::data_dir() / "tiny-shakespeare-Q4_0.gguf");
  const std::vector<int32_t> prompt{1, 349, 266, 306, 287, 76, 35, 500, 501, 502, 503, 504, 505, 13, 40, 41};
  auto logits = [&](GgmlType cache) {
    ExecOptions options;
    options.n_gpu_layers = 0;
    options.n_threads = 2;
    options.n_ctx = 64;
    options.cache_type_k = options.cache_type_v = cache;
    auto model = open_language_model(*m, options);
    return model->forward(prompt, true);
  };
  const auto want = logits(GgmlType::F16);
  const size_t n_vocab = m->hp.n_vocab;
  for (GgmlType cache : {GgmlType::F32, GgmlType::Q8_0}) {
    SCOPED_TRACE(type_name(cache));
    const auto got = logits(cache);
    ASSERT_EQ(got.size(), want.size());
    double max_diff = 0;
    int same_top = 0;
    for (size_t t = 0; t < prompt.size(); ++t) {
      const float* g = &got[t * n_vocab];
      const float* w = &want[t * n_vocab];
      for (size_t i = 0; i < n_vocab; ++i) max_diff = std::max(max_diff, double(std::abs(g[i] - w[i])));
      same_top += std::max_element(g, g + n_vocab) - g == std::max_element(w, w + n_vocab) - w;
    }
    RecordProperty("max_diff_" + std::string(type_name(cache)), std::to_string(max_diff));
    EXPECT_GT(max_diff, 0.0) << "the cache type made no difference at all";
    EXPECT_LT(max_diff, 0.5);  // over every position and token; a misread cache moves logits by several units
    EXPECT_GE(same_top, int(prompt.size()) - 1);
  }
}

}  // namespace
}  // namespace vkllm::cpu
