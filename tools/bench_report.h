#pragma once
// The rows `vkllm bench` measures and their output formats: md (a table like llama-bench's), csv,
// json (one array of row objects) and jsonl (one object per line).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace vkllm::cli {

struct BenchRow {
  nlohmann::json fields;  // every column, by the names the README documents
};

// Prints the rows in `format` to stdout; throws vkllm::Error for an unknown format.
void print_bench_rows(const std::vector<BenchRow>& rows, const std::string& format);
bool is_bench_format(const std::string& format);

}  // namespace vkllm::cli
