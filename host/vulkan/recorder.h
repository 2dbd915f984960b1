#pragma once
// Records compute work into one command buffer and submits it on the device's queue.
// dispatch() is the one way kernels run: it binds the pipeline, pushes descriptors and constants,
// inserts barriers from the bindings' read/write tags, and turns thread counts into workgroups.
#include <vulkan/vulkan.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "host/vulkan/handle.h"
#include "host/vulkan/hazard_tracker.h"
#include "host/vulkan/timestamps.h"
#include "shaders/shader_id.h"

namespace vkllm::vk {

class Device;

// How much work a dispatch covers: invocations (rounded up to whole workgroups) or workgroups.
struct WorkSize {
  uint32_t x = 1, y = 1, z = 1;
  bool in_workgroups = false;
};
inline WorkSize threads(uint32_t x, uint32_t y = 1, uint32_t z = 1) { return {x, y, z, false}; }
inline WorkSize workgroups(uint32_t x, uint32_t y = 1, uint32_t z = 1) { return {x, y, z, true}; }

class Recorder {
 public:
  // `profile` records GPU timestamps around every dispatch (read with timings()).
  Recorder(Device& device, std::string name, bool profile = false);
  ~Recorder();  // waits for its submitted work
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // `params` must be the push-constant struct shaders/CMakeLists.txt declares for `shader`.
  template <typename Params>
  void dispatch(shaders::ShaderId shader, std::initializer_list<Binding> bindings, const Params& params,
                WorkSize work) {
    dispatch_bytes(shader, bindings, &params, sizeof(Params), work);
  }
  void dispatch_bytes(shaders::ShaderId shader, std::span<const Binding> bindings, const void* params,
                      uint32_t params_bytes, WorkSize work);
  void copy(const BufferView& src, const BufferView& dst);

  uint64_t submit();  // ends recording and submits; returns the queue timeline value
  void wait();        // waits for the last submission
  void submit_and_wait() {
    submit();
    wait();
  }
  // Per-dispatch GPU times of the last completed submission (profile mode only).
  std::vector<DispatchTiming> timings() const;

  Device& device() { return device_; }
  size_t dispatches() const { return dispatches_; }

 private:
  VkCommandBuffer commands();  // begins recording when needed
  void barrier_if_needed(std::span<const Binding> bindings);
  void full_barrier(VkPipelineStageFlags dst_stages, VkAccessFlags dst_access);

  Device& device_;
  std::string name_;
  UniqueCommandPool pool_;
  VkCommandBuffer commands_ = VK_NULL_HANDLE;
  bool recording_ = false;
  uint64_t submitted_value_ = 0;
  bool waited_ = true;
  size_t dispatches_ = 0;
  HazardTracker hazards_;
  std::unique_ptr<TimestampPool> timestamps_;
};

}  // namespace vkllm::vk
