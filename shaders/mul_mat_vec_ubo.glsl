// Declarations shared by the uniform-buffer mat-vec kernels (mul_mat_vec_ubo*.comp): the weight rows
// as SLOTS uniform buffers of whole rows (host/ops/mul_mat_vec_ubo.cpp lays them out), x as one more
// (f32, or with X_Q8 ggml's q8 activations: ops::Q8Columns), dst, and the weight's block decoding.
#ifndef VKLLM_MUL_MAT_VEC_UBO_GLSL
#define VKLLM_MUL_MAT_VEC_UBO_GLSL
#include "common.glsl"

layout(local_size_x = WORKGROUP_SIZE) in;

layout(binding = 0, std140) uniform Weight { uvec4 data[4096]; } slot[SLOTS];
#if defined(X_Q8)
// x as ggml's q8 activations: k int8 values packed four to a word, then one f32 scale per group of
// 32 (a q8_0 block's d, or the d of the q8_K block holding the group), then q8_0's q8_1 sums.
layout(binding = 1, std140) uniform X { uvec4 xq[4096]; };
#else
layout(binding = 1, std140) uniform X { vec4 x4[4096]; };
#endif
layout(binding = 2) writeonly buffer Dst { float dst[]; };
layout(push_constant) uniform Push { MulMatVecUboParams p; };

#define DEQUANT_LD_WORD
uint ld_word(uint s, uint word) { return slot[s].data[word >> 2][word & 3u]; }
#include "dequant.glsl"

#endif  // VKLLM_MUL_MAT_VEC_UBO_GLSL
