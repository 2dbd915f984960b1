#include "host/cpu/cpu_ops.h"

#include <cmath>
#include <vector>

#include "engine/quant/dequantize.h"
#include "host/cpu/activation_rounding.h"
#include "host/cpu/q8_dot.h"

namespace vkllm::cpu {
namespace {

// Eight independent partial sums, so the compiler can keep them in one vector register.
float dot(const float* a, const float* b, int64_t n) {
  float acc[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] += a[i + j] * b[i + j];
  float sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

std::vector<float> dequantized(const WeightRef& w) {
  std::vector<float> out(w.info->n_elements);
  dequantize(w.type(), w.data, out);
  return out;
}

}  // namespace

void matmul(const WeightRef& w, const float* x_in, int64_t n_tokens, float* y, ThreadPool& pool) {
  const int64_t rows = int64_t(w.rows()), cols = int64_t(w.cols());
  const GgmlType partner = q8_partner(w.type());
  if (partner != GgmlType::F32) {
    // Integer path: activations quantized once per token, each weight row dotted in its own format.
    std::vector<std::vector<uint8_t>> xq(n_tokens);
    for (int64_t t = 0; t < n_tokens; ++t) quantize_activations(partner, x_in + t * cols, cols, xq[t]);
    pool.parallel_for(rows, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r)
        for (int64_t t = 0; t < n_tokens; ++t) y[t * rows + r] = q8_dot(w.type(), w.row(r), xq[t].data(), cols);
    });
    return;
  }
  std::vector<float> rounded(n_tokens * cols);
  for (int64_t t = 0; t < n_tokens; ++t) round_activations(w.type(), x_in + t * cols, &rounded[t * cols], cols);
  const float* x = rounded.data();
  pool.parallel_for(rows, [&](int64_t begin, int64_t end) {
    std::vector<float> row(cols);
    for (int64_t r = begin; r < end; ++r) {
      dequantize_row(w.type(), w.row(r), row.data(), cols);
      for (int64_t t = 0; t < n_tokens; ++t) y[t * rows + r] = dot(row.data(), x + t * cols, cols);
    }
  });
}

void rms_norm(const float* x, const WeightRef& weight, int64_t n_tokens, int64_t width, float eps, float* y) {
  const auto w = dequantized(weight);
  for (int64_t t = 0; t < n_tokens; ++t) {
    const float* xt = x + t * width;
    double sum = 0;
    for (int64_t i = 0; i < width; ++i) sum += double(xt[i]) * xt[i];
    const float scale = 1.0f / std::sqrt(float(sum / width) + eps);
    for (int64_t i = 0; i < width; ++i) y[t * width + i] = xt[i] * scale * w[i];
  }
}

void add_bias(float* x, const WeightRef& bias, int64_t n_tokens, int64_t width) {
  const auto b = dequantized(bias);
  for (int64_t t = 0; t < n_tokens; ++t)
    for (int64_t i = 0; i < width; ++i) x[t * width + i] += b[i];
}

void rope(float* x, std::span<const int32_t> positions, int64_t n_heads, const Hparams& hp) {
  const int64_t half = hp.n_rot / 2;
  // Angles by repeated multiplication, as ggml makes them, so rounding matches llama.cpp.
  const float theta_scale = std::pow(hp.rope_freq_base, -2.0f / float(hp.n_rot));
  std::vector<float> cos_table(half), sin_table(half);
  for (size_t t = 0; t < positions.size(); ++t) {
    float theta = float(positions[t]);
    for (int64_t i = 0; i < half; ++i) {
      const float angle = hp.rope_freq_scale * theta;
      cos_table[i] = std::cos(angle);
      sin_table[i] = std::sin(angle);
      theta *= theta_scale;
    }
    for (int64_t h = 0; h < n_heads; ++h) {
      float* v = x + (int64_t(t) * n_heads + h) * hp.head_dim;
      for (int64_t i = 0; i < half; ++i) {
        const int64_t a = hp.rope_type == RopeType::Neox ? i : 2 * i;
        const int64_t b = hp.rope_type == RopeType::Neox ? i + half : 2 * i + 1;
        const float x0 = v[a], x1 = v[b];
        v[a] = x0 * cos_table[i] - x1 * sin_table[i];
        v[b] = x0 * sin_table[i] + x1 * cos_table[i];
      }
    }
  }
}

void swiglu(float* gate, const float* up, int64_t n) {
  for (int64_t i = 0; i < n; ++i) gate[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

void get_rows(const WeightRef& table, std::span<const int32_t> tokens, float* out) {
  const int64_t cols = int64_t(table.cols());
  for (size_t t = 0; t < tokens.size(); ++t) {
    if (tokens[t] < 0 || uint64_t(tokens[t]) >= table.rows())
      fail("token id {} is outside the vocabulary of {} tokens", tokens[t], table.rows());
    dequantize_row(table.type(), table.row(tokens[t]), out + int64_t(t) * cols, cols);
  }
}

}  // namespace vkllm::cpu
