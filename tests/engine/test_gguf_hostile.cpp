// Malformed files: each gives one GgufError naming the field and offset, never a crash or a huge
// allocation.
#include <gtest/gtest.h>

#include <random>

#include "engine/gguf/gguf_file.h"
#include "engine/gguf/gguf_writer.h"
#include "gguf_bytes.h"

namespace vkllm::gguf {
namespace {

using test::GgufBytes;

// Expects parsing to fail with a message containing `needle`.
void expect_rejected(const std::vector<uint8_t>& bytes, const std::string& needle) {
  try {
    File::parse(bytes, "test.gguf");
    ADD_FAILURE() << "accepted a file that should fail with '" << needle << "'";
  } catch (const GgufError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("test.gguf"), std::string::npos) << e.what();
  }
}

constexpr uint32_t kF32 = 0, kQ4_0 = 2;

TEST(GgufHostile, BadMagicAndVersions) {
  expect_rejected({}, "magic");
  expect_rejected(GgufBytes().put<uint32_t>(0x4c4d4747).bytes, "not a GGUF file");
  expect_rejected(GgufBytes().header(0, 0, 1).bytes, "v1 is not supported");
  expect_rejected(GgufBytes().header(0, 0, 0x03000000).bytes, "big-endian");
  expect_rejected(GgufBytes().header(0, 0, 4).bytes, "unsupported version 4");
  expect_rejected(GgufBytes().put<uint32_t>(0x46554747).put<uint32_t>(3).bytes, "tensor_count");
}

TEST(GgufHostile, CountsThatCannotFit) {
  expect_rejected(GgufBytes().header(0, 1ull << 40).bytes, "metadata_kv_count");
  expect_rejected(GgufBytes().header(1ull << 40, 0).bytes, "tensor_count");
  expect_rejected(GgufBytes().header(0, ~0ull).bytes, "metadata_kv_count");
}

TEST(GgufHostile, MetadataValues) {
  expect_rejected(GgufBytes().header(0, 1).str("k").put<uint32_t>(13).bytes, "unknown value type 13");
  expect_rejected(GgufBytes().header(0, 1).str("k").put<uint32_t>(8).put<uint64_t>(1ull << 62).bytes,
                  "string length");
  expect_rejected(GgufBytes().header(0, 1).put<uint64_t>(~0ull).zeros(8).bytes, "metadata key");
  expect_rejected(GgufBytes().header(0, 1).str("").put<uint32_t>(4).put<uint32_t>(1).bytes, "empty key");
  expect_rejected(GgufBytes().header(0, 2).str("k").put<uint32_t>(4).put<uint32_t>(1).str("k").put<uint32_t>(4).put<uint32_t>(2).bytes,
                  "duplicate key 'k'");
  // An array claiming 2^60 uint32 elements in a tiny file must fail before allocating.
  expect_rejected(GgufBytes().header(0, 1).str("a").put<uint32_t>(9).put<uint32_t>(4).put<uint64_t>(1ull << 60).bytes,
                  "cannot fit");
  expect_rejected(GgufBytes().header(0, 1).str("a").put<uint32_t>(9).put<uint32_t>(77).put<uint64_t>(0).bytes,
                  "unknown value type 77");
  // Arrays of arrays nested past the depth limit.
  GgufBytes deep;
  deep.header(0, 1).str("deep").put<uint32_t>(9);
  for (int i = 0; i < 20; ++i) deep.put<uint32_t>(9).put<uint64_t>(1);
  deep.put<uint32_t>(4).put<uint64_t>(0);
  expect_rejected(deep.bytes, "nested deeper");
}

TEST(GgufHostile, Alignment) {
  expect_rejected(GgufBytes().header(0, 1).str("general.alignment").put<uint32_t>(4).put<uint32_t>(48).bytes,
                  "not a power of two");
  expect_rejected(GgufBytes().header(0, 1).str("general.alignment").put<uint32_t>(4).put<uint32_t>(0).bytes,
                  "not a power of two");
  expect_rejected(GgufBytes().header(0, 1).str("general.alignment").put<uint32_t>(10).put<uint64_t>(32).bytes,
                  "must be uint32");
}

// A valid file with one f32 tensor of 8 elements, then a hook to corrupt its tensor info.
std::vector<uint8_t> one_tensor(const std::vector<uint64_t>& dims, uint32_t type, uint64_t offset, size_t data = 32) {
  return GgufBytes().header(1, 0).tensor("w", dims, type, offset).pad_to(32).zeros(data).bytes;
}

TEST(GgufHostile, TensorInfos) {
  EXPECT_NO_THROW(File::parse(one_tensor({8}, kF32, 0)));
  expect_rejected(one_tensor({8}, 31, 0), "unknown ggml type id 31");
  expect_rejected(one_tensor({8}, 4, 0), "unknown ggml type id 4");
  expect_rejected(one_tensor({8}, 1000, 0), "unknown ggml type id 1000");
  expect_rejected(one_tensor({}, kF32, 0), "n_dims");
  expect_rejected(one_tensor({1, 1, 1, 1, 8}, kF32, 0), "n_dims");
  expect_rejected(one_tensor({1ull << 62, 1ull << 62}, kF32, 0), "overflows");
  expect_rejected(one_tensor({~0ull}, kF32, 0), "overflows");
  expect_rejected(one_tensor({16}, kQ4_0, 0), "not a multiple of the q4_0 block size");
  expect_rejected(one_tensor({8}, kF32, 4), "not a multiple of the alignment");
  expect_rejected(one_tensor({16}, kF32, 0), "outside");
  expect_rejected(one_tensor({8}, kF32, 1ull << 62), "outside");
  expect_rejected(one_tensor({1ull << 40}, kF32, 0), "outside");
  expect_rejected(GgufBytes().header(1, 0).tensor("w", {8}, kF32, 0).bytes, "file ends before the data section");
}

TEST(GgufHostile, DuplicateAndOverlappingTensors) {
  expect_rejected(
      GgufBytes().header(2, 0).tensor("w", {8}, kF32, 0).tensor("w", {8}, kF32, 32).pad_to(32).zeros(64).bytes,
      "duplicate tensor 'w'");
  expect_rejected(
      GgufBytes().header(2, 0).tensor("a", {16}, kF32, 0).tensor("b", {8}, kF32, 32).pad_to(32).zeros(96).bytes,
      "overlaps");
  EXPECT_NO_THROW(File::parse(
      GgufBytes().header(2, 0).tensor("a", {8}, kF32, 32).tensor("b", {8}, kF32, 0).pad_to(32).zeros(64).bytes));
}

// Every prefix of a valid file and many random corruptions: a clean error or a valid parse.
TEST(GgufHostile, TruncationsAndBitFlipsNeverCrash) {
  Writer w;
  w.set("general.architecture", Value{Value::Storage(std::in_place_type<std::string>, "llama")});
  Array tokens{ValueType::String, {}};
  for (int i = 0; i < 20; ++i) tokens.items.push_back(Value{Value::Storage(std::in_place_type<std::string>, "tok" + std::to_string(i))});
  w.set("tokenizer.ggml.tokens", Value{Value::Storage(std::in_place_type<Array>, tokens)});
  w.add_tensor("a", GgmlType::F32, {4, 2}, std::vector<uint8_t>(32, 1));
  w.add_tensor("b", GgmlType::Q8_0, {32}, std::vector<uint8_t>(34, 2));
  const auto good = w.to_bytes();
  ASSERT_NO_THROW(File::parse(good));

  size_t rejected = 0;
  for (size_t n = 0; n < good.size(); ++n) {
    std::vector<uint8_t> prefix(good.begin(), good.begin() + n);
    try {
      File::parse(prefix);
    } catch (const GgufError&) {
      ++rejected;
    }
  }
  // Only prefixes that cut into the final tensor's trailing padding can still be valid.
  EXPECT_GE(rejected, good.size() - 32);

  std::mt19937 rng(1234);
  for (int trial = 0; trial < 3000; ++trial) {
    auto bad = good;
    const int flips = 1 + trial % 4;
    for (int f = 0; f < flips; ++f) bad[rng() % bad.size()] ^= uint8_t(1u << (rng() % 8));
    try {
      const auto file = File::parse(bad);
      for (const auto& t : file.tensors()) EXPECT_LE(file.data_offset() + t.offset + t.n_bytes, bad.size());
    } catch (const GgufError&) {
    }
  }
}

}  // namespace
}  // namespace vkllm::gguf
