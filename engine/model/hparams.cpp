#include "engine/model/hparams.h"

#include <cmath>
#include <limits>

namespace vkllm {
namespace {

class MetadataReader {
 public:
  MetadataReader(const gguf::File& file, std::string prefix) : file_(file), prefix_(std::move(prefix)) {}

  uint32_t require_u32(const std::string& key) const {
    const auto value = optional_u32(key);
    if (!value) fail("{}: missing metadata key '{}'", file_.source(), prefix_ + key);
    return *value;
  }

  std::optional<uint32_t> optional_u32(const std::string& key) const {
    const auto* value = file_.find(prefix_ + key);
    if (!value) return std::nullopt;
    const auto i = value->as_int();
    if (!i || *i < 0 || *i > std::numeric_limits<uint32_t>::max())
      fail("{}: metadata key '{}' must be a non-negative integer", file_.source(), prefix_ + key);
    return uint32_t(*i);
  }

  std::optional<float> optional_float(const std::string& key) const {
    const auto* value = file_.find(prefix_ + key);
    if (!value) return std::nullopt;
    const auto f = value->as_float();
    if (!f || !std::isfinite(*f)) fail("{}: metadata key '{}' must be a finite number", file_.source(), prefix_ + key);
    return float(*f);
  }

  std::optional<std::string> optional_string(const std::string& key) const {
    const auto* value = file_.find(prefix_ + key);
    if (!value) return std::nullopt;
    if (!value->as_string()) fail("{}: metadata key '{}' must be a string", file_.source(), prefix_ + key);
    return *value->as_string();
  }

 private:
  const gguf::File& file_;
  std::string prefix_;
};

}  // namespace

Hparams read_hparams(const gguf::File& file) {
  Hparams h;
  const auto arch = MetadataReader(file, "").optional_string("general.architecture");
  if (!arch) fail("{}: missing metadata key 'general.architecture'", file.source());
  h.arch_name = *arch;
  if (*arch == "llama") {
    h.arch = Architecture::Llama;
    h.rope_type = RopeType::Normal;
  } else if (*arch == "qwen2") {
    h.arch = Architecture::Qwen2;
    h.rope_type = RopeType::Neox;
  } else {
    fail("{}: architecture '{}' is not supported (supported: llama, qwen2)", file.source(), *arch);
  }

  const MetadataReader m(file, *arch + ".");
  h.n_ctx_train = m.require_u32("context_length");
  h.n_embd = m.require_u32("embedding_length");
  h.n_layer = m.require_u32("block_count");
  h.n_ff = m.require_u32("feed_forward_length");
  h.n_head = m.require_u32("attention.head_count");
  h.n_head_kv = m.optional_u32("attention.head_count_kv").value_or(h.n_head);
  if (h.n_embd == 0 || h.n_layer == 0 || h.n_ff == 0 || h.n_head == 0)
    fail("{}: {}.embedding_length, block_count, feed_forward_length and attention.head_count must be non-zero",
         file.source(), *arch);
  if (h.n_head_kv == 0 || h.n_head % h.n_head_kv != 0)
    fail("{}: {}.attention.head_count_kv = {} does not divide head_count = {}", file.source(), *arch, h.n_head_kv,
         h.n_head);
  h.head_dim = m.optional_u32("attention.key_length").value_or(h.n_embd / h.n_head);
  if (const auto v = m.optional_u32("attention.value_length"); v && *v != h.head_dim)
    fail("{}: {}.attention.value_length {} differs from key_length {}", file.source(), *arch, *v, h.head_dim);
  if (h.head_dim == 0 || h.head_dim % 2 != 0)
    fail("{}: head size {} must be even and non-zero", file.source(), h.head_dim);
  h.n_rot = m.optional_u32("rope.dimension_count").value_or(h.head_dim);
  if (h.n_rot > h.head_dim || h.n_rot % 2 != 0)
    fail("{}: {}.rope.dimension_count = {} must be even and at most the head size {}", file.source(), *arch, h.n_rot,
         h.head_dim);
  h.rms_eps = m.optional_float("attention.layer_norm_rms_epsilon").value_or(1e-5f);
  h.rope_freq_base = m.optional_float("rope.freq_base").value_or(10000.0f);
  if (h.rope_freq_base <= 0) fail("{}: {}.rope.freq_base must be positive", file.source(), *arch);

  const auto scaling = m.optional_string("rope.scaling.type").value_or("none");
  if (scaling == "linear") {
    const float factor = m.optional_float("rope.scaling.factor").value_or(1.0f);
    if (factor <= 0) fail("{}: {}.rope.scaling.factor must be positive", file.source(), *arch);
    h.rope_freq_scale = 1.0f / factor;
  } else if (scaling != "none") {
    fail("{}: {}.rope.scaling.type '{}' is not supported (none, linear)", file.source(), *arch, scaling);
  }

  const auto* tokens = file.find("tokenizer.ggml.tokens");
  const auto* token_array = tokens ? tokens->as_array() : nullptr;
  h.n_vocab = m.optional_u32("vocab_size").value_or(token_array ? uint32_t(token_array->items.size()) : 0);
  if (h.n_vocab == 0) fail("{}: cannot tell the vocabulary size ({}.vocab_size, tokenizer.ggml.tokens)", file.source(), *arch);
  return h;
}

}  // namespace vkllm
