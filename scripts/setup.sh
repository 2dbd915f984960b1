#!/usr/bin/env bash
# Installs what vkllm needs from Debian (only what is missing), then configures and builds it.
# Idempotent: a second run installs nothing and rebuilds only what changed.
#   scripts/setup.sh            release build in ./build
#   BUILD_DIR=... CMAKE_ARGS=... scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config git python3
  libvulkan-dev mesa-vulkan-drivers vulkan-validationlayers
  glslc glslang-tools spirv-tools
  libspdlog-dev libcli11-dev nlohmann-json3-dev libcpp-httplib-dev libpcre2-dev prometheus-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The official OpenAI client for the `vkllm serve` tests (pinned by tests/serve/package-lock.json); without
# npm those tests skip their client part.
if [ ! -d tests/serve/node_modules/openai ]; then
  if command -v npm >/dev/null; then
    npm ci --prefix tests/serve --no-audit --no-fund --loglevel=error
  else
    echo "setup: npm not found; the serve tests will skip their openai-client checks" >&2
  fi
fi

build_dir=${BUILD_DIR:-build}
# shellcheck disable=SC2086
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release ${CMAKE_ARGS:-} >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
