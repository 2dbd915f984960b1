// `vkllm synth --preset NAME --type TYPE -o FILE`: a llama GGUF with random weights of a real shape.
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "engine/synth/synth_model.h"
#include "engine/util/check.h"
#include "tools/commands.h"
#include "tools/format.h"

namespace vkllm::cli {
namespace {

struct SynthCliOptions {
  std::string preset = "tiny";
  std::string type = "q4_0";
  std::string output;
  uint64_t seed = 1;
  bool list = false;
};

int run_synth(const SynthCliOptions& o) {
  if (o.list) {
    for (const auto& p : synth::presets())
      fmt::print("{:<6} {:>8} params  {}\n", p.name, format_count(synth::parameter_count(p)), p.like);
    return 0;
  }
  const auto preset = synth::find_preset(o.preset);
  if (!preset) fail("unknown preset '{}' (see `vkllm synth --list`)", o.preset);
  const auto type = type_from_name(o.type);
  if (!type) fail("unknown type '{}'", o.type);
  if (o.output.empty()) fail("synth needs -o FILE");
  spdlog::info("writing {} ({} parameters, {}) to {}", preset->name, format_count(synth::parameter_count(*preset)),
               type_name(*type), o.output);
  synth::write_synth_model(*preset, {*type, o.seed}, o.output);
  return 0;
}

}  // namespace

Command add_synth_command(CLI::App& app) {
  auto options = std::make_shared<SynthCliOptions>();
  auto* sub = app.add_subcommand("synth", "Write a llama GGUF with random weights of a real model's shape");
  sub->add_option("--preset", options->preset, "Shape: tiny, 134m, 1b, 3b, 7b, 8b, 13b, 70b");
  sub->add_option("--type", options->type, "Weight type: f32, f16, bf16, q4_0, q4_1, q5_0, q5_1, q8_0");
  sub->add_option("-o,--output", options->output, "The file to write");
  sub->add_option("--seed", options->seed, "Seed of the random weights");
  sub->add_flag("--list", options->list, "List the presets");
  return {sub, [options] { return run_synth(*options); }};
}

}  // namespace vkllm::cli
