#include "host/exec/backends.h"

#include "host/vulkan/device.h"
#include "host/vulkan/instance.h"

namespace vkllm {

Backends::Backends() = default;
Backends::~Backends() {
  devices.clear();  // before the instance they were created from
  instance.reset();
}

}  // namespace vkllm
