#!/usr/bin/env bash
# A one-command demo: starts the fake LLM server over TLS, runs a few real clients (Python urllib,
# Node fetch) against it under `agentprof trace`, shows the live table, then `agentprof report`.
# Needs root and a built tree (see README). Touches nothing but a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${AGENTPROF_BUILD:-build}
[ -x "$BUILD/agentprof" ] || { echo "demo: build first (see README)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'kill $server_pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
bash scripts/make-test-cert.sh "$tmp" >/dev/null
/usr/bin/python3 scripts/fake_llm_server.py --port 0 --tls-cert "$tmp/server.pem" --tls-key "$tmp/server.key" \
  --ttft-ms 300 --chunk-delay-ms 20 >"$tmp/server.out" 2>&1 &
server_pid=$!
for _ in $(seq 50); do grep -q LISTENING "$tmp/server.out" && break; sleep 0.1; done
port=$(awk '/LISTENING/ {print $2}' "$tmp/server.out")
base="https://127.0.0.1:$port"
py="/usr/bin/python3 tests/integration/clients/python_urllib_client.py --base-url $base --cafile $tmp/ca.pem"

# The agent: a shell that waits for agentprof, then makes LLM calls. --pid follows its children.
mkfifo "$tmp/go"
NODE_EXTRA_CA_CERTS="$tmp/ca.pem" sh -c "read _ < '$tmp/go'
  $py --api openai-chat --stream --count 2 >/dev/null
  $py --api anthropic --stream --tools >/dev/null
  $py --api gemini --stream --header 'x-fake-reasoning: 12' >/dev/null
  /usr/bin/node tests/integration/clients/node_fetch_client.mjs --base-url $base --api anthropic >/dev/null
  $py --api openai-chat --header 'x-fake-error: 429' >/dev/null || true" &
agent=$!

"$BUILD/agentprof" trace --pid "$agent" --jsonl "$tmp/spans.jsonl" 2>"$tmp/agentprof.err" &
ap=$!
for _ in $(seq 100); do grep -q "agentprof: ready" "$tmp/agentprof.err" 2>/dev/null && break; sleep 0.1; done
echo go > "$tmp/go"
wait "$agent" || true
sleep 0.5
kill -INT "$ap"; wait "$ap" || true
echo
"$BUILD/agentprof" report "$tmp/spans.jsonl" --by model
