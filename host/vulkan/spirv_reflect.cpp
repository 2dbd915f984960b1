#include "host/vulkan/spirv_reflect.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "engine/util/check.h"

namespace vkllm::vk {
namespace {

// The opcodes, decorations and storage classes we read (SPIR-V specification, section 3).
constexpr uint32_t kMagic = 0x07230203;
constexpr uint32_t kOpExecutionMode = 16;
constexpr uint32_t kOpTypeImage = 25;
constexpr uint32_t kOpTypeSampledImage = 27;
constexpr uint32_t kOpTypeArray = 28;
constexpr uint32_t kOpTypePointer = 32;
constexpr uint32_t kOpConstant = 43;
constexpr uint32_t kOpVariable = 59;
constexpr uint32_t kOpDecorate = 71;
constexpr uint32_t kOpExecutionModeId = 331;
constexpr uint32_t kExecutionModeLocalSize = 17;
constexpr uint32_t kExecutionModeLocalSizeId = 38;
constexpr uint32_t kDimBuffer = 5;
constexpr uint32_t kDecorationBufferBlock = 3;
constexpr uint32_t kDecorationBinding = 33;
constexpr uint32_t kDecorationDescriptorSet = 34;
constexpr uint32_t kStorageClassUniformConstant = 0;
constexpr uint32_t kStorageClassUniform = 2;
constexpr uint32_t kStorageClassPushConstant = 9;
constexpr uint32_t kStorageClassStorageBuffer = 12;

struct Variable {
  uint32_t pointer_type = 0;
  uint32_t storage_class = 0;
};

}  // namespace

ShaderLayout reflect_compute_shader(std::span<const uint32_t> spirv) {
  if (spirv.size() < 5 || spirv[0] != kMagic) fail("not a SPIR-V module ({} words)", spirv.size());
  ShaderLayout layout;
  std::unordered_map<uint32_t, uint32_t> binding_of, set_of, constant_value;
  std::unordered_map<uint32_t, uint32_t> pointee_of, array_length_id, array_element_of, image_dim_of, sampled_image_of;
  std::unordered_set<uint32_t> buffer_block;
  std::unordered_map<uint32_t, Variable> variables;

  for (size_t at = 5; at < spirv.size();) {
    const uint32_t opcode = spirv[at] & 0xffff;
    const uint32_t words = spirv[at] >> 16;
    if (words == 0 || at + words > spirv.size()) fail("malformed SPIR-V instruction at word {}", at);
    const uint32_t* op = &spirv[at];
    switch (opcode) {
      case kOpExecutionMode:
        if (op[2] == kExecutionModeLocalSize && words >= 6) layout.workgroup_size = {op[3], op[4], op[5]};
        break;
      case kOpExecutionModeId:
        if (op[2] == kExecutionModeLocalSizeId) fail("workgroup size given by id is not supported");
        break;
      case kOpDecorate:
        if (words >= 4 && op[2] == kDecorationBinding) binding_of[op[1]] = op[3];
        if (words >= 4 && op[2] == kDecorationDescriptorSet) set_of[op[1]] = op[3];
        if (words >= 3 && op[2] == kDecorationBufferBlock) buffer_block.insert(op[1]);
        break;
      case kOpTypePointer:
        pointee_of[op[1]] = op[3];
        break;
      case kOpTypeImage:
        if (words >= 4) image_dim_of[op[1]] = op[3];
        break;
      case kOpTypeSampledImage:
        if (words >= 3) sampled_image_of[op[1]] = op[2];
        break;
      case kOpTypeArray:
        array_element_of[op[1]] = op[2];
        array_length_id[op[1]] = op[3];
        break;
      case kOpConstant:
        if (words >= 4) constant_value[op[2]] = op[3];
        break;
      case kOpVariable:
        variables[op[2]] = Variable{op[1], op[3]};
        break;
      default:
        break;
    }
    at += words;
  }

  for (const auto& [id, variable] : variables) {
    if (variable.storage_class == kStorageClassPushConstant) layout.has_push_constants = true;
    const bool descriptor = variable.storage_class == kStorageClassStorageBuffer ||
                            variable.storage_class == kStorageClassUniform ||
                            variable.storage_class == kStorageClassUniformConstant;
    if (!descriptor || !binding_of.contains(id)) continue;
    if (set_of[id] != 0) fail("binding {}: descriptor set {} (only set 0 is supported)", binding_of[id], set_of[id]);
    const uint32_t type = pointee_of[variable.pointer_type];
    if (variable.storage_class == kStorageClassUniformConstant) {
      // Only buffer textures (uniform texel buffers), one per binding.
      const auto image = sampled_image_of.find(type);
      if (image == sampled_image_of.end() || image_dim_of[image->second] != kDimBuffer)
        fail("binding {}: only storage, uniform and uniform texel buffers are supported", binding_of[id]);
      layout.bindings.push_back(ShaderBinding{binding_of[id], 1, false, true});
      continue;
    }
    // A Uniform-class block is a uniform buffer unless decorated BufferBlock (storage buffers before SPIR-V 1.3).
    const uint32_t block = array_element_of.contains(type) ? array_element_of[type] : type;
    ShaderBinding binding{binding_of[id], 1,
                          variable.storage_class == kStorageClassUniform && !buffer_block.contains(block)};
    if (auto array = array_length_id.find(type); array != array_length_id.end()) {
      auto length = constant_value.find(array->second);
      if (length == constant_value.end()) fail("binding {}: array length is not a constant", binding.binding);
      binding.count = length->second;
    }
    layout.bindings.push_back(binding);
  }
  std::sort(layout.bindings.begin(), layout.bindings.end(),
            [](const auto& a, const auto& b) { return a.binding < b.binding; });
  return layout;
}

}  // namespace vkllm::vk
