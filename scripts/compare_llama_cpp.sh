#!/usr/bin/env bash
# Our CPU speed next to llama.cpp's CPU backend, same file, same threads, runs alternating.
#
# llama.cpp is not packaged by Debian 12; the npm package node-llama-cpp carries its source as a git
# bundle (llama/gitRelease.bundle). This script installs that package into a work directory (npm,
# nothing else is downloaded), builds llama.cpp's own llama-bench from the bundle for this CPU, and
# runs it beside `vkllm bench -ngl 0`.
#
#   scripts/compare_llama_cpp.sh [MODEL.gguf] [THREADS] [ROUNDS]
#   WORK=/tmp/llama-ref NODE_LLAMA_CPP_VERSION=3.22.1 scripts/compare_llama_cpp.sh
#
# Defaults: the cached synthetic 134m q4_0 model (made by `vkllm bench --preset 134m` if missing),
# 2 threads, 3 rounds of pp512 and tg64. llama.cpp runs with flash attention on (-fa 1), as our CPU
# layers always compute attention.
set -euo pipefail
cd "$(dirname "$0")/.."

vkllm=${VKLLM:-build/vkllm}
model=${1:-$HOME/.cache/vkllm/synth-134m-q4_0.gguf}
threads=${2:-2}
rounds=${3:-3}
work=${WORK:-/tmp/vkllm-llama-ref}
version=${NODE_LLAMA_CPP_VERSION:-3.22.1}

[ -x "$vkllm" ] || { echo "compare: build vkllm first (scripts/setup.sh)" >&2; exit 1; }
command -v npm >/dev/null || { echo "compare: needs npm (apt-get install npm)" >&2; exit 1; }
if [ ! -f "$model" ]; then
  "$vkllm" bench --preset 134m --type q4_0 -p 0 -n 1 -r 1 -ngl 0 >/dev/null
fi

bench="$work/llama.cpp/build/bin/llama-bench"
if [ ! -x "$bench" ]; then
  mkdir -p "$work"
  if [ ! -f "$work/node_modules/node-llama-cpp/llama/gitRelease.bundle" ]; then
    (cd "$work" && npm install --no-save --ignore-scripts --no-audit --no-fund "node-llama-cpp@$version" >&2)
  fi
  rm -rf "$work/llama.cpp"
  git clone -q "$work/node_modules/node-llama-cpp/llama/gitRelease.bundle" "$work/llama.cpp" 2>/dev/null
  cmake -S "$work/llama.cpp" -B "$work/llama.cpp/build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON \
    -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF >&2
  cmake --build "$work/llama.cpp/build" --target llama-bench -j"$(nproc)" >&2
fi
echo "llama.cpp: $(git -C "$work/llama.cpp" log -1 --format='%h %cd' 2>/dev/null), node-llama-cpp $version"

for ((i = 1; i <= rounds; ++i)); do
  "$bench" -m "$model" -p 512 -n 64 -t "$threads" -r 3 -fa 1 2>/dev/null |
    awk -F'|' '/pp512|tg64/ { gsub(/ +/, " "); print "llama.cpp", $(NF-2), $(NF-1) }'
  "$vkllm" bench -m "$model" -p 512 -n 64 -ngl 0 -t "$threads" -r 3 2>/dev/null |
    awk -F'|' '/pp512|tg64/ { gsub(/ +/, " "); print "vkllm    ", $(NF-3), $(NF-2) }'
done
