#include "engine/gguf/gguf_writer.h"

#include <cstdio>
#include <cstring>
#include <memory>

#include "engine/util/check.h"

namespace vkllm::gguf {
namespace {

class Encoder {
 public:
  template <typename T>
  void put(T value) {
    const auto* p = reinterpret_cast<const uint8_t*>(&value);
    out.insert(out.end(), p, p + sizeof(T));
  }
  void put_string(const std::string& s) {
    put<uint64_t>(s.size());
    out.insert(out.end(), s.begin(), s.end());
  }
  void put_value(const Value& value) {
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string>) {
            put_string(v);
          } else if constexpr (std::is_same_v<T, Array>) {
            put<uint32_t>(static_cast<uint32_t>(v.element_type));
            put<uint64_t>(v.items.size());
            for (const auto& item : v.items) {
              VKLLM_ASSERT(item.type() == v.element_type, "array element of type {} in an array of {}",
                           value_type_name(item.type()), value_type_name(v.element_type));
              put_value(item);
            }
          } else if constexpr (std::is_same_v<T, bool>) {
            put<uint8_t>(v ? 1 : 0);
          } else {
            put<T>(v);
          }
        },
        value.data);
  }
  std::vector<uint8_t> out;
};

uint64_t align_up(uint64_t n, uint64_t alignment) { return (n + alignment - 1) / alignment * alignment; }

}  // namespace

void Writer::set(const std::string& key, Value value) {
  for (auto& kv : metadata_)
    if (kv.key == key) {
      kv.value = std::move(value);
      return;
    }
  metadata_.push_back({key, std::move(value)});
}

void Writer::set_alignment(uint32_t alignment) {
  VKLLM_ASSERT(alignment != 0 && (alignment & (alignment - 1)) == 0, "alignment {} is not a power of two", alignment);
  alignment_ = alignment;
  set("general.alignment", Value{Value::Storage(std::in_place_type<uint32_t>, alignment)});
}

void Writer::add_tensor(std::string name, GgmlType type, std::vector<uint64_t> shape, Fill fill) {
  VKLLM_ASSERT(!shape.empty() && shape.size() <= 4, "tensor '{}' has {} dimensions", name, shape.size());
  uint64_t n = 1;
  for (auto d : shape) n *= d;
  const auto bytes = row_bytes(type, n);
  VKLLM_ASSERT(bytes && shape[0] % traits(type).block_elems == 0, "tensor '{}': shape does not fit type {}", name,
               type_name(type));
  tensors_.push_back({std::move(name), type, std::move(shape), *bytes, std::move(fill)});
}

void Writer::add_tensor(std::string name, GgmlType type, std::vector<uint64_t> shape, std::vector<uint8_t> data) {
  auto shared = std::make_shared<std::vector<uint8_t>>(std::move(data));
  const std::string label = name;
  add_tensor(std::move(name), type, std::move(shape), [shared, label](std::span<uint8_t> dst) {
    VKLLM_ASSERT(dst.size() == shared->size(), "tensor '{}': {} bytes given, {} expected", label, shared->size(),
                 dst.size());
    std::memcpy(dst.data(), shared->data(), dst.size());
  });
}

void Writer::emit(const std::function<void(std::span<const uint8_t>)>& sink) const {
  Encoder header;
  header.put<uint32_t>(0x46554747);
  header.put<uint32_t>(3);
  header.put<uint64_t>(tensors_.size());
  header.put<uint64_t>(metadata_.size());
  for (const auto& kv : metadata_) {
    header.put_string(kv.key);
    header.put<uint32_t>(static_cast<uint32_t>(kv.value.type()));
    header.put_value(kv.value);
  }
  uint64_t offset = 0;
  for (const auto& t : tensors_) {
    header.put_string(t.name);
    header.put<uint32_t>(t.shape.size());
    for (auto d : t.shape) header.put<uint64_t>(d);
    header.put<uint32_t>(static_cast<uint32_t>(t.type));
    header.put<uint64_t>(offset);
    offset = align_up(offset + t.n_bytes, alignment_);
  }
  header.out.resize(align_up(header.out.size(), alignment_), 0);
  sink(header.out);

  std::vector<uint8_t> buffer;
  for (const auto& t : tensors_) {
    buffer.assign(align_up(t.n_bytes, alignment_), 0);
    t.fill(std::span<uint8_t>(buffer.data(), t.n_bytes));
    sink(buffer);
  }
}

std::vector<uint8_t> Writer::to_bytes() const {
  std::vector<uint8_t> out;
  emit([&](std::span<const uint8_t> piece) { out.insert(out.end(), piece.begin(), piece.end()); });
  return out;
}

void Writer::write(const std::filesystem::path& path) const {
  const auto tmp = path.string() + ".partial";
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(tmp.c_str(), "wb"), &std::fclose);
  if (!file) fail("{}: cannot create: {}", tmp, std::strerror(errno));
  emit([&](std::span<const uint8_t> piece) {
    if (std::fwrite(piece.data(), 1, piece.size(), file.get()) != piece.size())
      fail("{}: write failed: {}", tmp, std::strerror(errno));
  });
  if (std::fclose(file.release()) != 0) fail("{}: write failed: {}", tmp, std::strerror(errno));
  std::filesystem::rename(tmp, path);
}

}  // namespace vkllm::gguf
