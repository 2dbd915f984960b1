#include "host/ops/check_shapes.h"
#include "host/ops/ops.h"
#include "host/vulkan/recorder.h"
#include "shaders/params.h"

namespace vkllm::ops {

void argmax(vk::Recorder& rec, const Tensor& x, const Tensor& dst) {
  expect_type("argmax", x, GgmlType::F32);
  expect_type("argmax", dst, GgmlType::I32);
  expect_contiguous("argmax", x);
  expect_contiguous("argmax", dst);
  if (dst.elements() != x.rows()) fail("argmax: {} results for {}", dst.describe(), x.describe());
  const params::ArgmaxParams p{u32("argmax", x.ne[0]), u32("argmax", x.rows())};
  rec.dispatch(shaders::ShaderId::argmax_f32, {vk::reads(x.data), vk::writes(dst.data)}, p, vk::workgroups(p.nrows));
}

}  // namespace vkllm::ops
