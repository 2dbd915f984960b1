#include "engine/model/model_weights.h"

#include "engine/quant/dequantize.h"

namespace vkllm {
namespace {

class Binder {
 public:
  explicit Binder(const gguf::File& file) : file_(file) {}

  WeightRef optional(const std::string& name, std::vector<uint64_t> shape) const {
    const auto* info = file_.find_tensor(name);
    if (!info) return {};
    if (info->shape != shape)
      fail("{}: tensor '{}' has shape {}, expected {}", file_.source(), name, shape_string(info->shape),
           shape_string(shape));
    if (!can_dequantize(info->type))
      fail("{}: tensor '{}' has type {}, which vkllm cannot run yet", file_.source(), name, type_name(info->type));
    return {info, file_.tensor_data(*info)};
  }

  WeightRef require(const std::string& name, std::vector<uint64_t> shape) const {
    auto ref = optional(name, shape);
    if (!ref) fail("{}: missing tensor '{}'", file_.source(), name);
    return ref;
  }

 private:
  static std::string shape_string(const std::vector<uint64_t>& shape) {
    std::string out = "[";
    for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
    return out + "]";
  }

  const gguf::File& file_;
};

}  // namespace

ModelWeights bind_weights(const gguf::File& file, const Hparams& hp) {
  const Binder b(file);
  ModelWeights w;
  w.token_embd = b.require("token_embd.weight", {hp.n_embd, hp.n_vocab});
  w.output_norm = b.require("output_norm.weight", {hp.n_embd});
  w.output = b.optional("output.weight", {hp.n_embd, hp.n_vocab});
  if (!w.output) {
    w.output = w.token_embd;
    w.tied_output = true;
  }
  const bool biases = hp.arch == Architecture::Qwen2;
  for (uint32_t i = 0; i < hp.n_layer; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    LayerWeights l;
    l.attn_norm = b.require(p + "attn_norm.weight", {hp.n_embd});
    l.wq = b.require(p + "attn_q.weight", {hp.n_embd, hp.n_embd_q()});
    l.wk = b.require(p + "attn_k.weight", {hp.n_embd, hp.n_embd_kv()});
    l.wv = b.require(p + "attn_v.weight", {hp.n_embd, hp.n_embd_kv()});
    l.wo = b.require(p + "attn_output.weight", {hp.n_embd_q(), hp.n_embd});
    if (biases) {
      l.bq = b.require(p + "attn_q.bias", {hp.n_embd_q()});
      l.bk = b.require(p + "attn_k.bias", {hp.n_embd_kv()});
      l.bv = b.require(p + "attn_v.bias", {hp.n_embd_kv()});
    }
    l.ffn_norm = b.require(p + "ffn_norm.weight", {hp.n_embd});
    l.w_gate = b.require(p + "ffn_gate.weight", {hp.n_embd, hp.n_ff});
    l.w_up = b.require(p + "ffn_up.weight", {hp.n_embd, hp.n_ff});
    l.w_down = b.require(p + "ffn_down.weight", {hp.n_ff, hp.n_embd});
    w.layers.push_back(l);
  }
  return w;
}

}  // namespace vkllm
