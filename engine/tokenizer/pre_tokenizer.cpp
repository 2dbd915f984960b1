#include "engine/tokenizer/pre_tokenizer.h"

#include <map>

namespace vkllm::tokenizer {
namespace {

// The regexes, as llama.cpp lists them per pre-tokenizer type (src/llama-vocab.cpp), except where noted.
constexpr std::string_view kGpt2 = R"re('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))re";
constexpr std::string_view kLlama3 =
    R"re((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";
constexpr std::string_view kQwen2 =
    R"re((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";
// llama.cpp runs this class on code points where every non-ASCII White_Space character was replaced by
// U+000B, so those never match it: the lookahead keeps the spaces inside U+0800..U+4E00 out here too.
constexpr std::string_view kCjk = R"re((?:(?!\s)[一-龥ࠀ-一가-퟿])+)re";
// Greek Extended and letterlike symbols with canonical singleton decompositions (U+1F7D, U+1FBE, U+1FD3,
// U+1FDB, U+2126, U+212A) are escaped so that no Unicode normalization of this file can change them.
constexpr std::string_view kDeepseekLlmLetters =
    R"re(\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-\x{1F7D}ᾀ-ᾴᾶ-ᾼ\x{1FBE}ῂ-ῄῆ-ῌῐ-\x{1FD3}ῖ-\x{1FDB}ῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤ\x{2126}ℨ\x{212A}-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+)re";
// As in llama.cpp but the range 　-。 starts at U+3001: U+3000 is White_Space (see kCjk).
constexpr std::string_view kDeepseekLlmPunct = R"re(\s?[!-/:-~！-／：-～‘-‟\x{3001}-\x{3002}]+)re";
constexpr std::string_view kDeepseekV3Words =
    R"re([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";
constexpr std::string_view kPoro = R"re( ?[^(\s|.,!?…。，、।۔،)]+)re";
constexpr std::string_view kTekken =
    R"re([^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";
constexpr std::string_view kGpt4o =
    R"re([^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";

PreTokenizerSpec spec(std::vector<std::string_view> regexes, bool clean_spaces = true, bool ignore_merges = false,
                      bool add_bos = false) {
  return {std::move(regexes), ignore_merges, clean_spaces, add_bos};
}

using SpecTable = std::map<std::string, PreTokenizerSpec, std::less<>>;

SpecTable build_table() {
  SpecTable m;
  const auto add = [&](std::initializer_list<const char*> names, const PreTokenizerSpec& s) {
    for (const char* name : names) m.emplace(name, s);
  };
  add({"default"}, spec({R"re([\p{P}\$\+<=>\^~\|]+)re", kGpt2, R"re(\p{N}+)re", "[0-9][0-9][0-9]"}));
  add({"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2"},
      spec({kLlama3}, true, /*ignore_merges=*/true, /*add_bos=*/true));
  add({"dbrx", "smaug-bpe", "chatglm-bpe", "glm4"}, spec({kLlama3}));
  add({"deepseek-llm"},
      spec({"[\\r\\n]", kDeepseekLlmLetters, kDeepseekLlmPunct, R"re(\s+$)re", kCjk, R"re(\p{N}+)re"}, false));
  add({"deepseek-coder"}, spec({"[\\r\\n]", R"re(\s?\p{L}+)re", R"re(\s?\p{P}+)re", kCjk, R"re(\p{N})re"}, false));
  add({"deepseek-v3"}, spec({R"re(\p{N}{1,3})re", "[一-龥぀-ゟ゠-ヿ]+", kDeepseekV3Words}, false));
  add({"falcon"}, spec({R"re([\p{P}\$\+<=>\^~\|`]+)re", kGpt2, "[0-9][0-9][0-9]"}));
  add({"starcoder", "refact", "codeshell", "exaone", "minerva-7b", "mellum2"}, spec({R"re(\p{N})re", kGpt2}));
  add({"command-r", "smollm"}, spec({R"re(\p{N})re", kGpt2}, false));
  // "gpt-neox" is not a llama.cpp name; GPT-NeoX uses GPT-2's byte-level pattern.
  add({"gpt-2", "gpt-neox", "mpt", "olmo", "jais", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es",
       "jina-v2-de", "jina-v1-en", "jina-v2-code", "roberta-bpe", "a.x-4.0", "mellum", "modern-bert", "exaone4"},
      spec({kGpt2}));
  add({"trillion", "granite-docling"}, spec({kGpt2}, false));
  add({"qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "hunyuan", "solar-open"}, spec({kQwen2}, false));
  add({"stablelm2", "megrez"}, spec({kQwen2}));
  add({"poro-chat"}, spec({kPoro}, false));
  add({"bloom", "gpt3-finnish"}, spec({kPoro}));
  add({"viking"}, spec({kPoro, R"re(\p{N})re"}, false));
  add({"tekken"}, spec({kTekken}, false, /*ignore_merges=*/true, /*add_bos=*/true));
  add({"gpt-4o", "llama4", "kanana2"}, spec({kGpt4o}, false));
  return m;
}

const SpecTable& table() {
  static const SpecTable specs = build_table();
  return specs;
}

}  // namespace

const PreTokenizerSpec* find_pre_tokenizer(std::string_view pre) {
  const auto& specs = table();
  const auto it = specs.find(pre.empty() ? std::string_view("default") : pre);
  return it == specs.end() ? nullptr : &it->second;
}

std::string supported_pre_tokenizers() {
  std::string out;
  for (const auto& [name, spec] : table()) out += (out.empty() ? "" : ", ") + name;
  return out;
}

PreTokenizer::PreTokenizer(const PreTokenizerSpec& spec) {
  regexes_.reserve(spec.regexes.size());
  for (auto pattern : spec.regexes) regexes_.emplace_back(pattern);
}

std::vector<std::string_view> PreTokenizer::split(std::string_view text) const {
  std::vector<std::string_view> pieces, next;
  if (text.empty()) return pieces;
  pieces.push_back(text);
  MatchScratch scratch;
  std::vector<MatchSpan> spans;
  for (const auto& regex : regexes_) {
    next.clear();
    for (const auto piece : pieces) {
      spans.clear();
      regex.find_all(piece, scratch, spans);
      size_t done = 0;
      for (const auto& span : spans) {
        if (span.begin > done) next.push_back(piece.substr(done, span.begin - done));
        next.push_back(piece.substr(span.begin, span.end - span.begin));
        done = span.end;
      }
      if (done < piece.size()) next.push_back(piece.substr(done));
    }
    pieces.swap(next);
  }
  return pieces;
}

}  // namespace vkllm::tokenizer
