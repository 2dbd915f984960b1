#pragma once
// The driver's pipeline cache, persisted under the cache directory in a file keyed by device UUID
// and driver version, so a driver update or another GPU never sees stale data.
#include <vulkan/vulkan.h>

#include <atomic>
#include <filesystem>

#include "host/vulkan/handle.h"

namespace vkllm::vk {

struct DeviceInfo;

class PipelineCache {
 public:
  // An empty `dir` keeps the cache in memory only.
  PipelineCache(VkDevice device, const DeviceInfo& info, const std::filesystem::path& dir);
  ~PipelineCache();  // saves when pipelines were added
  PipelineCache(const PipelineCache&) = delete;
  PipelineCache& operator=(const PipelineCache&) = delete;

  VkPipelineCache handle() const { return cache_.get(); }
  void mark_dirty() { dirty_ = true; }
  void save();
  const std::filesystem::path& path() const { return path_; }

 private:
  VkDevice device_;
  std::filesystem::path path_;
  UniquePipelineCache cache_;
  std::atomic<bool> dirty_{false};
};

}  // namespace vkllm::vk
