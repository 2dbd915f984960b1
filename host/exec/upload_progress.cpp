#include "host/exec/upload_progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

namespace vkllm {

UploadProgress::UploadProgress(uint64_t total_bytes) : total_(total_bytes), enabled_(isatty(STDERR_FILENO) != 0) {}

UploadProgress::~UploadProgress() {
  if (enabled_ && last_percent_ >= 0) fmt::print(stderr, "\n");
}

void UploadProgress::add(uint64_t bytes) {
  done_ = std::min(total_, done_ + bytes);
  draw();
}

void UploadProgress::draw() {
  if (!enabled_ || total_ == 0) return;
  const int percent = int(done_ * 100 / total_);
  if (percent == last_percent_) return;
  last_percent_ = percent;
  constexpr int kWidth = 40;
  const int filled = percent * kWidth / 100;
  fmt::print(stderr, "\rloading weights [{}{}] {:3}% ({:.0f} / {:.0f} MiB)", std::string(size_t(filled), '#'),
             std::string(size_t(kWidth - filled), ' '), percent, double(done_) / (1 << 20), double(total_) / (1 << 20));
  std::fflush(stderr);
}

}  // namespace vkllm
