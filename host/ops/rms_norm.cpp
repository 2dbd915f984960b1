#include "host/ops/check_shapes.h"
#include "host/ops/ops.h"
#include "host/vulkan/recorder.h"
#include "shaders/params.h"

namespace vkllm::ops {

void rms_norm(vk::Recorder& rec, const Tensor& x, const Tensor& weight, float eps, const Tensor& dst) {
  for (const Tensor* t : {&x, &weight, &dst}) {
    expect_type("rms_norm", *t, GgmlType::F32);
    expect_contiguous("rms_norm", *t);
  }
  expect_same_shape("rms_norm", x, dst);
  if (weight.elements() != x.ne[0]) fail("rms_norm: weight {} does not match rows of {}", weight.describe(), x.describe());
  const params::RmsNormParams p{u32("rms_norm", x.ne[0]), u32("rms_norm", x.rows()), eps};
  rec.dispatch(shaders::ShaderId::rms_norm_f32, {vk::reads(x.data), vk::reads(weight.data), vk::writes(dst.data)}, p,
               vk::workgroups(p.nrows));
}

}  // namespace vkllm::ops
