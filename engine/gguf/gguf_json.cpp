#include "engine/gguf/gguf_json.h"

#include <spdlog/fmt/fmt.h>

#include <string>

namespace vkllm::gguf {

nlohmann::json to_json(const Value& value, size_t max_array_items) {
  return std::visit(
      [&](const auto& v) -> nlohmann::json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Array>) {
          if (v.items.size() > max_array_items)
            return {{"array_of", value_type_name(v.element_type)}, {"length", v.items.size()}};
          auto items = nlohmann::json::array();
          for (const auto& item : v.items) items.push_back(to_json(item, max_array_items));
          return items;
        } else if constexpr (std::is_same_v<T, float>) {
          // Through the shortest decimal that round-trips, so 1e-5f prints as 1e-05, not 9.99999974e-06.
          return std::stod(fmt::format("{}", v));
        } else {
          return v;
        }
      },
      value.data);
}

std::string to_display_string(const Value& value) {
  constexpr size_t kMaxChars = 60;
  if (const auto* array = value.as_array()) {
    std::string out = fmt::format("[{} x {}]", array->items.size(), value_type_name(array->element_type));
    if (!array->items.empty() && array->element_type != ValueType::Array) {
      out += " " + to_display_string(array->items.front());
      if (array->items.size() > 1) out += ", ...";
    }
    return out;
  }
  if (const auto* s = value.as_string()) {
    std::string shown = s->size() > kMaxChars ? s->substr(0, kMaxChars) + "..." : *s;
    for (auto& c : shown)
      if (c == '\n') c = ' ';
    return "\"" + shown + "\"";
  }
  return to_json(value).dump();
}

}  // namespace vkllm::gguf
