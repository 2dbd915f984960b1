#include "engine/types/file_type.h"

#include <array>
#include <string_view>

namespace vkllm {
namespace {

// Indexed by llama_ftype; empty entries are ids llama.cpp retired.
constexpr std::array<std::string_view, 39> kNames = {
    "F32",     "F16",    "Q4_0",   "Q4_1",    "Q4_1_SOME_F16", "",       "",       "Q8_0",   "Q5_0",
    "Q5_1",    "Q2_K",   "Q3_K_S", "Q3_K_M",  "Q3_K_L",        "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M",
    "Q6_K",    "IQ2_XXS", "IQ2_XS", "Q2_K_S", "IQ3_XS",        "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S",
    "IQ3_M",   "IQ2_S",  "IQ2_M",  "IQ4_XS",  "IQ1_M",         "BF16",   "",       "",       "",
    "TQ1_0",   "TQ2_0",  "MXFP4_MOE",
};

}  // namespace

std::string file_type_name(int64_t file_type) {
  if (file_type >= 0 && file_type < int64_t(kNames.size()) && !kNames[file_type].empty())
    return std::string(kNames[file_type]);
  return "unknown (" + std::to_string(file_type) + ")";
}

std::optional<int64_t> file_type_for(GgmlType type) {
  switch (type) {
    case GgmlType::F32: return 0;
    case GgmlType::F16: return 1;
    case GgmlType::Q4_0: return 2;
    case GgmlType::Q4_1: return 3;
    case GgmlType::Q8_0: return 7;
    case GgmlType::Q5_0: return 8;
    case GgmlType::Q5_1: return 9;
    case GgmlType::BF16: return 32;
    default: return std::nullopt;
  }
}

}  // namespace vkllm
