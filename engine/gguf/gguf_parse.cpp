// Parsing of the GGUF header, metadata and tensor infos. The file is untrusted: every count is
// checked against the bytes left before anything is allocated for it.
#include <algorithm>
#include <limits>
#include <unordered_set>

#include "engine/gguf/gguf_cursor.h"
#include "engine/gguf/gguf_file.h"

namespace vkllm::gguf {
namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as little-endian uint32
constexpr uint32_t kMaxArrayDepth = 8;
// Arrays cost ~40 bytes of memory per element whatever their on-disk size; this caps the total
// (real vocabularies hold ~1M elements across all their arrays).
constexpr uint64_t kMaxArrayElements = 8u << 20;
constexpr uint32_t kMaxDims = 4;
constexpr uint64_t kMaxNameLength = 256;

// Smallest number of bytes one element of `type` takes in the file.
uint64_t min_encoded_size(ValueType type) {
  switch (type) {
    case ValueType::UInt8: case ValueType::Int8: case ValueType::Bool: return 1;
    case ValueType::UInt16: case ValueType::Int16: return 2;
    case ValueType::UInt32: case ValueType::Int32: case ValueType::Float32: return 4;
    case ValueType::UInt64: case ValueType::Int64: case ValueType::Float64: return 8;
    case ValueType::String: return 8;
    case ValueType::Array: return 12;
  }
  return 1;
}

template <typename T, typename V>
Value make(V&& v) {
  return Value{Value::Storage(std::in_place_type<T>, std::forward<V>(v))};
}

class Parser {
 public:
  Parser(std::span<const uint8_t> bytes, const std::string& source) : cur_(bytes, source) {}

  Value read_value(ValueType type, std::string_view field, uint32_t depth) {
    switch (type) {
      case ValueType::UInt8: return make<uint8_t>(cur_.read<uint8_t>(field));
      case ValueType::Int8: return make<int8_t>(cur_.read<int8_t>(field));
      case ValueType::UInt16: return make<uint16_t>(cur_.read<uint16_t>(field));
      case ValueType::Int16: return make<int16_t>(cur_.read<int16_t>(field));
      case ValueType::UInt32: return make<uint32_t>(cur_.read<uint32_t>(field));
      case ValueType::Int32: return make<int32_t>(cur_.read<int32_t>(field));
      case ValueType::Float32: return make<float>(cur_.read<float>(field));
      case ValueType::Bool: return make<bool>(cur_.read<uint8_t>(field) != 0);
      case ValueType::String: return make<std::string>(cur_.read_string(field));
      case ValueType::Array: return make<Array>(read_array(field, depth));
      case ValueType::UInt64: return make<uint64_t>(cur_.read<uint64_t>(field));
      case ValueType::Int64: return make<int64_t>(cur_.read<int64_t>(field));
      case ValueType::Float64: return make<double>(cur_.read<double>(field));
    }
    cur_.error(field, "invalid value type");
  }

  ValueType read_type(std::string_view field) {
    const uint64_t at = cur_.offset();
    const auto raw = cur_.read<uint32_t>(field);
    if (!is_valid_value_type(raw)) cur_.error(field, "unknown value type " + std::to_string(raw), at);
    return static_cast<ValueType>(raw);
  }

  Array read_array(std::string_view field, uint32_t depth) {
    if (depth >= kMaxArrayDepth) cur_.error(field, "arrays nested deeper than " + std::to_string(kMaxArrayDepth));
    Array array;
    array.element_type = read_type(field);
    const uint64_t at = cur_.offset();
    const auto count = cur_.read<uint64_t>(field);
    if (count > cur_.remaining() / min_encoded_size(array.element_type))
      cur_.error(field, "array of " + std::to_string(count) + " elements cannot fit in the " +
                            std::to_string(cur_.remaining()) + " bytes left", at);
    array_elements_ += count;
    if (array_elements_ > kMaxArrayElements)
      cur_.error(field, "more than " + std::to_string(kMaxArrayElements) + " array elements in the file", at);
    array.items.reserve(count);
    for (uint64_t i = 0; i < count; ++i) array.items.push_back(read_value(array.element_type, field, depth + 1));
    return array;
  }

  void read_header(uint32_t& version, uint64_t& n_tensors, uint64_t& n_kv) {
    const auto magic = cur_.read<uint32_t>("magic");
    if (magic != kMagic) cur_.error("magic", "not a GGUF file (expected \"GGUF\")", 0);
    version = cur_.read<uint32_t>("version");
    if (version == 1) cur_.error("version", "GGUF v1 is not supported (convert the file to v3)", 4);
    if (version != 2 && version != 3) {
      const bool swapped = (version & 0xffff) == 0 && version != 0;
      cur_.error("version", swapped ? "big-endian GGUF files are not supported"
                                     : "unsupported version " + std::to_string(version), 4);
    }
    n_tensors = cur_.read<uint64_t>("tensor_count");
    n_kv = cur_.read<uint64_t>("metadata_kv_count");
    // Each key-value pair takes at least 12 bytes, each tensor info at least 24.
    if (n_kv > cur_.remaining() / 12)
      cur_.error("metadata_kv_count", std::to_string(n_kv) + " pairs cannot fit in the file", 16);
    if (n_tensors > cur_.remaining() / 24)
      cur_.error("tensor_count", std::to_string(n_tensors) + " tensors cannot fit in the file", 8);
  }

  std::vector<KeyValue> read_metadata(uint64_t n_kv) {
    std::vector<KeyValue> out;
    out.reserve(n_kv);
    std::unordered_set<std::string> seen;
    for (uint64_t i = 0; i < n_kv; ++i) {
      const uint64_t at = cur_.offset();
      std::string key = cur_.read_string("metadata key");
      if (key.empty()) cur_.error("metadata key", "empty key", at);
      if (!seen.insert(key).second) cur_.error("metadata key", "duplicate key '" + key + "'", at);
      const ValueType type = read_type(key);
      Value value = read_value(type, key, 0);
      out.push_back({std::move(key), std::move(value)});
    }
    return out;
  }

  TensorInfo read_tensor_info(std::unordered_set<std::string>& names) {
    TensorInfo t;
    const uint64_t at = cur_.offset();
    t.name = cur_.read_string("tensor name");
    if (t.name.size() > kMaxNameLength) cur_.error("tensor name", "name longer than 256 bytes", at);
    if (!names.insert(t.name).second) cur_.error("tensor name", "duplicate tensor '" + t.name + "'", at);
    const std::string field = "tensor '" + t.name + "'";
    const auto n_dims = cur_.read<uint32_t>(field + " n_dims");
    if (n_dims == 0 || n_dims > kMaxDims)
      cur_.error(field + " n_dims", std::to_string(n_dims) + " dimensions (must be 1 to 4)");
    t.n_elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      const uint64_t dim_at = cur_.offset();
      const auto dim = cur_.read<uint64_t>(field + " shape");
      if (dim > uint64_t(std::numeric_limits<int64_t>::max()) ||
          (dim != 0 && t.n_elements > uint64_t(std::numeric_limits<int64_t>::max()) / dim))
        cur_.error(field + " shape", "element count overflows", dim_at);
      t.n_elements *= dim;
      t.shape.push_back(dim);
    }
    const uint64_t type_at = cur_.offset();
    const auto raw_type = cur_.read<uint32_t>(field + " type");
    const auto type = find_type(raw_type);
    if (!type) cur_.error(field + " type", "unknown ggml type id " + std::to_string(raw_type), type_at);
    t.type = type->type;
    if (t.shape[0] % type->block_elems != 0)
      cur_.error(field + " shape", "row length " + std::to_string(t.shape[0]) + " is not a multiple of the " +
                                       std::string(type->name) + " block size " + std::to_string(type->block_elems),
                 type_at);
    // n_elements < 2^63 and block_bytes/block_elems <= 8, so this cannot overflow.
    t.n_bytes = t.n_elements / type->block_elems * type->block_bytes;
    t.offset = cur_.read<uint64_t>(field + " offset");
    return t;
  }

  Cursor& cursor() { return cur_; }

 private:
  Cursor cur_;
  uint64_t array_elements_ = 0;
};

uint64_t read_alignment(const std::vector<KeyValue>& metadata, const Cursor& cur) {
  for (const auto& kv : metadata) {
    if (kv.key != "general.alignment") continue;
    const auto* value = std::get_if<uint32_t>(&kv.value.data);
    if (!value) cur.error("general.alignment", "must be uint32, found " + std::string(value_type_name(kv.value.type())), 0);
    if (*value == 0 || (*value & (*value - 1)) != 0)
      cur.error("general.alignment", std::to_string(*value) + " is not a power of two", 0);
    return *value;
  }
  return kDefaultAlignment;
}

}  // namespace

void File::parse_all() {
  Parser parser(bytes_, source_);
  uint64_t n_tensors = 0, n_kv = 0;
  parser.read_header(version_, n_tensors, n_kv);
  metadata_ = parser.read_metadata(n_kv);
  Cursor& cur = parser.cursor();
  alignment_ = read_alignment(metadata_, cur);

  std::unordered_set<std::string> names;
  tensors_.reserve(n_tensors);
  std::vector<uint64_t> info_offsets;
  for (uint64_t i = 0; i < n_tensors; ++i) {
    info_offsets.push_back(cur.offset());
    tensors_.push_back(parser.read_tensor_info(names));
  }

  const uint64_t end_of_infos = cur.offset();
  data_offset_ = (end_of_infos + alignment_ - 1) / alignment_ * alignment_;
  if (n_tensors == 0) return;  // tokenizer-only files may end without padding
  if (data_offset_ > bytes_.size()) cur.error("data section", "file ends before the data section", end_of_infos);

  const uint64_t data_size = bytes_.size() - data_offset_;
  std::vector<size_t> order(tensors_.size());
  for (size_t i = 0; i < order.size(); ++i) {
    const auto& t = tensors_[i];
    const std::string field = "tensor '" + t.name + "' offset";
    const uint64_t at = info_offsets[i];
    if (t.offset % alignment_ != 0)
      cur.error(field, std::to_string(t.offset) + " is not a multiple of the alignment " + std::to_string(alignment_), at);
    if (t.offset > data_size || t.n_bytes > data_size - t.offset)
      cur.error(field, "data [" + std::to_string(t.offset) + ", +" + std::to_string(t.n_bytes) +
                           ") lies outside the " + std::to_string(data_size) + "-byte data section", at);
    order[i] = i;
  }
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return tensors_[a].offset < tensors_[b].offset; });
  for (size_t i = 1; i < order.size(); ++i) {
    const auto& prev = tensors_[order[i - 1]];
    const auto& next = tensors_[order[i]];
    if (prev.offset + prev.n_bytes > next.offset)
      cur.error("tensor '" + next.name + "' offset", "data overlaps tensor '" + prev.name + "'", info_offsets[order[i]]);
  }
}

}  // namespace vkllm::gguf
