// The quantizers and dequantizers against files llama-quantize made from tiny-shakespeare-F32:
// re-quantizing the F32 weights must reproduce its bytes exactly, and decoding its tensors must
// land within a per-type error of the F32 weights.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "common/test_paths.h"
#include "engine/gguf/gguf_file.h"
#include "engine/quant/dequantize.h"
#include "engine/quant/quantize.h"

namespace vkllm {
namespace {

const std::string kModelDir = "models/tiny-shakespeare/";

// Every file the brief's llama-quantize produced, plus F16 (written by the converter).
const char* const kVariants[] = {"F16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
                                 "Q2_K", "Q3_K_M", "Q4_K_M", "Q5_K_M", "Q6_K"};

bool is_legacy(GgmlType type) {
  return type == GgmlType::Q4_0 || type == GgmlType::Q4_1 || type == GgmlType::Q5_0 || type == GgmlType::Q5_1 ||
         type == GgmlType::Q8_0;
}

// Worst RMS(decoded - f32) / RMS(f32) over the tensors of a type, set from measurement with
// about 1.5x margin (see the figures the test prints).
double model_rms_bound(GgmlType type) {
  switch (type) {
    case GgmlType::F32: return 0.0;
    case GgmlType::F16: return 5e-4;
    case GgmlType::BF16: return 8e-3;
    case GgmlType::Q8_0: return 0.008;
    case GgmlType::Q6_K: return 0.03;
    case GgmlType::Q5_0:
    case GgmlType::Q5_1:
    case GgmlType::Q5_K: return 0.06;
    case GgmlType::Q4_0:
    case GgmlType::Q4_1:
    case GgmlType::Q4_K: return 0.12;
    case GgmlType::Q3_K: return 0.22;
    case GgmlType::Q2_K: return 0.40;
    default: return 0.0;
  }
}

// The reference weights, opened once for all tests (the path is the same every time).
const gguf::File& f32_model(const std::filesystem::path& path) {
  static const gguf::File file = gguf::File::open(path);
  return file;
}

std::vector<float> f32_weights(const gguf::File& f32, const gguf::TensorInfo& like) {
  const auto* info = f32.find_tensor(like.name);
  EXPECT_NE(info, nullptr) << like.name << " missing from the F32 file";
  if (!info) return {};
  EXPECT_EQ(info->type, GgmlType::F32);
  EXPECT_EQ(info->shape, like.shape) << like.name;
  const auto bytes = f32.tensor_data(*info);
  std::vector<float> out(info->n_elements);
  std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

double relative_rms(const std::vector<float>& got, const std::vector<float>& want) {
  double err = 0, ref = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    err += (double(got[i]) - want[i]) * (double(got[i]) - want[i]);
    ref += double(want[i]) * want[i];
  }
  return ref > 0 ? std::sqrt(err / ref) : std::sqrt(err);
}

class QuantModel : public testing::TestWithParam<const char*> {};

// Re-quantizes the F32 weights of every tensor whose type we can encode and compares bytes.
TEST_P(QuantModel, RequantizeIsBitExact) {
  VKLLM_REQUIRE_SHARED(f32_path, kModelDir + "tiny-shakespeare-F32.gguf");
  VKLLM_REQUIRE_SHARED(path, kModelDir + "tiny-shakespeare-" + GetParam() + ".gguf");
  const auto& f32 = f32_model(f32_path);
  const auto file = gguf::File::open(path);

  std::map<std::string, int> compared;  // per type name
  int legacy_compared = 0;
  for (const auto& info : file.tensors()) {
    if (!can_quantize(info.type)) continue;
    const auto weights = f32_weights(f32, info);
    ASSERT_EQ(weights.size(), info.n_elements);
    std::vector<uint8_t> encoded(info.n_bytes);
    // Quantized row by row as llama-quantize does; rows are contiguous, so this is the whole tensor.
    const auto row = int64_t(info.shape[0]);
    const auto row_size = *row_bytes(info.type, uint64_t(row));
    for (uint64_t r = 0; r < info.n_elements / uint64_t(row); ++r)
      quantize_row(info.type, weights.data() + r * row, encoded.data() + r * row_size, row);
    const auto expected = file.tensor_data(info);
    ASSERT_EQ(encoded.size(), expected.size()) << info.name;
    EXPECT_EQ(std::memcmp(encoded.data(), expected.data(), expected.size()), 0)
        << info.name << " (" << type_name(info.type) << ") differs from llama-quantize's bytes";
    ++compared[std::string(type_name(info.type))];
    if (is_legacy(info.type)) ++legacy_compared;
  }
  std::string summary;
  for (const auto& [type, count] : compared) summary += " " + type + "=" + std::to_string(count);
  std::printf("[ bit-exact ] %s: %d quantized tensors (by type:%s)\n", GetParam(), legacy_compared, summary.c_str());

  const auto file_type = type_from_name(GetParam());
  if (file_type && is_legacy(*file_type)) {
    EXPECT_GT(legacy_compared, 0) << "no tensor of the file's own type";
  }
}

// Decodes every tensor and bounds its error against the F32 weights, per type.
TEST_P(QuantModel, DequantizeMatchesF32) {
  VKLLM_REQUIRE_SHARED(f32_path, kModelDir + "tiny-shakespeare-F32.gguf");
  VKLLM_REQUIRE_SHARED(path, kModelDir + "tiny-shakespeare-" + GetParam() + ".gguf");
  const auto& f32 = f32_model(f32_path);
  const auto file = gguf::File::open(path);

  std::map<std::string, std::pair<int, double>> worst;  // type -> (tensors, worst relative RMS)
  for (const auto& info : file.tensors()) {
    ASSERT_TRUE(can_dequantize(info.type)) << info.name << " has type " << type_name(info.type);
    const auto want = f32_weights(f32, info);
    std::vector<float> got(info.n_elements);
    dequantize(info.type, file.tensor_data(info), got);
    const double err = relative_rms(got, want);
    EXPECT_LE(err, model_rms_bound(info.type)) << info.name << " (" << type_name(info.type) << ")";
    auto& [count, max_err] = worst[std::string(type_name(info.type))];
    ++count;
    max_err = std::max(max_err, err);
  }
  for (const auto& [type, stats] : worst)
    std::printf("[ rel. RMS  ] %-7s %-5s %3d tensors, worst %.5f\n", GetParam(), type.c_str(), stats.first,
                stats.second);
}

INSTANTIATE_TEST_SUITE_P(TinyShakespeare, QuantModel, testing::ValuesIn(kVariants),
                         [](const testing::TestParamInfo<const char*>& info) { return std::string(info.param); });

}  // namespace
}  // namespace vkllm
