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
# perplexity: llama-perplexity's output on a few chunks, on the CPU and on the device; bad input refused.
text=$src/tests/data/tiny-shakespeare-valid.txt
check perplexity-cpu 0 '^Final estimate: PPL = [0-9]+\.[0-9]{4} \+/- ' -- "$bin" perplexity -m "$model" -f "$text" -c 128 --chunks 3 -ngl 0
check perplexity-json 0 '"chunks":3' -- "$bin" perplexity -m "$model" -f "$text" -c 64 -b 32 --chunks 3 --json -ngl 99
head -c 200 "$text" >"$tmp/short.txt"
check perplexity-short-text nonzero 'needs at least' -- "$bin" perplexity -m "$model" -f "$tmp/short.txt" -c 128
check perplexity-missing-text nonzero 'cannot open text file' -- "$bin" perplexity -m "$model" -f "$tmp/nope.txt"
check run-bad-ubatch nonzero "ub must be positive" -- "$bin" run -m "$model" -p "x" -ub 0
check eval-bad-ngl nonzero 'not an integer' -- "$bin" eval -m "$model" -p "x" -ngl lots
check run-bad-cache-type nonzero 'cache type' -- "$bin" run -m "$model" -p "x" -ctk q4_7
check run-attention-split 0 'tokens/s' -- "$bin" run -m "$model" -p "ROMEO:" -n 4 --temp 0 -ngl 99 --attention split
check run-attention-ggml 0 'tokens/s' -- "$bin" run -m "$model" -p "ROMEO:" -n 4 --temp 0 -ngl 99 --attention ggml
check run-bad-attention nonzero 'ggml, split or auto' -- "$bin" run -m "$model" -p "x" --attention fastest
check run-kernel-order-device 0 'tokens/s' -- "$bin" run -m "$model" -p "ROMEO:" -n 4 --temp 0 -ngl 99 --kernel-order device
check run-kernel-order-ggml 0 'tokens/s' -- "$bin" run -m "$model" -p "ROMEO:" -n 4 --temp 0 -ngl 99 --kernel-order ggml
check run-bad-kernel-order nonzero 'ggml, device or auto' -- "$bin" run -m "$model" -p "x" --kernel-order fastest
check run-context-too-small nonzero 'context' -- "$bin" run -m "$model" -p "ROMEO: a long prompt" -c 3
check run-ngl-too-big-for-budget nonzero 'does not fit' -- "$bin" run -m "$model" -p "x" -ngl 99 --vram-budget 1
check run-missing-model nonzero 'cannot open' -- "$bin" run -m "$tmp/nope.gguf" -p "x"

# synth writes a standard file that loads and runs; bench sweeps and reports positive figures.
check synth-tiny 0 '' -- "$bin" synth --preset tiny --type q8_0 -o "$tmp/synth.gguf"
check synth-inspect 0 'architecture: +llama' -- "$bin" inspect "$tmp/synth.gguf"
check synth-run 0 'tokens/s' -- "$bin" run -m "$tmp/synth.gguf" -p "hello" -n 4 --temp 0
check synth-bad-type nonzero 'cannot write' -- "$bin" synth --preset tiny --type q4_K -o "$tmp/x.gguf"
check synth-bad-preset nonzero 'unknown preset' -- "$bin" synth --preset huge -o "$tmp/x.gguf"
"$bin" bench -m "$model" -ngl 0,99 -p 16 -n 4 -r 1 -o json 2>/dev/null >"$tmp/bench.json"
if python3 - "$tmp/bench.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
assert len(rows) == 4, rows
assert sorted((r["n_gpu_layers"], r["test"]) for r in rows) == [(0, "pp16"), (0, "tg4"), (99, "pp16"), (99, "tg4")]
for r in rows:
    for key in ("build_commit", "model_filename", "model_type", "devices", "type_k", "tensor_split"):
        assert isinstance(r[key], str), key
    for key in ("model_size", "model_n_params", "avg_ts", "avg_ns", "weight_bytes_per_token"):
        assert r[key] > 0, (key, r[key])
    assert len(r["samples_ts"]) == 1 and all(v > 0 for v in r["samples_ts"])
    if r["n_gpu_layers"] > 0:
        assert r["bandwidth_gbs"] > 0
        if r["n_gen"] > 0:
            assert r["roofline_pct"] > 0
PY
then echo "ok   bench-json-sweep"; passed=$((passed + 1)); else echo "FAIL bench-json-sweep"; failed=$((failed + 1)); fi
check bench-md 0 '\| tg4 ' -- "$bin" bench -m "$model" -ngl 99 -p 0 -n 4 -r 1 --profile
check bench-csv 0 '^build_commit,|,avg_ts,' -- "$bin" bench -m "$model" -ngl 0 -p 8 -n 0 -r 1 -o csv
check bench-bad-format nonzero 'output format' -- "$bin" bench -m "$model" -o xml
check bench-order-sweep 0 '\| ggml +\| ggml +\| tg2 ' -- "$bin" bench -m "$model" -ngl 99 -p 0 -n 2 -r 1 --attention split,ggml --kernel-order device,ggml
check bench-bad-order nonzero 'ggml, device or auto' -- "$bin" bench -m "$model" -ngl 99 -p 0 -n 2 -r 1 --kernel-order fast
check plan 0 'layers 2-3 on device 0' -- "$bin" inspect "$model" --plan -ngl 2
check plan-json 0 '"layer_device"' -- "$bin" inspect "$model" --plan -ngl 2 --json
check plan-does-not-fit nonzero 'short by' -- "$bin" inspect "$model" --plan -ngl 99 --vram-budget 1

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
