#include "host/ops/check_shapes.h"
#include "host/ops/ops.h"
#include "host/vulkan/recorder.h"
#include "shaders/params.h"

namespace vkllm::ops {

void softmax(vk::Recorder& rec, const Tensor& x, const SoftmaxOptions& options, const Tensor& dst) {
  for (const Tensor* t : {&x, &dst}) {
    expect_type("softmax", *t, GgmlType::F32);
    expect_contiguous("softmax", *t);
  }
  expect_same_shape("softmax", x, dst);
  params::SoftmaxParams p{};
  p.ncols = u32("softmax", x.ne[0]);
  p.nrows = u32("softmax", x.rows());
  p.scale = options.scale;
  p.rows_per_head = u32("softmax", x.ne[1]);
  p.use_mask = options.mask != nullptr;
  p.causal = options.causal;
  p.n_past = options.n_past;
  if (options.mask != nullptr) {
    const Tensor& mask = *options.mask;
    expect_type("softmax mask", mask, GgmlType::F32);
    expect_contiguous("softmax mask", mask);
    if (mask.ne[0] != x.ne[0] || mask.rows() != x.ne[1])
      fail("softmax: mask {} does not match scores {}", mask.describe(), x.describe());
  }
  // Without a mask the binding still needs a buffer; x is never read through it then.
  const vk::BufferView mask_view = options.mask != nullptr ? options.mask->data : x.data;
  rec.dispatch(shaders::ShaderId::softmax_f32, {vk::reads(x.data), vk::reads(mask_view), vk::reads_writes(dst.data)},
               p, vk::workgroups(p.nrows));
}

}  // namespace vkllm::ops
