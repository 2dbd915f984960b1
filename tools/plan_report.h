#pragma once
// `vkllm inspect MODEL --plan`: where each layer would run and the memory each device and the host
// would need, computed from the file's header and the devices' reported memory, loading nothing.
#include "tools/model_options.h"

namespace vkllm::cli {

int print_plan(const ModelOptions& options, bool json);

}  // namespace vkllm::cli
