// add, mul, scale, silu, gelu, copy/convert, swiglu.
#include "host/ops/check_shapes.h"
#include "host/ops/ops.h"
#include "host/vulkan/device.h"
#include "host/vulkan/recorder.h"
#include "shaders/params.h"

namespace vkllm::ops {
namespace {

using shaders::ShaderId;

vk::WorkSize unary_threads(uint32_t n) { return vk::threads((n + UNARY_ELEMS_PER_THREAD - 1) / UNARY_ELEMS_PER_THREAD); }

// The three variants of one binary op: b of a's shape, b one row repeated, b repeated in general.
struct BinaryShaders {
  ShaderId same_shape, row, broadcast;
};

void binary(vk::Recorder& rec, const BinaryShaders& shaders, std::string_view op, const Tensor& a, const Tensor& b,
            const Tensor& dst) {
  for (const Tensor* t : {&a, &b, &dst}) {
    expect_type(op, *t, GgmlType::F32);
    expect_contiguous(op, *t);
  }
  expect_same_shape(op, a, dst);
  for (int d = 0; d < 4; ++d)
    if (b.ne[d] == 0 || a.ne[d] % b.ne[d] != 0) fail("{}: {} does not broadcast over {}", op, b.describe(), a.describe());
  params::BinaryParams p{};
  p.n = u32(op, dst.elements());
  p.ne0 = u32(op, a.ne[0]);
  p.ne1 = u32(op, a.ne[1]);
  p.ne2 = u32(op, a.ne[2]);
  p.b_ne0 = u32(op, b.ne[0]);
  p.b_ne1 = u32(op, b.ne[1]);
  p.b_ne2 = u32(op, b.ne[2]);
  p.b_ne3 = u32(op, b.ne[3]);
  const auto bindings = {vk::reads(a.data), vk::reads(b.data), vk::writes(dst.data)};
  const uint64_t rows = a.rows();
  if (a.ne == b.ne)
    rec.dispatch(shaders.same_shape, bindings, p, vk::threads(p.n));
  else if (b.ne[0] == a.ne[0] && b.rows() == 1 && rows <= rec.device().info().limits.max_workgroup_count[1])
    rec.dispatch(shaders.row, bindings, p, vk::threads(p.ne0, uint32_t(rows)));
  else
    rec.dispatch(shaders.broadcast, bindings, p, vk::threads(p.n));
}

void unary(vk::Recorder& rec, ShaderId shader, std::string_view op, const Tensor& src, float factor,
           const Tensor& dst) {
  expect_type(op, src, GgmlType::F32);
  expect_type(op, dst, GgmlType::F32);
  expect_contiguous(op, src);
  expect_contiguous(op, dst);
  expect_same_shape(op, src, dst);
  const params::ElementwiseParams p{u32(op, src.elements()), factor};
  rec.dispatch(shader, {vk::reads(src.data), vk::writes(dst.data)}, p, unary_threads(p.n));
}

}  // namespace

void add(vk::Recorder& rec, const Tensor& a, const Tensor& b, const Tensor& dst) {
  binary(rec, {ShaderId::add_f32, ShaderId::add_row_f32, ShaderId::add_bcast_f32}, "add", a, b, dst);
}

void mul(vk::Recorder& rec, const Tensor& a, const Tensor& b, const Tensor& dst) {
  binary(rec, {ShaderId::mul_f32, ShaderId::mul_row_f32, ShaderId::mul_bcast_f32}, "mul", a, b, dst);
}

void scale(vk::Recorder& rec, const Tensor& src, float factor, const Tensor& dst) {
  unary(rec, ShaderId::scale_f32, "scale", src, factor, dst);
}

void silu(vk::Recorder& rec, const Tensor& src, const Tensor& dst) {
  unary(rec, ShaderId::silu_f32, "silu", src, 0.0f, dst);
}

void gelu(vk::Recorder& rec, const Tensor& src, const Tensor& dst) {
  unary(rec, ShaderId::gelu_f32, "gelu", src, 0.0f, dst);
}

void copy(vk::Recorder& rec, const Tensor& src, const Tensor& dst) {
  expect_contiguous("copy", src);
  expect_contiguous("copy", dst);
  if (src.elements() != dst.elements()) fail("copy: {} into {}", src.describe(), dst.describe());
  const bool src_f16 = src.type == GgmlType::F16;
  const bool dst_f16 = dst.type == GgmlType::F16;
  if ((!src_f16 && src.type != GgmlType::F32) || (!dst_f16 && dst.type != GgmlType::F32))
    fail("copy: {} to {} is not supported (f32/f16 only)", type_name(src.type), type_name(dst.type));
  const ShaderId shader = src_f16 ? (dst_f16 ? ShaderId::copy_f16_f16 : ShaderId::copy_f16_f32)
                                  : (dst_f16 ? ShaderId::copy_f32_f16 : ShaderId::copy_f32_f32);
  const params::ElementwiseParams p{u32("copy", src.elements()), 1.0f};
  rec.dispatch(shader, {vk::reads(src.data), vk::writes(dst.data)}, p, unary_threads(p.n));
}

void swiglu(vk::Recorder& rec, const Tensor& gate, const Tensor& up, const Tensor& dst, SumOrder order) {
  for (const Tensor* t : {&gate, &up, &dst}) {
    expect_type("swiglu", *t, GgmlType::F32);
    expect_contiguous("swiglu", *t);
  }
  expect_same_shape("swiglu", gate, up);
  expect_same_shape("swiglu", gate, dst);
  const params::ElementwiseParams p{u32("swiglu", dst.elements()), 0.0f};
  if (order == SumOrder::Ggml && !has_ggml_order(rec.device())) fail("swiglu: ggml's order needs shaderFloat64");
  rec.dispatch(order == SumOrder::Ggml ? ShaderId::swiglu_ggml_f32 : ShaderId::swiglu_f32, {vk::reads(gate.data), vk::reads(up.data), vk::writes(dst.data)}, p,
               vk::threads(p.n));
}

}  // namespace vkllm::ops
