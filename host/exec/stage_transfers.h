#pragma once
// The host side of one stage's forward pass. Its inputs reach the device and its result comes back
// in the same submission as its compute: the copies are recorded into the stage's own command
// buffer, from and into host-visible buffers the stage keeps, so a forward pass costs one
// submission and one wait instead of one per transfer, and allocates nothing. Device buffers that
// are mapped (UMA devices such as lavapipe) are read and written directly instead.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "host/vulkan/buffer.h"

namespace vkllm::vk {
class Device;
class Recorder;
}  // namespace vkllm::vk

namespace vkllm {

class StageTransfers {
 public:
  // upload_capacity: the most bytes one forward pass sends, over all its uploads; download_capacity:
  // the most one pass reads back. Both buffers are made once at full size, so a command buffer
  // kept for replay (Recorder::replay) never refers to a buffer that was replaced.
  StageTransfers(vk::Device& device, uint64_t upload_capacity, uint64_t download_capacity, std::string name);

  // Starts a forward pass: the upload space of the previous one (whose submission has completed)
  // is reused.
  void begin() { upload_used_ = 0; }
  // Before the compute that reads dst is recorded: dst gets data when rec's submission starts.
  // When rec is replaying, only the data is written (the copy is in the replayed recording): the
  // uploads of a replayed pass must come in the order and sizes of the recorded one.
  void upload(vk::Recorder& rec, const vk::BufferView& dst, std::span<const std::byte> data);
  // After the compute that writes src is recorded: its first `bytes` come back with the submission.
  void download(vk::Recorder& rec, const vk::BufferView& src, uint64_t bytes);
  // Once the submission has completed: the bytes of the last download.
  void read(std::span<std::byte> out) const;

 private:
  vk::Device& device_;
  std::string name_;
  vk::DeviceBuffer upload_, download_;  // host-visible; allocated only when a device buffer is not mapped
  uint64_t upload_capacity_ = 0, upload_used_ = 0, download_capacity_ = 0;
  const std::byte* result_ = nullptr;  // where the last download's bytes are once the submission ends
  uint64_t result_bytes_ = 0;
};

}  // namespace vkllm
