// CPU attention over a KV cache (host/cpu/flash_attention.h):
//  - agrees with the double-precision reference for f32 and f16 caches, head sizes 64/80/128 and
//    key counts that do and do not fill the dot kernel's row batches;
//  - an f16 cache accumulates in f16 as ggml does (a value half an f16 ulp below the running sum
//    is lost), an f32 cache keeps it;
//  - the scalar and AVX2 paths agree.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "engine/util/fp16.h"
#include "host/cpu/attention_reference.h"
#include "host/cpu/flash_attention.h"

namespace vkllm::cpu {
namespace {

struct Cache {
  GgmlType type;
  int64_t head_dim;
  std::vector<uint8_t> bytes;
  std::vector<float> values;  // what the cache holds, as floats (f16-rounded for an f16 cache)

  void push(const std::vector<float>& row) {
    const size_t at = bytes.size();
    bytes.resize(at + size_t(head_dim) * cache_element_bytes(type));
    store_cache_row(type, row.data(), head_dim, bytes.data() + at);
    for (float x : row) values.push_back(type == GgmlType::F16 ? fp16_to_fp32(fp32_to_fp16(x)) : x);
  }
  CacheRows rows() const { return {type, bytes.data(), size_t(head_dim) * cache_element_bytes(type)}; }
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
  for (GgmlType type : {GgmlType::F32, GgmlType::F16})
    for (int64_t head_dim : {64, 80, 128})
      for (int64_t n_keys : {1, 3, 4, 9, 130}) {
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
        // The reference sees q as the kernel does: rounded to f16 when the keys are f16.
        std::vector<float> q_seen = q;
        if (type == GgmlType::F16)
          for (auto& x : q_seen) x = fp16_to_fp32(fp32_to_fp16(x));
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
        const float tol = type == GgmlType::F16 ? 4e-3f : 2e-6f;
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

TEST(FlashAttention, TheCpuCacheHoldsF16OrF32) {
  EXPECT_EQ(cache_element_bytes(GgmlType::F16), 2u);
  EXPECT_EQ(cache_element_bytes(GgmlType::F32), 4u);
  EXPECT_THROW(cache_element_bytes(GgmlType::Q8_0), std::exception);
  EXPECT_EQ(cpu_cache_type(GgmlType::Q8_0), GgmlType::F16);
  EXPECT_EQ(cpu_cache_type(GgmlType::F32), GgmlType::F32);
}

}  // namespace
}  // namespace vkllm::cpu
