#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "host/cpu/attention_reference.h"
#include "host/cpu/quant_reference.h"
#include "host/ops/ops.h"
#include "host/vulkan/recorder.h"
#include "host/vulkan/transfer.h"
#include "host/vulkan_test_env.h"

namespace vkllm::test {
namespace {

// Tolerances against the double reference over the cache contents the kernel reads (dequantisation
// is exact in f32, so every cache type gets the same bound), and for q8_0 against the f32 K/V
// before quantisation.
constexpr float kAbs = 1e-6f, kRel = 1e-5f;
constexpr float kQ8Abs = 0.003f, kQ8Rel = 0.005f;


struct AttentionCase {
  GgmlType type;
  uint64_t head_dim, n_head, n_head_kv, n_tokens;
  uint32_t n_past;
  bool scratch;  // split-K allowed
};

std::string case_name(const AttentionCase& c) {
  return fmt::format("{}_d{}_h{}_kv{}_t{}_past{}{}", type_name(c.type), c.head_dim, c.n_head, c.n_head_kv, c.n_tokens,
                     c.n_past, c.scratch ? "_split" : "");
}
void PrintTo(const AttentionCase& c, std::ostream* os) { *os << case_name(c); }

class AttentionTest : public VulkanTest, public ::testing::WithParamInterface<AttentionCase> {
 protected:
  // Stores rows [row_len, n] into `cache` cells via kv_store; returns what the cache then holds, as f32.
  std::vector<float> store(const std::vector<float>& rows, const std::vector<int32_t>& cells, const DeviceTensor& cache) {
    const uint64_t row_len = cache.tensor.ne[0];
    const auto src = tensor_f32({row_len, cells.size(), 1, 1}, rows);
    const auto idx = tensor(GgmlType::I32, {cells.size(), 1, 1, 1}, bytes_of(cells));
    vk::Recorder rec(device(), "kv_store");
    ops::kv_store(rec, src, idx, cache);
    rec.submit_and_wait();
    const auto raw = vk::download<uint8_t>(device(), cache.tensor.data);
    return cpu::dequantize(cache.tensor.type, raw, cache.tensor.elements());
  }
};

// One sequence: cells 0 .. n_past + n_tokens - 1 hold positions 0 ..; queries at n_past + t.
TEST_P(AttentionTest, OneSequenceMatchesReference) {
  const AttentionCase c = GetParam();
  const uint64_t row = c.head_dim * c.n_head_kv, n_kv = c.n_past + c.n_tokens;
  const auto qv = random_floats(c.head_dim * c.n_head * c.n_tokens, -2, 2, uint32_t(c.head_dim + n_kv));
  const auto kv = random_floats(row * n_kv, -1, 1, 7);
  const auto vv = random_floats(row * n_kv, -1, 1, 8);
  std::vector<int32_t> cells(n_kv);
  std::iota(cells.begin(), cells.end(), 0);
  const auto k = tensor(c.type, {row, n_kv, 1, 1});
  const auto v = tensor(c.type, {row, n_kv, 1, 1});
  const auto k_seen = store(kv, cells, k);
  const auto v_seen = store(vv, cells, v);

  const auto q = tensor_f32({c.head_dim, c.n_head, c.n_tokens, 1}, qv);
  const auto out = tensor(GgmlType::F32, {c.head_dim, c.n_head, c.n_tokens, 1});
  const uint64_t scratch_bytes = ops::attention_scratch_bytes(c.head_dim, c.n_head, c.n_head_kv, c.n_tokens, n_kv);
  const auto scratch = tensor(GgmlType::F32, {std::max<uint64_t>(scratch_bytes / 4, 1), 1, 1, 1});
  ops::AttentionOptions options;
  options.n_past = c.n_past;
  options.scratch = c.scratch ? &scratch.tensor : nullptr;
  vk::Recorder rec(device(), "attention");
  ops::attention(rec, q, k, v, options, out);
  rec.submit_and_wait();

  std::vector<int32_t> query_seq(c.n_tokens, 0), query_pos(c.n_tokens), cell_seq(n_kv, 0);
  std::iota(query_pos.begin(), query_pos.end(), int32_t(c.n_past));
  cpu::AttentionArgs args{c.head_dim, c.n_head, c.n_head_kv, 0, query_seq, query_pos, cell_seq, cells};
  const auto got = read_f32(out);
  EXPECT_TRUE(all_close(got, cpu::attention(qv, k_seen, v_seen, args), kAbs, kRel));
  if (c.type == GgmlType::Q8_0) {
    EXPECT_TRUE(all_close(got, cpu::attention(qv, kv, vv, args), kQ8Abs, kQ8Rel));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, AttentionTest,
    ::testing::Values(
        AttentionCase{GgmlType::F32, 64, 4, 4, 1, 0, true},      // one key
        AttentionCase{GgmlType::F32, 64, 4, 4, 7, 0, false},     // short prompt
        AttentionCase{GgmlType::F32, 16, 3, 1, 5, 3, false},     // small head, GQA 3
        AttentionCase{GgmlType::F32, 32, 2, 2, 1, 70, true},
        AttentionCase{GgmlType::F16, 48, 6, 6, 33, 5, false},    // tiny-shakespeare's heads
        AttentionCase{GgmlType::F16, 48, 6, 6, 1, 300, true},
        AttentionCase{GgmlType::F16, 64, 8, 1, 9, 0, false},     // GQA 8
        AttentionCase{GgmlType::F16, 64, 8, 8, 1, 511, true},    // GQA 1 decode
        AttentionCase{GgmlType::F16, 80, 8, 1, 1, 777, true},    // GQA 8 decode
        AttentionCase{GgmlType::F16, 96, 4, 1, 13, 100, false},  // GQA 4
        AttentionCase{GgmlType::F16, 128, 8, 2, 1, 1000, true},  // GQA 4 decode, split
        AttentionCase{GgmlType::F16, 128, 8, 2, 1, 1000, false},
        AttentionCase{GgmlType::F16, 128, 32, 8, 1, 4095, true},  // llama-like decode
        AttentionCase{GgmlType::F16, 128, 4, 4, 70, 0, false},    // prompt, lengths off every tile
        AttentionCase{GgmlType::F16, 128, 8, 2, 3, 61, true},     // small batch after a prompt
        AttentionCase{GgmlType::F16, 256, 2, 2, 3, 300, true},
        AttentionCase{GgmlType::F16, 256, 4, 1, 37, 0, false},
        AttentionCase{GgmlType::Q8_0, 128, 8, 2, 1, 2000, true},
        AttentionCase{GgmlType::Q8_0, 48, 6, 6, 5, 60, false},  // blocks straddle heads
        AttentionCase{GgmlType::Q8_0, 64, 32, 4, 17, 40, false},
        AttentionCase{GgmlType::Q8_0, 64, 8, 8, 1, 129, true},
        AttentionCase{GgmlType::Q8_0, 256, 8, 1, 2, 100, true},
        AttentionCase{GgmlType::F32, 128, 8, 1, 1, 16383, true}),  // long context, 64 splits
    [](const auto& info) { return case_name(info.param); });

// Three sequences interleaved in the cells (as concurrent decoding leaves them), holes from a
// removed sequence, and one batch with queries of all three: each must match the reference, and
// each sequence's rows must equal what a batch of that sequence alone gives.
class AttentionSequences : public VulkanTest, public ::testing::WithParamInterface<GgmlType> {};

TEST_P(AttentionSequences, BatchEqualsSequencesAlone) {
  const GgmlType type = GetParam();
  const uint64_t head_dim = 64, n_head = 8, n_head_kv = 2, row = head_dim * n_head_kv, n_cells = 700;
  // Cell layout: round robin over seqs 0, 1, 2, 3 with lengths 200, 150, 120, 100; seq 3 was removed
  // (cells hold seq -1). Then the batch appends 4 tokens to seq 0, 1 to seq 1, 3 to seq 2.
  std::vector<int32_t> cell_seq, cell_pos;
  const int32_t lengths[] = {200, 150, 120, 100};
  for (int32_t p = 0; p < 200; ++p)
    for (int32_t s = 0; s < 4; ++s)
      if (p < lengths[s]) {
        cell_seq.push_back(s == 3 ? -1 : s);
        cell_pos.push_back(s == 3 ? -1 : p);
      }
  std::vector<int32_t> query_seq = {0, 1, 2, 0, 2, 0, 2, 0}, query_pos = {200, 150, 120, 201, 121, 202, 122, 203};
  for (size_t t = 0; t < query_seq.size(); ++t) {  // fill the holes first, then append
    auto hole = std::find(cell_seq.begin(), cell_seq.end(), -1);
    if (hole != cell_seq.end()) {
      *hole = query_seq[t];
      cell_pos[hole - cell_seq.begin()] = query_pos[t];
    } else {
      cell_seq.push_back(query_seq[t]);
      cell_pos.push_back(query_pos[t]);
    }
  }
  const uint64_t n_kv = cell_seq.size();
  const uint64_t n_tokens = query_seq.size();
  std::vector<int32_t> cell_info, query_info;
  for (uint64_t c = 0; c < n_cells; ++c) {
    cell_info.push_back(c < n_kv ? cell_seq[c] : -1);
    cell_info.push_back(c < n_kv ? cell_pos[c] : -1);
  }
  for (uint64_t t = 0; t < n_tokens; ++t) {
    query_info.push_back(query_seq[t]);
    query_info.push_back(query_pos[t]);
  }
  const auto kv = random_floats(row * n_kv, -1, 1, 11), vv = random_floats(row * n_kv, -1, 1, 12);
  const auto qv = random_floats(head_dim * n_head * n_tokens, -2, 2, 13);
  std::vector<uint8_t> k_bytes = cpu::quantize(type, kv), v_bytes = cpu::quantize(type, vv);
  const uint64_t cache_bytes = ops::contiguous_bytes(type, {row, n_cells, 1, 1});
  k_bytes.resize(cache_bytes);
  v_bytes.resize(cache_bytes);
  const auto k = tensor(type, {row, n_cells, 1, 1}, k_bytes), v = tensor(type, {row, n_cells, 1, 1}, v_bytes);
  const auto cells = tensor(GgmlType::I32, {2, n_cells, 1, 1}, bytes_of(cell_info));
  const auto scratch =
      tensor(GgmlType::F32, {ops::attention_scratch_bytes(head_dim, n_head, n_head_kv, n_tokens, n_cells) / 4, 1, 1, 1});

  // The batch, then each token alone (a batch of one sequence's single token).
  const auto q = tensor_f32({head_dim, n_head, n_tokens, 1}, qv);
  const auto queries = tensor(GgmlType::I32, {2, n_tokens, 1, 1}, bytes_of(query_info));
  const auto out = tensor(GgmlType::F32, {head_dim, n_head, n_tokens, 1});
  ops::AttentionOptions options;
  options.n_kv = uint32_t(n_kv);
  options.query_info = &queries.tensor;
  options.cell_info = &cells.tensor;
  options.scratch = &scratch.tensor;
  vk::Recorder rec(device(), "attention");
  ops::attention(rec, q, k, v, options, out);
  rec.submit_and_wait();
  const auto batch = read_f32(out);

  const auto k_seen = cpu::dequantize(type, k_bytes, row * n_kv), v_seen = cpu::dequantize(type, v_bytes, row * n_kv);
  const std::span<const int32_t> seqs(cell_seq), poss(cell_pos);
  cpu::AttentionArgs args{head_dim, n_head, n_head_kv, 0, query_seq, query_pos, seqs, poss};
  EXPECT_TRUE(all_close(batch, cpu::attention(qv, k_seen, v_seen, args), kAbs, kRel));

  const uint64_t per_token = head_dim * n_head;
  for (uint64_t t = 0; t < n_tokens; ++t) {
    const std::vector<float> q_alone(qv.begin() + t * per_token, qv.begin() + (t + 1) * per_token);
    const std::vector<int32_t> info_alone = {query_seq[t], query_pos[t]};
    const auto q1 = tensor_f32({head_dim, n_head, 1, 1}, q_alone);
    const auto info1 = tensor(GgmlType::I32, {2, 1, 1, 1}, bytes_of(info_alone));
    const auto out1 = tensor(GgmlType::F32, {head_dim, n_head, 1, 1});
    options.query_info = &info1.tensor;
    vk::Recorder rec1(device(), "attention alone");
    ops::attention(rec1, q1, k, v, options, out1);
    rec1.submit_and_wait();
    const std::vector<float> want(batch.begin() + t * per_token, batch.begin() + (t + 1) * per_token);
    EXPECT_TRUE(all_close(read_f32(out1), want, 1e-6f, 1e-5f)) << "token " << t;
  }
}

INSTANTIATE_TEST_SUITE_P(Types, AttentionSequences, ::testing::Values(GgmlType::F16, GgmlType::Q8_0, GgmlType::F32),
                         [](const auto& info) { return std::string(type_name(info.param)); });

TEST_F(VulkanTest, AttentionRowsWithoutVisibleCellsAreZero) {
  const uint64_t head_dim = 32, row = 32, n_cells = 40;
  const auto k = tensor(GgmlType::F16, {row, n_cells, 1, 1}), v = tensor(GgmlType::F16, {row, n_cells, 1, 1});
  std::vector<int32_t> cell_info(2 * n_cells, -1), query_info = {5, 10};
  const auto cells = tensor(GgmlType::I32, {2, n_cells, 1, 1}, bytes_of(cell_info));
  const auto queries = tensor(GgmlType::I32, {2, 1, 1, 1}, bytes_of(query_info));
  const auto q = tensor_f32({head_dim, 1, 1, 1}, random_floats(head_dim, -1, 1, 1));
  const auto out = tensor_f32({head_dim, 1, 1, 1}, std::vector<float>(head_dim, 7.0f));
  ops::AttentionOptions options;
  options.query_info = &queries.tensor;
  options.cell_info = &cells.tensor;
  vk::Recorder rec(device(), "attention");
  ops::attention(rec, q, k, v, options, out);
  rec.submit_and_wait();
  EXPECT_TRUE(all_close(read_f32(out), std::vector<float>(head_dim, 0.0f), 0, 0));
}

TEST_F(VulkanTest, AttentionRejectsBadShapes) {
  const auto q = tensor(GgmlType::F32, {64, 6, 1, 1});
  const auto out = tensor(GgmlType::F32, {64, 6, 1, 1});
  const auto k4 = tensor(GgmlType::F16, {256, 8, 1, 1});  // 4 kv heads do not divide 6
  const auto kq4 = tensor(GgmlType::Q4_0, {128, 8, 1, 1});
  const auto k2 = tensor(GgmlType::F16, {128, 8, 1, 1});
  const auto q_odd = tensor(GgmlType::F32, {20, 6, 1, 1});
  vk::Recorder rec(device(), "bad");
  EXPECT_THROW(ops::attention(rec, q, k4, k4, {}, out), Error);
  EXPECT_THROW(ops::attention(rec, q, kq4, kq4, {}, out), Error);
  EXPECT_THROW(ops::attention(rec, q_odd, k2, k2, {}, q_odd), Error);
  ops::AttentionOptions too_many;
  too_many.n_kv = 9;
  EXPECT_THROW(ops::attention(rec, q, k2, k2, too_many, out), Error);
}

}  // namespace
}  // namespace vkllm::test

namespace vkllm::test {
namespace {

// A server step: two sequences prefilled together into their own cell regions (seq s at cells
// s * 64 + pos), the regions between them never written. Every query row, the last one included,
// must match the reference.
TEST_F(VulkanTest, AttentionPrefillOfSequencesInSeparateRegions) {
  const uint64_t head_dim = 48, n_head = 6, n_head_kv = 6, row = head_dim * n_head_kv, n_cells = 192;
  for (const int first_len : {1, 2, 3}) {
    SCOPED_TRACE(first_len);
    std::vector<int32_t> query_seq, query_pos;
    for (int i = 0; i < first_len; ++i) {
      query_seq.push_back(0);
      query_pos.push_back(i);
    }
    for (int i = 0; i < 7; ++i) {
      query_seq.push_back(2);
      query_pos.push_back(i);
    }
    const uint64_t n_tokens = query_seq.size(), n_kv = 2 * 64 + 7;
    std::vector<int32_t> cell_seq(n_kv, -1), cell_pos(n_kv, -1), cell_info, query_info;
    for (uint64_t t = 0; t < n_tokens; ++t) {
      const size_t cell = size_t(query_seq[t]) * 64 + size_t(query_pos[t]);
      cell_seq[cell] = query_seq[t];
      cell_pos[cell] = query_pos[t];
      query_info.push_back(query_seq[t]);
      query_info.push_back(query_pos[t]);
    }
    for (uint64_t c = 0; c < n_cells; ++c) {
      cell_info.push_back(c < n_kv ? cell_seq[c] : -1);
      cell_info.push_back(c < n_kv ? cell_pos[c] : -1);
    }
    const auto kv = random_floats(row * n_cells, -1, 1, 21), vv = random_floats(row * n_cells, -1, 1, 22);
    const auto qv = random_floats(head_dim * n_head * n_tokens, -2, 2, 23);
    const auto k = tensor_f32({row, n_cells, 1, 1}, kv), v = tensor_f32({row, n_cells, 1, 1}, vv);
    const auto cells = tensor(GgmlType::I32, {2, n_cells, 1, 1}, bytes_of(cell_info));
    const auto queries = tensor(GgmlType::I32, {2, n_tokens, 1, 1}, bytes_of(query_info));
    const auto q = tensor_f32({head_dim, n_head, n_tokens, 1}, qv);
    const auto out = tensor(GgmlType::F32, {head_dim, n_head, n_tokens, 1});
    ops::AttentionOptions options;
    options.n_kv = uint32_t(n_kv);
    options.query_info = &queries.tensor;
    options.cell_info = &cells.tensor;
    vk::Recorder rec(device(), "attention regions");
    ops::attention(rec, q, k, v, options, out);
    rec.submit_and_wait();
    const std::vector<float> k_seen(kv.begin(), kv.begin() + int64_t(row * n_kv)),
        v_seen(vv.begin(), vv.begin() + int64_t(row * n_kv));
    cpu::AttentionArgs args{head_dim, n_head, n_head_kv, 0, query_seq, query_pos, cell_seq, cell_pos};
    EXPECT_TRUE(all_close(read_f32(out), cpu::attention(qv, k_seen, v_seen, args), kAbs, kRel));
  }
}

}  // namespace
}  // namespace vkllm::test
