// libFuzzer entry: any byte string either parses into a consistent File or throws GgufError.
#include <cstdint>
#include <cstdlib>

#include "engine/gguf/gguf_file.h"
#include "engine/model/model_summary.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto file = vkllm::gguf::File::parse({data, size}, "fuzz");
    uint64_t checksum = 0;
    for (const auto& t : file.tensors()) {
      const auto bytes = file.tensor_data(t);
      if (bytes.size() != t.n_bytes) std::abort();
      if (!bytes.empty()) checksum += bytes.front() + bytes.back();
    }
    const auto summary = vkllm::summarize(file);
    checksum += summary.n_params;
    (void)checksum;
  } catch (const vkllm::gguf::GgufError&) {
  }
  return 0;
}
