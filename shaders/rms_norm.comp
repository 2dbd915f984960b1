#version 450
// RMS norm fused with the weight multiply: dst = x / sqrt(mean(x^2) + eps) * weight, one row per
// workgroup.
// GGML_ORDER: as llama.cpp's CPU backend computes it (host/cpu/cpu_ops.cpp), to the bit: the
// squares rounded to float and summed in order in double (one invocation walks the row), the
// scale 1 / sqrt(float(mean) + eps) correctly rounded, then (x * scale) * weight. Needs FLOAT64.
#include "common.glsl"

#define WORKGROUP_SIZE 128
layout(local_size_x = WORKGROUP_SIZE) in;
#if defined(GGML_ORDER)
#include "exact_float.glsl"
shared float row_scale;
#else
#include "reduce.glsl"
#endif

layout(binding = 0) readonly buffer X { float x[]; };
layout(binding = 1) readonly buffer Weight { float weight[]; };
layout(binding = 2) writeonly buffer Dst { float dst[]; };
layout(push_constant) uniform Push { RmsNormParams p; };

void main() {
  const uint row = flat_workgroup_id();
  if (row >= p.nrows) return;  // uniform across the workgroup, so the barriers below stay legal
  const uint base = row * p.ncols;
#if defined(GGML_ORDER)
  if (gl_LocalInvocationID.x == 0u) {
    precise double sum = 0.0;
    for (uint c = 0; c < p.ncols; ++c) {
      precise const float square = x[base + c] * x[base + c];
      sum += double(square);
    }
    precise const float mean = float(sum / double(p.ncols));
    precise const float root = sqrt(mean + p.eps);
    row_scale = div_rn(1.0, root);
  }
  barrier();
  const float scale = row_scale;
#else
  float sum_squares = 0.0;
  for (uint c = gl_LocalInvocationID.x; c < p.ncols; c += WORKGROUP_SIZE) sum_squares += x[base + c] * x[base + c];
  const float scale = inversesqrt(workgroup_sum(sum_squares) / float(p.ncols) + p.eps);
#endif
  for (uint c = gl_LocalInvocationID.x; c < p.ncols; c += WORKGROUP_SIZE) {
    precise const float scaled = x[base + c] * scale;
    dst[base + c] = scaled * weight[c];
  }
}
