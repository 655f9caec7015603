#!/usr/bin/env bash
# Installs dependencies, builds agentprof, its unit tests and libFuzzer targets, and runs the whole
# suite with ctest: unit tests, integration tests with real BPF and real clients (root needed),
# and every fuzzer for a bounded time. Under CI=true, BPF tests fail (never skip) if BPF cannot load.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
(cd tests/integration/clients && npm ci --silent --no-audit --no-fund --loglevel=error)
# Real agents (Claude Code releases, ~800 MB): kept across runs, reinstalled when the lock changes.
(cd tests/integration/agents && { [ node_modules/.package-lock.json -nt package-lock.json ] ||
  npm ci --silent --no-audit --no-fund --loglevel=error; })

jobs=$(nproc)
# libFuzzer targets need clang and instrumented stage libraries: a separate build tree.
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DAGENTPROF_FUZZ=ON -DAGENTPROF_BPF=OFF -DAGENTPROF_TESTS=OFF \
  -DCMAKE_CXX_FLAGS='-fsanitize=fuzzer-no-link,address,undefined' >/dev/null
cmake --build build-fuzz --target agentprof_fuzzers -j"$jobs" >/dev/null

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAGENTPROF_FUZZ_BUILD_DIR="$PWD/build-fuzz" >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure
