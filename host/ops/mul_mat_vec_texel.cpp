#include "host/ops/mul_mat_vec_texel.h"

#include <cstddef>

#include "host/ops/check_shapes.h"
#include "host/vulkan/device.h"
#include "host/vulkan/pipeline.h"
#include "shaders/params.h"

namespace vkllm::ops {
namespace {

using shaders::ShaderId;

constexpr uint64_t kWorkgroup = 8;       // WORKGROUP_SIZE of the variants
constexpr uint64_t kMinWorkgroups = 8;   // for the device's threads to share

// Rows per invocation: the most that still leave kMinWorkgroups workgroups.
// Lavapipe, q4_0 4096 x 14336, one column: 4 rows 6.2-6.7 ms, 8 rows 5.9, 16 rows 5.55, 32 rows 5.2
// (a stand-alone test of the same design, levels as floats). Four columns at a time (512 columns of
// q4_0 4096 x 14336 and 4096 x 4096, GFLOPS, levels as floats): 16 x 4 33 / 33, 8 x 4 30 / 30,
// 4 x 4 25 / 26, 8 x 2 23 / 28, 8 x 8 29 / 26; one column at a time 20 / 25.
struct Variant {
  uint64_t rows;
  ShaderId shader;
};
constexpr uint64_t kRows[] = {32, 16, 8, 4};
constexpr ShaderId kQ4_0[] = {ShaderId::mul_mat_vec_texel_q4_0_r32, ShaderId::mul_mat_vec_texel_q4_0_r16,
                              ShaderId::mul_mat_vec_texel_q4_0_r8, ShaderId::mul_mat_vec_texel_q4_0_r4};
constexpr ShaderId kQ8_0[] = {ShaderId::mul_mat_vec_texel_q8_0_r32, ShaderId::mul_mat_vec_texel_q8_0_r16,
                              ShaderId::mul_mat_vec_texel_q8_0_r8, ShaderId::mul_mat_vec_texel_q8_0_r4};
constexpr ShaderId kQ4_K[] = {ShaderId::mul_mat_vec_texel_q4_k_r32, ShaderId::mul_mat_vec_texel_q4_k_r16,
                              ShaderId::mul_mat_vec_texel_q4_k_r8, ShaderId::mul_mat_vec_texel_q4_k_r4};
constexpr uint64_t kTileColumns = 4;
constexpr uint64_t kTileRows[] = {16, 8, 4};
constexpr ShaderId kQ4_0Tiles[] = {ShaderId::mul_mat_vec_texel_q4_0_r16c4, ShaderId::mul_mat_vec_texel_q4_0_r8c4,
                                   ShaderId::mul_mat_vec_texel_q4_0_r4c4};
constexpr ShaderId kQ8_0Tiles[] = {ShaderId::mul_mat_vec_texel_q8_0_r16c4, ShaderId::mul_mat_vec_texel_q8_0_r8c4,
                                   ShaderId::mul_mat_vec_texel_q8_0_r4c4};
constexpr ShaderId kQ4_KTiles[] = {ShaderId::mul_mat_vec_texel_q4_k_r16c4, ShaderId::mul_mat_vec_texel_q4_k_r8c4,
                                   ShaderId::mul_mat_vec_texel_q4_k_r4c4};

template <size_t N>
Variant pick(const uint64_t (&rows)[N], const ShaderId (&shaders)[N], uint64_t m) {
  size_t i = 0;
  while (i + 1 < N && m < kMinWorkgroups * kWorkgroup * rows[i]) ++i;
  return {rows[i], shaders[i]};
}

}  // namespace

bool mul_mat_vec_texel_rounds_x(GgmlType weight_type) {
  return weight_type == GgmlType::Q4_0 || weight_type == GgmlType::Q4_K;
}

bool mul_mat_vec_texel_fits(const vk::Device& device, const Tensor& weight, const Tensor& x) {
  const vk::DeviceLimits& limits = device.info().limits;
  const uint64_t k = weight.ne[0], align = limits.min_texel_buffer_offset_alignment;
  // Rows of whole super-blocks are whole texels (q4_0 and q4_K: 144 bytes, q8_0: 272), so is a column
  // of x. The kernels that round x divide in double.
  const bool type = weight.type == GgmlType::Q8_0 ||
                    (mul_mat_vec_texel_rounds_x(weight.type) && device.info().features.float64);
  return device.info().is_cpu() && type && k % 256 == 0 && x.ne[0] == k && align > 0 &&
         weight.data.offset % align == 0 && weight.data.size / vk::kTexelBytes <= limits.max_texel_buffer_elements &&
         x.data.offset % align == 0 && k * 4 % align == 0 &&
         4 * k * kTileColumns / vk::kTexelBytes <= limits.max_texel_buffer_elements;
}

void mul_mat_vec_texel(vk::Recorder& rec, const Tensor& weight, const Tensor& x, const Tensor& dst) {
  const uint64_t k = weight.ne[0], m = weight.ne[1], n = x.rows();
  const bool q4_0 = weight.type == GgmlType::Q4_0, q4_k = weight.type == GgmlType::Q4_K;
  const Variant one = q4_0 ? pick(kRows, kQ4_0, m) : q4_k ? pick(kRows, kQ4_K, m) : pick(kRows, kQ8_0, m);
  const Variant tile = q4_0   ? pick(kTileRows, kQ4_0Tiles, m)
                       : q4_k ? pick(kTileRows, kQ4_KTiles, m)
                              : pick(kTileRows, kQ8_0Tiles, m);
  // Each group of columns writes its own part of dst where the parts can be bound apart (no barriers).
  const bool dst_parts = m * 4 % rec.device().info().limits.min_storage_buffer_offset_alignment == 0;
  // Whole fours of columns through the tile, the rest one at a time.
  for (uint64_t col = 0; col < n;) {
    const bool tiled = n - col >= kTileColumns;
    const Variant& variant = tiled ? tile : one;
    const uint64_t count = tiled ? kTileColumns : 1;
    const uint64_t rows_per_group = kWorkgroup * variant.rows;
    const params::MulMatVecTexelParams p{u32("mul_mat", m), u32("mul_mat", k), u32("mul_mat", count),
                                         dst_parts ? 0u : u32("mul_mat", col * m)};
    rec.dispatch(variant.shader,
                 {vk::reads(weight.data), vk::reads(x.data.sub(col * k * 4, count * k * 4)),
                  vk::writes(dst_parts ? dst.data.sub(col * m * 4, count * m * 4) : dst.data)},
                 p, vk::workgroups(u32("mul_mat", (m + rows_per_group - 1) / rows_per_group)));
    col += count;
  }
}

}  // namespace vkllm::ops
