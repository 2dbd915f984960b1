#pragma once
// What the stages of a model run on: the CPU thread pool and the opened Vulkan devices. A model owns
// its Backends and destroys them after its stages.
#include <memory>
#include <vector>

#include "host/cpu/thread_pool.h"

namespace vkllm::vk {
class Instance;
class Device;
}  // namespace vkllm::vk

namespace vkllm {

struct Backends {
  Backends();
  ~Backends();
  Backends(const Backends&) = delete;
  Backends& operator=(const Backends&) = delete;

  std::unique_ptr<cpu::ThreadPool> pool;
  std::unique_ptr<vk::Instance> instance;             // null when no layer runs on Vulkan
  std::vector<std::unique_ptr<vk::Device>> devices;   // in --devices order
};

}  // namespace vkllm
