#include "host/ops/check_shapes.h"
#include "host/ops/ops.h"
#include "host/vulkan/recorder.h"
#include "host/vulkan/window.h"
#include "shaders/params.h"

namespace vkllm::ops {
namespace {

shaders::ShaderId shader_for(GgmlType type) {
  switch (type) {
    case GgmlType::F32: return shaders::ShaderId::get_rows_f32;
    case GgmlType::F16: return shaders::ShaderId::get_rows_f16;
    case GgmlType::Q8_0: return shaders::ShaderId::get_rows_q8_0;
    case GgmlType::Q4_0: return shaders::ShaderId::get_rows_q4_0;
    default: fail("get_rows: source type {} is not supported", type_name(type));
  }
}

}  // namespace

void get_rows(vk::Recorder& rec, const Tensor& src, const Tensor& indices, const Tensor& dst) {
  const shaders::ShaderId shader = shader_for(src.type);
  expect_type("get_rows indices", indices, GgmlType::I32);
  expect_type("get_rows", dst, GgmlType::F32);
  for (const Tensor* t : {&src, &indices, &dst}) expect_contiguous("get_rows", *t);
  if (dst.ne[0] != src.ne[0] || dst.rows() != indices.elements() || src.ne[2] != 1 || src.ne[3] != 1)
    fail("get_rows: {} rows of {} into {}", indices.elements(), src.describe(), dst.describe());
  if (src.nb[1] > vk::kWindowReachBytes) fail("get_rows: rows of {} bytes are too long", src.nb[1]);
  const params::GetRowsParams p{u32("get_rows", src.ne[0]), u32("get_rows", indices.elements()),
                                u32("get_rows", src.nb[1])};
  rec.dispatch(shader, {vk::reads(src.data), vk::reads(indices.data), vk::writes(dst.data)}, p,
               vk::workgroups(p.n_indices));
}

}  // namespace vkllm::ops
