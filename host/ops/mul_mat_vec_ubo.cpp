#include "host/ops/mul_mat_vec_ubo.h"

#include <algorithm>
#include <vector>

#include "host/cpu/batch_runs.h"
#include "host/ops/check_shapes.h"
#include "host/vulkan/device.h"
#include "shaders/params.h"

namespace vkllm::ops {
namespace {

using shaders::ShaderId;

constexpr uint32_t kSlots = 14;             // SLOTS of the variants (shaders/CMakeLists.txt)
constexpr uint64_t kDeclaredBytes = 65536;  // the shader's uniform arrays (and Vulkan's least range)

// Variants by rows per workgroup (ROWS): 8, 4, 2, 1.
struct UboShaders {
  ShaderId by_rows[4];
};

#define VKLLM_UBO_SHADERS(t)                                                                     \
  UboShaders {                                                                                   \
    {ShaderId::mul_mat_vec_ubo_##t##_r8, ShaderId::mul_mat_vec_ubo_##t##_r4,                     \
     ShaderId::mul_mat_vec_ubo_##t##_r2, ShaderId::mul_mat_vec_ubo_##t##_r1}                     \
  }

UboShaders shaders_for(GgmlType type) {
  switch (type) {
    case GgmlType::F32: return VKLLM_UBO_SHADERS(f32);
    case GgmlType::F16: return VKLLM_UBO_SHADERS(f16);
    case GgmlType::BF16: return VKLLM_UBO_SHADERS(bf16);
    case GgmlType::Q4_0: return VKLLM_UBO_SHADERS(q4_0);
    case GgmlType::Q4_1: return VKLLM_UBO_SHADERS(q4_1);
    case GgmlType::Q5_0: return VKLLM_UBO_SHADERS(q5_0);
    case GgmlType::Q5_1: return VKLLM_UBO_SHADERS(q5_1);
    case GgmlType::Q8_0: return VKLLM_UBO_SHADERS(q8_0);
    case GgmlType::Q2_K: return VKLLM_UBO_SHADERS(q2_k);
    case GgmlType::Q3_K: return VKLLM_UBO_SHADERS(q3_k);
    case GgmlType::Q4_K: return VKLLM_UBO_SHADERS(q4_k);
    case GgmlType::Q5_K: return VKLLM_UBO_SHADERS(q5_k);
    case GgmlType::Q6_K: return VKLLM_UBO_SHADERS(q6_k);
    default: fail("mul_mat: weight type {} is not supported", type_name(type));
  }
}

// The variants reading x as q8 integers (X_Q8), for the types ggml pairs with q8_0 or q8_K.
UboShaders q8_shaders_for(GgmlType type) {
  switch (type) {
    case GgmlType::Q4_0: return VKLLM_UBO_SHADERS(q4_0_q8);
    case GgmlType::Q4_1: return VKLLM_UBO_SHADERS(q4_1_q8);
    case GgmlType::Q5_0: return VKLLM_UBO_SHADERS(q5_0_q8);
    case GgmlType::Q5_1: return VKLLM_UBO_SHADERS(q5_1_q8);
    case GgmlType::Q8_0: return VKLLM_UBO_SHADERS(q8_0_q8);
    case GgmlType::Q2_K: return VKLLM_UBO_SHADERS(q2_k_q8);
    case GgmlType::Q3_K: return VKLLM_UBO_SHADERS(q3_k_q8);
    case GgmlType::Q4_K: return VKLLM_UBO_SHADERS(q4_k_q8);
    case GgmlType::Q5_K: return VKLLM_UBO_SHADERS(q5_k_q8);
    case GgmlType::Q6_K: return VKLLM_UBO_SHADERS(q6_k_q8);
    default: fail("mul_mat: weight type {} does not take q8 activations", type_name(type));
  }
}


// The variants in ggml's order (shaders/mul_mat_vec_ubo_ggml.comp).
UboShaders ggml_shaders_for(GgmlType type) {
  switch (type) {
    case GgmlType::Q4_0: return VKLLM_UBO_SHADERS(q4_0_ggml);
    case GgmlType::Q4_1: return VKLLM_UBO_SHADERS(q4_1_ggml);
    case GgmlType::Q5_0: return VKLLM_UBO_SHADERS(q5_0_ggml);
    case GgmlType::Q5_1: return VKLLM_UBO_SHADERS(q5_1_ggml);
    case GgmlType::Q8_0: return VKLLM_UBO_SHADERS(q8_0_ggml);
    case GgmlType::Q2_K: return VKLLM_UBO_SHADERS(q2_k_ggml);
    case GgmlType::Q3_K: return VKLLM_UBO_SHADERS(q3_k_ggml);
    case GgmlType::Q4_K: return VKLLM_UBO_SHADERS(q4_k_ggml);
    case GgmlType::Q5_K: return VKLLM_UBO_SHADERS(q5_k_ggml);
    case GgmlType::Q6_K: return VKLLM_UBO_SHADERS(q6_k_ggml);
    default: fail("mul_mat: no kernel sums {} weights in ggml's order", type_name(type));
  }
}


// Rows per workgroup (one load of x serves them all), as measured on lavapipe (q4_0 4096 x 14336:
// 8 rows 9.2 ms, 4 rows 10.6, 2 rows 13.5): more rows keep more registers live, so the float types
// are best at 2 (f16 4096 x 4096: 8.9 ms against 10.0 at 4) and the k-quants about even at 4 or 8.
uint32_t max_rows_for(GgmlType type) {
  switch (type) {
    case GgmlType::F32:
    case GgmlType::F16:
    case GgmlType::BF16: return 2;
    case GgmlType::Q4_0:
    case GgmlType::Q4_1:
    case GgmlType::Q5_0:
    case GgmlType::Q5_1: return 8;
    default: return 4;
  }
}

uint64_t uniform_range(const vk::DeviceLimits& limits) {
  return std::min(limits.max_uniform_buffer_range, kDeclaredBytes);
}

// Whole rows per slot: a slot starts up to align - 1 bytes before its first row.
uint64_t rows_per_slot(const vk::DeviceLimits& limits, uint64_t row_bytes) {
  const uint64_t lead = limits.min_uniform_buffer_offset_alignment - 1;
  const uint64_t range = uniform_range(limits);
  return range > lead + 4 ? (range - lead - 4) / row_bytes : 0;  // + 4: a last word read whole
}

bool weight_fits(const vk::Device& device, const Tensor& weight) {
  const vk::DeviceLimits& limits = device.info().limits;
  return limits.max_uniform_buffers_per_stage >= kSlots + 1 && limits.max_push_descriptors >= kSlots + 2 &&
         limits.min_uniform_buffer_offset_alignment > 0 && weight.nb[1] % 2 == 0 &&
         rows_per_slot(limits, weight.nb[1]) >= 1;
}

// Column after column (x_column(col) binds it, shaders_of(col) names its variants), the weight in
// dispatches of kSlots slots of rows, workgroups of at most max_rows rows.
template <typename ShadersOf, typename XColumn>
void dispatch_columns(vk::Recorder& rec, const Tensor& weight, ShadersOf shaders_of, uint32_t max_rows, uint64_t n,
                      XColumn x_column, const Tensor& dst) {
  const vk::DeviceLimits& limits = rec.device().info().limits;
  const uint64_t k = weight.ne[0], m = weight.ne[1], row_bytes = weight.nb[1];
  const uint64_t align = limits.min_uniform_buffer_offset_alignment;
  uint64_t per_slot = rows_per_slot(limits, row_bytes);
  size_t variant = 0;
  uint32_t rows = 8;
  while (rows > per_slot || rows > max_rows) rows /= 2, ++variant;
  per_slot = per_slot / rows * rows;
  const uint64_t per_dispatch = per_slot * kSlots;

  // Rows are read as whole 32-bit words: the weight's allocation covers its size rounded up to 4.
  const uint64_t weight_end = weight.data.offset + (weight.data.size + 3) / 4 * 4;
  // Each dispatch writes its own part of dst where those parts can be bound apart (no barriers).
  const uint64_t storage_align = limits.min_storage_buffer_offset_alignment;
  const bool dst_parts = per_dispatch * 4 % storage_align == 0 && m * 4 % storage_align == 0;
  std::vector<vk::Binding> bindings;
  for (uint64_t col = 0; col < n; ++col) {
    const ShaderId shader = shaders_of(col).by_rows[variant];
    for (uint64_t first = 0; first < m; first += per_dispatch) {
      const uint64_t count = std::min(per_dispatch, m - first);
      const uint64_t start = weight.data.offset + first * row_bytes;
      bindings.clear();
      for (uint64_t s = 0; s < kSlots; ++s) {
        // Spare slots of the last dispatch repeat its last slot.
        const uint64_t slot_first = std::min(s * per_slot, (count - 1) / per_slot * per_slot);
        const uint64_t slot_rows = std::min(per_slot, count - slot_first);
        const uint64_t from = start + slot_first * row_bytes;
        const uint64_t view_from = from / align * align;
        const uint64_t view_to = std::min(weight_end, (from + slot_rows * row_bytes + 3) / 4 * 4);
        bindings.push_back(vk::reads(vk::BufferView{weight.data.buffer, view_from, view_to - view_from}));
      }
      bindings.push_back(vk::reads(x_column(col)));
      const uint64_t dst_first = col * m + first;
      bindings.push_back(vk::writes(dst_parts ? dst.data.sub(dst_first * 4, count * 4) : dst.data));
      const params::MulMatVecUboParams p{u32("mul_mat", count),    u32("mul_mat", k),      u32("mul_mat", row_bytes),
                                         u32("mul_mat", per_slot), uint32_t(start % align), u32("mul_mat", align),
                                         dst_parts ? 0u : u32("mul_mat", dst_first)};
      rec.dispatch_bytes(shader, bindings, &p, sizeof(p), vk::workgroups(u32("mul_mat", (count + rows - 1) / rows)));
    }
  }
}

}  // namespace

bool mul_mat_vec_ubo_fits(const vk::Device& device, const Tensor& weight, const Tensor& x) {
  const vk::DeviceLimits& limits = device.info().limits;
  const uint64_t align = limits.min_uniform_buffer_offset_alignment;
  return weight_fits(device, weight) && x.ne[0] * 4 <= uniform_range(limits) && x.data.offset % align == 0 &&
         (x.rows() == 1 || x.ne[0] * 4 % align == 0);
}

void mul_mat_vec_ubo(vk::Recorder& rec, const Tensor& weight, const Tensor& x, const Tensor& dst) {
  const uint64_t k = weight.ne[0];
  const UboShaders shaders = shaders_for(weight.type);
  dispatch_columns(rec, weight, [&](uint64_t) { return shaders; }, max_rows_for(weight.type), x.rows(),
                   [&](uint64_t col) { return x.data.sub(col * k * 4, k * 4); }, dst);
}

uint64_t q8_column_bytes(const vk::Device& device, uint64_t k) {
  const uint64_t align = std::max<uint64_t>(4, device.info().limits.min_uniform_buffer_offset_alignment);
  return (q8_column_data_bytes(k) + align - 1) / align * align;
}

bool mul_mat_vec_ubo_q8_fits(const vk::Device& device, const Tensor& weight, const Q8Columns& x) {
  const vk::DeviceLimits& limits = device.info().limits;
  const uint64_t align = limits.min_uniform_buffer_offset_alignment;
  const auto rounding = activation_rounding(weight.type, weight.ne[0]);
  return (rounding == ActivationRounding::Q8_0 || rounding == ActivationRounding::Q8_K) && weight_fits(device, weight) &&
         x.k == weight.ne[0] && q8_column_data_bytes(x.k) <= uniform_range(limits) && x.data.offset % align == 0 &&
         x.column_bytes % align == 0 && x.column_bytes >= q8_column_data_bytes(x.k) &&
         x.n * x.column_bytes <= x.data.size;
}

void mul_mat_vec_ubo_q8(vk::Recorder& rec, const Tensor& weight, const Q8Columns& x, const Tensor& dst,
                        SumOrder order, std::span<const int64_t> runs) {
  // The K-quants' kernels in ggml's order are the faster ones too (lavapipe, 4096 x 4096, ms:
  // q2_K 3.95 against 5.32, q3_K 4.72 / 8.90, q4_K 4.50 / 5.19, q5_K 6.54 / 10.1, q6_K 6.1 / 8.4).
  const bool k_quant = activation_rounding(weight.type, weight.ne[0]) == ActivationRounding::Q8_K;
  const bool ggml = order == SumOrder::Ggml || (k_quant && has_ggml_order(rec.device()));
  // In ggml's order an invocation owns a row: 8 rows keep the workgroup's 8 invocations busy (4 rows
  // took 8.5 ms on lavapipe at q8_0 4096 x 4096, 8 rows 5.4).
  const UboShaders shaders = ggml ? ggml_shaders_for(weight.type) : q8_shaders_for(weight.type);
  // ggml repacks Q2_K/Q4_K tensors of 8k rows: its gemv for tokens alone, its gemm for groups of four.
  const bool repacked = ggml && (weight.type == GgmlType::Q2_K || weight.type == GgmlType::Q4_K) && weight.ne[1] % 8 == 0;
  const bool q2 = weight.type == GgmlType::Q2_K;
  const UboShaders gemv = q2 ? VKLLM_UBO_SHADERS(q2_k_gemv) : VKLLM_UBO_SHADERS(q4_k_gemv);
  const UboShaders gemm = q2 ? VKLLM_UBO_SHADERS(q2_k_gemm) : VKLLM_UBO_SHADERS(q4_k_gemm);
  const std::vector<bool> in_gemm = repacked ? cpu::batch_part_of_runs(runs, int64_t(x.n), 4) : std::vector<bool>();
  auto shaders_of = [&](uint64_t col) { return !repacked ? shaders : in_gemm[col] ? gemm : gemv; };
  dispatch_columns(rec, weight, shaders_of, ggml ? 8 : max_rows_for(weight.type), x.n,
                   [&](uint64_t col) { return x.data.sub(col * x.column_bytes, q8_column_data_bytes(x.k)); }, dst);
}

void mul_mat_vec_ubo_ggml(vk::Recorder& rec, const Tensor& weight, const Tensor& x, const Tensor& dst,
                          std::span<const int64_t> runs) {
  const bool f16 = weight.type == GgmlType::F16;
  VKLLM_ASSERT(f16 || weight.type == GgmlType::F32, "no ggml order for {} times f32", type_name(weight.type));
  const uint64_t k = weight.ne[0], n = x.rows();
  const UboShaders one = f16 ? VKLLM_UBO_SHADERS(f16_ggml) : VKLLM_UBO_SHADERS(f32_ggml);
  const UboShaders tiny_blas = f16 ? VKLLM_UBO_SHADERS(f16_tinyblas) : VKLLM_UBO_SHADERS(f32_tinyblas);
  // As the CPU layers choose (cpu::DotKernel::batch_tokens): tinyBLAS for the columns of runs of two
  // or more when the tensor has 4k rows of 16k elements.
  const bool blas_shape = weight.ne[1] % 4 == 0 && k % 16 == 0;
  const std::vector<bool> in_blas = cpu::batch_part_of_runs(runs, int64_t(n), 1);
  dispatch_columns(rec, weight, [&](uint64_t col) { return blas_shape && in_blas[col] ? tiny_blas : one; }, 2, n,
                   [&](uint64_t col) { return x.data.sub(col * k * 4, k * 4); }, dst);
}

#undef VKLLM_UBO_SHADERS

}  // namespace vkllm::ops
