// llama.cpp's tokenizer test vectors for every vocabulary in shared/ (texts tokenized without BOS/EOS and
// without parsing special tokens) and the prompts of the golden runs (with BOS where the model adds it).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "common/test_paths.h"
#include "engine/tokenizer/detokenizer.h"
#include "engine/tokenizer/tokenizer.h"
#include "tokenizer_vectors.h"

namespace vkllm::tokenizer {
namespace {

namespace fs = std::filesystem;

std::string ids_string(const std::vector<TokenId>& ids) {
  std::string s;
  for (auto id : ids) s += (s.empty() ? "" : " ") + std::to_string(id);
  return s;
}

// Every GGUF file in shared/ that comes with test vectors (X.gguf.inp / X.gguf.out).
std::vector<fs::path> vector_files() {
  std::vector<fs::path> out;
  const auto dir = test::shared_dir();
  if (!dir) return out;
  for (const auto& entry : fs::recursive_directory_iterator(*dir / "models")) {
    const auto& path = entry.path();
    if (path.extension() == ".gguf" && fs::exists(path.string() + ".inp") && fs::exists(path.string() + ".out"))
      out.push_back(path);
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(TokenizerVectors, EveryVocabularyReproducesLlamaCpp) {
  const auto files = vector_files();
  if (files.empty()) GTEST_SKIP() << "shared/ absent";
  EXPECT_GE(files.size(), 6u);
  for (const auto& path : files) {
    SCOPED_TRACE(path.filename().string());
    const auto tokenizer = Tokenizer::load(gguf::File::open(path));
    const auto vectors = test::read_tokenizer_vectors(path.string() + ".inp", path.string() + ".out");
    ASSERT_FALSE(vectors.empty());
    size_t passed = 0;
    for (const auto& v : vectors) {
      const auto ids = tokenizer.tokenize(v.text, /*add_special=*/false, /*parse_special=*/false);
      if (ids == v.ids)
        ++passed;
      else
        ADD_FAILURE() << "text '" << v.text << "'\n  expected " << ids_string(v.ids) << "\n  got      "
                      << ids_string(ids);
    }
    std::printf("[ vectors  ] %s: %zu/%zu\n", path.filename().c_str(), passed, vectors.size());
  }
}

TEST(TokenizerVectors, GoldenPrompts) {
  const auto dir = test::shared_dir();
  if (!dir) GTEST_SKIP() << "shared/ absent";
  size_t checked = 0;
  for (const auto& entry : fs::directory_iterator(*dir / "golden")) {
    const auto golden = nlohmann::json::parse(test::read_file_bytes(entry.path()));
    if (!golden.contains("prompt") || !golden.contains("file")) continue;
    const std::string file = golden["file"];
    const auto model = *dir / "models" / (file.starts_with("qwen2") ? "qwen2-tiny" : "tiny-shakespeare") / file;
    SCOPED_TRACE(entry.path().filename().string());
    const auto tokenizer = Tokenizer::load(gguf::File::open(model));
    const auto expected = golden["tokens"].get<std::vector<TokenId>>();
    EXPECT_EQ(tokenizer.tokenize(golden["prompt"].get<std::string>(), /*add_special=*/true), expected);
    ++checked;
  }
  EXPECT_GE(checked, 27u);
}

// 100 KB of text must take well under a second (Release build; sanitizers are slower).
TEST(TokenizerVectors, ValidationTextIsFast) {
  VKLLM_REQUIRE_SHARED(text_path, "models/tiny-shakespeare/valid.txt");
  VKLLM_REQUIRE_SHARED(spm_path, "models/tiny-shakespeare/tiny-shakespeare-F32.gguf");
  const std::string text = test::read_file_bytes(text_path);
  std::vector<fs::path> models = {spm_path};
  for (const char* vocab : {"models/vocab/ggml-vocab-gpt-2.gguf", "models/vocab/ggml-vocab-gpt-2-pre-llama-bpe.gguf",
                            "models/vocab/ggml-vocab-deepseek-coder.gguf"})
    if (auto path = test::shared_file(vocab)) models.push_back(*path);
  for (const auto& model : models) {
    const auto tokenizer = Tokenizer::load(gguf::File::open(model));
    const auto start = std::chrono::steady_clock::now();
    const auto ids = tokenizer.tokenize(text, /*add_special=*/false);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("[ timing   ] %s: %zu bytes -> %zu tokens in %.1f ms\n", model.filename().c_str(), text.size(),
                ids.size(), seconds * 1e3);
    EXPECT_LT(seconds, 5.0);
    const std::string expected = tokenizer.vocab().clean_spaces ? clean_up_spaces(text) : text;
    EXPECT_TRUE(tokenizer.detokenize(ids) == expected) << model << ": the text does not survive a round trip";
  }
}

}  // namespace
}  // namespace vkllm::tokenizer
