#include "host/exec/stage.h"

namespace vkllm {

bool StageBatch::single_sequence() const {
  for (size_t i = 0; i < pos.size(); ++i)
    if (seq[i] != 0 || pos[i] != pos[0] + int32_t(i)) return false;
  return true;
}

std::vector<int64_t> StageBatch::runs() const {
  std::vector<int64_t> out;
  for (size_t begin = 0, end = 0; begin < seq.size(); begin = end) {
    for (end = begin + 1; end < seq.size() && seq[end] == seq[begin];) ++end;
    out.push_back(int64_t(end - begin));
  }
  return out;
}

}  // namespace vkllm
