#include "engine/synth/synth_model.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <thread>

#include <fmt/format.h>

#include "engine/gguf/gguf_writer.h"
#include "engine/quant/quantize.h"
#include "engine/types/file_type.h"
#include "engine/util/check.h"

namespace vkllm::synth {
namespace {

using gguf::Value;

// splitmix64: a fast, well-mixed stream; every tensor row has its own, so rows fill in parallel.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Uniform values of standard deviation `std` for one row.
void random_row(uint64_t seed, float std, float* out, int64_t n) {
  const float half_width = std * std::sqrt(3.0f);
  uint64_t state = seed;
  for (int64_t i = 0; i < n; ++i) {
    state = mix(state);
    out[i] = (float(state >> 40) * (1.0f / 16777216.0f) * 2.0f - 1.0f) * half_width;
  }
}

Value string_array(const std::vector<std::string>& items) {
  gguf::Array a{gguf::ValueType::String, {}};
  for (const auto& s : items) a.items.push_back(Value{s});
  return Value{std::move(a)};
}

template <typename T>
Value scalar_array(gguf::ValueType type, const std::vector<T>& items) {
  gguf::Array a{type, {}};
  for (const auto& v : items) a.items.push_back(Value{v});
  return Value{std::move(a)};
}

// SPM vocabulary: <unk>, <s>, </s>, the 256 byte tokens, then plain filler tokens up to n_vocab.
void add_vocab(gguf::Writer& w, uint32_t n_vocab) {
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
  std::vector<float> scores = {0, 0, 0};
  std::vector<int32_t> types = {2, 3, 3};  // unknown, control, control
  for (int b = 0; b < 256; ++b) {
    tokens.push_back(fmt::format("<0x{:02X}>", b));
    scores.push_back(0);
    types.push_back(6);  // byte
  }
  for (uint32_t i = uint32_t(tokens.size()); i < n_vocab; ++i) {
    tokens.push_back(fmt::format("\xe2\x96\x81t{}", i));  // "▁t123"
    scores.push_back(-float(i));
    types.push_back(1);  // normal
  }
  w.set("tokenizer.ggml.model", Value{std::string("llama")});
  w.set("tokenizer.ggml.tokens", string_array(tokens));
  w.set("tokenizer.ggml.scores", scalar_array(gguf::ValueType::Float32, scores));
  w.set("tokenizer.ggml.token_type", scalar_array(gguf::ValueType::Int32, types));
  w.set("tokenizer.ggml.bos_token_id", Value{uint32_t(1)});
  w.set("tokenizer.ggml.eos_token_id", Value{uint32_t(2)});
  w.set("tokenizer.ggml.unknown_token_id", Value{uint32_t(0)});
  w.set("tokenizer.ggml.add_bos_token", Value{true});
  w.set("tokenizer.ggml.add_eos_token", Value{false});
}

}  // namespace

void write_synth_model(const Preset& p, const SynthOptions& options, const std::filesystem::path& path) {
  if (!can_quantize(options.type))
    fail("synth cannot write {} weights (it writes f32, f16, bf16, q4_0, q4_1, q5_0, q5_1, q8_0)",
         type_name(options.type));
  if (p.n_vocab < 259) fail("preset {}: a byte-level vocabulary needs at least 259 tokens", p.name);
  const uint32_t head_dim = p.n_embd / p.n_head, n_kv = p.n_head_kv * head_dim;
  gguf::Writer w;
  w.set("general.architecture", Value{std::string("llama")});
  w.set("general.name", Value{fmt::format("vkllm synth {} ({})", p.name, p.like)});
  if (const auto ftype = file_type_for(options.type)) w.set("general.file_type", Value{uint32_t(*ftype)});
  w.set("llama.vocab_size", Value{p.n_vocab});
  w.set("llama.context_length", Value{p.n_ctx_train});
  w.set("llama.embedding_length", Value{p.n_embd});
  w.set("llama.block_count", Value{p.n_layer});
  w.set("llama.feed_forward_length", Value{p.n_ff});
  w.set("llama.attention.head_count", Value{p.n_head});
  w.set("llama.attention.head_count_kv", Value{p.n_head_kv});
  w.set("llama.rope.dimension_count", Value{head_dim});
  w.set("llama.rope.freq_base", Value{p.rope_freq_base});
  w.set("llama.attention.layer_norm_rms_epsilon", Value{1e-5f});
  add_vocab(w, p.n_vocab);

  const auto row = row_bytes(options.type, p.n_embd);
  if (!row || !row_bytes(options.type, p.n_ff))
    fail("preset {}: rows of {} / {} elements do not fit {} blocks", p.name, p.n_embd, p.n_ff, type_name(options.type));

  auto add_matrix = [&](const std::string& name, uint64_t cols, uint64_t rows) {
    const GgmlType type = options.type;
    const uint64_t seed = mix(std::hash<std::string>{}(name) ^ options.seed);
    w.add_tensor(name, type, {cols, rows}, [=](std::span<uint8_t> dst) {
      const uint64_t bytes_per_row = *row_bytes(type, cols);
      const float std = 1.0f / std::sqrt(float(cols));
      auto fill_rows = [&](uint64_t begin, uint64_t end) {
        std::vector<float> values(cols);
        for (uint64_t r = begin; r < end; ++r) {
          random_row(mix(seed + r), std, values.data(), int64_t(cols));
          quantize_row(type, values.data(), dst.data() + r * bytes_per_row, int64_t(cols));
        }
      };
      const unsigned n_threads = std::max(1u, std::thread::hardware_concurrency());
      std::vector<std::thread> threads;
      for (unsigned t = 0; t < n_threads; ++t)
        threads.emplace_back(fill_rows, rows * t / n_threads, rows * (t + 1) / n_threads);
      for (auto& t : threads) t.join();
    });
  };
  auto add_norm = [&](const std::string& name, uint64_t n) {
    std::vector<uint8_t> bytes(n * sizeof(float));
    const float one = 1.0f;
    for (uint64_t i = 0; i < n; ++i) std::memcpy(bytes.data() + i * sizeof(float), &one, sizeof(float));
    w.add_tensor(name, GgmlType::F32, {n}, std::move(bytes));
  };

  add_matrix("token_embd.weight", p.n_embd, p.n_vocab);
  add_norm("output_norm.weight", p.n_embd);
  add_matrix("output.weight", p.n_embd, p.n_vocab);
  for (uint32_t l = 0; l < p.n_layer; ++l) {
    const std::string blk = fmt::format("blk.{}.", l);
    add_norm(blk + "attn_norm.weight", p.n_embd);
    add_matrix(blk + "attn_q.weight", p.n_embd, p.n_embd);
    add_matrix(blk + "attn_k.weight", p.n_embd, n_kv);
    add_matrix(blk + "attn_v.weight", p.n_embd, n_kv);
    add_matrix(blk + "attn_output.weight", p.n_embd, p.n_embd);
    add_norm(blk + "ffn_norm.weight", p.n_embd);
    add_matrix(blk + "ffn_gate.weight", p.n_embd, p.n_ff);
    add_matrix(blk + "ffn_up.weight", p.n_embd, p.n_ff);
    add_matrix(blk + "ffn_down.weight", p.n_ff, p.n_embd);
  }
  w.write(path);
}

}  // namespace vkllm::synth
