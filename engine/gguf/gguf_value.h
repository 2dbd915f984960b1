#pragma once
// A GGUF metadata value: a scalar, a string, or an array of values (arrays may nest).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace vkllm::gguf {

enum class ValueType : uint32_t {
  UInt8 = 0, Int8 = 1, UInt16 = 2, Int16 = 3, UInt32 = 4, Int32 = 5, Float32 = 6, Bool = 7,
  String = 8, Array = 9, UInt64 = 10, Int64 = 11, Float64 = 12,
};

std::string_view value_type_name(ValueType type);
bool is_valid_value_type(uint32_t raw);

struct Value;

struct Array {
  ValueType element_type = ValueType::UInt8;
  std::vector<Value> items;
};

struct Value {
  using Storage = std::variant<uint8_t, int8_t, uint16_t, int16_t, uint32_t, int32_t, float, bool,
                               std::string, Array, uint64_t, int64_t, double>;
  Storage data;

  ValueType type() const { return static_cast<ValueType>(data.index()); }

  // Integer of any width and signedness, when it fits int64; nullopt otherwise.
  std::optional<int64_t> as_int() const;
  // Any integer or float type as double.
  std::optional<double> as_float() const;
  const std::string* as_string() const { return std::get_if<std::string>(&data); }
  const Array* as_array() const { return std::get_if<Array>(&data); }
  std::optional<bool> as_bool() const;
};

struct KeyValue {
  std::string key;
  Value value;
};

}  // namespace vkllm::gguf
