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

# tokenize
check tokenize 0 '^1 ' -- "$bin" tokenize -m "$model" -p "Hello world"
check tokenize-no-bos 0 '' -- "$bin" tokenize -m "$model" -p "Hello world" --no-bos
check tokenize-json 0 '"tokens":\[1,' -- "$bin" tokenize -m "$model" -p "Hello" --json
check tokenize-no-text nonzero 'exactly one text' -- "$bin" tokenize -m "$model"

# run / eval on the CPU and on the Vulkan device; greedy output must not depend on where layers run.
check run-cpu 0 'tokens/s' -- "$bin" run -m "$model" -p "ROMEO:" -n 8 --temp 0 -ngl 0
check run-json 0 '"predicted_per_second"' -- "$bin" run -m "$model" -p "ROMEO:" -n 8 --temp 0 --json -ngl 99
for ngl in 0 3 99; do
  "$bin" run -m "$model" -p "ROMEO:" -n 16 --temp 0 --json -ngl $ngl 2>/dev/null \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["tokens"])' >"$tmp/greedy-$ngl"
done
if [ -s "$tmp/greedy-0" ] && cmp -s "$tmp/greedy-0" "$tmp/greedy-3" && cmp -s "$tmp/greedy-0" "$tmp/greedy-99"; then
  echo "ok   run-greedy-same-on-every-placement"; passed=$((passed + 1))
else
  echo "FAIL run-greedy-same-on-every-placement"; cat "$tmp"/greedy-*; failed=$((failed + 1))
fi
"$bin" run -m "$model" -p "ROMEO:" -n 12 --temp 0.9 --seed 7 --json -ngl 0 2>/dev/null >"$tmp/seed-a"
"$bin" run -m "$model" -p "ROMEO:" -n 12 --temp 0.9 --seed 7 --json -ngl 0 2>/dev/null >"$tmp/seed-b"
if [ -s "$tmp/seed-a" ] && [ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tokens"])' "$tmp/seed-a")" = \
     "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tokens"])' "$tmp/seed-b")" ]; then
  echo "ok   run-same-seed-same-tokens"; passed=$((passed + 1))
else
  echo "FAIL run-same-seed-same-tokens"; failed=$((failed + 1))
fi
check eval 0 '"last_logits"' -- "$bin" eval -m "$model" -p "ROMEO:" --top 5
check eval-bad-ngl nonzero 'not an integer' -- "$bin" eval -m "$model" -p "x" -ngl lots
check run-bad-cache-type nonzero 'cache type' -- "$bin" run -m "$model" -p "x" -ctk q4_7
check run-context-too-small nonzero 'context' -- "$bin" run -m "$model" -p "ROMEO: a long prompt" -c 3
check run-ngl-too-big-for-budget nonzero 'does not fit' -- "$bin" run -m "$model" -p "x" -ngl 99 --vram-budget 1
check run-missing-model nonzero 'cannot open' -- "$bin" run -m "$tmp/nope.gguf" -p "x"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
