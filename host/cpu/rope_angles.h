#pragma once
// The cosines and sines of rotary position embedding as llama.cpp's CPU backend makes them, shared
// by the CPU layers and the Vulkan layers' exact rope (ops::RopeOptions::angles): the angle of pair
// i is freq_scale * position * theta_scale^i with the power formed by repeated multiplication, then
// libm's cosf and sinf.
#include <cstdint>

#include "engine/model/hparams.h"

namespace vkllm::cpu {

// cos_sin[2i], cos_sin[2i + 1] = cos and sin of pair i's angle, for the n_rot / 2 pairs.
void rope_angles(int32_t position, const Hparams& hp, float* cos_sin);

}  // namespace vkllm::cpu
