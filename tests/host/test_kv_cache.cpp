#include <gtest/gtest.h>

#include <numeric>

#include "host/cpu/attention_reference.h"
#include "host/cpu/quant_reference.h"
#include "host/ops/kv_cache.h"
#include "host/ops/ops.h"
#include "host/vulkan/recorder.h"
#include "host/vulkan/transfer.h"
#include "host/vulkan_test_env.h"

namespace vkllm::test {
namespace {


class KvStoreTest : public VulkanTest, public ::testing::WithParamInterface<GgmlType> {};

// Rows land in their cells converted exactly as the CPU quantiser does; cells out of range
// (negative, or past the end) are skipped and nothing else changes.
TEST_P(KvStoreTest, WritesCellsLikeTheCpuQuantizer) {
  const GgmlType type = GetParam();
  const uint64_t row = 288, n_cells = 9;
  const std::vector<int32_t> cells = {4, -1, 0, 9, 7};
  auto rows = random_floats(row * cells.size(), -3, 3, 21);
  for (uint64_t i = 0; i < row; ++i) rows[2 * row + i] = 0.0f;  // an all-zero block: scale 0
  const auto before = random_floats(row * n_cells, -1, 1, 22);
  const auto before_bytes = cpu::quantize(type, before);
  const auto cache = tensor(type, {row, n_cells, 1, 1}, before_bytes);
  const auto src = tensor_f32({row, cells.size(), 1, 1}, rows);
  const auto idx = tensor(GgmlType::I32, {cells.size(), 1, 1, 1}, bytes_of(cells));
  vk::Recorder rec(device(), "kv_store");
  ops::kv_store(rec, src, idx, cache);
  rec.submit_and_wait();

  std::vector<uint8_t> want = before_bytes;
  const uint64_t row_bytes = cache.tensor.nb[1];
  for (size_t t = 0; t < cells.size(); ++t) {
    if (cells[t] < 0 || uint64_t(cells[t]) >= n_cells) continue;
    const auto q = cpu::quantize(type, std::span<const float>(rows).subspan(t * row, row));
    std::copy(q.begin(), q.end(), want.begin() + cells[t] * row_bytes);
  }
  EXPECT_EQ(vk::download<uint8_t>(device(), cache.tensor.data), want);
}

INSTANTIATE_TEST_SUITE_P(Types, KvStoreTest, ::testing::Values(GgmlType::F16, GgmlType::Q8_0, GgmlType::F32),
                         [](const auto& info) { return std::string(type_name(info.param)); });

ops::KvCacheConfig small_config(uint32_t n_cells) {
  ops::KvCacheConfig c;
  c.n_layers = 2;
  c.head_dim = 64;
  c.n_head_kv = 2;
  c.n_cells = n_cells;
  c.n_head = 8;
  return c;
}

TEST_F(VulkanTest, KvCacheAllocatesLowestFreeCellsAndReusesThem) {
  ops::KvCache cache(device(), small_config(8));
  EXPECT_EQ(cache.allocate(std::vector<int32_t>{0, 0, 0}, std::vector<int32_t>{0, 1, 2}), (std::vector<int32_t>{0, 1, 2}));
  EXPECT_EQ(cache.allocate(std::vector<int32_t>{1, 1}, std::vector<int32_t>{0, 1}), (std::vector<int32_t>{3, 4}));
  // A (seq, pos) that already has a cell keeps it (re-evaluation overwrites in place).
  EXPECT_EQ(cache.allocate(std::vector<int32_t>{0, 2}, std::vector<int32_t>{1, 0}), (std::vector<int32_t>{1, 5}));
  EXPECT_EQ(cache.n_kv(), 6u);
  cache.remove(0);
  EXPECT_EQ(cache.used_cells(), 3u);
  EXPECT_EQ(cache.cell(1), std::make_pair(-1, -1));
  EXPECT_EQ(cache.allocate(std::vector<int32_t>{3, 3}, std::vector<int32_t>{0, 1}), (std::vector<int32_t>{0, 1}));
  cache.remove(1, 1);  // positions >= 1 of seq 1
  EXPECT_EQ(cache.cell(3), std::make_pair(1, 0));
  EXPECT_EQ(cache.cell(4), std::make_pair(-1, -1));
  EXPECT_EQ(cache.n_kv(), 6u);
  cache.clear();
  EXPECT_EQ(cache.n_kv(), 0u);
  EXPECT_EQ(cache.free_cells(), 8u);
}

TEST_F(VulkanTest, KvCacheFullIsAnErrorAndChangesNothing) {
  ops::KvCache cache(device(), small_config(4));
  cache.allocate(std::vector<int32_t>{0, 0, 0}, std::vector<int32_t>{0, 1, 2});
  EXPECT_THROW(cache.allocate(std::vector<int32_t>{1, 1}, std::vector<int32_t>{0, 1}), ops::KvCacheFull);
  EXPECT_EQ(cache.used_cells(), 3u);
  EXPECT_EQ(cache.cell(3), std::make_pair(-1, -1));
  EXPECT_THROW(cache.allocate(std::vector<int32_t>{-1}, std::vector<int32_t>{0}), Error);
  EXPECT_EQ(cache.allocate(std::vector<int32_t>{1}, std::vector<int32_t>{0}), (std::vector<int32_t>{3}));
}

TEST_F(VulkanTest, KvCacheRejectsBadConfigs) {
  auto c = small_config(16);
  c.type = GgmlType::Q4_0;
  EXPECT_THROW(ops::KvCache(device(), c), Error);
  c = small_config(16);
  c.head_dim = 40;  // q8_0 rows of 80 are not whole blocks
  c.type = GgmlType::Q8_0;
  EXPECT_THROW(ops::KvCache(device(), c), Error);
  c = small_config(0);
  EXPECT_THROW(ops::KvCache(device(), c), Error);
}

// A server's steps through the cache: two sequences prefilled in one batch, decoded together, one
// cleared and its cells reused by a third; every step's attention matches the reference.
TEST_F(VulkanTest, KvCacheServesSeveralSequences) {
  auto config = small_config(64);
  config.n_layers = 1;
  config.type = GgmlType::F16;
  ops::KvCache cache(device(), config);
  const uint64_t head_dim = config.head_dim, n_head = config.n_head, row = head_dim * config.n_head_kv;
  std::vector<float> k_all(row * config.n_cells), v_all(row * config.n_cells);  // what each cell holds (f16-rounded)

  const auto step = [&](const std::vector<int32_t>& seqs, const std::vector<int32_t>& positions, uint32_t seed) {
    const uint64_t n = seqs.size();
    const auto cells = cache.allocate(seqs, positions);
    cache.upload_cells();
    const auto kr = random_floats(row * n, -1, 1, seed), vr = random_floats(row * n, -1, 1, seed + 1);
    const auto qv = random_floats(head_dim * n_head * n, -2, 2, seed + 2);
    std::vector<int32_t> info;
    for (uint64_t t = 0; t < n; ++t) {
      info.push_back(seqs[t]);
      info.push_back(positions[t]);
      const auto kq = cpu::dequantize(GgmlType::F16, cpu::quantize(GgmlType::F16, std::span(kr).subspan(t * row, row)), row);
      const auto vq = cpu::dequantize(GgmlType::F16, cpu::quantize(GgmlType::F16, std::span(vr).subspan(t * row, row)), row);
      std::copy(kq.begin(), kq.end(), k_all.begin() + cells[t] * row);
      std::copy(vq.begin(), vq.end(), v_all.begin() + cells[t] * row);
    }
    const auto k_src = tensor_f32({row, n, 1, 1}, kr), v_src = tensor_f32({row, n, 1, 1}, vr);
    const auto cell_t = tensor(GgmlType::I32, {n, 1, 1, 1}, bytes_of(cells));
    const auto query_info = tensor(GgmlType::I32, {2, n, 1, 1}, bytes_of(info));
    const auto q = tensor_f32({head_dim, n_head, n, 1}, qv);
    const auto out = tensor(GgmlType::F32, {head_dim, n_head, n, 1});
    vk::Recorder rec(device(), "step");
    ops::kv_store(rec, k_src, cell_t, cache.k(0));
    ops::kv_store(rec, v_src, cell_t, cache.v(0));
    ops::attention(rec, q, cache.k(0), cache.v(0), cache.attention_options(query_info), out);
    rec.submit_and_wait();

    const uint32_t n_kv = cache.n_kv();
    std::vector<int32_t> cell_seq(n_kv), cell_pos(n_kv);
    for (uint32_t c = 0; c < n_kv; ++c) std::tie(cell_seq[c], cell_pos[c]) = cache.cell(c);
    cpu::AttentionArgs args{head_dim, n_head, config.n_head_kv, 0, seqs, positions, cell_seq, cell_pos};
    EXPECT_TRUE(all_close(read_f32(out), cpu::attention(qv, std::span(k_all).first(row * n_kv),
                                                        std::span(v_all).first(row * n_kv), args),
                          2e-5f, 2e-4f))
        << "seed " << seed;
  };
  std::vector<int32_t> seqs, positions;
  for (int32_t p = 0; p < 20; ++p) seqs.push_back(p < 12 ? 0 : 1), positions.push_back(p < 12 ? p : p - 12);
  step(seqs, positions, 100);                 // prefill: 12 tokens of seq 0, 8 of seq 1
  step({0, 1}, {12, 8}, 200);                 // decode both
  step({1, 0}, {9, 13}, 300);
  cache.remove(0);
  step({2, 2, 2, 1}, {0, 1, 2, 10}, 400);     // seq 2 takes seq 0's cells
  EXPECT_EQ(cache.cell(0), std::make_pair(2, 0));
}

}  // namespace
}  // namespace vkllm::test
