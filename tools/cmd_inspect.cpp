// `vkllm inspect MODEL [--json]`: what a GGUF file holds, without loading any weights.
#include <cstdio>
#include <iostream>
#include <memory>

#include "engine/gguf/gguf_file.h"
#include "engine/gguf/gguf_json.h"
#include "engine/model/model_summary.h"
#include "tools/commands.h"
#include "tools/format.h"
#include "tools/model_options.h"
#include "tools/plan_report.h"

namespace vkllm::cli {
namespace {

struct InspectOptions {
  std::string model;
  bool json = false;
  bool no_mmap = false;
  bool full_arrays = false;
  bool plan = false;
  ModelOptions placement;  // --plan's -ngl, -ts, -c, --devices, ...
};

std::string shape_string(const std::vector<uint64_t>& shape) {
  std::string out;
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? " x " : "") + std::to_string(shape[i]);
  return out;
}

nlohmann::json tokenizer_json(const TokenizerSummary& tok) {
  nlohmann::json j = {{"model", tok.model}, {"pre", tok.pre}, {"vocab_size", tok.vocab_size},
                      {"n_merges", tok.n_merges}};
  if (tok.add_bos) j["add_bos"] = *tok.add_bos;
  if (tok.add_eos) j["add_eos"] = *tok.add_eos;
  for (const auto& special : tok.specials) j["special"][special.role] = {{"id", special.id}, {"text", special.text}};
  return j;
}

void print_json(const gguf::File& file, const ModelSummary& s, const InspectOptions& options) {
  nlohmann::json j;
  j["file"] = file.source();
  j["gguf_version"] = file.version();
  j["file_size"] = file.file_size();
  j["alignment"] = file.alignment();
  j["architecture"] = s.architecture;
  j["name"] = s.name;
  j["file_type"] = s.file_type;
  j["n_params"] = s.n_params;
  j["n_bytes"] = s.tensor_bytes;
  if (s.tokenizer) j["tokenizer"] = tokenizer_json(*s.tokenizer);
  auto& metadata = j["metadata"] = nlohmann::json::object();
  const size_t max_items = options.full_arrays ? SIZE_MAX : 64;
  for (const auto& kv : file.metadata()) metadata[kv.key] = gguf::to_json(kv.value, max_items);
  auto& tensors = j["tensors"] = nlohmann::json::array();
  for (const auto& t : file.tensors())
    tensors.push_back({{"name", t.name}, {"type", type_name(t.type)}, {"shape", t.shape}, {"bytes", t.n_bytes},
                       {"offset", file.data_offset() + t.offset}});
  std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

void print_text(const gguf::File& file, const ModelSummary& s) {
  fmt::print("file:          {} (GGUF v{}, {}, alignment {})\n", file.source(), file.version(),
             format_bytes(file.file_size()), file.alignment());
  fmt::print("architecture:  {}\n", s.architecture.empty() ? "(none)" : s.architecture);
  if (!s.name.empty()) fmt::print("name:          {}\n", s.name);
  if (!s.file_type.empty()) fmt::print("file type:     {}\n", s.file_type);
  const double bpw = s.n_params ? 8.0 * double(s.tensor_bytes) / double(s.n_params) : 0.0;
  fmt::print("parameters:    {} ({} of tensor data, {:.2f} bits per weight)\n", format_count(s.n_params),
             format_bytes(s.tensor_bytes), bpw);
  if (!s.hparams.empty()) {
    fmt::print("hyperparameters:\n");
    for (const auto* kv : s.hparams) fmt::print("  {} = {}\n", kv->key, gguf::to_display_string(kv->value));
  }
  if (const auto& tok = s.tokenizer) {
    fmt::print("tokenizer:     {}{}, {} tokens, {} merges", tok->model, tok->pre.empty() ? "" : " (pre " + tok->pre + ")",
               tok->vocab_size, tok->n_merges);
    if (tok->add_bos) fmt::print(", add_bos {}", *tok->add_bos);
    if (tok->add_eos) fmt::print(", add_eos {}", *tok->add_eos);
    fmt::print("\n");
    for (const auto& special : tok->specials) fmt::print("  {} = {} '{}'\n", special.role, special.id, special.text);
  }
  fmt::print("tensors ({}):\n", file.tensors().size());
  for (const auto& t : file.tensors())
    fmt::print("  {:<32} {:<7} {:>22} {:>12}\n", t.name, type_name(t.type), shape_string(t.shape),
               format_bytes(t.n_bytes));
}

}  // namespace

Command add_inspect_command(CLI::App& app) {
  auto options = std::make_shared<InspectOptions>();
  auto* sub = app.add_subcommand("inspect", "Describe a GGUF model: architecture, tokenizer, tensors");
  sub->add_option("model", options->model, "GGUF file")->required();
  sub->add_flag("--json", options->json, "Print one JSON document");
  sub->add_flag("--no-mmap", options->no_mmap, "Read the file into memory instead of mapping it");
  sub->add_flag("--full-arrays", options->full_arrays, "In --json, print every element of long arrays");
  sub->add_flag("--plan", options->plan, "Print where layers would run and the memory each device needs");
  add_placement_options(sub, options->placement);
  return {sub, [options] {
            if (options->plan) {
              options->placement.model = options->model;
              options->placement.no_mmap = options->no_mmap;
              return print_plan(options->placement, options->json);
            }
            const auto file = gguf::File::open(options->model, options->no_mmap ? gguf::LoadMode::Read
                                                                                  : gguf::LoadMode::Mmap);
            const auto summary = summarize(file);
            if (options->json)
              print_json(file, summary, *options);
            else
              print_text(file, summary);
            return 0;
          }};
}

}  // namespace vkllm::cli
