#include "host/exec/vulkan_stage.h"

#include <algorithm>
#include <numeric>
#include <optional>

#include <fmt/format.h>

#include "engine/util/check.h"
#include "host/cpu/rope_angles.h"
#include "host/exec/attention_runs.h"
#include "host/exec/profiler.h"
#include "host/ops/kv_cache.h"
#include "host/ops/mul_mat_vec_texel.h"
#include "host/ops/ops.h"
#include "host/vulkan/device.h"
#include "host/vulkan/memory_pool.h"
#include "host/vulkan/recorder.h"
#include "shaders/params.h"

namespace vkllm {
namespace {

ops::Tensor f32_view(const vk::DeviceBuffer& buffer, std::array<uint64_t, 4> shape) {
  const uint64_t bytes = shape[0] * shape[1] * shape[2] * shape[3] * sizeof(float);
  return ops::Tensor::contiguous(GgmlType::F32, shape, buffer.view().sub(0, bytes));
}

vk::DeviceBuffer scratch(vk::Device& device, uint64_t floats, const std::string& name) {
  return device.memory().allocate(std::max<uint64_t>(floats, 1) * sizeof(float), vk::MemoryKind::DeviceLocal, name);
}

// The most one forward pass of VulkanLayers uploads: x, positions, rope's angles, cells, the
// attention state, query info, and the (seq, pos) table of every cell; with room for the 16-byte
// alignment of each.
uint64_t layer_upload_bytes(const Hparams& hp, int64_t n_batch, uint64_t n_cells) {
  const uint64_t n = uint64_t(n_batch);
  return n * (hp.n_embd + hp.n_rot) * sizeof(float) + 4 * n * sizeof(int32_t) + 2 * n_cells * sizeof(int32_t) +
         sizeof(params::AttentionState) + 7 * 16;
}

ops::SumOrder sum_order(const ExecOptions& options, const vk::Device& device) {
  const bool ggml = options.ggml_order.value_or(device.info().is_cpu() && ops::has_ggml_order(device));
  if (ggml && !ops::has_ggml_order(device))
    fail("{} has no shaderFloat64, which ggml's order (--kernel-order ggml) needs", device.info().name);
  return ggml ? ops::SumOrder::Ggml : ops::SumOrder::Device;
}

ops::RopeOptions rope_options(const Hparams& hp) {
  ops::RopeOptions o;
  o.mode = hp.rope_type == RopeType::Neox ? ops::RopeMode::Neox : ops::RopeMode::Normal;
  o.n_dims = hp.n_rot;
  o.freq_base = hp.rope_freq_base;
  o.freq_scale = hp.rope_freq_scale;
  return o;
}

uint64_t ggml_attention_below(const ExecOptions& options, const vk::Device& device) {
  if (options.cache_type_k != GgmlType::F16) return 0;
  if (options.ggml_attention) return *options.ggml_attention ? UINT64_MAX : 0;
  static_assert(VulkanLayers::kMaxReplayTokens < 64);
  return device.info().is_cpu() ? 64 : 0;  // the CPU layers' tiled attention starts at 64 too
}

// A matmul's operand x, rounded as ggml's CPU backend would store it for the weight's type (so
// near-ties resolve as in llama.cpp), once per distinct rounding: into f32 values, or into q8
// integers where the device's kernel takes those (ops::q8_columns_for).
// In ggml's order (ops::SumOrder::Ggml), weights with a kernel that sums as ggml does take it where
// x fits it; runs (of one sequence's consecutive tokens) pick its order for F32/F16 as the CPU's.
class MatmulInput {
 public:
  MatmulInput(const ops::Tensor& x, const vk::DeviceBuffer& rounded, ops::SumOrder order, std::span<const int64_t> runs)
      : x_(x), rounded_(f32_view(rounded, x.ne)), scratch_(rounded.view()), order_(order), runs_(runs) {}

  void matmul(vk::Recorder& rec, const ops::Tensor& weight, const ops::Tensor& dst) {
    const auto mode = ops::activation_rounding(weight.type, x_.ne[0]);
    const bool ggml = order_ == ops::SumOrder::Ggml && ops::has_ggml_order(rec.device(), weight);
    if (mode == ops::ActivationRounding::None) {
      if (ggml && ops::mul_mat_ggml_fits(rec.device(), weight, x_)) return ops::mul_mat_ggml(rec, weight, x_, dst, runs_);
      return ops::mul_mat(rec, weight, x_, dst);
    }
    // In the device's order, weights the texel-buffer kernel takes read x as f32 values (its loads of
    // x serve many rows, so a q8 layout would save it little): the q4_0 and q4_K kernels round x
    // themselves, as round_activations does; q8_0's reads it rounded.
    if (!ggml && ops::mul_mat_vec_texel_rounds_x(weight.type) && ops::mul_mat_vec_texel_fits(rec.device(), weight, x_))
      return ops::mul_mat(rec, weight, x_, dst);
    const bool texel = !ggml && ops::mul_mat_vec_texel_fits(rec.device(), weight, rounded_);
    const auto q8 = texel ? std::nullopt : ops::q8_columns_for(rec.device(), weight, x_, scratch_);
    if (mode != current_ || q8.has_value() != integers_) {
      if (q8) ops::round_activations(rec, weight.type, x_, *q8);
      else ops::round_activations(rec, weight.type, x_, rounded_);
      current_ = mode;
      integers_ = q8.has_value();
    }
    if (q8) ops::mul_mat(rec, weight, *q8, dst, ggml ? ops::SumOrder::Ggml : ops::SumOrder::Device, runs_);
    else if (ggml && ops::mul_mat_ggml_fits(rec.device(), weight, rounded_))
      ops::mul_mat_ggml(rec, weight, rounded_, dst, runs_);
    else ops::mul_mat(rec, weight, rounded_, dst);
  }

 private:
  ops::Tensor x_, rounded_;
  vk::BufferView scratch_;
  ops::SumOrder order_;
  std::span<const int64_t> runs_;
  ops::ActivationRounding current_ = ops::ActivationRounding::None;
  bool integers_ = false;
};

void matmul(vk::Recorder& rec, MatmulInput& in, const ops::Tensor& weight, const ops::Tensor& dst) {
  in.matmul(rec, weight, dst);
}

// The parts of runs (lengths of consecutive rows; empty: one run) that fall in rows [begin, begin + n).
std::vector<int64_t> runs_within(std::span<const int64_t> runs, int64_t begin, int64_t n) {
  if (runs.empty()) return {};
  std::vector<int64_t> out;
  int64_t at = 0;
  for (const int64_t run : runs) {
    const int64_t from = std::max(at, begin), to = std::min(at + run, begin + n);
    if (from < to) out.push_back(to - from);
    at += run;
  }
  return out;
}

// A replay key for a pass of n <= 32 rows: n, whether it is one sequence's, and which rows are in runs
// of two or more (in ggml's order those take another F32/F16 kernel than rows alone).
uint64_t replay_key(uint64_t n, bool single, std::span<const int64_t> runs) {
  uint64_t in_runs = 0, at = 0;
  for (const int64_t run : runs) {
    if (run >= 2) in_runs |= ((uint64_t(1) << run) - 1) << at;
    at += uint64_t(run);
  }
  return (in_runs << 7) | (n << 1) | (single ? 1 : 0);
}

// t += bias (one row, broadcast over t's rows), through `tmp`, which is at least as large as t.
void add_bias(vk::Recorder& rec, const ops::Tensor& t, const ops::Tensor& bias, const vk::DeviceBuffer& tmp) {
  const auto sum = f32_view(tmp, t.ne);
  ops::add(rec, t, ops::Tensor::contiguous(GgmlType::F32, {t.ne[0], 1, 1, 1}, bias.data), sum);
  ops::copy(rec, sum, t);
}

}  // namespace

VulkanLayers::VulkanLayers(vk::Device& device, const Hparams& hp, const ModelWeights& weights, uint32_t first,
                           uint32_t last, int n_seq, int n_ctx_per_seq, const ExecOptions& options)
    : device_(device),
      hp_(hp),
      first_(first),
      last_(last),
      n_seq_(n_seq),
      n_ctx_seq_(n_ctx_per_seq),
      n_batch_(std::max(1, options.n_batch)),
      replay_(options.replay_recordings),
      ggml_attention_below_(ggml_attention_below(options, device)),
      order_(sum_order(options, device)),
      profiler_(options.profiler),
      weights_(device, options.progress),
      transfers_(device, layer_upload_bytes(hp, n_batch_, uint64_t(n_seq) * uint64_t(n_ctx_per_seq)),
                 uint64_t(n_batch_) * hp.n_embd * sizeof(float), "layers"),
      recorder_(device, "layers", profiler_ != nullptr) {
  VKLLM_ASSERT(first < last && last <= hp.n_layer, "layers [{}, {}) of {}", first, last, hp.n_layer);
  for (uint32_t il = first; il < last; ++il) {
    const auto& w = weights.layers[il];
    layers_.push_back({weights_.add(w.attn_norm), weights_.add(w.wq), weights_.add(w.wk), weights_.add(w.wv),
                       weights_.add(w.wo), weights_.add(w.bq), weights_.add(w.bk), weights_.add(w.bv),
                       weights_.add(w.ffn_norm), weights_.add(w.w_gate), weights_.add(w.w_up),
                       weights_.add(w.w_down)});
  }
  if (options.cache_type_k != options.cache_type_v)
    fail("the Vulkan KV cache takes one type for K and V (got {} and {})", type_name(options.cache_type_k),
         type_name(options.cache_type_v));
  ops::KvCacheConfig cache;
  cache.n_layers = last - first;
  cache.head_dim = hp.head_dim;
  cache.n_head_kv = hp.n_head_kv;
  cache.n_head = hp.n_head;
  cache.n_cells = uint32_t(n_seq) * uint32_t(n_ctx_per_seq);
  cache.type = options.cache_type_k;
  cache_ = std::make_unique<ops::KvCache>(device, cache);
  const uint64_t n = uint64_t(n_batch_);
  for (auto& x : x_) x = scratch(device, n * hp.n_embd, "x");
  xn_ = scratch(device, n * hp.n_embd, "x_norm");
  q_ = scratch(device, n * hp.n_embd_q(), "q");
  k_ = scratch(device, n * hp.n_embd_kv(), "k");
  v_ = scratch(device, n * hp.n_embd_kv(), "v");
  attn_ = scratch(device, n * hp.n_embd_q(), "attn");
  proj_ = scratch(device, n * hp.n_embd, "proj");
  gate_ = scratch(device, n * hp.n_ff, "gate");
  up_ = scratch(device, n * hp.n_ff, "up");
  positions_ = scratch(device, n, "positions");
  if (order_ == ops::SumOrder::Ggml) angles_ = scratch(device, n * hp.n_rot, "rope_angles");
  state_ = scratch(device, 4, "attention_state");
  cells_ = scratch(device, n, "cells");
  query_info_ = scratch(device, 2 * n, "query_info");
  cell_info_ = scratch(device, 2ull * cache.n_cells, "cell_info");
  cell_table_.assign(2ull * cache.n_cells, -1);
  rounded_ = scratch(device, n * std::max({hp.n_embd, hp.n_embd_q(), hp.n_ff}), "rounded_activations");
}

VulkanLayers::~VulkanLayers() = default;

std::string VulkanLayers::describe() const {
  const std::string where = fmt::format("{} ({})", device_.label(), device_.info().name);
  return last_ - first_ == 1 ? fmt::format("layer {} on {}", first_, where)
                             : fmt::format("layers {}-{} on {}", first_, last_ - 1, where);
}

void VulkanLayers::forward(std::span<float> x, const StageBatch& batch) {
  const int64_t d = hp_.n_embd, n_tokens = batch.size();
  VKLLM_ASSERT(int64_t(x.size()) == n_tokens * d, "{} floats for {} tokens", x.size(), n_tokens);
  for (int64_t t = 0; t < n_tokens; ++t)
    VKLLM_ASSERT(batch.seq[size_t(t)] >= 0 && batch.seq[size_t(t)] < n_seq_ && batch.pos[size_t(t)] >= 0 &&
                     batch.pos[size_t(t)] < n_ctx_seq_,
                 "token {} at sequence {} position {} is outside the cache", t, batch.seq[size_t(t)], batch.pos[size_t(t)]);
  for (int64_t begin = 0; begin < n_tokens; begin += n_batch_) {
    const int64_t n = std::min(n_batch_, n_tokens - begin);
    forward_batch(x.data() + begin * d, batch.slice(begin, n));
  }
}

void VulkanLayers::forward_batch(float* x_host, const StageBatch& batch) {
  const uint64_t n = uint64_t(batch.size()), d = hp_.n_embd;
  const uint32_t n_cells = uint32_t(n_seq_) * uint32_t(n_ctx_seq_);
  std::vector<int32_t>& cells = cells_host_;
  std::vector<int32_t>& query_info = query_info_host_;
  cells.resize(static_cast<size_t>(n));
  query_info.resize(2 * static_cast<size_t>(n));
  for (size_t t = 0; t < n; ++t) {
    cells[t] = batch.seq[t] * n_ctx_seq_ + batch.pos[t];
    query_info[2 * t] = batch.seq[t];
    query_info[2 * t + 1] = batch.pos[t];
    cell_table_[2 * size_t(cells[t])] = batch.seq[t];
    cell_table_[2 * size_t(cells[t]) + 1] = batch.pos[t];
    n_kv_ = std::max(n_kv_, uint32_t(cells[t]) + 1);
  }
  // One sequence from position 0 needs no mask tables: cell c holds position c.
  const bool single = batch.single_sequence();
  const params::AttentionState state =
      single ? params::AttentionState{uint32_t(batch.pos[0]) + uint32_t(n), uint32_t(batch.pos[0])}
             : params::AttentionState{n_kv_, 0};

  // Short passes (decoding, batched decoding) replay a recording of their shape: a token costs the
  // writes of its inputs and one submission. Longer ones (prompts) are recorded each time; their
  // compute dwarfs the recording, and their attention plan can fit their actual context.
  const bool keep = n <= kMaxReplayTokens && replay_;
  vk::Recorder& rec = recorder_;
  const std::vector<int64_t> runs = batch.runs();
  const bool replay = keep && rec.replay(replay_key(n, single, runs));
  // A kept recording serves every context up to the whole cache; the mask table goes up whole.
  const uint32_t n_kv_max = keep ? (single ? uint32_t(n_ctx_seq_) : n_cells) : state.n_kv;

  try {
    // Uploads in a fixed order and size per shape (a replay rewrites what its recording copies).
    transfers_.begin();
    transfers_.upload(rec, x_[0].view(), std::as_bytes(std::span<const float>(x_host, size_t(n * d))));
    transfers_.upload(rec, positions_.view(), std::as_bytes(batch.pos));
    if (order_ == ops::SumOrder::Ggml) {
      angles_host_.resize(size_t(n * hp_.n_rot));
      for (size_t t = 0; t < n; ++t) cpu::rope_angles(batch.pos[t], hp_, &angles_host_[t * hp_.n_rot]);
      transfers_.upload(rec, angles_.view(), std::as_bytes(std::span(angles_host_)));
    }
    transfers_.upload(rec, cells_.view(), std::as_bytes(std::span(cells)));
    transfers_.upload(rec, state_.view(), std::as_bytes(std::span(&state, 1)));
    if (!single) {
      transfers_.upload(rec, query_info_.view(), std::as_bytes(std::span(query_info)));
      transfers_.upload(rec, cell_info_.view(), std::as_bytes(std::span(cell_table_).subspan(0, 2ull * n_kv_max)));
    }
    if (!replay) record_layers(rec, n, single, n_kv_max, runs);
    transfers_.download(rec, x_[0].view(), n * d * sizeof(float));  // two residual steps per layer end in x_[0]
  } catch (...) {
    rec.discard();  // a half-recorded pass must neither run nor be kept
    throw;
  }
  rec.submit_and_wait();
  if (profiler_) profiler_->add(rec.timings(), rec.untimed_dispatches());
  transfers_.read(std::as_writable_bytes(std::span<float>(x_host, size_t(n * d))));
}

void VulkanLayers::record_layers(vk::Recorder& rec, uint64_t n, bool single, uint32_t n_kv_max,
                                 std::span<const int64_t> runs) {
  const uint64_t d = hp_.n_embd, dq = hp_.n_embd_q(), dkv = hp_.n_embd_kv();
  const uint64_t hd = hp_.head_dim, ff = hp_.n_ff;
  ops::AttentionOptions attention;
  attention.scratch = cache_->scratch();
  attention.state = state_.view();
  attention.n_kv_max = n_kv_max;
  const AttentionRuns by_run = attention_runs(runs, ggml_attention_below_);  // ggml order or split, per run
  const auto query_info_tensor = ops::Tensor::contiguous(GgmlType::I32, {2, n, 1, 1}, query_info_.view().sub(0, 2 * n * 4));
  const auto cell_info_tensor =
      ops::Tensor::contiguous(GgmlType::I32, {2, n_kv_max, 1, 1}, cell_info_.view().sub(0, 2ull * n_kv_max * 4));
  if (!single) {
    attention.query_info = &query_info_tensor;
    attention.cell_info = &cell_info_tensor;
  }

  const auto xn = f32_view(xn_, {d, n, 1, 1});
  const auto q = f32_view(q_, {dq, n, 1, 1}), k = f32_view(k_, {dkv, n, 1, 1}), v = f32_view(v_, {dkv, n, 1, 1});
  const auto q_heads = f32_view(q_, {hd, hp_.n_head, n, 1}), k_heads = f32_view(k_, {hd, hp_.n_head_kv, n, 1});
  const auto attn = f32_view(attn_, {dq, n, 1, 1}), proj = f32_view(proj_, {d, n, 1, 1});
  const auto gate = f32_view(gate_, {ff, n, 1, 1}), up = f32_view(up_, {ff, n, 1, 1});
  const auto pos = ops::Tensor::contiguous(GgmlType::I32, {n, 1, 1, 1}, positions_.view().sub(0, n * 4));
  auto rope = rope_options(hp_);
  std::optional<ops::Tensor> angles;
  if (order_ == ops::SumOrder::Ggml) {
    angles = ops::Tensor::contiguous(GgmlType::F32, {2, hp_.n_rot / 2, n, 1}, angles_.view().sub(0, n * hp_.n_rot * 4));
    rope.angles = &*angles;
  }
  const auto attn_heads = f32_view(attn_, {hd, hp_.n_head, n, 1});
  const auto cells_tensor = ops::Tensor::contiguous(GgmlType::I32, {n, 1, 1, 1}, cells_.view().sub(0, n * 4));
  int cur = 0;  // the residual stream ping-pongs between x_[0] and x_[1], two steps per layer
  auto x = [&](int i) { return f32_view(x_[i], {d, n, 1, 1}); };

  for (uint32_t i = 0; i < layers_.size(); ++i) {
    const Layer& l = layers_[i];
    ops::rms_norm(rec, x(cur), l.attn_norm, hp_.rms_eps, xn, order_);
    MatmulInput attn_in(xn, rounded_, order_, runs);
    matmul(rec, attn_in, l.wq, q);
    matmul(rec, attn_in, l.wk, k);
    matmul(rec, attn_in, l.wv, v);
    if (l.bq.data.buffer != VK_NULL_HANDLE) {  // qwen2: q/k/v biases
      add_bias(rec, q, l.bq, attn_);
      add_bias(rec, k, l.bk, attn_);
      add_bias(rec, v, l.bv, attn_);
    }
    ops::rope(rec, q_heads, pos, rope, q_heads);
    ops::rope(rec, k_heads, pos, rope, k_heads);
    ops::kv_store(rec, k, cells_tensor, cache_->k(i));
    ops::kv_store(rec, v, cells_tensor, cache_->v(i));
    if (cache_->config().type == GgmlType::F16) {
      // ggml multiplies an f16 cache with queries rounded to f16; so do we, so that ties resolve alike.
      const auto q_f16 = f32_view(rounded_, q_heads.ne);
      ops::round_activations(rec, GgmlType::F16, q_heads, q_f16);
      if (by_run.any_split) ops::attention(rec, q_f16, cache_->k(i), cache_->v(i), attention, attn_heads);
      for (const auto& range : by_run.in_order) {
        ops::AttentionOptions in_order = attention;
        in_order.ggml_order = true;
        in_order.ggml_first = range.first;
        in_order.ggml_count = range.count;
        ops::attention(rec, q_f16, cache_->k(i), cache_->v(i), in_order, attn_heads);
      }
    } else {
      ops::attention(rec, q_heads, cache_->k(i), cache_->v(i), attention, attn_heads);
    }
    MatmulInput out_in(attn, rounded_, order_, runs);
    matmul(rec, out_in, l.wo, proj);
    ops::add(rec, x(cur), proj, x(1 - cur));
    cur = 1 - cur;

    ops::rms_norm(rec, x(cur), l.ffn_norm, hp_.rms_eps, xn, order_);
    MatmulInput ffn_in(xn, rounded_, order_, runs);
    matmul(rec, ffn_in, l.w_gate, gate);
    matmul(rec, ffn_in, l.w_up, up);
    ops::swiglu(rec, gate, up, gate, order_);
    MatmulInput down_in(gate, rounded_, order_, runs);
    matmul(rec, down_in, l.w_down, proj);
    ops::add(rec, x(cur), proj, x(1 - cur));
    cur = 1 - cur;
  }
}

VulkanHead::VulkanHead(vk::Device& device, const Hparams& hp, const ModelWeights& weights, const ExecOptions& options)
    : device_(device),
      hp_(hp),
      n_batch_(std::max(1, options.n_batch)),
      replay_(options.replay_recordings),
      order_(sum_order(options, device)),
      profiler_(options.profiler),
      weights_(device, options.progress),
      transfers_(device, uint64_t(n_batch_) * hp.n_embd * sizeof(float),
                 uint64_t(n_batch_) * hp.n_vocab * sizeof(float), "head"),
      recorder_(device, "head", profiler_ != nullptr) {
  norm_ = weights_.add(weights.output_norm);
  output_ = weights_.add(weights.output);
  const uint64_t n = uint64_t(n_batch_);
  x_ = scratch(device, n * hp.n_embd, "head_x");
  xn_ = scratch(device, n * hp.n_embd, "head_x_norm");
  logits_ = scratch(device, n * hp.n_vocab, "logits");
  rounded_ = scratch(device, n * hp.n_embd, "head_rounded");
}

std::string VulkanHead::describe() const { return fmt::format("output on {} ({})", device_.label(), device_.info().name); }

std::vector<float> VulkanHead::forward(std::span<const float> x_host, int64_t n_rows, std::span<const int64_t> runs) {
  const uint64_t d = hp_.n_embd, n_vocab = hp_.n_vocab;
  std::vector<float> logits(size_t(n_rows) * n_vocab);
  for (int64_t begin = 0; begin < n_rows; begin += n_batch_) {
    const uint64_t n = uint64_t(std::min(n_batch_, n_rows - begin));
    vk::Recorder& rec = recorder_;
    // As in VulkanLayers: a few rows (decoding) replay the recording of their shape.
    const std::vector<int64_t> chunk_runs = runs_within(runs, begin, int64_t(n));
    const bool replay = n <= VulkanLayers::kMaxReplayTokens && replay_ && rec.replay(replay_key(n, false, chunk_runs));
    try {
      transfers_.begin();
      transfers_.upload(rec, x_.view(), std::as_bytes(x_host.subspan(size_t(begin * d), size_t(n * d))));
      if (!replay) {
        ops::rms_norm(rec, f32_view(x_, {d, n, 1, 1}), norm_, hp_.rms_eps, f32_view(xn_, {d, n, 1, 1}), order_);
        MatmulInput in(f32_view(xn_, {d, n, 1, 1}), rounded_, order_, chunk_runs);
        matmul(rec, in, output_, f32_view(logits_, {n_vocab, n, 1, 1}));
      }
      transfers_.download(rec, logits_.view(), n * n_vocab * sizeof(float));
    } catch (...) {
      rec.discard();
      throw;
    }
    rec.submit_and_wait();
    if (profiler_) profiler_->add(rec.timings(), rec.untimed_dispatches());
    transfers_.read(std::as_writable_bytes(std::span(logits).subspan(size_t(begin * n_vocab), size_t(n * n_vocab))));
  }
  return logits;
}

}  // namespace vkllm
