#pragma once
// A compute queue with a timeline semaphore: every submission signals the next value, and callers
// wait for that value (no fences).
#include <vulkan/vulkan.h>

#include <cstdint>
#include <mutex>

#include "host/vulkan/handle.h"

namespace vkllm::vk {

class Queue {
 public:
  Queue(VkDevice device, uint32_t family, uint32_t index);

  // Submits one command buffer; returns the timeline value that marks its completion.
  uint64_t submit(VkCommandBuffer commands);
  // Blocks until the timeline reaches `value`.
  void wait(uint64_t value) const;
  uint64_t completed_value() const;
  void wait_idle();

  VkQueue handle() const { return queue_; }
  uint32_t family() const { return family_; }
  VkSemaphore timeline() const { return timeline_.get(); }

 private:
  VkDevice device_;
  VkQueue queue_ = VK_NULL_HANDLE;
  uint32_t family_;
  UniqueSemaphore timeline_;
  std::mutex submit_mutex_;  // vkQueueSubmit needs external synchronisation
  uint64_t last_submitted_ = 0;
};

}  // namespace vkllm::vk
