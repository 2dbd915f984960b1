#pragma once
// The commit this binary was built from (git's short hash at configure time, or "unknown"), for
// `--version` and bench rows. Defined in a file generated from build_commit.cpp.in, so a new commit
// recompiles that file alone.
namespace vkllm::cli {

const char* build_commit();

}  // namespace vkllm::cli
