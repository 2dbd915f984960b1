#pragma once
// A model as the commands load it: the GGUF file, its hyperparameters, weights and tokenizer.
#include <filesystem>
#include <memory>

#include "engine/gguf/gguf_file.h"
#include "engine/model/hparams.h"
#include "engine/model/model_weights.h"
#include "engine/tokenizer/tokenizer.h"

namespace vkllm {

struct ModelFile {
  gguf::File file;
  Hparams hp;
  ModelWeights weights;  // views into `file`: a ModelFile never moves, it lives behind a pointer
  tokenizer::Tokenizer tokenizer;

  // Throws vkllm::Error with the reason (bad file, unsupported architecture, missing tensor...).
  static std::unique_ptr<const ModelFile> open(const std::filesystem::path& path,
                                               gguf::LoadMode mode = gguf::LoadMode::Mmap);

  ModelFile(const ModelFile&) = delete;
  ModelFile& operator=(const ModelFile&) = delete;

 private:
  ModelFile(gguf::File f, tokenizer::Tokenizer t);
};

}  // namespace vkllm
