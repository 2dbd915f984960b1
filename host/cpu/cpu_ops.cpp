#include "host/cpu/cpu_ops.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/quant/dequantize.h"
#include "engine/util/check.h"
#include "host/cpu/activation_rounding.h"
#include "host/cpu/rope_angles.h"
#include "host/cpu/row_dot.h"

namespace vkllm::cpu {
namespace {

std::vector<float> dequantized(const WeightRef& w) {
  std::vector<float> out(w.info->n_elements);
  dequantize(w.type(), w.data, out);
  return out;
}

// A batched product's job is a tile of kRowTile weight rows. Each kernel call's tokens (their
// activations, in L1) meet every row of the tile before the next tokens come, so a weight row is
// read from L1/L2 once per call and each weight block decoded once per call. Measured (f16, q8_0 and
// q4_0, 576 x 576 and 576 x 1536, 512 tokens, one thread): the best of 8-15 runs 3-8% above the
// order it replaced (each group of rows met every token of a 64-token tile, whose activations
// streamed from L2). 32 rows a tile against 16: 60.1 and 57.7 GFLOPS for f16 576 x 576, equal
// within noise for q8_0 and q4_0.
constexpr int64_t kRowTile = 32;
static_assert(kRowTile % kMaxDotRows == 0, "a row tile holds whole kernel calls");

// The activations in one kernel's format; products whose kernels read the same format share them.
struct PreparedActivations {
  ActivationFormat format;
  GgmlType rounded_as;  // F32 unless a type without kernel: rounded as ggml would for it
  size_t stride = 0;
  std::vector<uint8_t> bytes;
};

// One product of a group, as its tiles are run.
struct Product {
  const WeightRef* w;
  float* y;
  DotKernel kernel;
  bool decode_rows;  // no kernel for the type: rows are dequantized to f32 first
  std::vector<bool> batch;  // per token: through kernel.batch_dot (else kernel.dot); empty: none
  const PreparedActivations* act = nullptr;
  int64_t row_tile = 0, first_job = 0, n_jobs = 0;
};

// Tokens [t0, t1) of x into a.
void prepare(PreparedActivations& a, const float* x, int64_t t0, int64_t t1, int64_t cols, CpuPath path) {
  std::vector<float> rounded(a.rounded_as != GgmlType::F32 ? size_t(cols) : 0);
  for (int64_t t = t0; t < t1; ++t) {
    const float* xt = x + t * cols;
    if (!rounded.empty()) {
      round_activations(a.rounded_as, xt, rounded.data(), cols);
      xt = rounded.data();
    }
    prepare_activations(a.format, xt, cols, a.bytes.data() + size_t(t) * a.stride, path);
  }
}

// Rows [r0, r1) of one product for every token.
void run_rows(const Product& p, int64_t r0, int64_t r1, int64_t n_tokens, int64_t cols, std::vector<float>& decoded) {
  const DotKernel& kernel = p.kernel;
  const int64_t rows = int64_t(p.w->rows());
  const size_t stride = p.act->stride;
  if (p.decode_rows) {  // no kernel for the type: the tile's rows as f32, decoded once
    decoded.resize(size_t((r1 - r0) * cols));
    for (int64_t r = r0; r < r1; ++r) dequantize_row(p.w->type(), p.w->row(uint64_t(r)), &decoded[size_t((r - r0) * cols)], cols);
  }
  const size_t w_stride = p.decode_rows ? size_t(cols) * sizeof(float) : size_t(p.w->row_bytes());
  float out[kMaxDotRows * kMaxDotTokens];
  for (int64_t t = 0; t < n_tokens;) {
    // Up to kernel.tokens tokens of one order per call.
    const bool batch = !p.batch.empty() && p.batch[size_t(t)];
    int nt = 1;
    while (nt < kernel.tokens && t + nt < n_tokens && (!p.batch.empty() && p.batch[size_t(t + nt)]) == batch) ++nt;
    const uint8_t* xt = p.act->bytes.data() + size_t(t) * stride;
    for (int64_t r = r0; r < r1; r += kernel.rows) {
      const int nr = int(std::min<int64_t>(kernel.rows, r1 - r));
      const uint8_t* wr = p.decode_rows ? reinterpret_cast<const uint8_t*>(&decoded[size_t((r - r0) * cols)])
                                        : p.w->row(uint64_t(r));
      (batch ? kernel.batch_dot : kernel.dot)(wr, w_stride, nr, xt, stride, nt, cols, out);
      for (int j = 0; j < nt; ++j) {  // token by token: each token's rows are adjacent in y
        float* yt = p.y + (t + j) * rows + r;
        for (int i = 0; i < nr; ++i) yt[i] = out[i * nt + j];
      }
    }
    t += nt;
  }
}

// Which tokens take kernel.batch_dot: in each run, the leading ones DotKernel::batch_tokens names.
std::vector<bool> batch_tokens(const DotKernel& kernel, std::span<const int64_t> runs, int64_t n_tokens, int64_t cols) {
  if (kernel.batch_dot == nullptr) return {};
  if (cols % kernel.batch_step != 0) return std::vector<bool>(size_t(n_tokens), false);
  return batch_part_of_runs(runs, n_tokens, kernel.batch_group);
}

}  // namespace

void matmuls(std::span<const MatmulTarget> targets, const float* x, int64_t n_tokens, ThreadPool& pool,
             std::span<const int64_t> runs) {
  if (targets.empty() || n_tokens == 0) return;
  const int64_t cols = int64_t(targets[0].w->cols());
  const CpuPath path = cpu_path();
  std::vector<Product> products;
  std::vector<PreparedActivations> acts;
  acts.reserve(targets.size());  // products point into it
  int64_t n_jobs = 0;
  for (const MatmulTarget& target : targets) {
    const WeightRef& w = *target.w;
    VKLLM_ASSERT(int64_t(w.cols()) == cols, "products of one input need equal widths, not {} and {}", w.cols(), cols);
    Product p{&w, target.y, dot_kernel(w, path), false, {}};
    p.decode_rows = p.kernel.dot == nullptr;
    if (p.decode_rows) p.kernel = dot_kernel(GgmlType::F32, path);
    p.batch = batch_tokens(p.kernel, runs, n_tokens, cols);  // llama.cpp's prompt path
    const GgmlType rounded_as = p.decode_rows ? w.type() : GgmlType::F32;
    auto same = [&](const PreparedActivations& a) { return a.format == p.kernel.format && a.rounded_as == rounded_as; };
    auto it = std::find_if(acts.begin(), acts.end(), same);
    if (it == acts.end()) {
      PreparedActivations a{p.kernel.format, rounded_as, activation_row_bytes(p.kernel.format, cols), {}};
      a.bytes.resize(a.stride * size_t(n_tokens));
      acts.push_back(std::move(a));
      it = acts.end() - 1;
    }
    p.act = &*it;
    // Decoding (one token) wants many rows per call; a batch wants row tiles that stay in cache.
    p.row_tile = n_tokens == 1 ? p.kernel.rows : kRowTile;
    p.first_job = n_jobs;
    p.n_jobs = (int64_t(w.rows()) + p.row_tile - 1) / p.row_tile;
    n_jobs += p.n_jobs;
    products.push_back(p);
  }

  // A token or two are prepared faster than the pool hands out work.
  if (n_tokens <= 2) {
    for (auto& a : acts) prepare(a, x, 0, n_tokens, cols, path);
  } else {
    pool.parallel_for(n_tokens, [&](int64_t begin, int64_t end) {
      for (auto& a : acts) prepare(a, x, begin, end, cols, path);
    });
  }
  pool.parallel_for(n_jobs, [&](int64_t begin, int64_t end) {
    std::vector<float> decoded;
    size_t pi = 0;
    for (int64_t job = begin; job < end; ++job) {
      while (job >= products[pi].first_job + products[pi].n_jobs) ++pi;
      const Product& p = products[pi];
      const int64_t r0 = (job - p.first_job) * p.row_tile;
      run_rows(p, r0, std::min<int64_t>(int64_t(p.w->rows()), r0 + p.row_tile), n_tokens, cols, decoded);
    }
  });
}

void matmul(const WeightRef& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool,
            std::span<const int64_t> runs) {
  const MatmulTarget target{&w, y};
  matmuls({&target, 1}, x, n_tokens, pool, runs);
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
  std::vector<float> cos_sin(size_t(2 * half));
  for (size_t t = 0; t < positions.size(); ++t) {
    rope_angles(positions[t], hp, cos_sin.data());
    for (int64_t h = 0; h < n_heads; ++h) {
      float* v = x + (int64_t(t) * n_heads + h) * hp.head_dim;
      for (int64_t i = 0; i < half; ++i) {
        const int64_t a = hp.rope_type == RopeType::Neox ? i : 2 * i;
        const int64_t b = hp.rope_type == RopeType::Neox ? i + half : 2 * i + 1;
        const float x0 = v[a], x1 = v[b];
        // ggml's compiler fuses the first product of each line into the add (fp-contract).
        const float c = cos_sin[size_t(2 * i)], s = cos_sin[size_t(2 * i + 1)];
        v[a] = std::fma(x0, c, -(x1 * s));
        v[b] = std::fma(x0, s, x1 * c);
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
