#include "host/cpu/reference_ops.h"

#include <cmath>
#include <limits>

#include "engine/util/check.h"
#include "host/cpu/quant_reference.h"

namespace vkllm::cpu {
namespace {

template <typename F>
std::vector<float> map(std::span<const float> x, F f) {
  std::vector<float> out(x.size());
  for (size_t i = 0; i < x.size(); ++i) out[i] = float(f(double(x[i])));
  return out;
}

double silu_d(double x) { return x / (1.0 + std::exp(-x)); }

}  // namespace

std::vector<float> binary(BinaryOp op, std::span<const float> a, const Shape& a_ne, std::span<const float> b,
                          const Shape& b_ne) {
  std::vector<float> out(a.size());
  size_t i = 0;
  for (uint64_t i3 = 0; i3 < a_ne[3]; ++i3)
    for (uint64_t i2 = 0; i2 < a_ne[2]; ++i2)
      for (uint64_t i1 = 0; i1 < a_ne[1]; ++i1)
        for (uint64_t i0 = 0; i0 < a_ne[0]; ++i0, ++i) {
          const uint64_t bi =
              i0 % b_ne[0] + b_ne[0] * (i1 % b_ne[1] + b_ne[1] * (i2 % b_ne[2] + b_ne[2] * (i3 % b_ne[3])));
          out[i] = op == BinaryOp::Add ? a[i] + b[bi] : a[i] * b[bi];
        }
  return out;
}

std::vector<float> scale(std::span<const float> x, float factor) {
  return map(x, [&](double v) { return v * factor; });
}

std::vector<float> silu(std::span<const float> x) { return map(x, silu_d); }

std::vector<float> gelu(std::span<const float> x) {
  return map(x, [](double v) { return 0.5 * v * (1.0 + std::tanh(0.7978845608028654 * (v + 0.044715 * v * v * v))); });
}

std::vector<float> swiglu(std::span<const float> gate, std::span<const float> up) {
  std::vector<float> out(gate.size());
  for (size_t i = 0; i < gate.size(); ++i) out[i] = float(silu_d(gate[i]) * up[i]);
  return out;
}

std::vector<float> rms_norm(std::span<const float> x, std::span<const float> weight, uint64_t ncols, float eps) {
  std::vector<float> out(x.size());
  for (size_t row = 0; row < x.size() / ncols; ++row) {
    const float* in = x.data() + row * ncols;
    double sum = 0;
    for (uint64_t c = 0; c < ncols; ++c) sum += double(in[c]) * in[c];
    const double scale = 1.0 / std::sqrt(sum / double(ncols) + eps);
    for (uint64_t c = 0; c < ncols; ++c) out[row * ncols + c] = float(in[c] * scale * weight[c]);
  }
  return out;
}

std::vector<float> softmax(std::span<const float> x, const SoftmaxArgs& args) {
  const uint64_t n = args.ncols;
  std::vector<float> out(x.size());
  std::vector<double> logits(n);
  for (size_t row = 0; row < x.size() / n; ++row) {
    const uint64_t query = row % args.rows_per_head;
    double max = -std::numeric_limits<double>::infinity();
    for (uint64_t c = 0; c < n; ++c) {
      double v = double(x[row * n + c]) * args.scale;
      if (!args.mask.empty()) v += args.mask[query * n + c];
      if (args.causal && c > args.n_past + query) v = -std::numeric_limits<double>::infinity();
      logits[c] = v;
      max = std::max(max, v);
    }
    double sum = 0;
    for (uint64_t c = 0; c < n; ++c) sum += (logits[c] = std::isinf(max) ? 0.0 : std::exp(logits[c] - max));
    for (uint64_t c = 0; c < n; ++c) out[row * n + c] = sum > 0 ? float(logits[c] / sum) : 0.0f;
  }
  return out;
}

std::vector<float> rope(std::span<const float> x, std::span<const int32_t> positions, const RopeArgs& args) {
  std::vector<float> out(x.begin(), x.end());
  const uint64_t d = args.head_dim;
  const uint64_t half_rot = args.n_dims / 2;
  for (size_t token = 0; token < positions.size(); ++token)
    for (uint64_t head = 0; head < args.n_heads; ++head) {
      const size_t base = (token * args.n_heads + head) * d;
      for (uint64_t i = 0; i < half_rot; ++i) {
        const double theta = double(positions[token]) * args.freq_scale *
                             std::pow(double(args.freq_base), -2.0 * double(i) / double(args.n_dims));
        const size_t i0 = base + (args.neox ? i : 2 * i);
        const size_t i1 = base + (args.neox ? i + half_rot : 2 * i + 1);
        const double x0 = x[i0], x1 = x[i1];
        out[i0] = float(x0 * std::cos(theta) - x1 * std::sin(theta));
        out[i1] = float(x0 * std::sin(theta) + x1 * std::cos(theta));
      }
    }
  return out;
}

std::vector<int32_t> argmax(std::span<const float> x, uint64_t ncols) {
  std::vector<int32_t> out(x.size() / ncols);
  for (size_t row = 0; row < out.size(); ++row) {
    uint64_t best = 0;
    for (uint64_t c = 1; c < ncols; ++c)
      if (x[row * ncols + c] > x[row * ncols + best]) best = c;
    out[row] = int32_t(best);
  }
  return out;
}

std::vector<float> get_rows(GgmlType type, std::span<const uint8_t> src, uint64_t ncols,
                            std::span<const int32_t> indices) {
  const uint64_t row_size = *row_bytes(type, ncols);
  std::vector<float> out;
  out.reserve(indices.size() * ncols);
  for (int32_t index : indices) {
    VKLLM_ASSERT(index >= 0 && (uint64_t(index) + 1) * row_size <= src.size(), "row {} out of range", index);
    const auto row = dequantize(type, src.subspan(uint64_t(index) * row_size, row_size), ncols);
    out.insert(out.end(), row.begin(), row.end());
  }
  return out;
}

}  // namespace vkllm::cpu
