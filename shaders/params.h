// Push-constant structs, written once and included by both the GLSL shaders and C++.
// Only 32-bit scalars, so GLSL's std430 push-constant layout equals the C++ layout; the C++ side
// checks each size below. One struct per kernel family; shaders/CMakeLists.txt names the struct of
// each variant, and the dispatch helper checks the C++ argument against it.
#ifndef VKLLM_SHADERS_PARAMS_H
#define VKLLM_SHADERS_PARAMS_H

#ifdef __cplusplus
#include <cstdint>
namespace vkllm::params {
using uint = uint32_t;
#endif

struct NoParams {
  uint unused;
};

// add, mul: dst[i] = a[i] op b[broadcast(i)]; dst and a have shape ne, b has shape b_ne, where each
// b_ne[d] is 1 or ne[d] (any divisor of ne[d] works: b repeats).
struct BinaryParams {
  uint n;  // elements of dst
  uint ne0;
  uint ne1;
  uint ne2;
  uint b_ne0;
  uint b_ne1;
  uint b_ne2;
  uint b_ne3;
};

// scale, silu, gelu, swiglu, copy/convert: n elements, contiguous. The windowed maps (scale, silu,
// gelu, copy) handle UNARY_ELEMS_PER_THREAD elements per invocation.
#define UNARY_ELEMS_PER_THREAD 4
struct ElementwiseParams {
  uint n;
  float scale;  // scale only
};

// rms_norm: each of nrows rows of ncols is normalised and multiplied by the weight row.
struct RmsNormParams {
  uint ncols;
  uint nrows;
  float eps;
};

// softmax over rows of ncols, x * scale + mask, with an optional causal mask. Row r is query
// position (r % rows_per_head); a key column c is masked when c > n_past + (r % rows_per_head).
struct SoftmaxParams {
  uint ncols;
  uint nrows;
  float scale;
  uint rows_per_head;
  uint use_mask;  // add mask row (r % rows_per_head), shape [ncols, rows_per_head]
  uint causal;
  uint n_past;
};

// rope over x of shape [head_dim, n_heads, n_tokens] with positions pos[n_tokens]; the first
// n_dims of each head rotate, the rest pass through.
struct RopeParams {
  uint head_dim;
  uint n_heads;
  uint n_tokens;
  uint n_dims;
  float freq_base;
  float freq_scale;
};

// argmax of each of nrows rows of ncols; ties go to the lowest index.
struct ArgmaxParams {
  uint ncols;
  uint nrows;
};

// get_rows: dst row i = dequantised src row idx[i]; src rows are src_row_bytes apart.
struct GetRowsParams {
  uint ncols;
  uint n_indices;
  uint src_row_bytes;
};

// attention (shaders/attention.comp): q [head_dim, n_head, n_tokens] against a KV cache of cells
// [head_dim, n_head_kv, n_cells]. Rows are (token, q head of the kv head's group) pairs, ROWS per
// workgroup; grid (row tiles, n_head_kv, n_splits). Split s covers cells [s * kv_per_split, ...);
// with n_splits > 1 the output is the scratch of partial results that attention_combine merges.
// What changes from one decoded token to the next (n_kv, n_past) is not here but in a small buffer
// the kernel reads (AttentionState), so that a recorded command buffer can be submitted again.
struct AttentionParams {
  uint head_dim;
  uint n_head;
  uint n_head_kv;
  uint n_tokens;
  uint kv_per_split;  // a multiple of the kernel's key tile; splits past n_kv find nothing to do
  uint n_splits;
  float scale;
  uint use_info;  // 1: mask from query_info / cell_info (seq, pos); 0: cell c is position c, query t at n_past + t
  uint first_token;  // attention_ggml.comp: its tokens are first_token + workgroup y (attention.comp: 0)
};

struct AttentionState {
  uint n_kv;    // cells [0, n_kv) are scanned
  uint n_past;  // one sequence: position of query token 0
};

// attention_combine: merges n_splits partial results per (token, head) row.
struct AttentionCombineParams {
  uint head_dim;
  uint n_rows;  // n_tokens * n_head
  uint n_splits;
};

// kv_store: row t of src (row_len f32) goes to cache row cells[t]; rows whose cell is outside
// [0, n_cells) are skipped.
struct KvStoreParams {
  uint row_len;  // elements per cache row (head_dim * n_head_kv)
  uint n_rows;
  uint n_cells;
};

// mul_mat: dst[m, n] = weight[k, m]^T x[k, n]; weight rows are row_bytes apart, k % 32 == 0.
struct MulMatParams {
  uint m;
  uint n;
  uint k;
  uint row_bytes;
};

// mul_mat_vec_ubo: rows [dst_first, dst_first + m) of dst = weight^T x, the dispatch's m weight rows
// in uniform-buffer slots: slot s holds rows [s * rows_per_slot, (s + 1) * rows_per_slot), its first
// row (head + s * rows_per_slot * row_bytes) % align bytes into the binding.
struct MulMatVecUboParams {
  uint m;
  uint k;
  uint row_bytes;
  uint rows_per_slot;
  uint head;
  uint align;
  uint dst_first;
};

// mul_mat_vec_texel: rows [0, m) of a q4_0/q8_0 weight of k elements per row (k % 256 == 0) times
// n columns; output (c, row i) goes to dst[dst_first + c * m + i].
struct MulMatVecTexelParams {
  uint m;
  uint k;
  uint n;
  uint dst_first;
};

// round_activations: n_units blocks (q8_0: 32 elements, q8_K: 256) or elements (f16, bf16). The
// packed variants also take the layout of a column (units_per_column blocks of x's row): its int8
// words, then its f32 scales from scale_word on; columns column_words apart.
struct RoundActivationsParams {
  uint n_units;
  uint units_per_column;
  uint column_words;
  uint scale_word;
};

#ifdef __cplusplus
}  // namespace vkllm::params

static_assert(sizeof(vkllm::params::NoParams) == 4);
static_assert(sizeof(vkllm::params::BinaryParams) == 32);
static_assert(sizeof(vkllm::params::ElementwiseParams) == 8);
static_assert(sizeof(vkllm::params::RmsNormParams) == 12);
static_assert(sizeof(vkllm::params::SoftmaxParams) == 28);
static_assert(sizeof(vkllm::params::RopeParams) == 24);
static_assert(sizeof(vkllm::params::ArgmaxParams) == 8);
static_assert(sizeof(vkllm::params::GetRowsParams) == 12);
static_assert(sizeof(vkllm::params::MulMatParams) == 16);
static_assert(sizeof(vkllm::params::MulMatVecUboParams) == 28);
static_assert(sizeof(vkllm::params::AttentionParams) == 36);
static_assert(sizeof(vkllm::params::AttentionState) == 8);
static_assert(sizeof(vkllm::params::AttentionCombineParams) == 12);
static_assert(sizeof(vkllm::params::KvStoreParams) == 12);
static_assert(sizeof(vkllm::params::RoundActivationsParams) == 16);
#endif

#endif  // VKLLM_SHADERS_PARAMS_H
