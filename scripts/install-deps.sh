#!/usr/bin/env bash
# Installs every Debian package agentprof's build, tests and benchmarks need.
# Idempotent and quiet: re-running on a machine that has everything does nothing but check.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake pkg-config clang llvm libbpf-dev bpftool libelf-dev libdw-dev
  zlib1g-dev libbrotli-dev libzstd-dev libnghttp2-dev libsimdjson-dev libcli11-dev libfmt-dev
  libprotobuf-dev protobuf-compiler libcurl4-openssl-dev libsqlite3-dev libcapstone-dev
  linux-libc-dev libssl-dev libyaml-cpp-dev libcpp-httplib-dev liblzma-dev libdw-dev
  # tests: Prometheus and promtool, go tool pprof, CPython headers (frame layout checks)
  prometheus golang-go python3.11-dev xz-utils
  # tests: real TLS clients and servers, unit test framework
  catch2 curl openssl python3 nodejs ca-certificates procps iproute2
  # tests: a ptraced client (the exec hold leaves traced processes to their tracer)
  strace
  # fuzzing runtime (libFuzzer ships with clang's runtime)
  libclang-rt-14-dev
  # benchmark peers
  bpfcc-tools linux-perf
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# npm ships inside some nodejs builds (NodeSource) and conflicts with Debian's npm package there.
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: must run as root to install: ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}" >&2
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
