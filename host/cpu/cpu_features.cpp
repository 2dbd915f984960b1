#include "host/cpu/cpu_features.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "engine/util/check.h"

namespace vkllm::cpu {
namespace {

CpuPath detected_path() {
  const char* scalar = std::getenv("VKLLM_CPU_SCALAR");
  if (scalar != nullptr && std::strcmp(scalar, "") != 0 && std::strcmp(scalar, "0") != 0) return CpuPath::Scalar;
  return cpu_has_avx2() ? CpuPath::Avx2 : CpuPath::Scalar;
}

std::atomic<int> g_override{-1};

}  // namespace

bool cpu_has_avx2() {
#if VKLLM_HAVE_X86
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                          __builtin_cpu_supports("f16c");
  return has;
#else
  return false;
#endif
}

CpuPath cpu_path() {
  const int forced = g_override.load(std::memory_order_relaxed);
  if (forced >= 0) return CpuPath(forced);
  static const CpuPath path = detected_path();
  return path;
}

void override_cpu_path(std::optional<CpuPath> path) {
  VKLLM_ASSERT(!path || *path != CpuPath::Avx2 || cpu_has_avx2(), "AVX2 forced on a CPU without it");
  g_override.store(path ? int(*path) : -1, std::memory_order_relaxed);
}

}  // namespace vkllm::cpu
