#pragma once
// Which kernels the CPU backend runs: AVX2 (+FMA, F16C) where the processor has it, else portable
// scalar code. Chosen once at run time, so one binary runs everywhere; no -march flags needed.
// Both paths give bit-identical results for the integer dot products (see row_dot.h).
#include <optional>

// Marks a function compiled for AVX2; call it only when cpu_path() == CpuPath::Avx2.
#if defined(__x86_64__) || defined(__i386__)
#define VKLLM_HAVE_X86 1
#define VKLLM_AVX2 __attribute__((target("avx2,fma,f16c")))
#else
#define VKLLM_HAVE_X86 0
#define VKLLM_AVX2
#endif

namespace vkllm::cpu {

enum class CpuPath { Scalar, Avx2 };

// The path in use: AVX2 when supported unless VKLLM_CPU_SCALAR=1 (read once) or an override.
CpuPath cpu_path();

// Forces a path (tests compare the two); nullopt restores detection. Forcing Avx2 on a processor
// without it is a bug and asserts.
void override_cpu_path(std::optional<CpuPath> path);

bool cpu_has_avx2();

}  // namespace vkllm::cpu
