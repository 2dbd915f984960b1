#pragma once
// Every debug switch of the Vulkan runtime in one struct, read from the environment in one place.
#include <filesystem>
#include <optional>

namespace vkllm::vk {

struct RuntimeOptions {
  bool validation = false;        // VKLLM_VALIDATE=1: Khronos validation layer + debug messenger
  bool pipeline_cache = true;     // VKLLM_NO_PIPELINE_CACHE=1 turns the on-disk cache off
  // VKLLM_FORCE_STAGING=1: device-local buffers are never mapped, even where the memory is host
  // visible (lavapipe, UMA GPUs), so transfers take a discrete GPU's staging path (for tests).
  bool force_staging = false;
  // VKLLM_NO_REPLAY=1: every forward pass is recorded afresh (by default short passes replay the
  // command buffer recorded for their shape; see Recorder::replay).
  bool replay = true;
  std::filesystem::path cache_dir;  // $XDG_CACHE_HOME/vkllm or ~/.cache/vkllm (empty: no cache)
};

// Reads VKLLM_VALIDATE, VKLLM_NO_PIPELINE_CACHE, VKLLM_FORCE_STAGING, VKLLM_NO_REPLAY, XDG_CACHE_HOME
// and HOME.
RuntimeOptions options_from_environment();

}  // namespace vkllm::vk
