#pragma once
// Kernel launchers: each checks its tensors, fills the kernel's push constants and records one
// dispatch. They record only; the caller submits. Tensors are contiguous, f32 unless stated.
#include <cstdint>
#include <optional>
#include <span>

#include "host/ops/tensor.h"

namespace vkllm::vk {
class Device;
class Recorder;
}

namespace vkllm::ops {

// dst = a + b and dst = a * b; b broadcasts (repeats) over a's shape.
void add(vk::Recorder& rec, const Tensor& a, const Tensor& b, const Tensor& dst);
void mul(vk::Recorder& rec, const Tensor& a, const Tensor& b, const Tensor& dst);

// Elementwise maps; src and dst may exceed maxStorageBufferRange (windowed bindings).
void scale(vk::Recorder& rec, const Tensor& src, float factor, const Tensor& dst);
void silu(vk::Recorder& rec, const Tensor& src, const Tensor& dst);
void gelu(vk::Recorder& rec, const Tensor& src, const Tensor& dst);
// Copy with conversion between f32 and f16 (either direction, or same type).
void copy(vk::Recorder& rec, const Tensor& src, const Tensor& dst);

// How a kernel orders (and rounds) its arithmetic: Device, the fastest way on the device; Ggml, as
// llama.cpp's x86 CPU backend does it and host/cpu does too, to the bit, so that results do not depend
// on where a layer runs (near-tied logits resolve as in llama.cpp). Ggml needs shaderFloat64 (the
// fused multiply-adds go through double); ops that have no such kernel for their operands, or a
// device without float64, throw (has_ggml_order tells beforehand).
enum class SumOrder { Device, Ggml };
bool has_ggml_order(const vk::Device& device);

// dst = silu(gate) * up.
void swiglu(vk::Recorder& rec, const Tensor& gate, const Tensor& up, const Tensor& dst,
            SumOrder order = SumOrder::Device);

// dst = x / sqrt(mean(x^2) + eps) * weight, per row; weight has ne[0] elements. In ggml's order one
// invocation walks each row (cheap for the few rows of decoding, slow for long prompts on GPUs).
void rms_norm(vk::Recorder& rec, const Tensor& x, const Tensor& weight, float eps, const Tensor& dst,
              SumOrder order = SumOrder::Device);

struct SoftmaxOptions {
  float scale = 1.0f;
  const Tensor* mask = nullptr;  // additive, [ncols, rows_per_head]
  bool causal = false;
  uint32_t n_past = 0;  // key positions before the first query row
};
// Row softmax of x [ncols, rows_per_head, heads...]; rows_per_head = x.ne[1] (query positions).
void softmax(vk::Recorder& rec, const Tensor& x, const SoftmaxOptions& options, const Tensor& dst);

enum class RopeMode { Normal, Neox };
struct RopeOptions {
  RopeMode mode = RopeMode::Normal;
  uint32_t n_dims = 0;  // rotated dims per head; 0: all of head_dim
  float freq_base = 10000.0f;
  float freq_scale = 1.0f;
  // f32 [2, n_dims / 2, n_tokens]: cos and sin of every pair's angle per token, made on the host as
  // llama.cpp's CPU backend makes them (host/cpu/rope_angles.h); the rotation is then ggml's to the
  // bit (needs shaderFloat64) and positions are not read.
  const Tensor* angles = nullptr;
};
// x [head_dim, n_heads, n_tokens], positions i32 [n_tokens]; dst like x (may be x itself).
void rope(vk::Recorder& rec, const Tensor& x, const Tensor& positions, const RopeOptions& options, const Tensor& dst);

// dst i32 [nrows]: the index of each row's maximum (lowest index on ties).
void argmax(vk::Recorder& rec, const Tensor& x, const Tensor& dst);

// dst f32 [ncols, n] = rows indices[0..n) of src (f32, f16, q8_0 or q4_0 [ncols, nrows]).
void get_rows(vk::Recorder& rec, const Tensor& src, const Tensor& indices, const Tensor& dst);

// dst f32 [m, n] = weight [k, m] (row i = output i) times x f32 [k, n], accumulated in f32. Weight
// types: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K .. Q6_K; k % 32 == 0; the weight may
// exceed maxStorageBufferRange (windowed), x and dst are split by columns when they do. Auto picks
// the matrix-vector kernels for n <= 8 (in the layout for the device: CPU devices such as lavapipe
// or GPUs) and the tiled matrix-matrix kernel above (with a larger tile on CPU devices for n >= 64);
// CPU devices take up to 192 columns one at a time through uniform buffers where they fit, and
// q4_0/q8_0/q4_K rows of whole 256-element super-blocks through texel buffers at any n (q4_0 and
// q4_K reading x rounded to q8 blocks, as ggml's CPU backend does: mul_mat_vec_texel_rounds_x). Tests and
// benchmarks may force a kernel: Vector (n <= 8) in the device's storage-buffer layout, VectorGpu in
// the GPU layout on any device, VectorUniform (columns one at a time through uniform buffers; throws
// where they do not fit), VectorTexel (q4_0/q8_0/q4_K through texel buffers; throws where it does not fit),
// Matrix with the small tile, MatrixLarge with the large one.
enum class MulMatKernel { Auto, Vector, VectorGpu, VectorUniform, VectorTexel, Matrix, MatrixLarge };
void mul_mat(vk::Recorder& rec, const Tensor& weight, const Tensor& x, const Tensor& dst,
             MulMatKernel kernel = MulMatKernel::Auto);

// ---- KV cache and attention (kv_store.cpp, attention.cpp; host/ops/kv_cache.h owns the buffers) ----
// A cache tensor holds one row per cell: [head_dim * n_head_kv, n_cells] of f16, q8_0 or f32 (q8_0
// blocks run along the whole row, so only the row needs to be a multiple of 32).

// Cache rows cells[t] (i32 [n]) = src row t (f32 [row_len, n]), converted to the cache's type.
// A cell outside [0, n_cells) is skipped: never written out of bounds.
void kv_store(vk::Recorder& rec, const Tensor& src, const Tensor& cells, const Tensor& cache);

struct AttentionOptions {
  uint32_t n_kv = 0;   // cells [0, n_kv) are scanned; 0: every cell of the cache
  float scale = 0.0f;  // 0: 1 / sqrt(head_dim)
  // One sequence (no info tensors): cell c holds position c; query token t is at position n_past + t.
  uint32_t n_past = 0;
  // Several sequences: i32 [2, n_tokens] (seq, pos) per query token (seq >= 0) and i32 [2, >= n_kv]
  // (seq, pos) per cell (seq < 0: empty). Query t sees cell c iff the seqs match and cell pos <= query
  // pos, so a batch mixing sequences gives each the result it would get alone.
  const Tensor* query_info = nullptr;
  const Tensor* cell_info = nullptr;
  // f32 scratch of attention_scratch_bytes(); enables split-K along the cells (decode, long
  // contexts) plus a combine pass. Without it every workgroup scans all cells of its rows.
  const Tensor* scratch = nullptr;
  // Where the kernel reads n_kv and n_past while it runs (params::AttentionState). Empty:
  // attention() writes n_kv and n_past above into the command buffer. Given: the caller writes it
  // before each submission, n_kv and n_past above are ignored, and the split plan and the bound
  // cells cover n_kv_max cells (every cell when 0), so the recording serves any n_kv up to that:
  // a command buffer recorded once can be submitted for token after token.
  vk::BufferView state;
  uint32_t n_kv_max = 0;
  // f16 caches: compute as ggml's CPU flash attention does (shaders/attention_ggml.comp: cells in
  // order, an f16 accumulator), so near-tied logits resolve as in llama.cpp's CPU backend. One
  // workgroup per (token, head) walks every cell: slower on long contexts; `scratch` is unused.
  // Only query tokens [ggml_first, ggml_first + ggml_count) are computed (count 0: all of them);
  // the other rows of dst are left as they are.
  bool ggml_order = false;
  uint32_t ggml_first = 0, ggml_count = 0;
};
// dst f32 [head_dim, n_head, n_tokens] = softmax(q k^T * scale + mask) v for q f32 [head_dim, n_head,
// n_tokens] (head_dim a multiple of 8, at most 256) and k, v caches of one type; query head h reads
// kv head h / (n_head / n_head_kv). Rows that see no cell get zeros.
void attention(vk::Recorder& rec, const Tensor& q, const Tensor& k, const Tensor& v, const AttentionOptions& options,
               const Tensor& dst);
// Scratch bytes attention() uses for these sizes (0 when it would not split); enough for any smaller n_kv or n_tokens.
uint64_t attention_scratch_bytes(uint64_t head_dim, uint64_t n_head, uint64_t n_head_kv, uint64_t n_tokens,
                                 uint64_t n_kv);

}  // namespace vkllm::ops

// ---- activation rounding (round_activations.cpp) ----
namespace vkllm::ops {

// How ggml's CPU backend stores activations for a weight type before multiplying: q8_0 blocks for
// the legacy quants, q8_K for the K-quants, f16 / bf16 for those weights, None for f32 (or rows
// that do not fit the blocks).
enum class ActivationRounding { None, Q8_0, Q8_K, F16, BF16 };
ActivationRounding activation_rounding(GgmlType weight_type, uint64_t row_length);

// dst = x after the round trip through activation_rounding(weight_type) (f32 [k, n] both), so that
// GPU matmuls see the CPU backend's operands and near-tied logits resolve as in llama.cpp.
void round_activations(vk::Recorder& rec, GgmlType weight_type, const Tensor& x, const Tensor& dst);

// x [k, n] rounded to q8 blocks as above (activation_rounding Q8_0 or Q8_K) and kept as integers for
// the uniform-buffer matmul: per column, k int8 values four to a word, then one f32 scale per group
// of 32 (a q8_0 block's d; a q8_K block's d once for each of its eight groups), then for q8_0 one
// f32 per group that is ggml's q8_1 sum s (f16(d * the sum of its integers), d before its rounding
// to f16: what Q4_1/Q5_1 weights take); columns column_bytes apart. The integers make that kernel's
// sums exact and its x loads four times fewer.
struct Q8Columns {
  vk::BufferView data;
  uint64_t k = 0, n = 0, column_bytes = 0;
};
// The bytes of one such column before its padding.
constexpr uint64_t q8_column_data_bytes(uint64_t k) { return k + k / 4; }
// The layout in `scratch` when mul_mat would take x so for this weight on this device (Auto's
// choice: a CPU device, few enough columns, a q8 rounding, and everything fits), else nothing.
std::optional<Q8Columns> q8_columns_for(const vk::Device& device, const Tensor& weight, const Tensor& x,
                                        const vk::BufferView& scratch);
void round_activations(vk::Recorder& rec, GgmlType weight_type, const Tensor& x, const Q8Columns& dst);
// dst f32 [m, n] = weight [k, m] times x, for the layouts q8_columns_for gives; SumOrder::Ggml where
// has_ggml_order says, with runs (the lengths of runs of one sequence's consecutive columns; empty:
// one run of all) picking the order of repacked Q2_K/Q4_K tensors as the CPU's does.
void mul_mat(vk::Recorder& rec, const Tensor& weight, const Q8Columns& x, const Tensor& dst,
             SumOrder order = SumOrder::Device, std::span<const int64_t> runs = {});
// Whether a matmul kernel in ggml's order exists for this weight: q8 columns for the legacy quants
// (q4_0 of 8k rows) and the K-quants; mul_mat_ggml for f32 and f16.
bool has_ggml_order(const vk::Device& device, const Tensor& weight);

// dst f32 [m, n] = F32/F16 weight [k, m] times x f32 [k, n] (for F16: rounded to f16 values, as
// round_activations makes them) in ggml's order, column by column through the uniform-buffer kernel:
// the columns of runs of one sequence's two or more consecutive tokens (runs: their lengths; empty:
// one run of all) as llamafile's tinyBLAS sums them where the tensor qualifies (4k rows of 16k
// elements), the others as ggml_vec_dot. mul_mat_ggml_fits: such a weight, at most 192 columns, and
// rows and a column that fit uniform buffers.
bool mul_mat_ggml_fits(const vk::Device& device, const Tensor& weight, const Tensor& x);
void mul_mat_ggml(vk::Recorder& rec, const Tensor& weight, const Tensor& x, const Tensor& dst,
                  std::span<const int64_t> runs = {});

}  // namespace vkllm::ops
