#include "engine/model/model_file.h"

namespace vkllm {

ModelFile::ModelFile(gguf::File f, tokenizer::Tokenizer t)
    : file(std::move(f)), hp(read_hparams(file)), weights(bind_weights(file, hp)), tokenizer(std::move(t)) {}

std::unique_ptr<const ModelFile> ModelFile::open(const std::filesystem::path& path, gguf::LoadMode mode) {
  auto file = gguf::File::open(path, mode);
  auto tokenizer = tokenizer::Tokenizer::load(file);
  return std::unique_ptr<const ModelFile>(new ModelFile(std::move(file), std::move(tokenizer)));
}

}  // namespace vkllm
