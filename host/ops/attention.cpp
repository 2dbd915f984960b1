#include <algorithm>
#include <cmath>

#include "host/ops/check_shapes.h"
#include "host/ops/ops.h"
#include "host/vulkan/device.h"
#include "host/vulkan/recorder.h"
#include "shaders/params.h"

namespace vkllm::ops {
namespace {

constexpr uint32_t kKeyTile = 32;         // keys per tile: attention.comp's WG
constexpr uint32_t kMaxHeadDim = 256;      // attention.comp's MAX_HEAD_DIM
constexpr uint32_t kTargetWorkgroups = 128;  // split along the cells until about this many workgroups
constexpr uint32_t kMinKeysPerSplit = 256;
constexpr uint32_t kMaxSplits = 64;
constexpr uint32_t kMaxSplitTokens = 16;  // more query tokens give enough workgroups without splitting

uint32_t ceil_div(uint64_t a, uint64_t b) { return uint32_t((a + b - 1) / b); }

uint32_t rows_per_workgroup(uint64_t rows) { return rows <= 1 ? 1 : rows <= 4 ? 4 : 8; }

uint32_t max_splits(uint64_t n_kv) {
  return std::clamp<uint32_t>(ceil_div(n_kv, kMinKeysPerSplit), 1, kMaxSplits);
}

struct Plan {
  uint32_t rows_per_group;  // ROWS variant
  uint32_t row_tiles;
  uint32_t n_splits;
  uint32_t kv_per_split;
};

// n_kv: the cells that can be visible at all.
Plan plan(uint64_t n_head, uint64_t n_head_kv, uint64_t n_tokens, uint64_t n_kv, bool may_split) {
  Plan pl{};
  const uint64_t rows = n_head / n_head_kv * n_tokens;
  pl.rows_per_group = rows_per_workgroup(rows);
  pl.row_tiles = ceil_div(rows, pl.rows_per_group);
  pl.n_splits = 1;
  const uint64_t groups = uint64_t(pl.row_tiles) * n_head_kv;
  if (may_split && n_tokens <= kMaxSplitTokens && groups < kTargetWorkgroups)
    pl.n_splits = std::min(ceil_div(kTargetWorkgroups, groups), max_splits(n_kv));
  pl.kv_per_split = ceil_div(std::max<uint64_t>(n_kv, 1), pl.n_splits * kKeyTile) * kKeyTile;
  pl.n_splits = ceil_div(std::max<uint64_t>(n_kv, 1), pl.kv_per_split);
  return pl;
}

uint64_t partial_bytes(uint64_t head_dim, uint64_t n_head, uint64_t n_tokens, uint64_t n_splits) {
  return n_tokens * n_head * n_splits * (head_dim + 2) * sizeof(float);
}

shaders::ShaderId shader_for(GgmlType type, uint32_t rows) {
  using shaders::ShaderId;
  const int r = rows == 1 ? 0 : rows == 4 ? 1 : 2;
  switch (type) {
    case GgmlType::F16: return std::array{ShaderId::attention_f16_r1, ShaderId::attention_f16_r4, ShaderId::attention_f16_r8}[r];
    case GgmlType::Q8_0:
      return std::array{ShaderId::attention_q8_0_r1, ShaderId::attention_q8_0_r4, ShaderId::attention_q8_0_r8}[r];
    case GgmlType::F32: return std::array{ShaderId::attention_f32_r1, ShaderId::attention_f32_r4, ShaderId::attention_f32_r8}[r];
    default: fail("attention: KV cache type {} is not supported (f16, q8_0, f32)", type_name(type));
  }
}

void expect_info(const char* what, const Tensor* info, uint64_t entries) {
  expect_type(what, *info, GgmlType::I32);
  expect_contiguous(what, *info);
  if (info->ne[0] != 2 || info->rows() < entries)
    fail("{}: {} does not hold (seq, pos) for {} entries", what, info->describe(), entries);
}

}  // namespace

uint64_t attention_scratch_bytes(uint64_t head_dim, uint64_t n_head, uint64_t n_head_kv, uint64_t n_tokens,
                                 uint64_t n_kv) {
  (void)n_head_kv;
  if (max_splits(n_kv) == 1) return 0;
  return partial_bytes(head_dim, n_head, std::min<uint64_t>(n_tokens, kMaxSplitTokens), max_splits(n_kv));
}

void attention(vk::Recorder& rec, const Tensor& q, const Tensor& k, const Tensor& v, const AttentionOptions& options,
               const Tensor& dst) {
  for (const Tensor* t : {&q, &dst}) expect_type("attention", *t, GgmlType::F32);
  for (const Tensor* t : {&q, &k, &v, &dst}) expect_contiguous("attention", *t);
  expect_same_shape("attention", q, dst);
  const shaders::ShaderId any_shader = shader_for(k.type, 1);  // checks the type
  (void)any_shader;
  if (v.type != k.type) fail("attention: K cache {} and V cache {} differ in type", k.describe(), v.describe());
  const uint64_t head_dim = q.ne[0], n_head = q.ne[1], n_tokens = q.ne[2];
  if (head_dim % 8 != 0 || head_dim > kMaxHeadDim || q.ne[3] != 1)
    fail("attention: q {} needs a head size that is a multiple of 8 and at most {}", q.describe(), kMaxHeadDim);
  if (k.ne != v.ne || k.ne[2] != 1 || k.ne[3] != 1 || k.ne[0] % head_dim != 0)
    fail("attention: caches {} and {} are not [head_dim * n_head_kv, n_cells] for q {}", k.describe(), v.describe(),
         q.describe());
  const uint64_t n_head_kv = k.ne[0] / head_dim;
  if (n_head % n_head_kv != 0)
    fail("attention: {} kv heads do not divide {} query heads ({} vs {})", n_head_kv, n_head, k.describe(),
         q.describe());
  const uint64_t n_cells = k.ne[1];
  const bool preset = options.state.buffer != VK_NULL_HANDLE;
  // Cells the recording must cover: the live count, or with a preset state the most it may reach.
  const uint64_t n_kv = preset ? (options.n_kv_max == 0 ? n_cells : options.n_kv_max)
                               : (options.n_kv == 0 ? n_cells : options.n_kv);
  if (n_kv > n_cells) fail("attention: n_kv {} exceeds the cache's {} cells", n_kv, n_cells);
  if (preset && options.state.size < sizeof(params::AttentionState))
    fail("attention: state binding of {} bytes, needs {}", options.state.size, sizeof(params::AttentionState));
  const bool use_info = options.query_info != nullptr || options.cell_info != nullptr;
  if (use_info) {
    if (options.query_info == nullptr || options.cell_info == nullptr)
      fail("attention: query_info and cell_info go together");
    expect_info("attention query_info", options.query_info, n_tokens);
    expect_info("attention cell_info", options.cell_info, n_kv);
  }
  if (n_tokens == 0 || n_head == 0) return;

  // In the one-sequence case cells past the last query's position are never visible.
  const uint64_t visible_kv =
      use_info || preset ? n_kv : std::min<uint64_t>(n_kv, uint64_t(options.n_past) + n_tokens);
  const vk::BufferView state =
      preset ? options.state.sub(0, sizeof(params::AttentionState))
             : rec.constants(params::AttentionState{u32("attention", visible_kv), options.n_past});
  // Bind only the cells that are scanned; unused info bindings get q's buffer (never read then).
  const uint64_t cache_bytes = std::max<uint64_t>(visible_kv, 1) * k.nb[1];
  const vk::BufferView k_view = k.data.sub(0, cache_bytes);
  const vk::BufferView v_view = v.data.sub(0, cache_bytes);
  const vk::BufferView query_view = use_info ? options.query_info->data : q.data;
  const vk::BufferView cell_view = use_info ? options.cell_info->data : q.data;

  params::AttentionParams p{};
  p.head_dim = u32("attention", head_dim);
  p.n_head = u32("attention", n_head);
  p.n_head_kv = u32("attention", n_head_kv);
  p.n_tokens = u32("attention", n_tokens);
  p.scale = options.scale != 0.0f ? options.scale : 1.0f / std::sqrt(float(head_dim));  // as llama.cpp forms it
  p.use_info = use_info;
  u32("attention", n_cells * k.ne[0]);  // element indices of the caches

  if (options.ggml_order) {
    if (k.type != GgmlType::F16) fail("attention: ggml's order needs an f16 cache, not {}", type_name(k.type));
    if (q.ne[0] % 2 != 0) fail("attention: ggml's order takes even head sizes, not {}", q.ne[0]);
    p.kv_per_split = u32("attention", visible_kv);
    p.n_splits = 1;
    p.first_token = options.ggml_first;
    const uint64_t count = options.ggml_count == 0 ? n_tokens - std::min<uint64_t>(n_tokens, p.first_token)
                                                   : options.ggml_count;
    if (count == 0 || p.first_token + count > n_tokens)
      fail("attention: query tokens {} .. {} of {}", p.first_token, p.first_token + count, n_tokens);
    // libm's e^x needs doubles; without them GLSL's exp stands in (a few ulp off: rarely an f16 step).
    // Variants for short heads keep fewer accumulator slots per lane (lavapipe, 64-dim heads, a
    // 62-token prompt: 82 -> 72 ms; decoding over 512 cells 14.0 -> 12.1 ms).
    using shaders::ShaderId;
    const uint64_t head_dim = q.ne[0];
    const auto shader = !rec.device().info().features.float64 ? ShaderId::attention_ggml_f16_glsl_exp
                        : head_dim <= 64                      ? ShaderId::attention_ggml_f16_d64
                        : head_dim <= 128                     ? ShaderId::attention_ggml_f16_d128
                                                              : ShaderId::attention_ggml_f16;
    rec.dispatch(shader,
                 {vk::reads(q.data), vk::reads(k_view), vk::reads(v_view), vk::reads(query_view), vk::reads(cell_view),
                  vk::writes(dst.data), vk::reads(state)},
                 p, vk::workgroups(p.n_head, uint32_t(count)));
    return;
  }

  Plan pl = plan(n_head, n_head_kv, n_tokens, visible_kv, options.scratch != nullptr);
  if (pl.n_splits > 1) {
    const Tensor& s = *options.scratch;
    expect_type("attention scratch", s, GgmlType::F32);
    if (s.data.size < partial_bytes(head_dim, n_head, n_tokens, pl.n_splits))
      pl = plan(n_head, n_head_kv, n_tokens, visible_kv, false);
  }
  p.kv_per_split = pl.kv_per_split;
  p.n_splits = pl.n_splits;
  const vk::BufferView out_view =
      pl.n_splits == 1 ? dst.data
                       : options.scratch->data.sub(0, partial_bytes(head_dim, n_head, n_tokens, pl.n_splits));
  rec.dispatch(shader_for(k.type, pl.rows_per_group),
               {vk::reads(q.data), vk::reads(k_view), vk::reads(v_view), vk::reads(query_view), vk::reads(cell_view),
                vk::writes(out_view), vk::reads(state)},
               p, vk::workgroups(pl.row_tiles, p.n_head_kv, pl.n_splits));
  if (pl.n_splits == 1) return;
  const params::AttentionCombineParams c{p.head_dim, u32("attention", n_tokens * n_head), pl.n_splits};
  rec.dispatch(shaders::ShaderId::attention_combine, {vk::reads(out_view), vk::writes(dst.data)}, c,
               vk::workgroups(c.n_rows));
}

}  // namespace vkllm::ops
