#include "host/exec/placement.h"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "engine/util/check.h"
#include "host/cpu/flash_attention.h"

namespace vkllm {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

uint64_t weight_bytes(const WeightRef& w) { return w ? w.info->n_bytes : 0; }

uint64_t head_bytes(const ModelWeights& w) { return weight_bytes(w.output_norm) + weight_bytes(w.output); }

// Activations of one batch while a layer runs: x, norm(x), q, k, v, attention out, gate, up.
uint64_t scratch_bytes(const Hparams& hp, uint32_t n_batch, bool with_head) {
  const uint64_t per_token = 3ull * hp.n_embd + 2ull * hp.n_embd_q() + 2ull * hp.n_embd_kv() + 2ull * hp.n_ff +
                             (with_head ? hp.n_vocab : 0);
  return per_token * n_batch * sizeof(float);
}

// Which device each of n_gpu GPU layers goes to: contiguous runs in the split's proportions.
std::vector<int> split_layers(int n_gpu, const std::vector<double>& split) {
  const double total = std::accumulate(split.begin(), split.end(), 0.0);
  std::vector<int> out(static_cast<size_t>(n_gpu));
  double cumulative = 0;
  int next = 0;
  for (size_t d = 0; d < split.size(); ++d) {
    cumulative += split[d];
    const int end = d + 1 == split.size() ? n_gpu : int(std::lround(cumulative / total * n_gpu));
    for (; next < end; ++next) out[size_t(next)] = int(d);
  }
  return out;
}

Placement place(const Hparams& hp, const ModelWeights& weights, const std::vector<DeviceMemory>& devices,
                const PlacementRequest& request, int n_gpu_layers, const std::vector<double>& split) {
  const int n_layer = int(hp.n_layer);
  Placement p;
  p.n_gpu_layers = n_gpu_layers;
  p.layer_device.assign(size_t(n_layer), kCpu);
  p.device_bytes.assign(devices.size(), 0);
  const int n_gpu = std::min(n_gpu_layers, n_layer);
  const auto owners = split_layers(n_gpu, split);
  for (int i = 0; i < n_gpu; ++i) p.layer_device[size_t(n_layer - n_gpu + i)] = owners[size_t(i)];
  if (n_gpu_layers > n_layer && !devices.empty()) p.head_device = owners.empty() ? 0 : owners.back();

  const uint64_t cache = layer_cache_bytes(hp, request.n_ctx, request.cache_type_k, request.cache_type_v);
  const uint64_t host_cache = layer_cache_bytes(hp, request.n_ctx, cpu::cpu_cache_type(request.cache_type_k),
                                                cpu::cpu_cache_type(request.cache_type_v));
  bool host_used = false;
  std::vector<bool> used(devices.size(), false);
  for (int l = 0; l < n_layer; ++l) {
    const int d = p.layer_device[size_t(l)];
    const uint64_t bytes = layer_weight_bytes(weights.layers[size_t(l)]) + (d == kCpu ? host_cache : cache);
    if (d == kCpu) {
      p.host_bytes += bytes;
      host_used = true;
    } else {
      p.device_bytes[size_t(d)] += bytes;
      used[size_t(d)] = true;
    }
  }
  if (p.head_device == kCpu) {
    p.host_bytes += head_bytes(weights);
  } else {
    p.device_bytes[size_t(p.head_device)] += head_bytes(weights);
    used[size_t(p.head_device)] = true;
  }
  // Token embeddings stay on the host, as llama.cpp keeps them.
  p.host_bytes += weight_bytes(weights.token_embd);
  if (host_used || p.head_device == kCpu) p.host_bytes += scratch_bytes(hp, request.n_batch, p.head_device == kCpu);
  for (size_t d = 0; d < devices.size(); ++d)
    if (used[d]) p.device_bytes[d] += scratch_bytes(hp, request.n_batch, p.head_device == int(d));
  return p;
}

// The first device the placement does not fit on, or -1.
int overfull_device(const Placement& p, const std::vector<DeviceMemory>& devices) {
  for (size_t d = 0; d < devices.size(); ++d)
    if (p.device_bytes[d] > devices[d].budget) return int(d);
  return -1;
}

}  // namespace

uint64_t layer_weight_bytes(const LayerWeights& l) {
  uint64_t total = 0;
  for (const WeightRef* w : {&l.attn_norm, &l.wq, &l.wk, &l.wv, &l.wo, &l.bq, &l.bk, &l.bv, &l.ffn_norm, &l.w_gate,
                             &l.w_up, &l.w_down})
    total += weight_bytes(*w);
  return total;
}

uint64_t layer_cache_bytes(const Hparams& hp, int n_ctx, GgmlType k_type, GgmlType v_type) {
  const uint64_t cells = uint64_t(std::max(n_ctx, 0));
  const auto k_row = row_bytes(k_type, hp.n_embd_kv()), v_row = row_bytes(v_type, hp.n_embd_kv());
  if (!k_row || !v_row)
    fail("KV cache rows of {} elements cannot be stored as {}/{}", hp.n_embd_kv(), type_name(k_type),
         type_name(v_type));
  return cells * (*k_row + *v_row);
}

Placement plan_placement(const Hparams& hp, const ModelWeights& weights, const std::vector<DeviceMemory>& devices,
                         const PlacementRequest& request) {
  const int n_layer = int(hp.n_layer);
  std::vector<double> split;
  if (!request.tensor_split.empty()) {
    if (request.tensor_split.size() != devices.size())
      fail("--tensor-split has {} values for {} devices", request.tensor_split.size(), devices.size());
    for (const float f : request.tensor_split) {
      if (!(f >= 0)) fail("--tensor-split values must be non-negative, got {}", f);
      split.push_back(f);
    }
    if (std::accumulate(split.begin(), split.end(), 0.0) <= 0) fail("--tensor-split values are all zero");
  } else {
    for (const auto& d : devices) split.push_back(double(std::max<uint64_t>(d.budget, 1)));
  }

  if (devices.empty()) {
    if (request.n_gpu_layers > 0) fail("-ngl {} asks for GPU layers but no Vulkan device is in use", request.n_gpu_layers);
    return place(hp, weights, devices, request, 0, split);
  }
  if (request.n_gpu_layers >= 0) {
    auto p = place(hp, weights, devices, request, request.n_gpu_layers, split);
    if (const int d = overfull_device(p, devices); d >= 0)
      fail("-ngl {} does not fit on {}: needs {:.1f} MiB, the budget is {:.1f} MiB (short by {:.1f} MiB); "
           "lower -ngl, -c or the cache types",
           request.n_gpu_layers, devices[size_t(d)].name, p.device_bytes[size_t(d)] / kMiB,
           devices[size_t(d)].budget / kMiB, (p.device_bytes[size_t(d)] - devices[size_t(d)].budget) / kMiB);
    return p;
  }
  // auto: the most GPU layers (the head counting as one more) that fit every device.
  for (int n = n_layer + 1; n > 0; --n) {
    auto p = place(hp, weights, devices, request, n, split);
    if (overfull_device(p, devices) < 0) return p;
  }
  return place(hp, weights, devices, request, 0, split);
}

std::vector<std::string> Placement::describe(const std::vector<DeviceMemory>& devices) const {
  auto where = [&](int d) { return d == kCpu ? std::string("CPU") : devices[size_t(d)].name; };
  std::vector<std::string> lines;
  const int n_layer = int(layer_device.size());
  for (int begin = 0; begin < n_layer;) {
    int end = begin;
    while (end < n_layer && layer_device[size_t(end)] == layer_device[size_t(begin)]) ++end;
    lines.push_back(end - begin == 1 ? fmt::format("layer {} on {}", begin, where(layer_device[size_t(begin)]))
                                     : fmt::format("layers {}-{} on {}", begin, end - 1,
                                                   where(layer_device[size_t(begin)])));
    begin = end;
  }
  lines.push_back(fmt::format("output on {}", where(head_device)));
  return lines;
}

}  // namespace vkllm
