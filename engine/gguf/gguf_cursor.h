#pragma once
// Bounds-checked little-endian reads over an untrusted byte range; every failure names the field
// and the byte offset where it started.
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "engine/gguf/gguf_file.h"

namespace vkllm::gguf {

class Cursor {
 public:
  Cursor(std::span<const uint8_t> bytes, const std::string& source) : bytes_(bytes), source_(source) {}

  uint64_t offset() const { return pos_; }
  uint64_t remaining() const { return bytes_.size() - pos_; }

  template <typename T>
  T read(std::string_view field) {
    static_assert(std::is_trivially_copyable_v<T>);
    need(sizeof(T), field);
    T value;
    std::memcpy(&value, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }

  // A GGUF string: uint64 length, then that many bytes (not NUL-terminated).
  std::string read_string(std::string_view field) {
    const uint64_t start = pos_;
    const auto length = read<uint64_t>(field);
    if (length > remaining())
      error(field, "string length " + std::to_string(length) + " exceeds the " + std::to_string(remaining()) +
                       " bytes left in the file", start);
    std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), length);
    pos_ += length;
    return s;
  }

  [[noreturn]] void error(std::string_view field, const std::string& problem, uint64_t at) const {
    throw GgufError(source_, field, at, problem);
  }
  [[noreturn]] void error(std::string_view field, const std::string& problem) const { error(field, problem, pos_); }

 private:
  void need(uint64_t n, std::string_view field) const {
    if (n > remaining())
      error(field, "file ends after " + std::to_string(remaining()) + " of " + std::to_string(n) + " bytes");
  }

  std::span<const uint8_t> bytes_;
  const std::string& source_;
  uint64_t pos_ = 0;
};

}  // namespace vkllm::gguf
