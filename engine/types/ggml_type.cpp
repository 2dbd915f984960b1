#include "engine/types/ggml_type.h"

#include <array>
#include <cctype>

#include "engine/util/check.h"

namespace vkllm {
namespace {

constexpr TypeTraits kTypes[] = {
    {GgmlType::F32, "f32", 1, 4, false, true},
    {GgmlType::F16, "f16", 1, 2, false, true},
    {GgmlType::Q4_0, "q4_0", 32, 18, true, true},
    {GgmlType::Q4_1, "q4_1", 32, 20, true, true},
    {GgmlType::Q5_0, "q5_0", 32, 22, true, true},
    {GgmlType::Q5_1, "q5_1", 32, 24, true, true},
    {GgmlType::Q8_0, "q8_0", 32, 34, true, true},
    {GgmlType::Q8_1, "q8_1", 32, 36, true, false},
    {GgmlType::Q2_K, "q2_K", 256, 84, true, true},
    {GgmlType::Q3_K, "q3_K", 256, 110, true, true},
    {GgmlType::Q4_K, "q4_K", 256, 144, true, true},
    {GgmlType::Q5_K, "q5_K", 256, 176, true, true},
    {GgmlType::Q6_K, "q6_K", 256, 210, true, true},
    {GgmlType::Q8_K, "q8_K", 256, 292, true, false},
    {GgmlType::IQ2_XXS, "iq2_xxs", 256, 66, true, false},
    {GgmlType::IQ2_XS, "iq2_xs", 256, 74, true, false},
    {GgmlType::IQ3_XXS, "iq3_xxs", 256, 98, true, false},
    {GgmlType::IQ1_S, "iq1_s", 256, 50, true, false},
    {GgmlType::IQ4_NL, "iq4_nl", 32, 18, true, false},
    {GgmlType::IQ3_S, "iq3_s", 256, 110, true, false},
    {GgmlType::IQ2_S, "iq2_s", 256, 82, true, false},
    {GgmlType::IQ4_XS, "iq4_xs", 256, 136, true, false},
    {GgmlType::I8, "i8", 1, 1, false, false},
    {GgmlType::I16, "i16", 1, 2, false, false},
    {GgmlType::I32, "i32", 1, 4, false, false},
    {GgmlType::I64, "i64", 1, 8, false, false},
    {GgmlType::F64, "f64", 1, 8, false, false},
    {GgmlType::IQ1_M, "iq1_m", 256, 56, true, false},
    {GgmlType::BF16, "bf16", 1, 2, false, true},
    {GgmlType::TQ1_0, "tq1_0", 256, 54, true, false},
    {GgmlType::TQ2_0, "tq2_0", 256, 66, true, false},
    {GgmlType::MXFP4, "mxfp4", 32, 17, true, false},
};

constexpr size_t kMaxId = 40;

constexpr std::array<int, kMaxId> make_index() {
  std::array<int, kMaxId> index{};
  for (auto& slot : index) slot = -1;
  for (size_t i = 0; i < std::size(kTypes); ++i) index[static_cast<uint32_t>(kTypes[i].type)] = int(i);
  return index;
}
constexpr auto kIndex = make_index();

bool equal_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

}  // namespace

std::optional<TypeTraits> find_type(uint32_t id) {
  if (id >= kMaxId || kIndex[id] < 0) return std::nullopt;
  return kTypes[kIndex[id]];
}

const TypeTraits& traits(GgmlType type) {
  const auto id = static_cast<uint32_t>(type);
  VKLLM_ASSERT(id < kMaxId && kIndex[id] >= 0, "invalid GgmlType {}", id);
  return kTypes[kIndex[id]];
}

std::optional<GgmlType> type_from_name(std::string_view name) {
  for (const auto& t : kTypes)
    if (equal_ignore_case(t.name, name)) return t.type;
  return std::nullopt;
}

std::optional<uint64_t> row_bytes(GgmlType type, uint64_t n) {
  const auto& t = traits(type);
  if (n % t.block_elems != 0) return std::nullopt;
  return n / t.block_elems * t.block_bytes;
}

}  // namespace vkllm
