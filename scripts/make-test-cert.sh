#!/bin/sh
# make-test-cert.sh DIR
#
# Creates a throwaway certificate authority and a server certificate for the
# local fake LLM server (scripts/fake_llm_server.py):
#   DIR/ca.pem       CA certificate (give it to clients: --cafile, NODE_EXTRA_CA_CERTS, curl --cacert)
#   DIR/server.pem   server certificate, SAN IP:127.0.0.1 and DNS:localhost, signed by the CA
#   DIR/server.key   server private key (unencrypted)
# The CA key stays in DIR/ca.key. Idempotent: if all three files exist and the
# server certificate still verifies against the CA, nothing is regenerated.
# EC P-256 keys keep generation well under a second.
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
dir=$1
mkdir -p "$dir"

if [ -s "$dir/ca.pem" ] && [ -s "$dir/server.pem" ] && [ -s "$dir/server.key" ] &&
    openssl verify -CAfile "$dir/ca.pem" "$dir/server.pem" >/dev/null 2>&1; then
    exit 0
fi

# Build into a private temp dir, then move into place, so a concurrent or
# interrupted run never leaves a half-written set behind.
tmp=$(mktemp -d "$dir/.certgen.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout "$tmp/ca.key" -out "$tmp/ca.pem" -days 3650 \
    -subj "/CN=agentprof test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout "$tmp/server.key" -out "$tmp/server.csr" \
    -subj "/CN=localhost" 2>/dev/null

cat > "$tmp/server.ext" <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost
EOF

openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" \
    -CAcreateserial -out "$tmp/server.pem" -days 3650 -extfile "$tmp/server.ext" 2>/dev/null

chmod 600 "$tmp/server.key" "$tmp/ca.key"
mv -f "$tmp/ca.key" "$dir/ca.key"
mv -f "$tmp/ca.pem" "$dir/ca.pem"
mv -f "$tmp/server.key" "$dir/server.key"
mv -f "$tmp/server.pem" "$dir/server.pem"
