#include "host/cpu/rope_angles.h"

#include <cmath>

namespace vkllm::cpu {

void rope_angles(int32_t position, const Hparams& hp, float* cos_sin) {
  const float theta_scale = std::pow(hp.rope_freq_base, -2.0f / float(hp.n_rot));
  float theta = float(position);
  for (int64_t i = 0; i < int64_t(hp.n_rot / 2); ++i) {
    const float angle = hp.rope_freq_scale * theta;
    cos_sin[2 * i] = std::cos(angle);
    cos_sin[2 * i + 1] = std::sin(angle);
    theta *= theta_scale;
  }
}

}  // namespace vkllm::cpu
