#!/usr/bin/env bash
# `vkllm serve` end to end: curl for the HTTP error cases, queueing and SIGTERM draining; the official
# `openai` npm client (tests/serve/node_modules, from scripts/setup.sh) for the API itself, checked
# against `vkllm run --temp 0`. The client part is skipped, with a message, without node or the package.
#   run_serve_tests.sh SOURCE_DIR    (VKLLM=path/to/vkllm; SERVE_TEST_NGL=0 to run on the CPU)
set -u
src=$1
bin=${VKLLM:?set VKLLM to the vkllm binary}
ngl=${SERVE_TEST_NGL:-auto}
model=$src/tests/data/tiny-shakespeare-Q4_0.gguf
key=test-key-$$
tmp=$(mktemp -d)
server_pids=()
trap 'for p in "${server_pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
passed=0 failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1${2:+: $2}"; failed=$((failed + 1)); }

# start_server NAME ARGS...: sets port and pid; the log is $tmp/NAME.err.
start_server() {
  local name=$1
  shift
  "$bin" serve -m "$model" -ngl "$ngl" --host 127.0.0.1 --port 0 "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  pid=$!
  server_pids+=("$pid")
  for _ in $(seq 300); do
    grep -q 'listening on' "$tmp/$name.out" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  port=$(grep -o '127\.0\.0\.1:[0-9]*' "$tmp/$name.out" | head -1 | cut -d: -f2)
  if [ -z "$port" ]; then
    echo "FAIL $name server did not start"; sed 's/^/  /' "$tmp/$name.err" | tail -5; exit 1
  fi
}

# expect_error NAME STATUS CODE CURL_ARGS...: the status and an OpenAI error object with that code.
expect_error() {
  local name=$1 want=$2 code=$3
  shift 3
  local got
  got=$(curl -s -o "$tmp/body" -w '%{http_code}' "$@")
  if [ "$got" != "$want" ]; then bad "$name" "HTTP $got, wanted $want: $(head -c 300 "$tmp/body")"; return; fi
  if python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["error"]
assert e["message"] and e["type"] and e["code"] == sys.argv[2], e' "$tmp/body" "$code" 2>"$tmp/py"; then
    ok "$name"
  else
    bad "$name" "$(tail -1 "$tmp/py")"
  fi
}

health_field() {  # health_field PORT FIELD
  curl -s "http://127.0.0.1:$1/health" | python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"
}

queue_length_is() {  # queue_length_is PORT N
  [ "$(health_field "$1" queue)" = "$2" ]
}

busy_slots_are() {  # busy_slots_are PORT N
  [ "$(health_field "$1" slots_processing)" = "$2" ]
}

wait_for() {  # wait_for SECONDS COMMAND...: polls until the command succeeds
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ "$SECONDS" -ge "$deadline" ] && return 1
    sleep 0.05
  done
}

# --- the main server: 8 slots of 256 tokens, an API key ----------------------------------------
start_server main --parallel 8 -c 2048 --api-key "$key"
main_port=$port main_pid=$pid
base=http://127.0.0.1:$main_port
auth=(-H "Authorization: Bearer $key" -H 'Content-Type: application/json')

[ "$(health_field "$main_port" status)" = ok ] && ok "health needs no key" || bad "health needs no key"
expect_error "no key: 401" 401 invalid_api_key "$base/v1/completions" -d '{"prompt":"a"}'
expect_error "malformed JSON: 400" 400 invalid_json "${auth[@]}" "$base/v1/completions" -d '{"prompt": '
expect_error "bad field: 400" 400 invalid_request "${auth[@]}" "$base/v1/completions" -d '{"prompt":"a","temperature":"hot"}'
expect_error "number beyond double: 400" 400 invalid_json "${auth[@]}" "$base/v1/completions" -d '{"prompt":"a","x":1e400}'
expect_error "content part of the wrong type: 400" 400 invalid_request "${auth[@]}" "$base/v1/chat/completions" \
  -d '{"messages":[{"role":"user","content":[{"type":1}]}]}'
expect_error "repeat_penalty 0: 400" 400 invalid_request "${auth[@]}" "$base/v1/completions" \
  -d '{"prompt":"a","repeat_penalty":0}'
expect_error "max_tokens of 2^64-1: 400" 400 invalid_request "${auth[@]}" "$base/v1/completions" \
  -d '{"prompt":"a","max_tokens":18446744073709551615}'
got=$(curl -s -o "$tmp/top_p0.json" -w '%{http_code}' "${auth[@]}" "$base/v1/completions" \
  -d '{"prompt":"ROMEO:","max_tokens":4,"top_p":0,"temperature":1}')
[ "$got" = 200 ] && grep -q '"finish_reason"' "$tmp/top_p0.json" && ok "top_p 0 (only the likeliest token): 200" ||
  bad "top_p 0" "HTTP $got: $(head -c 300 "$tmp/top_p0.json")"
long=$(python3 -c 'print(",".join(["1"] * 300))')
expect_error "prompt over the slot context: 400" 400 context_length_exceeded "${auth[@]}" "$base/v1/completions" \
  -d "{\"prompt\":[$long]}"
python3 -c 'import sys; sys.stdout.write("{\"prompt\":\"" + "a" * (9 << 20) + "\"}")' >"$tmp/big.json"
expect_error "oversize body: 413" 413 payload_too_large "${auth[@]}" "$base/v1/completions" --data-binary "@$tmp/big.json"
expect_error "unknown endpoint: 404" 404 not_found "${auth[@]}" "$base/v1/nothing"

if curl -s "${auth[@]}" "$base/metrics" >"$tmp/metrics" &&
   grep -q '^vkllm_requests_total{endpoint="/v1/completions"}' "$tmp/metrics" &&
   grep -q '^vkllm_request_errors_total{status="413"} 1' "$tmp/metrics" &&
   grep -q '^vkllm_slots_total 8' "$tmp/metrics" && grep -q '^vkllm_queue_length 0' "$tmp/metrics" &&
   grep -q '^vkllm_process_resident_memory_bytes' "$tmp/metrics"; then
  ok "metrics in Prometheus text format"
else
  bad "metrics" "$(head -c 600 "$tmp/metrics")"
fi

# --- the OpenAI client, against `vkllm run --temp 0` --------------------------------------------
prompts=("ROMEO:" "JULIET:" $'First Citizen:\nBefore we proceed any further' "KING HENRY:" "To be, or not to be"
         "O Romeo, Romeo" $'MERCUTIO:\nNay' "The quality of mercy is not strained")
if ! command -v node >/dev/null; then
  echo "SKIP openai client checks: node is not installed"
elif [ ! -d "$src/tests/serve/node_modules/openai" ]; then
  echo "SKIP openai client checks: run scripts/setup.sh (npm install in tests/serve)"
else
  refs="[]"
  for i in "${!prompts[@]}"; do
    n=$((12 + 3 * i))
    run=$("$bin" run -m "$model" -ngl "$ngl" -p "${prompts[$i]}" -n "$n" --temp 0 --json 2>/dev/null)
    ids=$("$bin" tokenize -m "$model" -p "${prompts[$i]}" --json)
    refs=$(python3 -c 'import json,sys
refs, run, ids = json.loads(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3])
tokens = run["tokens"][:-1] if run["stop_reason"] == "eog" else run["tokens"]
refs.append({"prompt": sys.argv[4], "n": int(sys.argv[5]), "text": run["text"], "tokens": tokens,
             "prompt_tokens": ids["tokens"]})
print(json.dumps(refs))' "$refs" "$run" "$ids" "${prompts[$i]}" "$n")
  done
  echo "$refs" >"$tmp/references.json"
  if node "$src/tests/serve/openai_client.mjs" "$base" "$key" "$tmp/references.json" >"$tmp/node.log" 2>&1; then
    sed 's/^/  /' "$tmp/node.log"
    ok "openai client checks"
  else
    bad "openai client checks"; sed 's/^/  /' "$tmp/node.log"
  fi
fi

kill -TERM "$main_pid"
wait "$main_pid"
rc=$?
[ "$rc" -eq 0 ] && ok "SIGTERM on an idle server exits 0" || bad "SIGTERM on an idle server" "exit $rc"

# --- one slot, a queue of one: 503; a disconnect lets the queued request in; SIGTERM drains --------
# A long context keeps the slot busy for a while even on a fast device.
start_server small --parallel 1 --queue-size 1 -c 4096
small=http://127.0.0.1:$port small_pid=$pid
json=(-H 'Content-Type: application/json')
generated_total() {
  curl -s "http://127.0.0.1:$1/metrics" | awk '$1 == "vkllm_generated_tokens_total" {printf "%d", $2}'
}
before=$(generated_total "$port")
curl -sN "${json[@]}" "$small/v1/completions" -d '{"prompt":"ROMEO:","max_tokens":4000,"ignore_eos":true,"stream":true}' \
  >"$tmp/a.sse" &
a_pid=$!
wait_for 10 grep -qs '^data:' "$tmp/a.sse"
curl -s -o "$tmp/b.json" -w '%{http_code}' "${json[@]}" "$small/v1/completions" -d '{"prompt":"JULIET:","max_tokens":8}' >"$tmp/b.status" &
b_pid=$!
if wait_for 10 queue_length_is "$port" 1; then
  expect_error "full queue: 503" 503 queue_full "${json[@]}" "$small/v1/completions" -d '{"prompt":"a","max_tokens":4}'
else
  bad "full queue: 503" "the second request never queued (the first finished too soon?)"
fi
kill "$a_pid"  # the streaming client goes away: its slot goes to the queued request
wait "$b_pid"
n=$(( $(generated_total "$port") - before ))  # both requests' tokens: fewer than 4000 if the first was cut short
if [ "$(cat "$tmp/b.status")" = 200 ] && [ "$n" -lt 4000 ]; then
  ok "a disconnect frees the slot for the queued request ($n tokens made in all)"
else
  bad "streaming disconnect" "queued request status $(cat "$tmp/b.status"), $n tokens made in all"
fi

# A non-streaming client that goes away frees its slot too, long before its 4000 tokens are done.
before=$(generated_total "$port")
curl -s -o /dev/null --max-time 0.5 "${json[@]}" "$small/v1/completions" \
  -d '{"prompt":"ROMEO:","max_tokens":4000,"ignore_eos":true}'
if wait_for 10 busy_slots_are "$port" 0; then
  n=$(( $(generated_total "$port") - before ))
  [ "$n" -lt 4000 ] && ok "a non-streaming client that goes away frees its slot ($n of 4000 tokens made)" ||
    bad "non-streaming disconnect" "the request ran to its end ($n tokens)"
else
  bad "non-streaming disconnect" "the slot stayed busy"
fi

# Long enough that SIGTERM arrives mid-stream: the CPU generates ~20x faster than lavapipe.
n_drain=$([ "$ngl" = 0 ] && echo 3000 || echo 150)
long_job="{\"prompt\":\"ROMEO:\",\"max_tokens\":$n_drain,\"ignore_eos\":true,\"temperature\":0,\"stream\":true}"
curl -sN "${json[@]}" "$small/v1/completions" -d "$long_job" >"$tmp/d.sse" &
d_pid=$!
wait_for 10 grep -qs '^data:' "$tmp/d.sse"
kill -TERM "$small_pid"
sleep 0.1
after=$(curl -s -o /dev/null -w '%{http_code}' "${json[@]}" "$small/v1/completions" -d '{"prompt":"a","max_tokens":2}')
wait "$d_pid"
wait "$small_pid"
rc=$?
n_chunks=$(grep -c '"text"' "$tmp/d.sse")
if [ "$rc" -eq 0 ] && grep -q '"finish_reason":"length"' "$tmp/d.sse" && grep -q '\[DONE\]' "$tmp/d.sse" &&
   { [ "$after" = 503 ] || [ "$after" = 000 ]; }; then
  ok "SIGTERM drains: the running stream finished ($n_chunks chunks), new requests refused, exit 0"
else
  bad "SIGTERM drain" "exit $rc, request after SIGTERM got $after, stream: $(tail -c 300 "$tmp/d.sse")"
fi

echo "serve tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
