#pragma once
// Records compute work into a command buffer and submits it on the device's queue.
// dispatch() is the one way kernels run: it binds the pipeline, pushes descriptors and constants,
// inserts barriers from the bindings' read/write tags, and turns thread counts into workgroups.
// By default every submission is recorded afresh; replay(key) keeps the recording of a shape so
// that the next pass of that shape submits it again without recording anything.
#include <vulkan/vulkan.h>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "host/vulkan/buffer.h"
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

  // `params` must be the push-constant struct shaders/CMakeLists.txt declares for `shader`. One
  // binding per shader binding in binding order (a windowed storage array takes one view and splits
  // it), except that an array of uniform buffers takes one binding per element. A uniform texel
  // buffer binding is viewed as kTexelFormat from the view's offset (aligned to
  // minTexelBufferOffsetAlignment) over its whole texels.
  template <typename Params>
  void dispatch(shaders::ShaderId shader, std::initializer_list<Binding> bindings, const Params& params,
                WorkSize work) {
    dispatch_bytes(shader, bindings, &params, sizeof(Params), work);
  }
  void dispatch_bytes(shaders::ShaderId shader, std::span<const Binding> bindings, const void* params,
                      uint32_t params_bytes, WorkSize work);
  void copy(const BufferView& src, const BufferView& dst);
  // A few bytes written into the command stream (vkCmdUpdateBuffer) at this point of the work,
  // returned as a storage binding; the space is the recorder's and lasts for this recording.
  template <typename T>
  BufferView constants(const T& value) {
    return constants_bytes(&value, sizeof(T));
  }
  BufferView constants_bytes(const void* data, uint32_t bytes);

  // Keeps recordings for replay, one per key (a shape, in the caller's terms). Call it before
  // recording a pass: true when a command buffer was recorded under `key` before; record nothing
  // then (the caller still refreshes the buffers it reads), submit() sends it again. False when
  // recording starts into a new command buffer kept under `key`. A profiling recorder keeps
  // nothing (its timestamps name the dispatches of one recording) and always returns false.
  bool replay(uint64_t key);
  bool replaying() const { return replaying_; }
  // Drops the pass being recorded or replayed (after an error in it): nothing is submitted, a kept
  // recording that was under way is forgotten, and the next pass starts clean.
  void discard();
  size_t recordings() const { return recordings_; }  // command buffers recorded so far

  uint64_t submit();  // ends recording and submits; returns the queue timeline value
  void wait();        // waits for the last submission
  void submit_and_wait() {
    submit();
    wait();
  }
  // Per-dispatch GPU times of the last completed submission (profile mode only).
  std::vector<DispatchTiming> timings() const;
  // Dispatches of that submission that timings() misses (the timestamp pool was full).
  uint32_t untimed_dispatches() const;

  Device& device() { return device_; }
  size_t dispatches() const { return dispatches_; }

 private:
  VkCommandBuffer commands();  // begins recording (a one-time buffer) when needed
  VkCommandBuffer allocate_buffer(const std::string& name);  // from pool_, named for debuggers
  void begin(VkCommandBuffer cmd, bool one_time);
  void barrier_if_needed(std::span<const Binding> bindings);
  void full_barrier(VkPipelineStageFlags dst_stages, VkAccessFlags dst_access);
  VkBufferView texel_view(const BufferView& view, std::string_view shader, uint32_t binding);

  Device& device_;
  std::string name_;
  UniqueCommandPool pool_;
  VkCommandBuffer commands_ = VK_NULL_HANDLE;  // re-recorded for every pass that is not kept
  VkCommandBuffer current_ = VK_NULL_HANDLE;   // being recorded or replayed
  std::unordered_map<uint64_t, VkCommandBuffer> kept_;
  bool recording_ = false, replaying_ = false;
  size_t recordings_ = 0;
  DeviceBuffer constants_;
  uint64_t constants_used_ = 0;
  uint64_t submitted_value_ = 0;
  bool waited_ = true;
  size_t dispatches_ = 0;
  HazardTracker hazards_;
  // The texel-buffer views each command buffer refers to, by (buffer, offset, range), kept as long as
  // it may be submitted; a view bound again in the same recording is reused.
  using TexelKey = std::tuple<VkBuffer, uint64_t, uint64_t>;
  std::unordered_map<VkCommandBuffer, std::map<TexelKey, UniqueBufferView>> texel_views_;
  std::unique_ptr<TimestampPool> timestamps_;
};

}  // namespace vkllm::vk
