#define PCRE2_CODE_UNIT_WIDTH 8
#include "engine/tokenizer/regex.h"

#include <pcre2.h>

#include "engine/util/check.h"

namespace vkllm::tokenizer {
namespace {

// Unicode White_Space, the set llama.cpp's \s stands for (its unicode_set_whitespace).
constexpr std::string_view kWhitespace =
    "\\t\\n\\x0B\\f\\r \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}";

std::string pcre2_message(int code) {
  PCRE2_UCHAR buffer[256];
  const int n = pcre2_get_error_message(code, buffer, sizeof(buffer));
  return n < 0 ? "PCRE2 error " + std::to_string(code) : std::string(reinterpret_cast<char*>(buffer), size_t(n));
}

pcre2_code* as_code(void* p) { return static_cast<pcre2_code*>(p); }

}  // namespace

std::string translate_pattern(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size() + 64);
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      const char next = pattern[++i];
      if (next == 's') {
        out += in_class ? std::string(kWhitespace) : "[" + std::string(kWhitespace) + "]";
      } else if (next == 'S') {
        if (in_class) fail("regex '{}': \\S inside a character class is not supported", pattern);
        out += "[^" + std::string(kWhitespace) + "]";
      } else {
        out += c;
        out += next;
      }
      continue;
    }
    if (c == '[' && !in_class) {
      in_class = true;
      out += c;
      // A ']' or '^]' right after '[' is a literal, not the end of the class.
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];
      continue;
    }
    if (c == ']' && in_class) in_class = false;
    out += c;
  }
  return out;
}

struct MatchScratch::State {
  pcre2_match_data* data = nullptr;
  pcre2_match_context* context = nullptr;
  pcre2_jit_stack* jit_stack = nullptr;
};

MatchScratch::MatchScratch() : state_(std::make_unique<State>()) {
  state_->data = pcre2_match_data_create(1, nullptr);  // only the whole match is needed
  state_->context = pcre2_match_context_create(nullptr);
  // Long runs of whitespace against \s+(?!\S) recurse deeply; the default 32 KiB JIT stack is too small.
  state_->jit_stack = pcre2_jit_stack_create(32 * 1024, 16 * 1024 * 1024, nullptr);
  VKLLM_ASSERT(state_->data && state_->context && state_->jit_stack, "PCRE2 allocation failed");
  pcre2_jit_stack_assign(state_->context, nullptr, state_->jit_stack);
}

MatchScratch::~MatchScratch() {
  pcre2_jit_stack_free(state_->jit_stack);
  pcre2_match_context_free(state_->context);
  pcre2_match_data_free(state_->data);
}

Regex::Regex(std::string_view pattern) : pattern_(pattern) {
  const std::string translated = translate_pattern(pattern);
  int error = 0;
  PCRE2_SIZE offset = 0;
  // DOLLAR_ENDONLY: llama.cpp's std::regex reads `$` as the very end, never "before a final newline".
  const uint32_t options = PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated.data()), translated.size(), options,
                                   &error, &offset, nullptr);
  if (!code) fail("pre-tokenizer regex '{}' does not compile at offset {}: {}", pattern, offset, pcre2_message(error));
  // Without JIT (unsupported platform) pcre2_match falls back to the interpreter: slower, same result.
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  code_ = code;
}

Regex::~Regex() { pcre2_code_free(as_code(code_)); }

Regex::Regex(Regex&& other) noexcept : pattern_(std::move(other.pattern_)), code_(other.code_) { other.code_ = nullptr; }

Regex& Regex::operator=(Regex&& other) noexcept {
  if (this != &other) {
    pcre2_code_free(as_code(code_));
    pattern_ = std::move(other.pattern_);
    code_ = other.code_;
    other.code_ = nullptr;
  }
  return *this;
}

void Regex::find_all(std::string_view subject, MatchScratch& scratch, std::vector<MatchSpan>& out) const {
  auto& state = *scratch.state_;
  const auto* text = reinterpret_cast<PCRE2_SPTR>(subject.data());
  size_t start = 0;
  while (start <= subject.size()) {
    // The subject was sanitized to valid UTF-8 by the caller, so PCRE2 need not check it again.
    const int rc = pcre2_match(as_code(code_), text, subject.size(), start, PCRE2_NO_UTF_CHECK, state.data,
                               state.context);
    if (rc == PCRE2_ERROR_NOMATCH) return;
    if (rc < 0) fail("pre-tokenizer regex '{}' failed on a {}-byte piece: {}", pattern_, subject.size(), pcre2_message(rc));
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(state.data);
    const size_t begin = ovector[0], end = ovector[1];
    if (end > begin) {
      out.push_back({begin, end});
      start = end;
      continue;
    }
    // An empty match produces no piece; step over one whole character and search again.
    if (begin >= subject.size()) return;
    start = begin + 1;
    while (start < subject.size() && (static_cast<uint8_t>(subject[start]) & 0xC0) == 0x80) ++start;
  }
}

}  // namespace vkllm::tokenizer
