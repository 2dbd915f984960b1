#include <optional>

#include "host/ops/check_shapes.h"
#include "host/ops/ops.h"
#include "host/vulkan/recorder.h"
#include "shaders/params.h"

namespace vkllm::ops {
namespace {

using shaders::ShaderId;

struct Rounding {
  ShaderId shader;
  uint64_t block;  // elements per unit of work
};

std::optional<Rounding> rounding_for(GgmlType weight_type) {
  switch (weight_type) {
    case GgmlType::Q4_0: case GgmlType::Q4_1: case GgmlType::Q5_0: case GgmlType::Q5_1: case GgmlType::Q8_0:
      return Rounding{ShaderId::round_act_q8_0, 32};
    case GgmlType::Q2_K: case GgmlType::Q3_K: case GgmlType::Q4_K: case GgmlType::Q5_K: case GgmlType::Q6_K:
      return Rounding{ShaderId::round_act_q8_k, 256};
    case GgmlType::F16: return Rounding{ShaderId::round_act_f16, 1};
    case GgmlType::BF16: return Rounding{ShaderId::round_act_bf16, 1};
    default: return std::nullopt;
  }
}

}  // namespace

ActivationRounding activation_rounding(GgmlType weight_type, uint64_t row_length) {
  const auto r = rounding_for(weight_type);
  if (!r || row_length % r->block != 0) return ActivationRounding::None;
  switch (r->shader) {
    case ShaderId::round_act_q8_0: return ActivationRounding::Q8_0;
    case ShaderId::round_act_q8_k: return ActivationRounding::Q8_K;
    case ShaderId::round_act_f16: return ActivationRounding::F16;
    default: return ActivationRounding::BF16;
  }
}

void round_activations(vk::Recorder& rec, GgmlType weight_type, const Tensor& x, const Tensor& dst) {
  constexpr std::string_view op = "round_activations";
  expect_type(op, x, GgmlType::F32);
  expect_type(op, dst, GgmlType::F32);
  expect_contiguous(op, x);
  expect_contiguous(op, dst);
  expect_same_shape(op, x, dst);
  const auto r = rounding_for(weight_type);
  if (!r || x.ne[0] % r->block != 0) fail("{}: no rounding for {} weights with rows of {}", op, type_name(weight_type), x.ne[0]);
  params::RoundActivationsParams p{};
  p.n_units = u32(op, x.elements() / r->block);
  rec.dispatch(r->shader, {vk::reads(x.data), vk::writes(dst.data)}, p, vk::threads(p.n_units));
}

void round_activations(vk::Recorder& rec, GgmlType weight_type, const Tensor& x, const Q8Columns& dst) {
  constexpr std::string_view op = "round_activations";
  expect_type(op, x, GgmlType::F32);
  expect_contiguous(op, x);
  const auto mode = activation_rounding(weight_type, x.ne[0]);
  if (mode != ActivationRounding::Q8_0 && mode != ActivationRounding::Q8_K)
    fail("{}: {} weights with rows of {} do not take q8 integers", op, type_name(weight_type), x.ne[0]);
  if (dst.k != x.ne[0] || dst.n != x.rows() || dst.column_bytes % 4 != 0 || dst.column_bytes < q8_column_data_bytes(dst.k) ||
      dst.n * dst.column_bytes > dst.data.size)
    fail("{}: q8 columns [{}, {}] ({} bytes apart, {} bytes) for x {}", op, dst.k, dst.n, dst.column_bytes,
         dst.data.size, x.describe());
  const uint64_t block = mode == ActivationRounding::Q8_0 ? 32 : 256;
  params::RoundActivationsParams p{};
  p.n_units = u32(op, x.elements() / block);
  p.units_per_column = u32(op, x.ne[0] / block);
  p.column_words = u32(op, dst.column_bytes / 4);
  p.scale_word = u32(op, dst.k / 4);
  const ShaderId shader = mode == ActivationRounding::Q8_0 ? ShaderId::round_act_q8_0_packed : ShaderId::round_act_q8_k_packed;
  rec.dispatch(shader, {vk::reads(x.data), vk::writes(dst.data.sub(0, dst.n * dst.column_bytes))}, p,
               vk::threads(p.n_units));
}

}  // namespace vkllm::ops
