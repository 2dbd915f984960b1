#include "host/cpu/row_dot.h"

#include <cstring>
#include <vector>

#include "engine/quant/blocks.h"
#include "engine/util/check.h"
#include "engine/util/fp16.h"
#include "host/cpu/activation_rounding.h"
#include "host/cpu/k_quant_decode.h"
#include "host/cpu/legacy_x8_layout.h"
#include "host/cpu/q4_0_x8_layout.h"
#include "host/cpu/q8_dot.h"

namespace vkllm::cpu {
namespace {

template <GgmlType T>
void dot_legacy_scalar(const uint8_t* w, size_t w_stride, int n_rows, const uint8_t* x, size_t x_stride, int n_tokens,
                       int64_t n, float* out) {
  for (int r = 0; r < n_rows; ++r)
    for (int t = 0; t < n_tokens; ++t) out[r * n_tokens + t] = q8_dot(T, w + r * w_stride, x + size_t(t) * x_stride, n);
}

// A group of legacy_x8_layout.h: each row's blocks gathered, then summed as in the file's layout.
template <GgmlType T>
void dot_legacy_grouped_scalar(const uint8_t* w, size_t, int n_rows, const uint8_t* x, size_t x_stride, int n_tokens,
                               int64_t n, float* out) {
  constexpr size_t block_bytes = sizeof(Block<T>);
  std::vector<uint8_t> row(size_t(n / kQK) * block_bytes);
  for (int r = 0; r < n_rows; ++r) {
    for (int64_t i = 0; i < n / kQK; ++i)
      std::memcpy(&row[size_t(i) * block_bytes], legacy_x8_block(w, block_bytes, i, r), block_bytes);
    for (int t = 0; t < n_tokens; ++t) out[r * n_tokens + t] = q8_dot(T, row.data(), x + size_t(t) * x_stride, n);
  }
}

void dot_q4_0_x8_scalar(const uint8_t* w, size_t w_stride, int n_rows, const uint8_t* x, size_t x_stride, int n_tokens,
                        int64_t n, float* out) {
  for (int r = 0; r < n_rows; ++r)
    for (int t = 0; t < n_tokens; ++t)
      out[r * n_tokens + t] = q4_0_block_sum_dot(w + r * w_stride, x + size_t(t) * x_stride, n);
}

void dot_q4_0_x8_grouped_scalar(const uint8_t* w, size_t, int n_rows, const uint8_t* x, size_t x_stride,
                                int n_tokens, int64_t n, float* out) {
  std::vector<BlockQ4_0> row(size_t(n / kQK));
  for (int r = 0; r < n_rows; ++r) {
    for (size_t i = 0; i < row.size(); ++i) row[i] = q4_0_x8_block(w, int64_t(i), r);
    for (int t = 0; t < n_tokens; ++t)
      out[r * n_tokens + t] = q4_0_block_sum_dot(row.data(), x + size_t(t) * x_stride, n);
  }
}

// q8_0 or q8_1 blocks, by ggml's AVX2 quantizer or its scalar twin (the same bytes).
void quantize_blocks(GgmlType partner, const float* x, int64_t n, uint8_t* out, CpuPath path) {
  if (path == CpuPath::Avx2) quantize_legacy_avx2(partner, x, n, out);
  else quantize_activations(partner, x, n, out);
}

ActivationFormat format_for(GgmlType weight_type) {
  switch (weight_type) {
    case GgmlType::Q4_0: case GgmlType::Q5_0: case GgmlType::Q8_0: return ActivationFormat::Q8_0;
    case GgmlType::Q4_1: case GgmlType::Q5_1: return ActivationFormat::Q8_1;
    case GgmlType::Q2_K: case GgmlType::Q3_K: case GgmlType::Q4_K: case GgmlType::Q5_K: case GgmlType::Q6_K:
      return ActivationFormat::Q8_K;
    case GgmlType::F16: return ActivationFormat::F16;
    case GgmlType::BF16: return ActivationFormat::BF16;
    default: return ActivationFormat::F32;
  }
}

}  // namespace

RowDot legacy_dot_scalar(GgmlType weight_type) {
  switch (weight_type) {
    case GgmlType::Q4_0: return dot_legacy_scalar<GgmlType::Q4_0>;
    case GgmlType::Q4_1: return dot_legacy_scalar<GgmlType::Q4_1>;
    case GgmlType::Q5_0: return dot_legacy_scalar<GgmlType::Q5_0>;
    case GgmlType::Q5_1: return dot_legacy_scalar<GgmlType::Q5_1>;
    case GgmlType::Q8_0: return dot_legacy_scalar<GgmlType::Q8_0>;
    default: return nullptr;
  }
}

RowDot legacy_grouped_dot_scalar(GgmlType weight_type) {
  switch (weight_type) {
    case GgmlType::Q4_1: return dot_legacy_grouped_scalar<GgmlType::Q4_1>;
    case GgmlType::Q5_0: return dot_legacy_grouped_scalar<GgmlType::Q5_0>;
    case GgmlType::Q5_1: return dot_legacy_grouped_scalar<GgmlType::Q5_1>;
    case GgmlType::Q8_0: return dot_legacy_grouped_scalar<GgmlType::Q8_0>;
    default: return nullptr;
  }
}

RowDot q4_0_x8_dot_scalar() { return dot_q4_0_x8_scalar; }
RowDot q4_0_x8_grouped_dot_scalar() { return dot_q4_0_x8_grouped_scalar; }

DotKernel dot_kernel(const WeightRef& w, CpuPath path) {
  if (!w.grouped_x8) return dot_kernel(w.type(), path, int64_t(w.rows()));
  if (w.type() != GgmlType::Q4_0) {  // legacy_x8_layout.h: the file layout's kernel, reading groups
    DotKernel k = dot_kernel(w.type(), path, int64_t(w.rows()));
    k.dot = path == CpuPath::Avx2 ? legacy_grouped_dot_avx2(w.type()) : legacy_grouped_dot_scalar(w.type());
    VKLLM_ASSERT(k.dot != nullptr && k.rows == kLegacyGroupRows, "no grouped kernel for {}", type_name(w.type()));
    return k;
  }
  DotKernel k{ActivationFormat::Q8_0_SUMS, nullptr};
  k.dot = path == CpuPath::Avx2 ? q4_0_x8_grouped_dot_avx2() : q4_0_x8_grouped_dot_scalar();
  k.rows = 8;
  k.tokens = 8;
  return k;
}

DotKernel dot_kernel(GgmlType weight_type, CpuPath path, int64_t rows_in_tensor) {
  const bool avx2 = path == CpuPath::Avx2;
  DotKernel k{format_for(weight_type), nullptr};
  if (weight_type == GgmlType::Q4_0 && rows_in_tensor > 0 && rows_in_tensor % 8 == 0) {
    k.format = ActivationFormat::Q8_0_SUMS;
    k.dot = avx2 ? q4_0_x8_dot_avx2() : q4_0_x8_dot_scalar();
    k.rows = 8;
    k.tokens = 8;
    return k;
  }
  switch (k.format) {
    case ActivationFormat::Q8_0: case ActivationFormat::Q8_1:
      k.dot = avx2 ? legacy_dot_avx2(weight_type) : legacy_dot_scalar(weight_type);
      k.rows = 8;    // one token: eight rows' chains side by side
      k.tokens = 8;  // a batch: one row's blocks decoded once for eight tokens
      break;
    case ActivationFormat::Q8_K:
      k.dot = avx2 ? k_quant_dot_avx2(weight_type) : k_quant_dot_scalar(weight_type);
      if (kq::has_repacked_order(weight_type) && rows_in_tensor > 0 && rows_in_tensor % 8 == 0) {
        k.dot = avx2 ? k_repacked_dot_avx2(weight_type, false) : k_repacked_dot_scalar(weight_type, false);
        k.batch_dot = avx2 ? k_repacked_dot_avx2(weight_type, true) : k_repacked_dot_scalar(weight_type, true);
        k.batch_group = 4;
      }
      k.tokens = 8;  // the levels unpacked once for eight tokens
      break;
    default:
      k.dot = avx2 ? float_dot_avx2(weight_type) : float_dot_scalar(weight_type);
      if (rows_in_tensor > 0 && rows_in_tensor % 4 == 0) {
        k.batch_dot = avx2 ? float_batch_dot_avx2(weight_type) : float_batch_dot_scalar(weight_type);
        k.batch_step = kBatchDotStep;
        k.tokens = 6;  // two of its 4x3 tiles per call
      }
      break;
  }
  return k;
}

size_t activation_row_bytes(ActivationFormat format, int64_t n) {
  size_t bytes = 0;
  switch (format) {
    case ActivationFormat::Q8_0: bytes = q8_scales_tail(format, n / kQK) + size_t(n / kQK) * sizeof(float); break;
    case ActivationFormat::Q8_1: bytes = q8_scales_tail(format, n / kQK) + size_t(n / kQK) * 2 * sizeof(float); break;
    case ActivationFormat::Q8_K: bytes = size_t(n / kQK_K) * sizeof(BlockQ8_K); break;
    case ActivationFormat::Q8_0_SUMS: bytes = q8_0_sums_tail(n / kQK) + size_t(n / kQK) * 2 * sizeof(int32_t); break;
    case ActivationFormat::F16: bytes = size_t(n) * sizeof(uint16_t); break;
    default: bytes = size_t(n) * sizeof(float); break;
  }
  bytes = (bytes + 31) / 32 * 32;
  // Rows a multiple of 4 KiB apart map to the same L1 sets; a line of padding spreads the tokens a
  // batch kernel reads side by side.
  return bytes % 4096 == 0 ? bytes + 64 : bytes;
}

void prepare_activations(ActivationFormat format, const float* x, int64_t n, uint8_t* out, CpuPath path) {
  switch (format) {
    case ActivationFormat::Q8_0: case ActivationFormat::Q8_1: {
      quantize_blocks(format == ActivationFormat::Q8_0 ? GgmlType::Q8_0 : GgmlType::Q8_1, x, n, out, path);
      const int64_t nb = n / kQK;
      auto* scales = reinterpret_cast<float*>(out + q8_scales_tail(format, nb));
      if (format == ActivationFormat::Q8_0) {
        const auto* blocks = reinterpret_cast<const BlockQ8_0*>(out);
        for (int64_t i = 0; i < nb; ++i) scales[i] = fp16_to_fp32(blocks[i].d);
      } else {
        const auto* blocks = reinterpret_cast<const BlockQ8_1*>(out);
        for (int64_t i = 0; i < nb; ++i) scales[i] = fp16_to_fp32(blocks[i].d), scales[nb + i] = fp16_to_fp32(blocks[i].s);
      }
      return;
    }
    case ActivationFormat::Q8_0_SUMS: {
      const int64_t nb = n / kQK;
      quantize_blocks(GgmlType::Q8_0, x, n, out, path);
      const auto* blocks = reinterpret_cast<const BlockQ8_0*>(out);
      auto* offsets = reinterpret_cast<int32_t*>(out + q8_0_sums_tail(nb));
      auto* scales = reinterpret_cast<float*>(offsets + nb);
      for (int64_t i = 0; i < nb; ++i) {
        int32_t sum = 0;
        for (int j = 0; j < kQK; ++j) sum += blocks[i].qs[j];
        offsets[i] = 8 * sum;
        scales[i] = fp16_to_fp32(blocks[i].d);
      }
      return;
    }
    case ActivationFormat::Q8_K: return path == CpuPath::Avx2 ? quantize_q8_k_avx2(x, n, out) : quantize_q8_k(x, n, out);
    case ActivationFormat::F16: {
      // Rounded as ggml converts (half to even), stored in 2 bytes: exact, half the traffic.
      auto* halves = reinterpret_cast<uint16_t*>(out);
      return path == CpuPath::Avx2 ? to_f16_avx2(x, halves, n) : to_f16(x, halves, n);
    }
    case ActivationFormat::BF16:
      if (path == CpuPath::Avx2) return round_activations_avx2(GgmlType::BF16, x, reinterpret_cast<float*>(out), n);
      return round_activations(GgmlType::BF16, x, reinterpret_cast<float*>(out), n);
    case ActivationFormat::F32: std::memcpy(out, x, size_t(n) * sizeof(float)); return;
  }
}

}  // namespace vkllm::cpu
