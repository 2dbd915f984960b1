#include "engine/tokenizer/vocab.h"

#include <algorithm>

#include "engine/tokenizer/byte_unicode.h"
#include "engine/tokenizer/pre_tokenizer.h"
#include "engine/tokenizer/vocab_fixups.h"
#include "engine/util/check.h"

namespace vkllm::tokenizer {
namespace {

constexpr std::string_view kPrefix = "tokenizer.ggml.";

std::string key_of(std::string_view name) { return std::string(kPrefix) + std::string(name); }

const gguf::Array* find_array(const gguf::File& file, std::string_view name, bool required) {
  const auto key = key_of(name);
  const auto* value = file.find(key);
  if (!value) {
    if (required) fail("{}: {} is missing", file.source(), key);
    return nullptr;
  }
  const auto* array = value->as_array();
  if (!array) fail("{}: {} must be an array, not {}", file.source(), key, gguf::value_type_name(value->type()));
  return array;
}

void expect_elements(const gguf::File& file, std::string_view name, const gguf::Array& array,
                     std::initializer_list<gguf::ValueType> allowed) {
  if (std::find(allowed.begin(), allowed.end(), array.element_type) != allowed.end()) return;
  fail("{}: {} has elements of type {}, expected {}", file.source(), key_of(name),
       gguf::value_type_name(array.element_type), gguf::value_type_name(*allowed.begin()));
}

void expect_length(const gguf::File& file, std::string_view name, const gguf::Array& array, size_t n_tokens) {
  if (array.items.size() != n_tokens)
    fail("{}: {} has {} entries but tokenizer.ggml.tokens has {}", file.source(), key_of(name), array.items.size(),
         n_tokens);
}

std::optional<bool> read_bool(const gguf::File& file, std::string_view name) {
  const auto* value = file.find(key_of(name));
  if (!value) return std::nullopt;
  const auto flag = value->as_bool();
  if (!flag) fail("{}: {} must be a bool, not {}", file.source(), key_of(name), gguf::value_type_name(value->type()));
  return flag;
}

void read_special_id(const gguf::File& file, std::string_view name, const Vocab& vocab, TokenId& id) {
  const auto* value = file.find(key_of(name));
  if (!value) return;
  const auto raw = value->as_int();
  if (!raw) fail("{}: {} must be an integer, not {}", file.source(), key_of(name), gguf::value_type_name(value->type()));
  if (*raw < 0 || uint64_t(*raw) >= vocab.size())
    fail("{}: {} = {} is outside the vocabulary of {} tokens", file.source(), key_of(name), *raw, vocab.size());
  id = TokenId(*raw);
}

uint32_t attr_from_token_type(int64_t type) {
  switch (type) {  // llama.cpp's llama_token_type values as GGUF stores them
    case 1: return attr::kNormal;
    case 2: return attr::kUnknown;
    case 3: return attr::kControl;
    case 4: return attr::kUserDefined;
    case 5: return attr::kUnused;
    case 6: return attr::kByte;
    default: return attr::kUndefined;
  }
}

void read_tokens(const gguf::File& file, Vocab& vocab) {
  const auto& texts = *find_array(file, "tokens", true);
  expect_elements(file, "tokens", texts, {gguf::ValueType::String});
  if (texts.items.empty()) fail("{}: {} is empty", file.source(), key_of("tokens"));
  const size_t n = texts.items.size();
  vocab.tokens.resize(n);
  for (size_t i = 0; i < n; ++i) {
    auto& token = vocab.tokens[i];
    token.text = *texts.items[i].as_string();
    if (token.text.empty()) token.text = "[EMPTY_" + std::to_string(i) + "]";  // as llama.cpp names them
  }
  if (const auto* scores = find_array(file, "scores", false)) {
    expect_elements(file, "scores", *scores, {gguf::ValueType::Float32, gguf::ValueType::Int32});
    expect_length(file, "scores", *scores, n);
    for (size_t i = 0; i < n; ++i) vocab.tokens[i].score = float(*scores->items[i].as_float());
  }
  if (const auto* types = find_array(file, "token_type", false)) {
    expect_elements(file, "token_type", *types, {gguf::ValueType::Int32, gguf::ValueType::UInt32});
    expect_length(file, "token_type", *types, n);
    for (size_t i = 0; i < n; ++i) vocab.tokens[i].attr = attr_from_token_type(*types->items[i].as_int());
  }
}

std::vector<std::string> read_merges(const gguf::File& file) {
  std::vector<std::string> merges;
  const auto* array = find_array(file, "merges", true);
  expect_elements(file, "merges", *array, {gguf::ValueType::String});
  merges.reserve(array->items.size());
  for (const auto& item : array->items) merges.push_back(*item.as_string());
  return merges;
}

}  // namespace

Vocab Vocab::load(const gguf::File& file) {
  Vocab vocab;
  const auto* model = file.find(key_of("model"));
  if (!model) fail("{}: {} is missing: the file carries no tokenizer", file.source(), key_of("model"));
  if (!model->as_string()) fail("{}: {} must be a string", file.source(), key_of("model"));
  vocab.model = *model->as_string();
  if (const auto* pre = file.find(key_of("pre"))) {
    if (!pre->as_string()) fail("{}: {} must be a string", file.source(), key_of("pre"));
    vocab.pre = *pre->as_string();
  }
  if (vocab.pre.empty()) vocab.pre = "default";

  read_tokens(file, vocab);
  std::vector<std::string> merges;
  if (vocab.model == "llama") {
    vocab.type = VocabType::Spm;
    // llama.cpp's defaults for SPM files that leave the keys out.
    for (auto [id, fallback] : {std::pair{&vocab.bos, 1}, {&vocab.eos, 2}, {&vocab.unk, 0}})
      if (vocab.valid(fallback)) *id = fallback;
    vocab.add_bos = true;
    vocab.add_space_prefix = true;
  } else if (vocab.model == "gpt2") {
    vocab.type = VocabType::Bpe;
    const auto* spec = find_pre_tokenizer(vocab.pre);
    if (!spec)
      fail("{}: unsupported {} '{}' (supported: {})", file.source(), key_of("pre"), vocab.pre, supported_pre_tokenizers());
    vocab.add_bos = spec->add_bos;
    vocab.clean_spaces = spec->clean_spaces;
    vocab.ignore_merges = spec->ignore_merges;
    merges = read_merges(file);
  } else {
    fail("{}: unsupported {} '{}' (supported: llama (SentencePiece), gpt2 (byte-level BPE))", file.source(),
         key_of("model"), vocab.model);
  }

  read_special_id(file, "bos_token_id", vocab, vocab.bos);
  read_special_id(file, "eos_token_id", vocab, vocab.eos);
  read_special_id(file, "unknown_token_id", vocab, vocab.unk);
  read_special_id(file, "padding_token_id", vocab, vocab.pad);
  read_special_id(file, "seperator_token_id", vocab, vocab.sep);  // sic: llama.cpp's spelling of the key
  read_special_id(file, "eot_token_id", vocab, vocab.eot);
  if (auto flag = read_bool(file, "add_bos_token")) vocab.add_bos = *flag;
  if (auto flag = read_bool(file, "add_eos_token")) vocab.add_eos = *flag;
  if (auto flag = read_bool(file, "add_space_prefix")) vocab.add_space_prefix = *flag;
  if (vocab.add_bos && vocab.bos == kNoToken)
    fail("{}: {} is true but {} is not set", file.source(), key_of("add_bos_token"), key_of("bos_token_id"));
  if (vocab.add_eos && vocab.eos == kNoToken)
    fail("{}: {} is true but {} is not set", file.source(), key_of("add_eos_token"), key_of("eos_token_id"));

  vocab.build_indexes(merges);
  const auto* name = file.find("general.name");
  apply_attribute_fixups(vocab, name && name->as_string() ? *name->as_string() : "");
  return vocab;
}

void Vocab::build_indexes(const std::vector<std::string>& merges) {
  by_text_.clear();
  by_text_.reserve(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    const auto [it, inserted] = by_text_.emplace(tokens[i].text, TokenId(i));
    if (!inserted) fail("duplicate token in vocabulary: '{}' has ids {} and {}", tokens[i].text, it->second, i);
  }
  merge_ranks_.clear();
  merge_ranks_.reserve(merges.size());
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    // Split at the first space after the first byte, as llama.cpp does; the first of duplicates wins.
    const auto& merge = merges[rank];
    const size_t space = merge.find(' ', 1);
    if (space == std::string::npos) continue;
    merge_ranks_.emplace(merge, int32_t(rank));
  }
}

TokenId Vocab::find(std::string_view text) const {
  const auto it = by_text_.find(text);
  return it == by_text_.end() ? kNoToken : it->second;
}

int Vocab::merge_rank(std::string_view left, std::string_view right) const {
  if (left.find(' ') != std::string_view::npos) return -1;  // the key would be ambiguous
  thread_local std::string key;
  key.assign(left);
  key.push_back(' ');
  key.append(right);
  const auto it = merge_ranks_.find(key);
  return it == merge_ranks_.end() ? -1 : it->second;
}

TokenId Vocab::byte_token(uint8_t byte) const {
  if (type == VocabType::Bpe) return find(byte_level_encode(std::string_view(reinterpret_cast<const char*>(&byte), 1)));
  static constexpr char kHex[] = "0123456789ABCDEF";
  const char name[] = {'<', '0', 'x', kHex[byte >> 4], kHex[byte & 15], '>'};
  if (const TokenId id = find(std::string_view(name, sizeof(name))); id != kNoToken) return id;
  return find(std::string_view(reinterpret_cast<const char*>(&byte), 1));
}

}  // namespace vkllm::tokenizer
