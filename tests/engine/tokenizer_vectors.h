#pragma once
// Reads llama.cpp's tokenizer test vectors: X.inp holds texts, each followed by
// "\n__ggml_vocab_test__\n" (the last may lack it); X.out holds one line of space-separated ids per text.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace vkllm::test {

struct TokenizerVector {
  std::string text;
  std::vector<int32_t> ids;
};

// Fails the current test (returns {}) when the two files disagree on the number of texts.
std::vector<TokenizerVector> read_tokenizer_vectors(const std::filesystem::path& inp, const std::filesystem::path& out);

std::string read_file_bytes(const std::filesystem::path& path);

}  // namespace vkllm::test
