// `vkllm bench`: prompt processing (pp) and generation (tg) speed over a sweep of placements, like
// llama-bench, with a roofline column and an optional per-kernel profile.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <random>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "engine/model/model_file.h"
#include "engine/synth/synth_model.h"
#include "engine/types/file_type.h"
#include "engine/util/check.h"
#include "host/exec/bandwidth.h"
#include "host/exec/open_model.h"
#include "host/exec/placement.h"
#include "host/exec/profiler.h"
#include "host/vulkan/device.h"
#include "host/vulkan/instance.h"
#include "host/vulkan/options.h"
#include "tools/bench_report.h"
#include "tools/build_commit.h"
#include "tools/commands.h"
#include "tools/format.h"
#include "tools/model_options.h"

namespace vkllm::cli {
namespace {

struct BenchOptions {
  std::string model;
  std::string preset = "tiny";
  std::string synth_type = "q4_0";
  std::string n_prompt = "512", n_gen = "128";
  int repetitions = 5;
  std::string ngl = "99", tensor_split, n_batch = "512", n_ubatch = "512", threads = "0", devices, cache_type_k = "f16";
  std::string vram_budget;
  std::string attention = "auto", kernel_order = "auto";  // lists of --attention / --kernel-order values
  std::string output = "md";
  bool profile = false;
};

// One point of the sweep.
struct Instance {
  std::string ngl, tensor_split, devices, cache_type;
  int n_batch = 512, n_ubatch = 512, n_threads = 0;
  std::string attention = "auto", kernel_order = "auto";
};

// Splits a list flag on ',' (lists of lists, -ts and --devices, use '/' inside an item).
std::vector<std::string> items(const std::string& text) {
  std::vector<std::string> out;
  size_t begin = 0;
  while (true) {
    const size_t comma = text.find(',', begin);
    out.push_back(text.substr(begin, comma == std::string::npos ? std::string::npos : comma - begin));
    if (comma == std::string::npos) break;
    begin = comma + 1;
  }
  return out;
}

std::string slashes_to_commas(std::string s) {
  std::replace(s.begin(), s.end(), '/', ',');
  return s;
}

std::filesystem::path default_model(const BenchOptions& o) {
  const auto preset = synth::find_preset(o.preset);
  if (!preset) fail("unknown preset '{}' (see `vkllm synth --list`)", o.preset);
  const auto type = type_from_name(o.synth_type);
  if (!type) fail("unknown type '{}'", o.synth_type);
  auto dir = vk::options_from_environment().cache_dir;
  if (dir.empty()) dir = std::filesystem::temp_directory_path() / "vkllm";
  std::filesystem::create_directories(dir);
  const auto path = dir / fmt::format("synth-{}-{}.gguf", preset->name, type_name(*type));
  if (!std::filesystem::exists(path)) {
    spdlog::info("bench: no -m; synthesizing the {} preset ({}) into {}", preset->name, type_name(*type), path.string());
    synth::write_synth_model(*preset, {*type, 1}, path);
  }
  return path;
}

struct Stats {
  double avg_ts = 0, stddev_ts = 0, avg_ns = 0, stddev_ns = 0;
  std::vector<double> samples_ts, samples_ns;
};

Stats stats_of(const std::vector<double>& ns, int n_tokens) {
  Stats s;
  for (const double v : ns) {
    s.samples_ns.push_back(v);
    s.samples_ts.push_back(n_tokens * 1e9 / v);
  }
  auto mean_sd = [](const std::vector<double>& v, double& mean, double& sd) {
    mean = 0;
    for (const double x : v) mean += x;
    mean /= double(v.size());
    double var = 0;
    for (const double x : v) var += (x - mean) * (x - mean);
    sd = v.size() > 1 ? std::sqrt(var / double(v.size() - 1)) : 0.0;
  };
  mean_sd(s.samples_ts, s.avg_ts, s.stddev_ts);
  mean_sd(s.samples_ns, s.avg_ns, s.stddev_ns);
  return s;
}

// Weights read per generated token: every layer matrix and the output matrix (one embedding row).
uint64_t weight_bytes_per_token(const ModelFile& m) {
  uint64_t bytes = 0;
  for (const auto& l : m.weights.layers) bytes += layer_weight_bytes(l);
  bytes += m.weights.output.info->n_bytes + m.weights.output_norm.info->n_bytes;
  return bytes;
}

using Clock = std::chrono::steady_clock;

// Time of one pp run: n_prompt random tokens from an empty cache, in batches of n_batch.
double time_prompt(LanguageModel& model, int n_prompt, int n_batch, std::mt19937& rng) {
  std::uniform_int_distribution<int32_t> token(0, model.n_vocab() - 1);
  std::vector<int32_t> tokens(static_cast<size_t>(n_prompt));
  for (auto& t : tokens) t = token(rng);
  model.reset();
  const auto start = Clock::now();
  for (int begin = 0; begin < n_prompt; begin += n_batch) {
    const int n = std::min(n_batch, n_prompt - begin);
    model.forward(std::span(tokens).subspan(size_t(begin), size_t(n)), false);
  }
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count();
}

// Time of one tg run: n_gen tokens one at a time from an empty cache.
double time_generation(LanguageModel& model, int n_gen, std::mt19937& rng) {
  std::uniform_int_distribution<int32_t> token(0, model.n_vocab() - 1);
  model.reset();
  const auto start = Clock::now();
  for (int i = 0; i < n_gen; ++i) {
    const int32_t t = token(rng);
    model.forward(std::span(&t, 1), false);
  }
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count();
}

nlohmann::json profile_json(const Profiler& profiler) {
  if (const uint64_t untimed = profiler.untimed())
    spdlog::warn("bench: {} dispatches found the timestamp pool full; the profile leaves them out", untimed);
  const auto kernels = profiler.kernels();
  double total = 0;
  for (const auto& k : kernels) total += k.total_ms;
  auto out = nlohmann::json::array();
  for (const auto& k : kernels)
    out.push_back({{"kernel", k.kernel},
                   {"count", k.count},
                   {"total_ms", k.total_ms},
                   {"share", total > 0 ? k.total_ms / total : 0.0},
                   {"gb_per_s", k.total_ms > 0 ? double(k.bytes) / (k.total_ms * 1e6) : 0.0}});
  return out;
}

int run_bench(const BenchOptions& o) {
  if (o.repetitions < 1) fail("-r must be at least 1, got {}", o.repetitions);
  if (!is_bench_format(o.output)) fail("-o: unknown output format '{}' (md, csv, json, jsonl)", o.output);
  const std::filesystem::path path = o.model.empty() ? default_model(o) : std::filesystem::path(o.model);
  const auto model_file = ModelFile::open(path);
  const auto& hp = model_file->hp;

  std::vector<int> prompts, gens;
  for (const int p : parse_int_list(o.n_prompt, "-p"))
    if (p > 0) prompts.push_back(p); else if (p < 0) fail("-p must not be negative");
  for (const int n : parse_int_list(o.n_gen, "-n"))
    if (n > 0) gens.push_back(n); else if (n < 0) fail("-n must not be negative");
  const int max_prompt = prompts.empty() ? 0 : *std::max_element(prompts.begin(), prompts.end());
  const int max_gen = gens.empty() ? 0 : *std::max_element(gens.begin(), gens.end());

  std::vector<Instance> sweep;
  for (const auto& ngl : items(o.ngl))
    for (const auto& ts : items(o.tensor_split))
      for (const auto& b : parse_int_list(o.n_batch, "-b"))
        for (const auto& ub : parse_int_list(o.n_ubatch, "-ub"))
          for (const auto& t : parse_int_list(o.threads, "-t"))
            for (const auto& dev : items(o.devices))
              for (const auto& ctk : items(o.cache_type_k))
                for (const auto& attention : items(o.attention))
                  for (const auto& order : items(o.kernel_order))
                    sweep.push_back({ngl, ts, dev, ctk, b, ub, t, attention, order});

  const uint64_t bytes_per_token = weight_bytes_per_token(*model_file);
  const auto file_type = model_file->file.find("general.file_type");
  const std::string type_label =
      file_type && file_type->as_int() ? file_type_name(*file_type->as_int()) : std::string("?");
  uint64_t n_params = 0, n_bytes = 0;
  for (const auto& t : model_file->file.tensors()) {
    n_params += t.n_elements;
    n_bytes += t.n_bytes;
  }

  std::map<std::string, double> bandwidth;  // by device list item; measured once per device
  std::vector<BenchRow> rows;
  std::mt19937 rng(1234);
  for (const auto& inst : sweep) {
    ModelOptions mo;
    mo.model = path.string();
    mo.n_ctx = std::max(max_prompt + max_gen, 16);
    mo.n_batch = inst.n_batch;
    mo.n_ubatch = inst.n_ubatch;
    mo.n_threads = inst.n_threads;
    mo.n_gpu_layers = inst.ngl;
    mo.tensor_split = slashes_to_commas(inst.tensor_split);
    mo.devices = slashes_to_commas(inst.devices);
    mo.vram_budget = slashes_to_commas(o.vram_budget);
    mo.cache_type_k = mo.cache_type_v = inst.cache_type;
    mo.attention = inst.attention;
    mo.kernel_order = inst.kernel_order;
    ExecOptions exec = mo.exec();
    Profiler profiler;
    if (o.profile) exec.profiler = &profiler;

    std::string device_names = "CPU";
    double device_bandwidth = 0;
    if (exec.n_gpu_layers != 0) {
      vk::Instance instance(vk::options_from_environment());
      const auto chosen = choose_devices(instance, exec);
      device_names.clear();
      for (size_t i = 0; i < chosen.size(); ++i) device_names += (i ? "/" : "") + chosen[i].name;
      const std::string key = chosen.front().name + "#" + std::to_string(chosen.front().index);
      if (!bandwidth.count(key)) {
        vk::Device device(instance, chosen.front(), "bandwidth probe");
        bandwidth[key] = measure_bandwidth(device);
        spdlog::info("bench: {} copies at {:.1f} GB/s", chosen.front().name, bandwidth[key]);
      }
      device_bandwidth = bandwidth[key];
    }
    auto model = open_language_model(*model_file, exec);

    auto add_row = [&](const std::string& test, int n_prompt, int n_gen, const std::vector<double>& ns) {
      const auto s = stats_of(ns, n_prompt + n_gen);
      nlohmann::json f = {{"build_commit", build_commit()},
                          {"model_filename", path.filename().string()},
                          {"model_type", fmt::format("{} {} {}", hp.arch_name, format_count(n_params), type_label)},
                          {"model_size", n_bytes},
                          {"model_n_params", n_params},
                          {"devices", device_names},
                          {"n_gpu_layers", exec.n_gpu_layers},
                          {"tensor_split", inst.tensor_split},
                          {"n_batch", inst.n_batch},
                          {"n_ubatch", inst.n_ubatch},
                          {"n_threads", inst.n_threads},
                          {"type_k", inst.cache_type},
                          {"type_v", inst.cache_type},
                          {"attention", inst.attention},
                          {"kernel_order", inst.kernel_order},
                          {"n_prompt", n_prompt},
                          {"n_gen", n_gen},
                          {"test", test},
                          {"avg_ts", s.avg_ts},
                          {"stddev_ts", s.stddev_ts},
                          {"avg_ns", s.avg_ns},
                          {"stddev_ns", s.stddev_ns},
                          {"samples_ts", s.samples_ts},
                          {"samples_ns", s.samples_ns},
                          {"weight_bytes_per_token", bytes_per_token},
                          {"bandwidth_gbs", device_bandwidth},
                          {"roofline_pct", nullptr}};
      if (n_gen > 0 && device_bandwidth > 0)
        f["roofline_pct"] = 100.0 * double(bytes_per_token) * s.avg_ts / (device_bandwidth * 1e9);
      if (o.profile) f["profile"] = profile_json(profiler);
      rows.push_back({std::move(f)});
    };

    for (const int p : prompts) {
      const std::string test = fmt::format("pp{}", p);
      spdlog::info("bench: {} ngl={} ts={} b={} warm-up", test, inst.ngl, inst.tensor_split, inst.n_batch);
      time_prompt(*model, p, inst.n_batch, rng);
      profiler.clear();
      std::vector<double> ns;
      for (int r = 0; r < o.repetitions; ++r) {
        ns.push_back(time_prompt(*model, p, inst.n_batch, rng));
        spdlog::info("bench: {} run {}/{}: {:.2f} t/s", test, r + 1, o.repetitions, p * 1e9 / ns.back());
      }
      add_row(test, p, 0, ns);
    }
    for (const int n : gens) {
      const std::string test = fmt::format("tg{}", n);
      spdlog::info("bench: {} ngl={} ts={} warm-up", test, inst.ngl, inst.tensor_split);
      time_generation(*model, std::min(n, 4), rng);
      profiler.clear();
      std::vector<double> ns;
      for (int r = 0; r < o.repetitions; ++r) {
        ns.push_back(time_generation(*model, n, rng));
        spdlog::info("bench: {} run {}/{}: {:.2f} t/s", test, r + 1, o.repetitions, n * 1e9 / ns.back());
      }
      add_row(test, 0, n, ns);
    }
  }
  print_bench_rows(rows, o.output);
  return 0;
}

}  // namespace

Command add_bench_command(CLI::App& app) {
  auto o = std::make_shared<BenchOptions>();
  auto* sub = app.add_subcommand("bench", "Measure prompt and generation speed over a sweep of placements");
  sub->add_option("-m,--model", o->model, "GGUF model (default: a synthesized --preset model, cached)");
  sub->add_option("--preset", o->preset, "Synth preset used without -m (see `vkllm synth --list`)");
  sub->add_option("--type", o->synth_type, "Weight type of the synthesized model");
  sub->add_option("-p,--n-prompt", o->n_prompt, "Prompt lengths to process (pp tests), e.g. 128,512; 0: none");
  sub->add_option("-n,--n-gen", o->n_gen, "Token counts to generate (tg tests), e.g. 32,128; 0: none");
  sub->add_option("-r,--repetitions", o->repetitions, "Timed runs per test, after one warm-up");
  sub->add_option("--n-gpu-layers", o->ngl, "-ngl: list of GPU layer counts (or auto)");
  sub->add_option("--tensor-split", o->tensor_split, "-ts: list of splits, devices separated by '/': 1/1,3/1");
  sub->add_option("-b,--batch-size", o->n_batch, "List of prompt batch sizes");
  sub->add_option("--ubatch-size", o->n_ubatch,
                  "-ub: list of micro-batch sizes for layers split across devices (or CPU and GPU)");
  sub->add_option("-t,--threads", o->threads, "List of CPU thread counts (0: one per core)");
  sub->add_option("--devices", o->devices, "-dev: list of device sets, devices separated by '/': 0,0/0");
  sub->add_option("--cache-type-k", o->cache_type_k, "-ctk: list of KV cache types (K and V alike)");
  sub->add_option("--vram-budget", o->vram_budget, "MiB per device, separated by '/'");
  sub->add_option("--attention", o->attention, "List of Vulkan attention orders: ggml, split, auto (see `run --help`)");
  sub->add_option("--kernel-order", o->kernel_order, "List of Vulkan kernel orders: ggml, device, auto (see `run --help`)");
  sub->add_option("-o,--output", o->output, "md, csv, json or jsonl");
  sub->add_flag("--profile", o->profile, "Per-kernel GPU time from timestamp queries");
  return {sub, [o] { return run_bench(*o); }};
}

}  // namespace vkllm::cli
