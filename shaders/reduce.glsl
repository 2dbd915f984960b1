// Workgroup-wide reductions: subgroup operations inside each subgroup, then shared memory across
// subgroups. Needed whenever the workgroup is larger than the subgroup (8 lanes on lavapipe).
// Every invocation of the workgroup must call these (they contain barriers).
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require

shared float reduce_scratch[WORKGROUP_SIZE];
shared uint reduce_scratch_index[WORKGROUP_SIZE];

float workgroup_sum(float value) {
  value = subgroupAdd(value);
  if (subgroupElect()) reduce_scratch[gl_SubgroupID] = value;
  barrier();
  float total = 0.0;
  for (uint i = 0; i < gl_NumSubgroups; ++i) total += reduce_scratch[i];
  barrier();
  return total;
}

float workgroup_max(float value) {
  value = subgroupMax(value);
  if (subgroupElect()) reduce_scratch[gl_SubgroupID] = value;
  barrier();
  float result = reduce_scratch[0];
  for (uint i = 1; i < gl_NumSubgroups; ++i) result = max(result, reduce_scratch[i]);
  barrier();
  return result;
}

// The largest value and the lowest index holding it.
uint workgroup_argmax(float value, uint index) {
  const float best = subgroupMax(value);
  const uint best_index = subgroupMin(value == best ? index : 0xffffffffu);
  if (subgroupElect()) {
    reduce_scratch[gl_SubgroupID] = best;
    reduce_scratch_index[gl_SubgroupID] = best_index;
  }
  barrier();
  float result = reduce_scratch[0];
  uint result_index = reduce_scratch_index[0];
  for (uint i = 1; i < gl_NumSubgroups; ++i) {
    const float v = reduce_scratch[i];
    const uint vi = reduce_scratch_index[i];
    if (v > result || (v == result && vi < result_index)) {
      result = v;
      result_index = vi;
    }
  }
  barrier();
  return result_index;
}
