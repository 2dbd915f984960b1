#pragma once
// The one non-owning tensor view: element type, shape (ne[0] is the contiguous row), byte strides,
// and the buffer range holding the data. Ops take these; ownership stays with a DeviceBuffer.
#include <array>
#include <cstdint>
#include <string>

#include "engine/types/ggml_type.h"
#include "host/vulkan/buffer.h"

namespace vkllm::ops {

struct Tensor {
  GgmlType type = GgmlType::F32;
  std::array<uint64_t, 4> ne{1, 1, 1, 1};
  std::array<uint64_t, 4> nb{};  // byte strides; nb[0] is the element (or block) size
  vk::BufferView data;

  // A contiguous tensor of `shape` over `data` (nb derived from the type's block geometry).
  static Tensor contiguous(GgmlType type, std::array<uint64_t, 4> shape, const vk::BufferView& data);

  uint64_t elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
  uint64_t rows() const { return ne[1] * ne[2] * ne[3]; }
  uint64_t bytes() const;  // of the contiguous layout
  bool is_contiguous() const;
  std::string describe() const;  // "f32 [4096, 7, 1, 1]" for error messages
};

// Bytes a contiguous tensor of `shape` needs.
uint64_t contiguous_bytes(GgmlType type, const std::array<uint64_t, 4>& shape);

}  // namespace vkllm::ops
