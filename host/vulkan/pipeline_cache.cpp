#include "host/vulkan/pipeline_cache.h"

#include <unistd.h>

#include <fstream>
#include <iterator>
#include <vector>

#include "engine/util/log.h"
#include "host/vulkan/device_info.h"
#include "host/vulkan/vk_check.h"

namespace vkllm::vk {
namespace {

std::vector<char> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  return std::vector<char>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

PipelineCache::PipelineCache(VkDevice device, const DeviceInfo& info, const std::filesystem::path& dir)
    : device_(device) {
  std::vector<char> data;
  if (!dir.empty()) {
    path_ = dir / fmt::format("pipelines-{}-{:08x}.bin", uuid_string(info.device_uuid), info.driver_version);
    data = read_file(path_);
  }
  auto create = make_struct<VkPipelineCacheCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO);
  create.initialDataSize = data.size();
  create.pInitialData = data.empty() ? nullptr : data.data();
  VkPipelineCache cache = VK_NULL_HANDLE;
  VkResult result = vkCreatePipelineCache(device, &create, nullptr, &cache);
  if (result != VK_SUCCESS && !data.empty()) {
    // Drivers reject data they do not recognise; start empty rather than fail.
    spdlog::warn("vulkan: ignoring unusable pipeline cache {} ({})", path_.string(), result_name(result));
    create.initialDataSize = 0;
    create.pInitialData = nullptr;
    result = vkCreatePipelineCache(device, &create, nullptr, &cache);
  }
  VKLLM_VK_CHECK(result);
  cache_ = UniquePipelineCache(device, cache);
  if (!data.empty()) spdlog::debug("vulkan: loaded {} bytes of pipeline cache from {}", data.size(), path_.string());
}

PipelineCache::~PipelineCache() {
  try {
    save();
  } catch (const std::exception& e) {
    spdlog::warn("vulkan: could not save the pipeline cache: {}", e.what());
  }
}

void PipelineCache::save() {
  if (path_.empty() || !dirty_.exchange(false)) return;
  size_t size = 0;
  VKLLM_VK_CHECK(vkGetPipelineCacheData(device_, cache_.get(), &size, nullptr));
  std::vector<char> data(size);
  VKLLM_VK_CHECK(vkGetPipelineCacheData(device_, cache_.get(), &size, data.data()));
  std::error_code error;
  std::filesystem::create_directories(path_.parent_path(), error);
  // Write then rename, so a second device or process never reads a half-written file.
  const auto temp = path_.string() + fmt::format(".tmp{}-{}", ::getpid(), reinterpret_cast<uintptr_t>(this));
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(data.data(), std::streamsize(size));
    if (!out) {
      spdlog::warn("vulkan: could not write pipeline cache {}", temp);
      return;
    }
  }
  std::filesystem::rename(temp, path_, error);
  if (error) spdlog::warn("vulkan: could not save pipeline cache {}: {}", path_.string(), error.message());
  else spdlog::debug("vulkan: saved {} bytes of pipeline cache to {}", size, path_.string());
}

}  // namespace vkllm::vk
