#include "host/cpu/cpu_ops.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/quant/dequantize.h"
#include "host/cpu/activation_rounding.h"
#include "host/cpu/row_dot.h"

namespace vkllm::cpu {
namespace {

std::vector<float> dequantized(const WeightRef& w) {
  std::vector<float> out(w.info->n_elements);
  dequantize(w.type(), w.data, out);
  return out;
}

// Batched products walk tiles of kRowTile weight rows x kTokenTile tokens, so a tile's weight rows
// stay in L1/L2 while all tokens pass and each weight block is decoded once per kMaxDotTokens tokens.
constexpr int64_t kRowTile = 16;
constexpr int64_t kTokenTile = 64;
static_assert(kRowTile % kMaxDotRows == 0, "a row tile holds whole kernel calls");

}  // namespace

void matmul(const WeightRef& w, const float* x_in, int64_t n_tokens, float* y, ThreadPool& pool) {
  const int64_t rows = int64_t(w.rows()), cols = int64_t(w.cols());
  const CpuPath path = cpu_path();
  DotKernel kernel = dot_kernel(w.type(), path, rows);
  const bool decode_rows = kernel.dot == nullptr;  // a type without a kernel: dequantize rows to f32
  if (decode_rows) kernel = dot_kernel(GgmlType::F32, path);
  const size_t stride = activation_row_bytes(kernel.format, cols);
  std::vector<uint8_t> act(stride * size_t(n_tokens));
  pool.parallel_for(n_tokens, [&](int64_t begin, int64_t end) {
    std::vector<float> rounded(decode_rows ? size_t(cols) : 0);
    for (int64_t t = begin; t < end; ++t) {
      const float* xt = x_in + t * cols;
      if (decode_rows) {  // round as ggml would for this weight type, then treat as f32
        round_activations(w.type(), xt, rounded.data(), cols);
        xt = rounded.data();
      }
      prepare_activations(kernel.format, xt, cols, act.data() + size_t(t) * stride, path);
    }
  });

  // Decoding (one token) wants many rows per call; a batch wants row tiles that stay in cache.
  const int64_t row_tile = n_tokens == 1 ? kernel.rows : kRowTile;
  const size_t w_stride = decode_rows ? size_t(cols) * sizeof(float) : size_t(w.row_bytes());
  pool.parallel_for((rows + row_tile - 1) / row_tile, [&](int64_t begin, int64_t end) {
    std::vector<float> decoded(decode_rows ? size_t(kernel.rows * cols) : 0);
    float out[kMaxDotRows * kMaxDotTokens];
    const int64_t r_end = std::min(rows, end * row_tile);
    for (int64_t tile = begin * row_tile; tile < r_end; tile += row_tile) {
      const int64_t tile_end = std::min(r_end, tile + row_tile);
      for (int64_t t0 = 0; t0 < n_tokens; t0 += kTokenTile) {
        const int64_t t_end = std::min(n_tokens, t0 + kTokenTile);
        for (int64_t r = tile; r < tile_end; r += kernel.rows) {
          const int nr = int(std::min<int64_t>(kernel.rows, tile_end - r));
          const uint8_t* wr = w.row(uint64_t(r));
          if (decode_rows) {
            for (int i = 0; i < nr; ++i) dequantize_row(w.type(), w.row(uint64_t(r + i)), &decoded[size_t(i * cols)], cols);
            wr = reinterpret_cast<const uint8_t*>(decoded.data());
          }
          for (int64_t t = t0; t < t_end; t += kMaxDotTokens) {
            const int nt = int(std::min<int64_t>(kMaxDotTokens, t_end - t));
            kernel.dot(wr, w_stride, nr, act.data() + size_t(t) * stride, stride, nt, cols, out);
            for (int i = 0; i < nr; ++i)
              for (int j = 0; j < nt; ++j) y[(t + j) * rows + r + i] = out[i * nt + j];
          }
        }
      }
    }
  });
}

void rms_norm(const float* x, const WeightRef& weight, int64_t n_tokens, int64_t width, float eps, float* y) {
  const auto w = dequantized(weight);
  for (int64_t t = 0; t < n_tokens; ++t) {
    const float* xt = x + t * width;
    double sum = 0;
    for (int64_t i = 0; i < width; ++i) sum += double(xt[i] * xt[i]);  // squared in float, as ggml
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
        // ggml's compiler fuses the first product of each line into the add (fp-contract).
        v[a] = std::fma(x0, cos_table[i], -(x1 * sin_table[i]));
        v[b] = std::fma(x0, sin_table[i], x1 * cos_table[i]);
      }
    }
  }
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
