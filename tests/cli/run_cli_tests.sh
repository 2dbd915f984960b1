#!/usr/bin/env bash
# End-to-end checks of the vkllm command line: good input succeeds, bad input fails cleanly
# (non-zero exit, one clear error, never a crash signal).
set -u
src=$1
bin=${VKLLM:?set VKLLM to the vkllm binary}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

check() {  # check NAME EXPECTED_RC GREP_PATTERN -- command...
  local name=$1 want=$2 pattern=$3
  shift 4
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  local ok=0
  if [ "$want" = nonzero ]; then
    [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] && ok=1  # 128+ would be a crash signal
  else
    [ "$rc" -eq "$want" ] && ok=1
  fi
  if [ "$ok" -ne 1 ]; then
    echo "FAIL $name: exit $rc, wanted $want"; sed 's/^/  /' "$tmp/err" | head -5; failed=$((failed + 1)); return
  fi
  if [ -n "$pattern" ] && ! grep -qE "$pattern" "$tmp/out" "$tmp/err"; then
    echo "FAIL $name: output lacks /$pattern/"; head -5 "$tmp/out" "$tmp/err"; failed=$((failed + 1)); return
  fi
  echo "ok   $name"; passed=$((passed + 1))
}

model=$src/tests/data/tiny-shakespeare-Q4_0.gguf
check inspect-text 0 'architecture: +llama' -- "$bin" inspect "$model"
check inspect-no-mmap 0 'tensors \(39\)' -- "$bin" inspect --no-mmap "$model"
check inspect-json 0 '"architecture": "llama"' -- "$bin" inspect --json "$model"
"$bin" inspect --json "$model" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["n_params"]>0 and len(d["tensors"])==39' \
  && { echo "ok   inspect-json-parses"; passed=$((passed + 1)); } || { echo "FAIL inspect-json-parses"; failed=$((failed + 1)); }

check missing-file nonzero 'cannot open' -- "$bin" inspect "$tmp/nope.gguf"
: >"$tmp/empty.gguf"
check empty-file nonzero 'empty' -- "$bin" inspect "$tmp/empty.gguf"
head -c 100000 "$model" >"$tmp/truncated.gguf"
check truncated-file nonzero 'invalid GGUF' -- "$bin" inspect "$tmp/truncated.gguf"
printf 'GGML\3\0\0\0' >"$tmp/badmagic.gguf"
check bad-magic nonzero 'not a GGUF file' -- "$bin" inspect "$tmp/badmagic.gguf"
check directory nonzero 'not a regular file' -- "$bin" inspect "$tmp"
check no-args nonzero '' -- "$bin"
check unknown-command nonzero '' -- "$bin" frobnicate

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
