#include "tools/text_file.h"

#include <fstream>
#include <sstream>

#include "engine/util/check.h"

namespace vkllm::cli {

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open text file '{}'", path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) fail("cannot read text file '{}'", path);
  return text.str();
}

}  // namespace vkllm::cli
