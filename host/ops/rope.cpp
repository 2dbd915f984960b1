#include "host/ops/check_shapes.h"
#include "host/ops/ops.h"
#include "host/vulkan/recorder.h"
#include "shaders/params.h"

namespace vkllm::ops {

void rope(vk::Recorder& rec, const Tensor& x, const Tensor& positions, const RopeOptions& options,
          const Tensor& dst) {
  expect_type("rope", x, GgmlType::F32);
  expect_type("rope", dst, GgmlType::F32);
  expect_type("rope positions", positions, GgmlType::I32);
  for (const Tensor* t : {&x, &positions, &dst}) expect_contiguous("rope", *t);
  expect_same_shape("rope", x, dst);
  const uint64_t head_dim = x.ne[0];
  const uint64_t n_dims = options.n_dims == 0 ? head_dim : options.n_dims;
  if (head_dim % 2 != 0 || n_dims % 2 != 0 || n_dims > head_dim)
    fail("rope: n_dims {} and head_dim {} must be even with n_dims <= head_dim", n_dims, head_dim);
  if (positions.elements() != x.ne[2] || x.ne[3] != 1)
    fail("rope: {} positions for x {}", positions.elements(), x.describe());
  const Tensor* angles = options.angles;
  if (angles) {
    expect_type("rope angles", *angles, GgmlType::F32);
    expect_contiguous("rope angles", *angles);
    if (angles->ne[0] != 2 || angles->ne[1] != n_dims / 2 || angles->ne[2] != x.ne[2])
      fail("rope: angles {} for {} rotated dims of {} tokens", angles->describe(), n_dims, x.ne[2]);
    if (!has_ggml_order(rec.device())) fail("rope: the exact rotation needs shaderFloat64");
  }
  params::RopeParams p{};
  p.head_dim = u32("rope", head_dim);
  p.n_heads = u32("rope", x.ne[1]);
  p.n_tokens = u32("rope", x.ne[2]);
  p.n_dims = u32("rope", n_dims);
  p.freq_base = options.freq_base;
  p.freq_scale = options.freq_scale;
  using shaders::ShaderId;
  const bool neox = options.mode == RopeMode::Neox;
  const auto shader = angles ? (neox ? ShaderId::rope_neox_table_f32 : ShaderId::rope_norm_table_f32)
                             : (neox ? ShaderId::rope_neox_f32 : ShaderId::rope_norm_f32);
  const vk::BufferView& second = angles ? angles->data : positions.data;
  // In place (dst == x) is fine: each invocation reads its pair before writing it.
  const bool in_place = x.data.overlaps(dst.data);
  const uint32_t pairs = u32("rope", x.elements() / 2);
  if (in_place)
    rec.dispatch(shader, {vk::reads_writes(x.data), vk::reads(second), vk::reads_writes(dst.data)}, p,
                 vk::threads(pairs));
  else
    rec.dispatch(shader, {vk::reads(x.data), vk::reads(second), vk::writes(dst.data)}, p, vk::threads(pairs));
}

}  // namespace vkllm::ops
