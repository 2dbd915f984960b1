// The real files in shared/models: every one parses, and its tensor table covers the data section
// exactly (tensors back to back at aligned offsets, nothing missing, nothing extra).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "common/test_paths.h"
#include "engine/gguf/gguf_file.h"
#include "engine/model/model_summary.h"

namespace vkllm::gguf {
namespace {

std::vector<std::filesystem::path> shared_models() {
  std::vector<std::filesystem::path> out;
  const auto dir = test::shared_dir();
  if (!dir) return out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(*dir / "models"))
    if (entry.path().extension() == ".gguf") out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

uint64_t align_up(uint64_t n, uint64_t a) { return (n + a - 1) / a * a; }

void expect_tensors_tile_data_section(const File& file) {
  std::vector<const TensorInfo*> sorted;
  for (const auto& t : file.tensors()) sorted.push_back(&t);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
  uint64_t expected = 0;
  for (const auto* t : sorted) {
    EXPECT_EQ(t->offset, expected) << file.source() << ": gap or overlap before " << t->name;
    expected = align_up(t->offset + t->n_bytes, file.alignment());
  }
  EXPECT_EQ(file.data_offset() + expected, file.file_size()) << file.source();
}

TEST(GgufModels, EverySharedFileParsesAndIsTiledExactly) {
  const auto models = shared_models();
  if (models.empty()) GTEST_SKIP() << "shared/ absent";
  for (const auto& path : models) {
    SCOPED_TRACE(path.string());
    const auto file = File::open(path);
    EXPECT_TRUE(file.version() == 2 || file.version() == 3);
    ASSERT_NE(file.find("general.architecture"), nullptr);
    if (!file.tensors().empty()) expect_tensors_tile_data_section(file);
    const auto summary = summarize(file);
    ASSERT_TRUE(summary.tokenizer.has_value());
    EXPECT_GT(summary.tokenizer->vocab_size, 0u);
  }
}

TEST(GgufModels, TinyShakespeareTensorTable) {
  VKLLM_REQUIRE_SHARED(path, "models/tiny-shakespeare/tiny-shakespeare-Q4_0.gguf");
  const auto file = File::open(path, LoadMode::Read);
  ASSERT_EQ(file.tensors().size(), 39u);
  const auto* embd = file.find_tensor("token_embd.weight");
  ASSERT_NE(embd, nullptr);
  EXPECT_EQ(embd->shape, (std::vector<uint64_t>{256, 1024}));
  EXPECT_EQ(embd->type, GgmlType::Q4_0);
  EXPECT_EQ(file.find_tensor("output.weight")->type, GgmlType::Q6_K);
  EXPECT_EQ(file.find_tensor("blk.3.attn_k.weight")->shape, (std::vector<uint64_t>{256, 128}));
  EXPECT_EQ(file.find_tensor("blk.2.ffn_down.weight")->shape, (std::vector<uint64_t>{768, 256}));
  EXPECT_EQ(file.find_tensor("blk.0.attn_norm.weight")->type, GgmlType::F32);
  const auto summary = summarize(file);
  EXPECT_EQ(summary.architecture, "llama");
  EXPECT_EQ(summary.file_type, "Q4_0");
  EXPECT_NEAR(double(summary.n_params), 3.67e6, 0.01e6);
  EXPECT_EQ(summary.tokenizer->vocab_size, 1024u);
  EXPECT_EQ(summary.tokenizer->add_bos, true);
}

TEST(GgufModels, MmapAndReadAgree) {
  VKLLM_REQUIRE_SHARED(path, "models/tiny-shakespeare/tiny-shakespeare-Q8_0.gguf");
  const auto mapped = File::open(path, LoadMode::Mmap);
  const auto read = File::open(path, LoadMode::Read);
  ASSERT_EQ(mapped.tensors().size(), read.tensors().size());
  for (const auto& t : mapped.tensors()) {
    const auto a = mapped.tensor_data(t);
    const auto b = read.tensor_data(*read.find_tensor(t.name));
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end())) << t.name;
  }
}

TEST(GgufModels, VocabOnlyFilesHaveNoTensors) {
  VKLLM_REQUIRE_SHARED(path, "models/vocab/ggml-vocab-gpt-2.gguf");
  const auto file = File::open(path);
  EXPECT_TRUE(file.tensors().empty());
  const auto summary = summarize(file);
  EXPECT_EQ(summary.tokenizer->model, "gpt2");
  EXPECT_EQ(summary.tokenizer->vocab_size, 50257u);
  EXPECT_GT(summary.tokenizer->n_merges, 0u);
}

}  // namespace
}  // namespace vkllm::gguf
