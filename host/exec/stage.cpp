#include "host/exec/stage.h"

namespace vkllm {

bool StageBatch::single_sequence() const {
  for (size_t i = 0; i < pos.size(); ++i)
    if (seq[i] != 0 || pos[i] != pos[0] + int32_t(i)) return false;
  return true;
}

}  // namespace vkllm
