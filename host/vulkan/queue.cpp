#include "host/vulkan/queue.h"

#include <limits>

#include "host/vulkan/vk_check.h"

namespace vkllm::vk {

Queue::Queue(VkDevice device, uint32_t family, uint32_t index) : device_(device), family_(family) {
  vkGetDeviceQueue(device, family, index, &queue_);
  auto type = make_struct<VkSemaphoreTypeCreateInfo>(VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO);
  type.semaphoreType = VK_SEMAPHORE_TYPE_TIMELINE;
  type.initialValue = 0;
  auto info = make_struct<VkSemaphoreCreateInfo>(VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO);
  info.pNext = &type;
  VkSemaphore semaphore = VK_NULL_HANDLE;
  VKLLM_VK_CHECK(vkCreateSemaphore(device, &info, nullptr, &semaphore));
  timeline_ = UniqueSemaphore(device, semaphore);
}

uint64_t Queue::submit(VkCommandBuffer commands) {
  std::lock_guard lock(submit_mutex_);
  const uint64_t signal = last_submitted_ + 1;
  auto timeline = make_struct<VkTimelineSemaphoreSubmitInfo>(VK_STRUCTURE_TYPE_TIMELINE_SEMAPHORE_SUBMIT_INFO);
  timeline.signalSemaphoreValueCount = 1;
  timeline.pSignalSemaphoreValues = &signal;
  auto submit = make_struct<VkSubmitInfo>(VK_STRUCTURE_TYPE_SUBMIT_INFO);
  submit.pNext = &timeline;
  submit.commandBufferCount = 1;
  submit.pCommandBuffers = &commands;
  submit.signalSemaphoreCount = 1;
  const VkSemaphore semaphore = timeline_.get();
  submit.pSignalSemaphores = &semaphore;
  VKLLM_VK_CHECK(vkQueueSubmit(queue_, 1, &submit, VK_NULL_HANDLE));
  last_submitted_ = signal;
  return signal;
}

void Queue::wait(uint64_t value) const {
  const VkSemaphore semaphore = timeline_.get();
  auto info = make_struct<VkSemaphoreWaitInfo>(VK_STRUCTURE_TYPE_SEMAPHORE_WAIT_INFO);
  info.semaphoreCount = 1;
  info.pSemaphores = &semaphore;
  info.pValues = &value;
  VKLLM_VK_CHECK(vkWaitSemaphores(device_, &info, std::numeric_limits<uint64_t>::max()));
}

uint64_t Queue::completed_value() const {
  uint64_t value = 0;
  VKLLM_VK_CHECK(vkGetSemaphoreCounterValue(device_, timeline_.get(), &value));
  return value;
}

void Queue::wait_idle() {
  std::lock_guard lock(submit_mutex_);
  VKLLM_VK_CHECK(vkQueueWaitIdle(queue_));
}

}  // namespace vkllm::vk
