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
#endif

#endif  // VKLLM_SHADERS_PARAMS_H
