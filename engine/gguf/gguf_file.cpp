#include "engine/gguf/gguf_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace vkllm::gguf {

GgufError::GgufError(const std::string& source, std::string_view field, uint64_t offset, const std::string& problem)
    : Error(fmt::format("{}: invalid GGUF: {} (at byte {}): {}", source, field, offset, problem)), offset_(offset) {}

// Owns the bytes a File views: a read-only mapping or a heap copy.
struct File::Storage {
  void* map = nullptr;
  size_t map_size = 0;
  std::vector<uint8_t> copy;

  ~Storage() {
    if (map) munmap(map, map_size);
  }
};

namespace {

struct FileDescriptor {
  int fd = -1;
  ~FileDescriptor() {
    if (fd >= 0) close(fd);
  }
};

[[noreturn]] void fail_errno(const std::filesystem::path& path, const char* what) {
  fail("{}: {}: {}", path.string(), what, std::strerror(errno));
}

}  // namespace

File File::open(const std::filesystem::path& path, LoadMode mode) {
  FileDescriptor file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) fail_errno(path, "cannot open");
  struct stat st {};
  if (fstat(file.fd, &st) != 0) fail_errno(path, "cannot stat");
  if (!S_ISREG(st.st_mode)) fail("{}: not a regular file", path.string());
  const auto size = static_cast<size_t>(st.st_size);
  if (size == 0) fail("{}: invalid GGUF: the file is empty", path.string());

  File out;
  out.source_ = path.string();
  out.storage_ = std::make_unique<Storage>();
  if (mode == LoadMode::Mmap) {
    void* map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, file.fd, 0);
    if (map == MAP_FAILED) fail_errno(path, "cannot mmap");
    out.storage_->map = map;
    out.storage_->map_size = size;
    out.bytes_ = {static_cast<const uint8_t*>(map), size};
  } else {
    auto& copy = out.storage_->copy;
    copy.resize(size);
    size_t done = 0;
    while (done < size) {
      const ssize_t n = ::read(file.fd, copy.data() + done, size - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail_errno(path, "cannot read");
      if (n == 0) fail("{}: file shrank while being read", path.string());
      done += size_t(n);
    }
    out.bytes_ = copy;
  }
  out.parse_all();
  return out;
}

File File::parse(std::span<const uint8_t> bytes, std::string source) {
  File out;
  out.source_ = std::move(source);
  out.bytes_ = bytes;
  out.parse_all();
  return out;
}

File::File(File&&) noexcept = default;
File& File::operator=(File&&) noexcept = default;
File::~File() = default;

const Value* File::find(std::string_view key) const {
  for (const auto& kv : metadata_)
    if (kv.key == key) return &kv.value;
  return nullptr;
}

const TensorInfo* File::find_tensor(std::string_view name) const {
  for (const auto& t : tensors_)
    if (t.name == name) return &t;
  return nullptr;
}

std::span<const uint8_t> File::tensor_data(const TensorInfo& tensor) const {
  return bytes_.subspan(data_offset_ + tensor.offset, tensor.n_bytes);
}

}  // namespace vkllm::gguf
