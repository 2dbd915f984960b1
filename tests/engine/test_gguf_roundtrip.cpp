// The writer's output read back by the reader: every value type, nested arrays, alignment, tensors.
#include <gtest/gtest.h>

#include <filesystem>

#include "engine/gguf/gguf_file.h"
#include "engine/gguf/gguf_writer.h"

namespace vkllm::gguf {
namespace {

template <typename T>
Value make(T v) {
  return Value{Value::Storage(std::in_place_type<T>, std::move(v))};
}

Writer sample_writer() {
  Writer w;
  w.set("u8", make<uint8_t>(250));
  w.set("i8", make<int8_t>(-7));
  w.set("u16", make<uint16_t>(65000));
  w.set("i16", make<int16_t>(-30000));
  w.set("u32", make<uint32_t>(4000000000u));
  w.set("i32", make<int32_t>(-2000000000));
  w.set("f32", make<float>(1e-5f));
  w.set("bool", make<bool>(true));
  w.set("string", make<std::string>(std::string("h\xc3\xa9llo\0world", 12)));
  w.set("u64", make<uint64_t>(18000000000000000000ull));
  w.set("i64", make<int64_t>(-9000000000000000000ll));
  w.set("f64", make<double>(3.141592653589793));
  Array strings{ValueType::String, {make<std::string>("a"), make<std::string>(""), make<std::string>("ccc")}};
  w.set("strings", make<Array>(strings));
  Array inner1{ValueType::Int32, {make<int32_t>(1), make<int32_t>(2)}};
  Array inner2{ValueType::Int32, {}};
  w.set("nested", make<Array>(Array{ValueType::Array, {make<Array>(inner1), make<Array>(inner2)}}));
  w.set("empty", make<Array>(Array{ValueType::Float32, {}}));
  return w;
}

TEST(GgufRoundTrip, EveryValueType) {
  const auto bytes = sample_writer().to_bytes();
  const auto file = File::parse(bytes);
  EXPECT_EQ(file.version(), 3u);
  ASSERT_EQ(file.metadata().size(), 15u);
  EXPECT_EQ(std::get<uint8_t>(file.find("u8")->data), 250);
  EXPECT_EQ(std::get<int8_t>(file.find("i8")->data), -7);
  EXPECT_EQ(std::get<uint16_t>(file.find("u16")->data), 65000);
  EXPECT_EQ(std::get<int16_t>(file.find("i16")->data), -30000);
  EXPECT_EQ(std::get<uint32_t>(file.find("u32")->data), 4000000000u);
  EXPECT_EQ(std::get<int32_t>(file.find("i32")->data), -2000000000);
  EXPECT_EQ(std::get<float>(file.find("f32")->data), 1e-5f);
  EXPECT_EQ(file.find("bool")->as_bool(), true);
  EXPECT_EQ(*file.find("string")->as_string(), std::string("h\xc3\xa9llo\0world", 12));
  EXPECT_EQ(std::get<uint64_t>(file.find("u64")->data), 18000000000000000000ull);
  EXPECT_EQ(file.find("u64")->as_int(), std::nullopt);  // does not fit int64
  EXPECT_EQ(file.find("i64")->as_int(), -9000000000000000000ll);
  EXPECT_EQ(file.find("f64")->as_float(), 3.141592653589793);
  const auto* strings = file.find("strings")->as_array();
  ASSERT_NE(strings, nullptr);
  ASSERT_EQ(strings->items.size(), 3u);
  EXPECT_EQ(*strings->items[2].as_string(), "ccc");
  const auto* nested = file.find("nested")->as_array();
  ASSERT_EQ(nested->element_type, ValueType::Array);
  ASSERT_EQ(nested->items.size(), 2u);
  EXPECT_EQ(nested->items[0].as_array()->items[1].as_int(), 2);
  EXPECT_TRUE(nested->items[1].as_array()->items.empty());
  EXPECT_EQ(file.find("empty")->as_array()->element_type, ValueType::Float32);
  EXPECT_EQ(file.find("missing"), nullptr);
  EXPECT_TRUE(file.tensors().empty());
}

TEST(GgufRoundTrip, TensorsAlignedAndIntact) {
  Writer w;
  w.set_alignment(64);
  std::vector<uint8_t> a(4 * 3 * 5), b(18 * 2), c(2 * 7);
  for (size_t i = 0; i < a.size(); ++i) a[i] = uint8_t(i * 7);
  for (size_t i = 0; i < b.size(); ++i) b[i] = uint8_t(255 - i);
  for (size_t i = 0; i < c.size(); ++i) c[i] = uint8_t(i + 100);
  w.add_tensor("a", GgmlType::F32, {3, 5}, a);
  w.add_tensor("b", GgmlType::Q4_0, {32, 2}, b);
  w.add_tensor("c", GgmlType::F16, {7}, c);
  const auto bytes = w.to_bytes();
  const auto file = File::parse(bytes);
  EXPECT_EQ(file.alignment(), 64u);
  EXPECT_EQ(file.data_offset() % 64, 0u);
  ASSERT_EQ(file.tensors().size(), 3u);
  const auto* tb = file.find_tensor("b");
  ASSERT_NE(tb, nullptr);
  EXPECT_EQ(tb->type, GgmlType::Q4_0);
  EXPECT_EQ(tb->shape, (std::vector<uint64_t>{32, 2}));
  EXPECT_EQ(tb->n_elements, 64u);
  EXPECT_EQ(tb->n_bytes, 36u);
  for (const auto& t : file.tensors()) EXPECT_EQ(t.offset % 64, 0u) << t.name;
  auto same = [&](const char* name, const std::vector<uint8_t>& want) {
    const auto got = file.tensor_data(*file.find_tensor(name));
    EXPECT_EQ(std::vector<uint8_t>(got.begin(), got.end()), want) << name;
  };
  same("a", a);
  same("b", b);
  same("c", c);
}

TEST(GgufRoundTrip, WriteToDiskThenMmapAndRead) {
  Writer w = sample_writer();
  std::vector<uint8_t> data(256 * 4);
  for (size_t i = 0; i < data.size(); ++i) data[i] = uint8_t(i);
  w.add_tensor("t", GgmlType::F32, {256}, data);
  w.add_tensor("g", GgmlType::F16, {8, 2}, [](std::span<uint8_t> dst) {
    for (size_t i = 0; i < dst.size(); ++i) dst[i] = uint8_t(3 * i);
  });
  const auto path = std::filesystem::temp_directory_path() / "vkllm_roundtrip_test.gguf";
  w.write(path);
  for (auto mode : {LoadMode::Mmap, LoadMode::Read}) {
    const auto file = File::open(path, mode);
    EXPECT_EQ(file.file_size(), std::filesystem::file_size(path));
    ASSERT_EQ(file.tensors().size(), 2u);
    const auto got = file.tensor_data(*file.find_tensor("t"));
    EXPECT_TRUE(std::equal(got.begin(), got.end(), data.begin(), data.end()));
    const auto g = file.tensor_data(*file.find_tensor("g"));
    ASSERT_EQ(g.size(), 32u);
    EXPECT_EQ(g[5], 15);
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace vkllm::gguf
