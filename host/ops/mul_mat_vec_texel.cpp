#include "host/ops/mul_mat_vec_texel.h"

#include <iterator>

#include "host/ops/check_shapes.h"
#include "host/vulkan/device.h"
#include "host/vulkan/pipeline.h"
#include "shaders/params.h"

namespace vkllm::ops {
namespace {

using shaders::ShaderId;

constexpr uint64_t kWorkgroup = 8;  // WORKGROUP_SIZE of the variants

// Rows per invocation: the most that still leave 8 workgroups for the device's threads to share.
// Lavapipe, q4_0 4096 x 14336 (a stand-alone test of the same design): 4 rows 6.2-6.7 ms, 8 rows 5.9,
// 16 rows 5.55, 32 rows 5.2.
struct Variant {
  uint64_t rows;
  ShaderId shader;
};
constexpr uint64_t kRows[] = {32, 16, 8, 4};
constexpr ShaderId kQ4_0[] = {ShaderId::mul_mat_vec_texel_q4_0_r32, ShaderId::mul_mat_vec_texel_q4_0_r16,
                              ShaderId::mul_mat_vec_texel_q4_0_r8, ShaderId::mul_mat_vec_texel_q4_0_r4};
constexpr ShaderId kQ8_0[] = {ShaderId::mul_mat_vec_texel_q8_0_r32, ShaderId::mul_mat_vec_texel_q8_0_r16,
                              ShaderId::mul_mat_vec_texel_q8_0_r8, ShaderId::mul_mat_vec_texel_q8_0_r4};

Variant variant_for(GgmlType type, uint64_t m) {
  const ShaderId* shaders = type == GgmlType::Q4_0 ? kQ4_0 : kQ8_0;
  size_t i = 0;
  while (i + 1 < std::size(kRows) && m < 8 * kWorkgroup * kRows[i]) ++i;
  return {kRows[i], shaders[i]};
}

}  // namespace

bool mul_mat_vec_texel_fits(const vk::Device& device, const Tensor& weight, const Tensor& x) {
  const vk::DeviceLimits& limits = device.info().limits;
  const uint64_t k = weight.ne[0], align = limits.min_texel_buffer_offset_alignment;
  return device.info().is_cpu() && (weight.type == GgmlType::Q4_0 || weight.type == GgmlType::Q8_0) && k % 256 == 0 && x.ne[0] == k && align > 0 &&
         weight.data.offset % align == 0 && weight.data.size / vk::kTexelBytes <= limits.max_texel_buffer_elements &&
         x.data.offset % align == 0 && k * 4 % align == 0 && k * 4 / vk::kTexelBytes <= limits.max_texel_buffer_elements;
}

void mul_mat_vec_texel(vk::Recorder& rec, const Tensor& weight, const Tensor& x, const Tensor& dst) {
  const uint64_t k = weight.ne[0], m = weight.ne[1], n = x.rows();
  const Variant variant = variant_for(weight.type, m);
  const uint64_t rows_per_group = kWorkgroup * variant.rows;
  // Each column writes its own part of dst where the parts can be bound apart (no barriers).
  const bool dst_parts = m * 4 % rec.device().info().limits.min_storage_buffer_offset_alignment == 0;
  for (uint64_t col = 0; col < n; ++col) {
    const params::MulMatVecTexelParams p{u32("mul_mat", m), u32("mul_mat", k),
                                         dst_parts ? 0u : u32("mul_mat", col * m)};
    rec.dispatch(variant.shader,
                 {vk::reads(weight.data), vk::reads(x.data.sub(col * k * 4, k * 4)),
                  vk::writes(dst_parts ? dst.data.sub(col * m * 4, m * 4) : dst.data)},
                 p, vk::workgroups(u32("mul_mat", (m + rows_per_group - 1) / rows_per_group)));
  }
}

}  // namespace vkllm::ops
