// Tensors over maxStorageBufferRange (128 MiB on lavapipe) go through windowed bindings.
#include <gtest/gtest.h>

#include <cstring>

#include "host/cpu/quant_reference.h"
#include "host/cpu/reference_ops.h"
#include "host/ops/ops.h"
#include "host/vulkan/recorder.h"
#include "host/vulkan_test_env.h"

namespace vkllm::test {
namespace {

constexpr uint64_t kBytes = 160ull << 20;

class LargeTensorTest : public VulkanTest {};

TEST_F(LargeTensorTest, ScaleOver160MiB) {
  const uint64_t n = kBytes / 4;
  std::vector<float> xv(n);
  for (uint64_t i = 0; i < n; ++i) xv[i] = float(i % 4093) - 2000.0f;
  const auto x = tensor_f32({n, 1, 1, 1}, xv);
  const auto out = tensor(GgmlType::F32, {n, 1, 1, 1});
  vk::Recorder rec(device(), "scale 160 MiB");
  ops::scale(rec, x, 0.5f, out);
  rec.submit_and_wait();
  const auto got = read_f32(out);
  uint64_t bad = 0;
  for (uint64_t i = 0; i < n; ++i) bad += got[i] != xv[i] * 0.5f;
  EXPECT_EQ(bad, 0u) << "of " << n << " elements";
}

TEST_F(LargeTensorTest, GetRowsFromA160MiBQ8Table) {
  // 4352-byte q8_0 rows do not divide the window stride, so some rows straddle window starts.
  const uint64_t ncols = 4096;
  const uint64_t row_size = *row_bytes(GgmlType::Q8_0, ncols);
  const uint64_t nrows = kBytes / row_size;
  std::vector<uint8_t> table(nrows * row_size);
  const auto pattern = cpu::quantize(GgmlType::Q8_0, random_floats(ncols * 64, -1, 1, 21));
  for (uint64_t r = 0; r < nrows; ++r)
    std::memcpy(table.data() + r * row_size, pattern.data() + (r % 64) * row_size, row_size);
  const uint64_t stride = device().windows().stride;
  std::vector<int32_t> iv = {0, 1, int32_t(nrows - 1), int32_t(nrows / 2)};
  for (uint64_t k = 1; k * stride < table.size(); ++k) {  // rows at and across each window start
    iv.push_back(int32_t(k * stride / row_size));
    iv.push_back(int32_t(k * stride / row_size) - 1);
  }
  const auto src = tensor(GgmlType::Q8_0, {ncols, nrows, 1, 1}, table);
  const auto idx = tensor(GgmlType::I32, {iv.size(), 1, 1, 1},
                          {reinterpret_cast<const uint8_t*>(iv.data()), iv.size() * 4});
  const auto out = tensor(GgmlType::F32, {ncols, iv.size(), 1, 1});
  vk::Recorder rec(device(), "get_rows 160 MiB");
  ops::get_rows(rec, src, idx, out);
  rec.submit_and_wait();
  EXPECT_TRUE(all_close(read_f32(out), cpu::get_rows(GgmlType::Q8_0, table, ncols, iv), 0, 0));
}

TEST_F(LargeTensorTest, UnwindowedBindingRejectsOversizedTensor) {
  const uint64_t range = device().info().limits.max_storage_buffer_range;
  if (range >= device().info().limits.max_memory_allocation_size) GTEST_SKIP() << "range covers any allocation";
  const uint64_t n = range / 4 + 1024;
  const auto a = tensor(GgmlType::F32, {n, 1, 1, 1});
  vk::Recorder rec(device(), "too large");
  EXPECT_THROW(ops::add(rec, a, a, a), Error);
}

}  // namespace
}  // namespace vkllm::test
