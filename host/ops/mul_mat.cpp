#include <algorithm>
#include <numeric>

#include "host/ops/check_shapes.h"
#include "host/ops/mul_mat_vec_texel.h"
#include "host/ops/mul_mat_vec_ubo.h"
#include "host/ops/ops.h"
#include "host/vulkan/device.h"
#include "host/vulkan/recorder.h"
#include "host/vulkan/window.h"
#include "shaders/params.h"

namespace vkllm::ops {
namespace {

using shaders::ShaderId;

// Variants of shaders/mul_mat.comp (see shaders/CMakeLists.txt): matrix-vector kernels for up to
// 1, 4, 8 columns (for CPU devices and for GPUs), and the tiled matrix-matrix kernel.
struct MulMatShaders {
  ShaderId vec[3];
  ShaderId vec_gpu[3];
  ShaderId mat;
  ShaderId mat_large;
};

#define VKLLM_MUL_MAT_SHADERS(t)                                                                         \
  MulMatShaders {                                                                                        \
    {ShaderId::mul_mat_vec_##t##_n1, ShaderId::mul_mat_vec_##t##_n4, ShaderId::mul_mat_vec_##t##_n8},   \
        {ShaderId::mul_mat_vec_##t##_n1_gpu, ShaderId::mul_mat_vec_##t##_n4_gpu,                         \
         ShaderId::mul_mat_vec_##t##_n8_gpu},                                                            \
        ShaderId::mul_mat_##t, ShaderId::mul_mat_##t##_large                                             \
  }

MulMatShaders shaders_for(GgmlType type) {
  switch (type) {
    case GgmlType::F32: return VKLLM_MUL_MAT_SHADERS(f32);
    case GgmlType::F16: return VKLLM_MUL_MAT_SHADERS(f16);
    case GgmlType::BF16: return VKLLM_MUL_MAT_SHADERS(bf16);
    case GgmlType::Q4_0: return VKLLM_MUL_MAT_SHADERS(q4_0);
    case GgmlType::Q4_1: return VKLLM_MUL_MAT_SHADERS(q4_1);
    case GgmlType::Q5_0: return VKLLM_MUL_MAT_SHADERS(q5_0);
    case GgmlType::Q5_1: return VKLLM_MUL_MAT_SHADERS(q5_1);
    case GgmlType::Q8_0: return VKLLM_MUL_MAT_SHADERS(q8_0);
    case GgmlType::Q2_K: return VKLLM_MUL_MAT_SHADERS(q2_k);
    case GgmlType::Q3_K: return VKLLM_MUL_MAT_SHADERS(q3_k);
    case GgmlType::Q4_K: return VKLLM_MUL_MAT_SHADERS(q4_k);
    case GgmlType::Q5_K: return VKLLM_MUL_MAT_SHADERS(q5_k);
    case GgmlType::Q6_K: return VKLLM_MUL_MAT_SHADERS(q6_k);
    default: fail("mul_mat: weight type {} is not supported", type_name(type));
  }
}

#undef VKLLM_MUL_MAT_SHADERS

// Tile geometry of the variants, as compiled: rows per workgroup.
constexpr uint32_t kVecRows[3] = {8, 4, 4};
constexpr uint32_t kVecGpuRows = 4;
constexpr uint32_t kMatRows = 8, kMatCols = 4, kMatTilesM = 8, kMatTilesN = 8;
constexpr uint32_t kMatLargeRows = 16, kMatLargeCols = 16;
// CPU devices take the uniform-buffer kernels a column at a time up to this many columns (x as f32,
// x as q8 integers, and the kernels in ggml's order). Lavapipe, q4_0 4096 x 4096: 2.7 ms a column
// (1.49 s for 512, q8 x 1.59); the storage-buffer kernel 144 ms for 8 columns, the small tile 329 ms
// for 2 to 8, the large tile 636 ms for 64 or 128 and 2.55 s for 512 (an earlier note here had ~690).
// So large weights would take every column through uniform buffers; but each dispatch costs lavapipe
// ~0.08 ms, and a small model's matrices are a dispatch each per column: with no limit the 5M-parameter
// q4_0 model of `vkllm bench` fell from 333 to 206 t/s at pp512.
constexpr uint64_t kUboMaxColumns = 192;
// CPU devices take the large tile from this many columns on, for at least its 128 rows (below, most
// of its work would go to clamped copies).
constexpr uint64_t kMatLargeMinColumns = 64;

}  // namespace

void mul_mat(vk::Recorder& rec, const Tensor& weight, const Tensor& x, const Tensor& dst, MulMatKernel kernel) {
  const MulMatShaders shaders = shaders_for(weight.type);
  expect_type("mul_mat x", x, GgmlType::F32);
  expect_type("mul_mat dst", dst, GgmlType::F32);
  for (const Tensor* t : {&weight, &x, &dst}) expect_contiguous("mul_mat", *t);
  const uint64_t k = weight.ne[0], m = weight.ne[1], n = x.rows();
  if (weight.ne[2] != 1 || weight.ne[3] != 1 || x.ne[0] != k || dst.ne[0] != m || dst.rows() != n)
    fail("mul_mat: weight {} times x {} into dst {}", weight.describe(), x.describe(), dst.describe());
  if (k % 32 != 0) fail("mul_mat: k = {} of weight {} is not a multiple of 32", k, weight.describe());

  const bool cpu_device = rec.device().info().is_cpu();
  if (kernel == MulMatKernel::VectorTexel) {
    if (!mul_mat_vec_texel_fits(rec.device(), weight, x))
      fail("mul_mat: weight {} times x {} does not fit the texel-buffer kernel", weight.describe(), x.describe());
    return mul_mat_vec_texel(rec, weight, x, dst);
  }
  if (kernel == MulMatKernel::Auto && mul_mat_vec_texel_fits(rec.device(), weight, x))
    return mul_mat_vec_texel(rec, weight, x, dst);
  if (kernel == MulMatKernel::VectorUniform && !mul_mat_vec_ubo_fits(rec.device(), weight, x))
    fail("mul_mat: weight {} times x {} does not fit the uniform-buffer kernel", weight.describe(), x.describe());
  if (kernel == MulMatKernel::VectorUniform || (kernel == MulMatKernel::Auto && cpu_device && n <= kUboMaxColumns &&
                                                mul_mat_vec_ubo_fits(rec.device(), weight, x)))
    return mul_mat_vec_ubo(rec, weight, x, dst);

  const bool vec = kernel == MulMatKernel::Vector || kernel == MulMatKernel::VectorGpu ||
                   (kernel == MulMatKernel::Auto && n <= 8);
  const size_t variant = n <= 1 ? 0 : n <= 4 ? 1 : 2;
  if (vec && n > 8) fail("mul_mat: the matrix-vector kernel takes at most 8 columns, got {}", n);
  const bool gpu = kernel == MulMatKernel::VectorGpu || !cpu_device;
  const uint64_t row_bytes = weight.nb[1];
  const bool large = !vec && (kernel == MulMatKernel::MatrixLarge ||
                              (kernel == MulMatKernel::Auto && !gpu && n >= kMatLargeMinColumns &&
                               m >= uint64_t(kMatLargeRows) * kMatTilesM &&
                               uint64_t(kMatLargeRows) * kMatTilesM * row_bytes <= vk::kWindowReachBytes));
  const ShaderId shader = large ? shaders.mat_large
                          : !vec ? shaders.mat
                          : gpu  ? shaders.vec_gpu[variant]
                                 : shaders.vec[variant];
  const uint64_t rows_per_group = large ? kMatLargeRows * kMatTilesM
                                  : !vec ? kMatRows * kMatTilesM
                                  : gpu  ? kVecGpuRows
                                         : kVecRows[variant];
  const uint64_t cols_per_group = (large ? kMatLargeCols : kMatCols) * kMatTilesN;
  if (rows_per_group * row_bytes > vk::kWindowReachBytes)
    fail("mul_mat: rows of {} bytes are too long for windowed reads", row_bytes);

  // x and dst are plain bindings: split n so both stay within maxStorageBufferRange, at column
  // offsets that keep the descriptor offsets aligned.
  const auto& limits = rec.device().info().limits;
  const uint64_t align = limits.min_storage_buffer_offset_alignment;
  const uint64_t col_step = std::lcm(align / std::gcd(align, 4 * k), align / std::gcd(align, 4 * m));
  uint64_t max_cols = std::min(limits.max_storage_buffer_range / (4 * k), limits.max_storage_buffer_range / (4 * m));
  if (!vec) max_cols = std::min<uint64_t>(max_cols, uint64_t(limits.max_workgroup_count[1]) * cols_per_group);
  max_cols = max_cols / col_step * col_step;
  if (max_cols == 0) fail("mul_mat: a column of x {} or dst {} exceeds the storage range", x.describe(), dst.describe());

  // The kernels read 32-bit words; a weight whose size is not a multiple of 4 (e.g. one q4_0 row
  // of 18 bytes) gets its last word whole. Allocations and tensor offsets are aligned to at least
  // 4 bytes, so those bytes are padding inside the same buffer.
  vk::BufferView weight_view = weight.data;
  weight_view.size = (weight_view.size + 3) / 4 * 4;

  for (uint64_t col = 0; col < n; col += max_cols) {
    const uint64_t cols = std::min(max_cols, n - col);
    const params::MulMatParams p{u32("mul_mat", m), u32("mul_mat", cols), u32("mul_mat", k), u32("mul_mat", row_bytes)};
    const vk::BufferView xs = x.data.sub(col * k * 4, cols * k * 4);
    const vk::BufferView ds = dst.data.sub(col * m * 4, cols * m * 4);
    const vk::WorkSize work =
        vec ? vk::workgroups(u32("mul_mat", (m + rows_per_group - 1) / rows_per_group))
            : vk::workgroups(u32("mul_mat", (m + rows_per_group - 1) / rows_per_group),
                             u32("mul_mat", (cols + cols_per_group - 1) / cols_per_group));
    rec.dispatch(shader, {vk::reads(weight_view), vk::reads(xs), vk::writes(ds)}, p, work);
  }
}

std::optional<Q8Columns> q8_columns_for(const vk::Device& device, const Tensor& weight, const Tensor& x,
                                        const vk::BufferView& scratch) {
  const uint64_t k = weight.ne[0];
  if (!device.info().is_cpu() || x.ne[0] != k || x.rows() > kUboMaxColumns) return std::nullopt;
  const Q8Columns q8{scratch, k, x.rows(), q8_column_bytes(device, k)};
  if (!mul_mat_vec_ubo_q8_fits(device, weight, q8)) return std::nullopt;
  return q8;
}

void mul_mat(vk::Recorder& rec, const Tensor& weight, const Q8Columns& x, const Tensor& dst, SumOrder order,
             std::span<const int64_t> runs) {
  expect_type("mul_mat dst", dst, GgmlType::F32);
  expect_contiguous("mul_mat", weight);
  expect_contiguous("mul_mat", dst);
  const uint64_t k = weight.ne[0], m = weight.ne[1];
  if (weight.ne[2] != 1 || weight.ne[3] != 1 || x.k != k || dst.ne[0] != m || dst.rows() != x.n)
    fail("mul_mat: weight {} times q8 x [{}, {}] into dst {}", weight.describe(), x.k, x.n, dst.describe());
  if (!mul_mat_vec_ubo_q8_fits(rec.device(), weight, x))
    fail("mul_mat: weight {} does not take q8 x [{}, {}] on this device", weight.describe(), x.k, x.n);
  if (order == SumOrder::Ggml && !has_ggml_order(rec.device(), weight))
    fail("mul_mat: no kernel sums {} weights in ggml's order on this device", type_name(weight.type));
  mul_mat_vec_ubo_q8(rec, weight, x, dst, order, runs);
}

bool mul_mat_ggml_fits(const vk::Device& device, const Tensor& weight, const Tensor& x) {
  return (weight.type == GgmlType::F32 || weight.type == GgmlType::F16) && has_ggml_order(device, weight) &&
         x.rows() <= kUboMaxColumns && mul_mat_vec_ubo_fits(device, weight, x);
}

void mul_mat_ggml(vk::Recorder& rec, const Tensor& weight, const Tensor& x, const Tensor& dst,
                  std::span<const int64_t> runs) {
  expect_type("mul_mat x", x, GgmlType::F32);
  expect_type("mul_mat dst", dst, GgmlType::F32);
  for (const Tensor* t : {&weight, &x, &dst}) expect_contiguous("mul_mat", *t);
  const uint64_t k = weight.ne[0], m = weight.ne[1];
  if (weight.ne[2] != 1 || weight.ne[3] != 1 || x.ne[0] != k || dst.ne[0] != m || dst.rows() != x.rows())
    fail("mul_mat: weight {} times x {} into dst {}", weight.describe(), x.describe(), dst.describe());
  if (!mul_mat_ggml_fits(rec.device(), weight, x))
    fail("mul_mat: no kernel sums weight {} times x {} in ggml's order on this device", weight.describe(), x.describe());
  mul_mat_vec_ubo_ggml(rec, weight, x, dst, runs);
}

}  // namespace vkllm::ops
