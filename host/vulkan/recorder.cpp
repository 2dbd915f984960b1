#include "host/vulkan/recorder.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "engine/util/check.h"
#include "host/vulkan/device.h"
#include "host/vulkan/memory_pool.h"
#include "host/vulkan/pipeline.h"
#include "host/vulkan/queue.h"
#include "host/vulkan/vk_check.h"

namespace vkllm::vk {
namespace {

constexpr VkPipelineStageFlags kWorkStages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
constexpr VkAccessFlags kWorkWrites = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
constexpr VkAccessFlags kWorkAccess =
    VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;

uint32_t ceil_div(uint32_t a, uint32_t b) { return a / b + (a % b != 0); }

}  // namespace

Recorder::Recorder(Device& device, std::string name, bool profile) : device_(device), name_(std::move(name)) {
  auto info = make_struct<VkCommandPoolCreateInfo>(VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO);
  info.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;  // not transient: kept buffers live long
  info.queueFamilyIndex = device.info().compute_queue_family;
  VkCommandPool pool = VK_NULL_HANDLE;
  VKLLM_VK_CHECK(vkCreateCommandPool(device.handle(), &info, nullptr, &pool));
  pool_ = UniqueCommandPool(device.handle(), pool);
  device.set_name(VK_OBJECT_TYPE_COMMAND_POOL, uint64_t(pool), name_);
  commands_ = allocate_buffer(name_);
  if (profile) timestamps_ = std::make_unique<TimestampPool>(device);
}

VkCommandBuffer Recorder::allocate_buffer(const std::string& name) {
  auto alloc = make_struct<VkCommandBufferAllocateInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO);
  alloc.commandPool = pool_.get();
  alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  alloc.commandBufferCount = 1;
  VkCommandBuffer cmd = VK_NULL_HANDLE;
  VKLLM_VK_CHECK(vkAllocateCommandBuffers(device_.handle(), &alloc, &cmd));
  device_.set_name(VK_OBJECT_TYPE_COMMAND_BUFFER, uint64_t(cmd), name);
  return cmd;
}

Recorder::~Recorder() {
  if (!waited_) device_.queue().wait(submitted_value_);
}

VkCommandBuffer Recorder::commands() {
  VKLLM_ASSERT(!replaying_, "{}: recording into a replayed command buffer", name_);
  if (recording_) return current_;
  if (!waited_) wait();  // the command buffer may still be in flight
  VKLLM_VK_CHECK(vkResetCommandBuffer(commands_, 0));
  begin(commands_, true);
  return current_;
}

void Recorder::begin(VkCommandBuffer cmd, bool one_time) {
  auto info = make_struct<VkCommandBufferBeginInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO);
  info.flags = one_time ? VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT : 0;
  VKLLM_VK_CHECK(vkBeginCommandBuffer(cmd, &info));
  current_ = cmd;
  recording_ = true;
  ++recordings_;
  dispatches_ = 0;
  constants_used_ = 0;
  texel_views_[cmd].clear();  // the buffer's earlier recording is done
  hazards_.clear();
  if (timestamps_) timestamps_->reset(cmd);
  // Earlier submissions on the queue are ordered but not made visible without a barrier.
  full_barrier(kWorkStages, kWorkAccess);
}

bool Recorder::replay(uint64_t key) {
  VKLLM_ASSERT(!recording_ && !replaying_, "{}: replay() inside a pass", name_);
  if (timestamps_) return false;
  if (!waited_) wait();  // a kept buffer is submitted once at a time
  if (const auto it = kept_.find(key); it != kept_.end()) {
    current_ = it->second;
    replaying_ = true;
    return true;
  }
  const VkCommandBuffer cmd = allocate_buffer(fmt::format("{} #{}", name_, key));
  kept_.emplace(key, cmd);
  begin(cmd, false);
  return false;
}

void Recorder::discard() {
  replaying_ = false;
  if (!recording_) return;
  recording_ = false;
  vkEndCommandBuffer(current_);  // its result does not matter: the buffer is never submitted
  for (auto it = kept_.begin(); it != kept_.end(); ++it)
    if (it->second == current_) {
      vkFreeCommandBuffers(device_.handle(), pool_.get(), 1, &it->second);
      texel_views_.erase(it->second);
      kept_.erase(it);
      break;
    }
  current_ = VK_NULL_HANDLE;
}

VkBufferView Recorder::texel_view(const BufferView& view, std::string_view shader, uint32_t binding) {
  const DeviceLimits& limits = device_.info().limits;
  if (view.buffer == VK_NULL_HANDLE || view.size < kTexelBytes)
    fail("{}: texel binding {} holds no whole texel", shader, binding);
  if (limits.min_texel_buffer_offset_alignment == 0 || view.offset % limits.min_texel_buffer_offset_alignment != 0)
    fail("{}: texel binding {} offset {} is not aligned to {}", shader, binding, view.offset,
         limits.min_texel_buffer_offset_alignment);
  const uint64_t texels = view.size / kTexelBytes;
  if (texels > limits.max_texel_buffer_elements)
    fail("{}: texel binding {} spans {} texels, over maxTexelBufferElements ({}) of '{}'", shader, binding, texels,
         limits.max_texel_buffer_elements, device_.info().name);
  const VkCommandBuffer cmd = commands();
  auto& views = texel_views_[cmd];
  const TexelKey key{view.buffer, view.offset, texels * kTexelBytes};
  if (const auto it = views.find(key); it != views.end()) return it->second.get();
  auto info = make_struct<VkBufferViewCreateInfo>(VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO);
  info.buffer = view.buffer;
  info.format = kTexelFormat;
  info.offset = view.offset;
  info.range = texels * kTexelBytes;
  VkBufferView handle = VK_NULL_HANDLE;
  VKLLM_VK_CHECK(vkCreateBufferView(device_.handle(), &info, nullptr, &handle));
  return views.emplace(key, UniqueBufferView(device_.handle(), handle)).first->second.get();
}

BufferView Recorder::constants_bytes(const void* data, uint32_t bytes) {
  constexpr uint64_t kCapacity = 64 * 1024;
  VKLLM_ASSERT(bytes > 0 && bytes % 4 == 0, "{}: constants of {} bytes", name_, bytes);
  const VkCommandBuffer cmd = commands();
  if (constants_.size() == 0) constants_ = device_.memory().allocate(kCapacity, MemoryKind::DeviceLocal, name_ + " constants");
  const uint64_t align = std::max<uint64_t>(device_.info().limits.min_storage_buffer_offset_alignment, 4);
  const uint64_t offset = (constants_used_ + align - 1) / align * align;
  if (offset + bytes > kCapacity) fail("{}: over {} bytes of inline constants in one recording", name_, kCapacity);
  constants_used_ = offset + bytes;
  const BufferView view = constants_.view().sub(offset, bytes);
  const Binding bindings[] = {writes(view)};
  barrier_if_needed(bindings);
  vkCmdUpdateBuffer(cmd, view.buffer, view.offset, bytes, data);
  return view;
}

void Recorder::full_barrier(VkPipelineStageFlags dst_stages, VkAccessFlags dst_access) {
  auto barrier = make_struct<VkMemoryBarrier>(VK_STRUCTURE_TYPE_MEMORY_BARRIER);
  barrier.srcAccessMask = kWorkWrites;
  barrier.dstAccessMask = dst_access;
  vkCmdPipelineBarrier(current_, kWorkStages, dst_stages, 0, 1, &barrier, 0, nullptr, 0, nullptr);
}

void Recorder::barrier_if_needed(std::span<const Binding> bindings) {
  if (hazards_.needs_barrier(bindings)) {
    full_barrier(kWorkStages, kWorkAccess);
    hazards_.clear();
  }
  hazards_.record(bindings);
}

void Recorder::dispatch_bytes(shaders::ShaderId shader, std::span<const Binding> bindings, const void* params,
                              uint32_t params_bytes, WorkSize work) {
  const Pipeline& pipeline = device_.pipelines().get(shader);
  const std::string_view name = shaders::shader_info(shader).name;
  VKLLM_ASSERT(params_bytes == pipeline.params_bytes, "{}: push constants of {} bytes, shader declares {}", name,
               params_bytes, pipeline.params_bytes);
  // One Binding per shader binding, except arrays of uniform buffers: one Binding per descriptor.
  size_t expected = 0;
  for (const ShaderBinding& slot : pipeline.layout.bindings) expected += slot.uniform ? slot.count : 1;
  VKLLM_ASSERT(bindings.size() == expected, "{}: {} bindings given, shader has {}", name, bindings.size(), expected);
  const DeviceLimits& limits = device_.info().limits;

  std::vector<VkDescriptorBufferInfo> infos;
  infos.reserve(64);
  std::vector<VkBufferView> texels;
  texels.reserve(64);
  std::vector<VkWriteDescriptorSet> writes;
  size_t next = 0;  // in bindings
  for (const ShaderBinding& slot : pipeline.layout.bindings) {
    if (slot.texel) {
      VKLLM_ASSERT(texels.size() < 64, "{}: too many texel buffers", name);
      texels.push_back(texel_view(bindings[next++].view, name, slot.binding));
      auto write = make_struct<VkWriteDescriptorSet>(VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET);
      write.dstBinding = slot.binding;
      write.descriptorCount = 1;
      write.descriptorType = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
      write.pTexelBufferView = &texels.back();  // texels never reallocates: reserved above
      writes.push_back(write);
      continue;
    }
    const size_t first = infos.size();
    const size_t views = slot.uniform ? slot.count : 1;
    VKLLM_ASSERT(first + slot.count <= 64, "{}: too many descriptors", name);
    for (size_t v = 0; v < views; ++v) {
      const BufferView& view = bindings[next++].view;
      if (view.buffer == VK_NULL_HANDLE || view.size == 0) fail("{}: binding {} is empty", name, slot.binding);
      const uint64_t alignment =
          slot.uniform ? limits.min_uniform_buffer_offset_alignment : limits.min_storage_buffer_offset_alignment;
      const uint64_t range = slot.uniform ? limits.max_uniform_buffer_range : limits.max_storage_buffer_range;
      if (view.offset % alignment != 0)
        fail("{}: binding {} offset {} is not aligned to {}", name, slot.binding, view.offset, alignment);
      if (slot.uniform || slot.count == 1) {
        if (view.size > range)
          fail("{}: binding {} spans {} bytes, over {} ({}) of '{}'", name, slot.binding, view.size,
               slot.uniform ? "maxUniformBufferRange" : "maxStorageBufferRange", range, device_.info().name);
        infos.push_back({view.buffer, view.offset, view.size});
      } else {
        if (view.size > device_.windows().max_bytes(slot.count))
          fail("{}: binding {} spans {} bytes, over the {} bytes its {} windows cover", name, slot.binding,
               view.size, device_.windows().max_bytes(slot.count), slot.count);
        for (const BufferView& window : device_.windows().split(view, slot.count))
          infos.push_back({window.buffer, window.offset, window.size});
      }
    }
    auto write = make_struct<VkWriteDescriptorSet>(VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET);
    write.dstBinding = slot.binding;
    write.descriptorCount = slot.count;
    write.descriptorType = descriptor_type(slot);
    write.pBufferInfo = infos.data() + first;  // infos never reallocates: reserved above
    writes.push_back(write);
  }

  std::array<uint32_t, 3> groups = {work.x, work.y, work.z};
  if (!work.in_workgroups)
    for (int d = 0; d < 3; ++d) groups[d] = ceil_div(groups[d], pipeline.layout.workgroup_size[d]);
  if (groups[0] == 0 || groups[1] == 0 || groups[2] == 0) return;  // nothing to do
  if (groups[0] > limits.max_workgroup_count[0]) {
    // Fold a wide 1-D dispatch into y; kernels recover the flat index with flat_workgroup_id().
    VKLLM_ASSERT(groups[1] == 1 && groups[2] == 1, "{}: {} workgroups in x of a 2-D dispatch", name, groups[0]);
    const uint32_t total = groups[0];
    groups[1] = ceil_div(total, limits.max_workgroup_count[0]);
    groups[0] = ceil_div(total, groups[1]);
  }
  for (int d = 0; d < 3; ++d)
    if (groups[d] > limits.max_workgroup_count[d]) fail("{}: {} workgroups in dimension {}", name, groups[d], d);

  const VkCommandBuffer cmd = commands();
  barrier_if_needed(bindings);
  vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.pipeline.get());
  device_.cmd_push_descriptor_set(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.pipeline_layout.get(), 0,
                                  uint32_t(writes.size()), writes.data());
  if (pipeline.layout.has_push_constants)
    vkCmdPushConstants(cmd, pipeline.pipeline_layout.get(), VK_SHADER_STAGE_COMPUTE_BIT, 0, params_bytes, params);
  if (timestamps_) {
    uint64_t bytes = 0;
    for (const auto& b : bindings) bytes += b.view.size;
    timestamps_->begin(cmd, std::string(name), bytes);
  }
  vkCmdDispatch(cmd, groups[0], groups[1], groups[2]);
  if (timestamps_) timestamps_->end(cmd);
  ++dispatches_;
}

void Recorder::copy(const BufferView& src, const BufferView& dst) {
  VKLLM_ASSERT(src.size == dst.size, "copy of {} bytes into {}", src.size, dst.size);
  const Binding bindings[] = {reads(src), writes(dst)};
  const VkCommandBuffer cmd = commands();
  barrier_if_needed(bindings);
  const VkBufferCopy region{src.offset, dst.offset, src.size};
  vkCmdCopyBuffer(cmd, src.buffer, dst.buffer, 1, &region);
}

uint64_t Recorder::submit() {
  if (replaying_) {
    replaying_ = false;
  } else {
    commands();  // an empty submission still orders and signals
    // Make the results visible to the host (mapped readbacks) once the timeline value is reached.
    full_barrier(VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
    VKLLM_VK_CHECK(vkEndCommandBuffer(current_));
    recording_ = false;
  }
  submitted_value_ = device_.queue().submit(current_);
  waited_ = false;
  return submitted_value_;
}

void Recorder::wait() {
  if (waited_) return;
  device_.queue().wait(submitted_value_);
  waited_ = true;
}

std::vector<DispatchTiming> Recorder::timings() const {
  VKLLM_ASSERT(waited_ && !recording_, "timings() before the submission completed");
  return timestamps_ ? timestamps_->read() : std::vector<DispatchTiming>{};
}

uint32_t Recorder::untimed_dispatches() const { return timestamps_ ? timestamps_->untimed() : 0; }

}  // namespace vkllm::vk
