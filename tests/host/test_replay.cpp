// Command buffers recorded once and submitted again (Recorder::replay):
//  - a kept recording runs on whatever its buffers hold at submission; other keys record anew;
//  - attention reading n_kv / n_past from a state buffer gives, replayed for several contexts,
//    what the reference gives (splits past the live context contribute nothing);
//  - a model decoding with replayed recordings gives the very logits of one that records every
//    pass, for one sequence and for two decoded together.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <numeric>

#include "common/test_paths.h"
#include "engine/model/model_file.h"
#include "engine/session/generation.h"
#include "host/cpu/attention_reference.h"
#include "host/exec/open_model.h"
#include "host/ops/ops.h"
#include "host/vulkan/memory_pool.h"
#include "host/vulkan/options.h"
#include "host/vulkan/recorder.h"
#include "host/vulkan/transfer.h"
#include "host/vulkan_test_env.h"
#include "shaders/params.h"

namespace vkllm::test {
namespace {

// A host-visible f32 tensor the test rewrites between submissions.
struct HostTensor {
  vk::DeviceBuffer buffer;
  ops::Tensor tensor;
  void write(const std::vector<float>& values) { std::memcpy(buffer.mapped(), values.data(), values.size() * 4); }
  std::vector<float> read(size_t n) const {
    std::vector<float> out(n);
    std::memcpy(out.data(), buffer.mapped(), n * 4);
    return out;
  }
};

class Replay : public VulkanTest {
 protected:
  HostTensor host_tensor(std::array<uint64_t, 4> shape) {
    const uint64_t n = shape[0] * shape[1] * shape[2] * shape[3];
    HostTensor t;
    t.buffer = device().memory().allocate(n * 4, vk::MemoryKind::Host, "replay test");
    t.tensor = ops::Tensor::contiguous(GgmlType::F32, shape, t.buffer.view());
    return t;
  }
};

TEST_F(Replay, AKeptRecordingRunsOnNewInputs) {
  auto a = host_tensor({64, 1, 1, 1}), b = host_tensor({64, 1, 1, 1}), out = host_tensor({64, 1, 1, 1});
  vk::Recorder rec(device(), "replay");
  auto sum_check = [&](float x, float y) {
    a.write(std::vector<float>(64, x));
    b.write(std::vector<float>(64, y));
    if (!rec.replay(1)) ops::add(rec, a.tensor, b.tensor, out.tensor);
    rec.submit_and_wait();
    for (float v : out.read(64)) ASSERT_EQ(v, x + y);
  };
  sum_check(1, 2);
  sum_check(10, 20);  // replayed: nothing recorded
  EXPECT_EQ(rec.recordings(), 1u);
  EXPECT_FALSE(rec.replay(2));  // another shape records its own
  ops::mul(rec, a.tensor, b.tensor, out.tensor);
  rec.submit_and_wait();
  for (float v : out.read(64)) ASSERT_EQ(v, 200.0f);
  sum_check(3, 4);
  EXPECT_EQ(rec.recordings(), 2u);
  // A pass that is not kept is recorded afresh, beside the kept ones.
  ops::scale(rec, a.tensor, 2.0f, out.tensor);
  rec.submit_and_wait();
  for (float v : out.read(64)) ASSERT_EQ(v, 6.0f);
  sum_check(5, 6);
  EXPECT_EQ(rec.recordings(), 3u);
}

TEST_F(Replay, ADiscardedRecordingIsNeitherRunNorKept) {
  auto a = host_tensor({64, 1, 1, 1}), out = host_tensor({64, 1, 1, 1});
  a.write(std::vector<float>(64, 3.0f));
  out.write(std::vector<float>(64, -1.0f));
  vk::Recorder rec(device(), "discard");
  EXPECT_FALSE(rec.replay(9));
  ops::scale(rec, a.tensor, 2.0f, out.tensor);
  rec.discard();
  rec.submit_and_wait();  // an empty pass
  for (float v : out.read(64)) ASSERT_EQ(v, -1.0f);
  EXPECT_FALSE(rec.replay(9));  // recorded again
  ops::scale(rec, a.tensor, 4.0f, out.tensor);
  rec.submit_and_wait();
  for (float v : out.read(64)) ASSERT_EQ(v, 12.0f);
  EXPECT_TRUE(rec.replay(9));
  rec.submit_and_wait();
  for (float v : out.read(64)) ASSERT_EQ(v, 12.0f);
}

TEST_F(Replay, AttentionReadsItsContextFromTheStateBuffer) {
  const uint64_t head_dim = 64, n_head = 4, n_head_kv = 2, row = head_dim * n_head_kv, n_cells = 1024;
  const auto kv = random_floats(row * n_cells, -1, 1, 11);
  const auto vv = random_floats(row * n_cells, -1, 1, 12);
  const auto k = tensor_f32({row, n_cells, 1, 1}, kv);
  const auto v = tensor_f32({row, n_cells, 1, 1}, vv);
  auto q = host_tensor({head_dim, n_head, 1, 1});
  const auto out = tensor(GgmlType::F32, {head_dim, n_head, 1, 1});
  const uint64_t scratch_bytes = ops::attention_scratch_bytes(head_dim, n_head, n_head_kv, 1, n_cells);
  ASSERT_GT(scratch_bytes, 0u);  // the plan splits the cells
  const auto scratch = tensor(GgmlType::F32, {scratch_bytes / 4, 1, 1, 1});
  const auto state = device().memory().allocate(sizeof(params::AttentionState), vk::MemoryKind::Host, "state");
  ops::AttentionOptions options;
  options.scratch = &scratch.tensor;
  options.state = state.view();
  options.n_kv_max = uint32_t(n_cells);

  vk::Recorder rec(device(), "attention replay");
  for (uint32_t n_past : {0u, 5u, 300u, 1023u}) {
    SCOPED_TRACE(n_past);
    const auto qv = random_floats(head_dim * n_head, -2, 2, n_past + 1);
    q.write(qv);
    const params::AttentionState st{n_past + 1, n_past};
    std::memcpy(state.mapped(), &st, sizeof(st));
    if (!rec.replay(0)) ops::attention(rec, q.tensor, k, v, options, out);
    rec.submit_and_wait();

    const uint64_t n_kv = n_past + 1;
    std::vector<int32_t> query_seq{0}, query_pos{int32_t(n_past)}, cell_seq(n_kv, 0), cell_pos(n_kv);
    std::iota(cell_pos.begin(), cell_pos.end(), 0);
    cpu::AttentionArgs args;
    args.head_dim = head_dim;
    args.n_head = n_head;
    args.n_head_kv = n_head_kv;
    args.query_seq = query_seq;
    args.query_pos = query_pos;
    args.cell_seq = cell_seq;
    args.cell_pos = cell_pos;
    const auto want = cpu::attention(qv, std::span(kv).subspan(0, row * n_kv), std::span(vv).subspan(0, row * n_kv), args);
    EXPECT_TRUE(all_close(read_f32(out), want, 1e-6f, 1e-5f));
  }
  EXPECT_EQ(rec.recordings(), 1u);
}

// Logits of a prompt and some decoding steps, as one sequence and as two decoded together. The
// context is small enough that the kept recordings (planned for the whole cache) and the fresh ones
// (planned for the live context) split the cells alike, so the sums run in the same order.
std::vector<float> decode(const ModelFile& m, bool replay) {
  ExecOptions options;
  options.n_gpu_layers = 99;
  options.n_threads = 2;
  options.n_ctx = 2 * 64;
  options.replay_recordings = replay;
  auto model = open_batched_model(m, options, 2);
  using Batch = std::vector<BatchToken>;
  std::vector<float> out = model->decode(Batch{{1, 0, 0, false}, {349, 0, 1, false}, {266, 0, 2, true}});
  for (int32_t step = 0; step < 6; ++step) {  // one sequence alone
    const auto logits = model->decode(Batch{{int32_t(300 + step), 0, 3 + step, true}});
    out.insert(out.end(), logits.begin(), logits.end());
  }
  const auto second = model->decode(Batch{{1, 1, 0, false}, {76, 1, 1, true}});
  out.insert(out.end(), second.begin(), second.end());
  for (int32_t step = 0; step < 6; ++step) {  // both
    const auto logits =
        model->decode(Batch{{int32_t(40 + step), 0, 9 + step, true}, {int32_t(500 + step), 1, 2 + step, true}});
    out.insert(out.end(), logits.begin(), logits.end());
  }
  return out;
}

TEST(ReplayedModel, GivesTheLogitsOfAModelThatRecordsEveryPass) {
  const auto m = ModelFile::open(data_dir() / "tiny-shakespeare-Q4_0.gguf");
  const auto replayed = decode(*m, true), recorded = decode(*m, false);
  ASSERT_EQ(replayed.size(), recorded.size());
  EXPECT_EQ(std::memcmp(replayed.data(), recorded.data(), replayed.size() * sizeof(float)), 0);
}

TEST(ReplaySwitch, VkllmNoReplayTurnsItOff) {
  unsetenv("VKLLM_NO_REPLAY");
  EXPECT_TRUE(vk::options_from_environment().replay);
  setenv("VKLLM_NO_REPLAY", "1", 1);
  EXPECT_FALSE(vk::options_from_environment().replay);
  setenv("VKLLM_NO_REPLAY", "0", 1);
  EXPECT_TRUE(vk::options_from_environment().replay);
  unsetenv("VKLLM_NO_REPLAY");
}

}  // namespace
}  // namespace vkllm::test
