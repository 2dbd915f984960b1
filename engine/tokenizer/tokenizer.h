#pragma once
// Text <-> token ids for a GGUF vocabulary, matching llama.cpp's llama_tokenize / llama_detokenize.
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/gguf/gguf_file.h"
#include "engine/tokenizer/vocab.h"

namespace vkllm::tokenizer {

class BpeTokenizer;

class Tokenizer {
 public:
  explicit Tokenizer(Vocab vocab);
  // The vocabulary of a GGUF file (a model or a vocab-only file); throws vkllm::Error naming a bad key.
  static Tokenizer load(const gguf::File& file);
  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  const Vocab& vocab() const { return *vocab_; }

  // add_special: BOS/EOS as the vocabulary asks (tokenizer.ggml.add_bos_token / add_eos_token).
  // parse_special: control tokens written in the text ("<|im_end|>") become those tokens; without it they
  // are tokenized as plain text. User-defined tokens are matched either way.
  std::vector<TokenId> tokenize(std::string_view text, bool add_special, bool parse_special = false) const;

  // The bytes one token stands for (may be part of a UTF-8 character). Control and unknown tokens give
  // "" unless `special`, then their text.
  std::string_view token_to_piece(TokenId id, bool special = false) const;

  // The text of a sequence: pieces joined, the SPM prefix space removed from the first, and for
  // vocabularies that ask for it, " ," -> "," and the like (llama.cpp's clean_up_tokenization_spaces).
  // remove_special drops a leading BOS and trailing EOS the tokenizer would have added.
  std::string detokenize(std::span<const TokenId> tokens, bool remove_special = false,
                         bool unparse_special = false) const;

 private:
  std::unique_ptr<const Vocab> vocab_;  // on the heap: bpe_ keeps a reference across moves
  std::unique_ptr<BpeTokenizer> bpe_;
  std::vector<std::string> pieces_;     // token_to_piece(id, special = true) for every id
};

// Turns a stream of tokens into text without ever emitting part of a UTF-8 character: bytes of an
// unfinished character wait for the token that completes it.
class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tokenizer, bool special = false) : tokenizer_(tokenizer), special_(special) {}

  // The text that became complete with this token (often "", e.g. for the first half of an emoji).
  std::string push(TokenId id);
  // Whatever is still held back (an incomplete character at the end of the stream), and a reset.
  std::string flush();

 private:
  const Tokenizer& tokenizer_;
  bool special_;
  std::string pending_;
};

}  // namespace vkllm::tokenizer
