// Included by every kernel after its #version line.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_8bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_int8 : require
#extension GL_EXT_shader_explicit_arithmetic_types_int16 : require

#include "params.h"

// The dispatch helper folds 1-D dispatches wider than maxComputeWorkGroupCount[0] into y, so
// kernels that work on a flat range use this instead of gl_WorkGroupID.x.
uint flat_workgroup_id() { return gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x; }

float silu(float x) { return x / (1.0 + exp(-x)); }
