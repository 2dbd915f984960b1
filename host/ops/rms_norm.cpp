#include "host/ops/check_shapes.h"
#include "host/ops/ops.h"
#include "host/vulkan/device.h"
#include "host/vulkan/recorder.h"
#include "shaders/params.h"

namespace vkllm::ops {

void rms_norm(vk::Recorder& rec, const Tensor& x, const Tensor& weight, float eps, const Tensor& dst, SumOrder order) {
  for (const Tensor* t : {&x, &weight, &dst}) {
    expect_type("rms_norm", *t, GgmlType::F32);
    expect_contiguous("rms_norm", *t);
  }
  expect_same_shape("rms_norm", x, dst);
  if (weight.elements() != x.ne[0]) fail("rms_norm: weight {} does not match rows of {}", weight.describe(), x.describe());
  const params::RmsNormParams p{u32("rms_norm", x.ne[0]), u32("rms_norm", x.rows()), eps};
  if (order == SumOrder::Ggml && !has_ggml_order(rec.device())) fail("rms_norm: ggml's order needs shaderFloat64");
  const auto shader = order == SumOrder::Ggml ? shaders::ShaderId::rms_norm_ggml_f32 : shaders::ShaderId::rms_norm_f32;
  rec.dispatch(shader, {vk::reads(x.data), vk::reads(weight.data), vk::writes(dst.data)}, p,
               vk::workgroups(p.nrows));
}

}  // namespace vkllm::ops
