#pragma once
// A progress bar on stderr while weights are copied to the devices (only when stderr is a terminal).
#include <cstdint>
#include <string>

namespace vkllm {

class UploadProgress {
 public:
  explicit UploadProgress(uint64_t total_bytes);
  ~UploadProgress();  // ends the line
  UploadProgress(const UploadProgress&) = delete;
  UploadProgress& operator=(const UploadProgress&) = delete;

  void add(uint64_t bytes);

 private:
  void draw();

  uint64_t total_, done_ = 0;
  int last_percent_ = -1;
  bool enabled_;
};

}  // namespace vkllm
