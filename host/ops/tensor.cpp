#include "host/ops/tensor.h"

#include "engine/util/check.h"

namespace vkllm::ops {

uint64_t contiguous_bytes(GgmlType type, const std::array<uint64_t, 4>& shape) {
  const auto row = row_bytes(type, shape[0]);
  if (!row) fail("a row of {} elements is not a whole number of {} blocks", shape[0], type_name(type));
  return *row * shape[1] * shape[2] * shape[3];
}

Tensor Tensor::contiguous(GgmlType type, std::array<uint64_t, 4> shape, const vk::BufferView& data) {
  Tensor t;
  t.type = type;
  t.ne = shape;
  const TypeTraits& tr = traits(type);
  t.nb[0] = tr.block_bytes;
  t.nb[1] = *row_bytes(type, shape[0]);
  t.nb[2] = t.nb[1] * shape[1];
  t.nb[3] = t.nb[2] * shape[2];
  const uint64_t need = contiguous_bytes(type, shape);
  if (data.size < need) fail("tensor {} needs {} bytes; its buffer range has {}", t.describe(), need, data.size);
  t.data = data.sub(0, need);
  return t;
}

uint64_t Tensor::bytes() const { return contiguous_bytes(type, ne); }

bool Tensor::is_contiguous() const {
  const TypeTraits& tr = traits(type);
  return nb[0] == tr.block_bytes && nb[1] == *row_bytes(type, ne[0]) && nb[2] == nb[1] * ne[1] &&
         nb[3] == nb[2] * ne[2];
}

std::string Tensor::describe() const {
  return fmt::format("{} [{}, {}, {}, {}]", type_name(type), ne[0], ne[1], ne[2], ne[3]);
}

}  // namespace vkllm::ops
