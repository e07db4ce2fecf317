#!/usr/bin/env bash
# Records captures/quic-initial.pcapng: one HTTP/3 GET over QUIC v1 between an aioquic client and
# server on 127.0.0.1:4433 (captures/quic_session.py; ALPN h3, SNI quic.wirescope.test), and keeps
# the client's key log as captures/quic-initial.keys. Then writes tshark's decode of the long-header
# packets (tshark decrypts QUIC Initials itself) to captures/expected/quic-initial.quic.tsv, one
# row per QUIC datagram: frame, udp source port, long packet type(s), version(s), DCID(s), SCID(s),
# TLS handshake type(s), SNI, ALPN, header form(s) (1 long, 0 short), cipher suite(s) (several
# packets in one datagram: comma-separated, in order); and, decrypted with the key log, the 1-RTT
# STREAM frames and HTTP/3 frame types in expected/quic-initial.1rtt.tsv. `record-quic.sh --expected` only
# rewrites the TSVs.
# Needs root (capture on lo), dumpcap, openssl, tshark and Python 3 with aioquic (a venv is fine:
# PYTHON=/path/to/venv/bin/python). Bounded: the session has a 15 s timeout, dumpcap 30 s.
set -euo pipefail
cd "$(dirname "$0")"
expected() {
  mkdir -p expected
  tshark -n -r quic-initial.pcapng -d udp.port==4433,quic -Y quic -T fields \
    -e frame.number -e udp.srcport -e quic.long.packet_type -e quic.version -e quic.dcid -e quic.scid \
    -e tls.handshake.type -e tls.handshake.extensions_server_name -e tls.handshake.extensions_alpn_str \
    -e quic.header_form -e tls.handshake.ciphersuite -E separator=/t -E occurrence=a -E aggregator=, > expected/quic-initial.quic.tsv
  # With the key log: the STREAM frames of the 1-RTT packets (stream id(s), length(s)) and the
  # HTTP/3 frame type(s) tshark reads from them.
  tshark -n -r quic-initial.pcapng -d udp.port==4433,quic -o tls.keylog_file:quic-initial.keys -Y quic.stream.stream_id -T fields \
    -e frame.number -e udp.srcport -e quic.stream.stream_id -e quic.stream.length -e http3.frame_type \
    -E separator=/t -E occurrence=a -E aggregator=, > expected/quic-initial.1rtt.tsv
  echo "quic-initial.pcapng: $(tshark -r quic-initial.pcapng | wc -l) packets; expected/quic-initial.quic.tsv: $(wc -l < expected/quic-initial.quic.tsv) rows ($(tshark --version | head -1))"
}
if [ "${1:-}" = --expected ]; then expected; exit; fi
PY=${PYTHON:-python3}
for tool in dumpcap openssl tshark "$PY"; do command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }; done
"$PY" -c 'import aioquic' 2>/dev/null || { echo "needs the Python package aioquic" >&2; exit 1; }
tmp=$(mktemp -d)
cap=""
cleanup() { [ -n "$cap" ] && kill "$cap" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
  -subj /CN=quic.wirescope.test -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
dumpcap -q -i lo -f "udp port 4433" -a duration:30 -w "$tmp/quic.pcapng" &
cap=$!
sleep 2
timeout 20 "$PY" quic_session.py --port 4433 --cert "$tmp/cert.pem" --key "$tmp/key.pem" --keys quic-initial.keys
sleep 1
kill -INT "$cap"; wait "$cap" || true; cap=""
cp "$tmp/quic.pcapng" quic-initial.pcapng
expected
