#pragma once
// The little a compute pipeline needs to know about its SPIR-V, read from the SPIR-V itself:
// buffer bindings (storage, uniform or uniform texel, with array sizes for windowed bindings) and the
// workgroup size.
#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace vkllm::vk {

struct ShaderBinding {
  uint32_t binding = 0;
  uint32_t count = 1;    // > 1: an array of descriptors (storage: a windowed tensor; uniform: one view each)
  bool uniform = false;  // a uniform buffer (read-only, small, cheap uniform loads on some devices)
  bool texel = false;    // a uniform texel buffer (a GLSL usamplerBuffer, viewed as kTexelFormat)
};

struct ShaderLayout {
  std::array<uint32_t, 3> workgroup_size{1, 1, 1};
  std::vector<ShaderBinding> bindings;  // sorted by binding number, all in descriptor set 0
  bool has_push_constants = false;
};

// Throws vkllm::Error on malformed SPIR-V or on resources the runtime does not support
// (descriptor sets other than 0, images and samplers other than buffer textures, arrays of those,
// workgroup size given by id).
ShaderLayout reflect_compute_shader(std::span<const uint32_t> spirv);

}  // namespace vkllm::vk
