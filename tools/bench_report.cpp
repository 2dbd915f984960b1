#include "tools/bench_report.h"

#include <fmt/format.h>

#include "engine/util/check.h"
#include "tools/format.h"

namespace vkllm::cli {
namespace {

std::string csv_field(const nlohmann::json& v) {
  std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string quoted = "\"";
  for (const char c : s) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

void print_markdown(const std::vector<BenchRow>& rows) {
  const std::vector<std::string> header = {"model",   "size",   "params", "devices", "ngl",  "ts",  "n_batch", "n_ubatch",
                                           "threads", "type_k", "attn",   "order",   "test", "t/s", "roofline"};
  const auto text = [](size_t c) { return c == 0 || c == 3 || c == 5 || (c >= 9 && c <= 12); };  // left-aligned
  std::vector<std::vector<std::string>> cells;
  for (const auto& row : rows) {
    const auto& f = row.fields;
    std::string roofline = f.contains("roofline_pct") && !f["roofline_pct"].is_null()
                               ? fmt::format("{:.1f}%", f["roofline_pct"].get<double>())
                               : "";
    cells.push_back({f["model_type"].get<std::string>(), format_bytes(f["model_size"].get<uint64_t>()),
                     format_count(f["model_n_params"].get<uint64_t>()), f["devices"].get<std::string>(),
                     std::to_string(f["n_gpu_layers"].get<int>()), f["tensor_split"].get<std::string>(),
                     std::to_string(f["n_batch"].get<int>()), std::to_string(f["n_ubatch"].get<int>()),
                     std::to_string(f["n_threads"].get<int>()),
                     f["type_k"].get<std::string>(), f.value("attention", "auto"), f.value("kernel_order", "auto"),
                     f["test"].get<std::string>(),
                     fmt::format("{:.2f} ± {:.2f}", f["avg_ts"].get<double>(), f["stddev_ts"].get<double>()),
                     roofline});
  }
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) {
    width[c] = header[c].size();
    for (const auto& r : cells) width[c] = std::max(width[c], r[c].size());
  }
  auto line = [&](const std::vector<std::string>& values) {
    std::string out = "|";
    for (size_t c = 0; c < values.size(); ++c) {
      out += text(c) ? fmt::format(" {:<{}} |", values[c], width[c]) : fmt::format(" {:>{}} |", values[c], width[c]);
    }
    fmt::print("{}\n", out);
  };
  line(header);
  std::string rule = "|";
  for (size_t c = 0; c < header.size(); ++c) rule += std::string(width[c] + 1, '-') + (text(c) ? " |" : ":|");
  fmt::print("{}\n", rule);
  for (const auto& r : cells) line(r);

  for (const auto& row : rows) {
    if (!row.fields.contains("profile")) continue;
    fmt::print("\nprofile of {} ({}, ngl {}):\n\n", row.fields["test"].get<std::string>(),
               row.fields["devices"].get<std::string>(), row.fields["n_gpu_layers"].get<int>());
    fmt::print("| {:<28} | {:>8} | {:>10} | {:>6} | {:>8} |\n", "kernel", "count", "total ms", "share", "GB/s");
    fmt::print("|{:-<30}|{:->9}:|{:->11}:|{:->7}:|{:->9}:|\n", "", "", "", "", "");
    for (const auto& k : row.fields["profile"])
      fmt::print("| {:<28} | {:>8} | {:>10.3f} | {:>5.1f}% | {:>8.2f} |\n", k["kernel"].get<std::string>(),
                 k["count"].get<uint64_t>(), k["total_ms"].get<double>(), k["share"].get<double>() * 100,
                 k["gb_per_s"].get<double>());
  }
}

}  // namespace

bool is_bench_format(const std::string& format) {
  return format == "md" || format == "csv" || format == "json" || format == "jsonl";
}

void print_bench_rows(const std::vector<BenchRow>& rows, const std::string& format) {
  if (format == "md") {
    print_markdown(rows);
  } else if (format == "json") {
    auto all = nlohmann::json::array();
    for (const auto& row : rows) all.push_back(row.fields);
    fmt::print("{}\n", all.dump(2));
  } else if (format == "jsonl") {
    for (const auto& row : rows) fmt::print("{}\n", row.fields.dump());
  } else if (format == "csv") {
    if (rows.empty()) return;
    std::vector<std::string> keys;
    for (const auto& [key, value] : rows.front().fields.items())
      if (!value.is_array() && !value.is_object()) keys.push_back(key);
    std::string line;
    for (size_t i = 0; i < keys.size(); ++i) line += (i ? "," : "") + keys[i];
    fmt::print("{}\n", line);
    for (const auto& row : rows) {
      line.clear();
      for (size_t i = 0; i < keys.size(); ++i)
        line += (i ? "," : "") + (row.fields.contains(keys[i]) ? csv_field(row.fields[keys[i]]) : std::string());
      fmt::print("{}\n", line);
    }
  } else {
    fail("-o: unknown output format '{}' (md, csv, json, jsonl)", format);
  }
}

}  // namespace vkllm::cli
