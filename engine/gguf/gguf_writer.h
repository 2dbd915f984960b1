#pragma once
// Builds a GGUF v3 file: metadata in insertion order, tensors laid out aligned in the order added.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "engine/gguf/gguf_value.h"
#include "engine/types/ggml_type.h"

namespace vkllm::gguf {

class Writer {
 public:
  // Fills a tensor's bytes when the file is written, so large tensors need not sit in memory.
  using Fill = std::function<void(std::span<uint8_t> dst)>;

  // Sets a key, replacing an earlier value of the same key in place.
  void set(const std::string& key, Value value);
  void set_alignment(uint32_t alignment);  // also written as general.alignment

  void add_tensor(std::string name, GgmlType type, std::vector<uint64_t> shape, std::vector<uint8_t> data);
  void add_tensor(std::string name, GgmlType type, std::vector<uint64_t> shape, Fill fill);

  std::vector<uint8_t> to_bytes() const;
  void write(const std::filesystem::path& path) const;

 private:
  struct Tensor {
    std::string name;
    GgmlType type;
    std::vector<uint64_t> shape;
    uint64_t n_bytes;
    Fill fill;
  };
  // Streams the whole file through `sink`, in pieces.
  void emit(const std::function<void(std::span<const uint8_t>)>& sink) const;

  std::vector<KeyValue> metadata_;
  std::vector<Tensor> tensors_;
  uint64_t alignment_ = 32;
};

}  // namespace vkllm::gguf
