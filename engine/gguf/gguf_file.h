#pragma once
// A parsed GGUF file (v2 or v3): metadata, tensor infos, and a view of the tensor data.
// Every field is checked against the file before use; a bad file throws GgufError.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/gguf/gguf_value.h"
#include "engine/types/ggml_type.h"
#include "engine/util/check.h"

namespace vkllm::gguf {

// A malformed file: names the field and the byte offset where reading it failed.
class GgufError : public Error {
 public:
  GgufError(const std::string& source, std::string_view field, uint64_t offset, const std::string& problem);
  uint64_t offset() const { return offset_; }

 private:
  uint64_t offset_;
};

struct TensorInfo {
  std::string name;
  std::vector<uint64_t> shape;  // ne[0] first: ne[0] is the contiguous row length
  GgmlType type = GgmlType::F32;
  uint64_t offset = 0;          // relative to the start of the data section
  uint64_t n_elements = 0;
  uint64_t n_bytes = 0;
};

constexpr uint64_t kDefaultAlignment = 32;

enum class LoadMode { Mmap, Read };

class File {
 public:
  // Parses a file on disk; Mmap maps it, Read copies it into memory (--no-mmap).
  static File open(const std::filesystem::path& path, LoadMode mode = LoadMode::Mmap);
  // Parses bytes already in memory; `source` names them in error messages.
  static File parse(std::span<const uint8_t> bytes, std::string source = "<memory>");

  File(File&&) noexcept;
  File& operator=(File&&) noexcept;
  ~File();

  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }  // absolute offset of the data section
  uint64_t file_size() const { return bytes_.size(); }
  const std::string& source() const { return source_; }

  const std::vector<KeyValue>& metadata() const { return metadata_; }
  const Value* find(std::string_view key) const;
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find_tensor(std::string_view name) const;
  std::span<const uint8_t> tensor_data(const TensorInfo& tensor) const;

 private:
  struct Storage;
  File() = default;
  void parse_all();

  std::unique_ptr<Storage> storage_;
  std::span<const uint8_t> bytes_;
  std::string source_;
  uint32_t version_ = 0;
  uint64_t alignment_ = kDefaultAlignment;
  uint64_t data_offset_ = 0;
  std::vector<KeyValue> metadata_;
  std::vector<TensorInfo> tensors_;
};

}  // namespace vkllm::gguf
