# Turns one SPIR-V binary into a C++ source holding it as a uint32_t array.
# Inputs: INPUT (the .spv), OUTPUT (the .cpp), SYMBOL (the array's name).
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR remainder "${hex_length} % 8")
if(hex_length EQUAL 0 OR NOT remainder EQUAL 0)
  message(FATAL_ERROR "${INPUT}: not a SPIR-V binary (size is not a multiple of 4 bytes)")
endif()
# SPIR-V words are little-endian on disk: bytes b0 b1 b2 b3 become 0xb3b2b1b0.
string(REGEX REPLACE "(..)(..)(..)(..)" "0x\\4\\3\\2\\1u," words "${hex}")
set(eight_words "")
foreach(i RANGE 7)
  string(APPEND eight_words "0x[0-9a-f]+u,")
endforeach()
string(REGEX REPLACE "(${eight_words})" "\\1\n  " words "${words}")
math(EXPR word_count "${hex_length} / 8")
file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${INPUT} by shaders/cmake/embed_spirv.cmake. Do not edit.\n"
  "#include <cstddef>\n#include <cstdint>\n\n"
  "namespace vkllm::shaders::spirv {\n"
  "extern const uint32_t ${SYMBOL}[${word_count}] = {\n  ${words}\n};\n"
  "extern const size_t ${SYMBOL}_words = ${word_count};\n"
  "}  // namespace vkllm::shaders::spirv\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
