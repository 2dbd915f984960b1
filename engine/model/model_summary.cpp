#include "engine/model/model_summary.h"

#include <array>

#include "engine/types/file_type.h"

namespace vkllm {
namespace {

std::string string_or_empty(const gguf::File& file, std::string_view key) {
  const auto* value = file.find(key);
  const auto* s = value ? value->as_string() : nullptr;
  return s ? *s : std::string();
}

uint64_t array_length(const gguf::File& file, std::string_view key) {
  const auto* value = file.find(key);
  const auto* array = value ? value->as_array() : nullptr;
  return array ? array->items.size() : 0;
}

std::optional<TokenizerSummary> summarize_tokenizer(const gguf::File& file) {
  const auto* model = file.find("tokenizer.ggml.model");
  if (!model) return std::nullopt;
  TokenizerSummary tok;
  tok.model = string_or_empty(file, "tokenizer.ggml.model");
  tok.pre = string_or_empty(file, "tokenizer.ggml.pre");
  tok.vocab_size = array_length(file, "tokenizer.ggml.tokens");
  tok.n_merges = array_length(file, "tokenizer.ggml.merges");
  if (const auto* v = file.find("tokenizer.ggml.add_bos_token")) tok.add_bos = v->as_bool();
  if (const auto* v = file.find("tokenizer.ggml.add_eos_token")) tok.add_eos = v->as_bool();

  const auto* tokens_value = file.find("tokenizer.ggml.tokens");
  const auto* tokens = tokens_value ? tokens_value->as_array() : nullptr;
  // Roles and the keys llama.cpp writes them under ("seperator" is its spelling).
  constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kRoles = {{
      {"bos", "bos"}, {"eos", "eos"}, {"eot", "eot"}, {"unk", "unknown"}, {"sep", "seperator"},
      {"pad", "padding"}, {"mask", "mask"}}};
  for (auto [role, key] : kRoles) {
    const auto* value = file.find("tokenizer.ggml." + std::string(key) + "_token_id");
    const auto id = value ? value->as_int() : std::nullopt;
    if (!id) continue;
    SpecialToken special{std::string(role), *id, {}};
    if (tokens && *id >= 0 && uint64_t(*id) < tokens->items.size())
      if (const auto* text = tokens->items[*id].as_string()) special.text = *text;
    tok.specials.push_back(std::move(special));
  }
  return tok;
}

}  // namespace

ModelSummary summarize(const gguf::File& file) {
  ModelSummary s;
  s.architecture = string_or_empty(file, "general.architecture");
  s.name = string_or_empty(file, "general.name");
  if (const auto* ft = file.find("general.file_type"))
    if (auto id = ft->as_int()) s.file_type = file_type_name(*id);
  for (const auto& t : file.tensors()) {
    s.n_params += t.n_elements;
    s.tensor_bytes += t.n_bytes;
  }
  if (!s.architecture.empty()) {
    const std::string prefix = s.architecture + ".";
    for (const auto& kv : file.metadata())
      if (kv.key.starts_with(prefix)) s.hparams.push_back(&kv);
  }
  s.tokenizer = summarize_tokenizer(file);
  return s;
}

}  // namespace vkllm
