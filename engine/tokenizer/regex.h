#pragma once
// A compiled PCRE2 pattern (UTF-8, Unicode properties, JIT) for the pre-tokenizers. Patterns are written
// in llama.cpp's dialect; `\s` and `\S` are rewritten to its whitespace set (Unicode White_Space), which
// PCRE2's own \s differs from (it leaves out U+0085).
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vkllm::tokenizer {

struct MatchSpan {
  size_t begin = 0;  // byte offsets into the subject
  size_t end = 0;
};

// Per-call match state (match data, JIT stack); one per thread at a time, reusable across patterns.
class MatchScratch {
 public:
  MatchScratch();
  ~MatchScratch();
  MatchScratch(const MatchScratch&) = delete;
  MatchScratch& operator=(const MatchScratch&) = delete;

 private:
  friend class Regex;
  struct State;
  std::unique_ptr<State> state_;
};

class Regex {
 public:
  // Throws vkllm::Error with PCRE2's message and the offset in the pattern when it does not compile.
  explicit Regex(std::string_view pattern);
  ~Regex();
  Regex(Regex&&) noexcept;
  Regex& operator=(Regex&&) noexcept;

  // Appends every non-empty, non-overlapping match in `subject` (valid UTF-8), left to right. The
  // subject is matched on its own: lookarounds and `$` see its ends as the text's ends.
  void find_all(std::string_view subject, MatchScratch& scratch, std::vector<MatchSpan>& out) const;

  const std::string& pattern() const { return pattern_; }

 private:
  std::string pattern_;
  void* code_ = nullptr;  // pcre2_code_8*
};

// llama.cpp's regex dialect translated to PCRE2 (\s and \S spelled out); exposed for tests.
std::string translate_pattern(std::string_view pattern);

}  // namespace vkllm::tokenizer
