#!/usr/bin/env bash
# Re-records the TLS captures on loopback with their key logs (needs root or capture rights,
# dumpcap, curl built with OpenSSL, openssl, python3 and editcap): curl writes the session secrets
# to SSLKEYLOGFILE; captures/tls_server.py serves HTTP/1.1 over TLS with a throwaway certificate.
# Each capture gets NAME.keys beside it, except https-embedded-keys.pcapng, whose keys are in a
# pcapng Decryption Secrets Block (editcap --inject-secrets). Then run captures/expected.sh.
# Usage: captures/record-tls.sh
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 2 \
  -subj /CN=localhost -addext subjectAltName=DNS:localhost 2>/dev/null

# One connection: curl with TLS options $2 to port $1, four requests on it (three GETs, then a
# POST after --next, which keeps the connection).
fetch() {
  local port=$1 opts=$2
  local common="-sk --http1.1 $opts --resolve localhost:$port:127.0.0.1"
  # shellcheck disable=SC2086
  timeout 20 curl $common -o /dev/null "https://localhost:$port/hello" -o /dev/null "https://localhost:$port/big" \
    -o /dev/null "https://localhost:$port/missing" \
    --next $common -o /dev/null -H 'Content-Type: application/json' --data '{"n":1}' "https://localhost:$port/echo"
}

# name  port  server-version  curl options per connection ('|'-separated)
record() {
  local name=$1 port=$2 version=$3 conns=$4
  rm -f "$name.pcapng" "$name.keys"
  dumpcap -q -i lo -f "tcp port $port" -w "$tmp/$name.pcapng" 2>/dev/null &
  local cap=$!
  timeout 40 python3 tls_server.py "$port" "$tmp/cert.pem" "$tmp/key.pem" "$version" 30 &
  local srv=$!
  sleep 1.5
  IFS='|' read -ra list <<< "$conns"
  for opts in "${list[@]}"; do
    SSLKEYLOGFILE="$tmp/$name.keys" fetch "$port" "$opts"
  done
  sleep 1
  kill -INT "$cap"; wait "$cap" || true
  kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null || true
  cp "$tmp/$name.keys" "$name.keys"
  mv "$tmp/$name.pcapng" "$name.pcapng"
  echo "$name.pcapng: $(stat -c %s "$name.pcapng") bytes, $(wc -l < "$name.keys") key lines"
}

record https-tls12 18443 tls1.2 \
  "--tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256|--tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-AES256-GCM-SHA384|--tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-CHACHA20-POLY1305"
record https-tls13 18444 tls1.3 \
  "--tlsv1.3 --tls13-ciphers TLS_AES_128_GCM_SHA256|--tlsv1.3 --tls13-ciphers TLS_AES_256_GCM_SHA384|--tlsv1.3 --tls13-ciphers TLS_CHACHA20_POLY1305_SHA256"
record https-embedded-keys 18445 tls1.3 "--tlsv1.3"
editcap --inject-secrets "tls,https-embedded-keys.keys" https-embedded-keys.pcapng "$tmp/embedded.pcapng"
mv "$tmp/embedded.pcapng" https-embedded-keys.pcapng
rm https-embedded-keys.keys
echo "https-embedded-keys.pcapng: keys embedded ($(stat -c %s https-embedded-keys.pcapng) bytes)"
