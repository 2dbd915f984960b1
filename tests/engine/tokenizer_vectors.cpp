#include "tokenizer_vectors.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace vkllm::test {

std::string read_file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<TokenizerVector> read_tokenizer_vectors(const std::filesystem::path& inp, const std::filesystem::path& out) {
  const std::string separator = "\n__ggml_vocab_test__\n";
  const std::string all = read_file_bytes(inp);
  std::vector<TokenizerVector> vectors;
  size_t pos = 0;
  while (true) {
    const size_t next = all.find(separator, pos);
    if (next == std::string::npos) break;
    vectors.push_back({all.substr(pos, next - pos), {}});
    pos = next + separator.size();
  }
  // A text after the last separator (tiny-shakespeare's file ends that way) is a test too.
  if (pos < all.size()) vectors.push_back({all.substr(pos), {}});

  std::vector<std::string> lines;
  std::ifstream ids(out);
  for (std::string line; std::getline(ids, line);) lines.push_back(line);
  EXPECT_EQ(lines.size(), vectors.size()) << inp << " and " << out << " disagree on the number of texts";
  if (lines.size() != vectors.size()) return {};
  for (size_t i = 0; i < lines.size(); ++i) {
    std::istringstream fields(lines[i]);
    for (int32_t id = 0; fields >> id;) vectors[i].ids.push_back(id);
  }
  return vectors;
}

}  // namespace vkllm::test
