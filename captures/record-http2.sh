#!/usr/bin/env bash
# Re-records the HTTP/2 captures on loopback (needs root or capture rights, dumpcap, curl with
# HTTP/2 (nghttp2), nghttp (Debian's nghttp2-client), Node 20, and for the Upgrade capture the
# Python package hypercorn), then
# their tshark decodes in captures/expected/NAME.h2.tsv (see the end of this script).
# Usage: captures/record-http2.sh
set -euo pipefail
cd "$(dirname "$0")"

record() { # name port command...
  local name=$1 port=$2; shift 2
  rm -f "$name.pcapng"
  dumpcap -q -i lo -f "tcp port $port" -w "$name.pcapng.tmp" 2>/dev/null &
  local cap=$!
  sleep 1.5
  "$@" || echo "$name: client failed" >&2
  sleep 1
  kill -INT "$cap"; wait "$cap" || true
  mv "$name.pcapng.tmp" "$name.pcapng"
  echo "$name.pcapng: $(stat -c %s "$name.pcapng") bytes"
}

# h2c with prior knowledge: six requests on one connection, one after another (Node's client:
# curl 7.88.1 fails every request after the first on a reused prior-knowledge connection).
node h2_server.js 18088 12 & srv=$!; sleep 1
u=http://127.0.0.1:18088
record http2-prior-knowledge 18088 node h2_client.js "$u" / /missing /gzip /large /trailers POST:/created
# Several requests multiplexed on one connection: nghttp sends them all at once (curl -Z fails
# the same way as above).
record http2-multiplexed 18088 nghttp -n "$u/slow1" "$u/" "$u/gzip" "$u/large" "$u/missing"
wait "$srv" || true

# Server-Sent Events over h2c: two event streams (plain and gzip-coded) from Node's http2 server;
# the events it sent are the oracle (expected/http2-sse.events.json, written by the server).
node h2_sse_server.js 18092 expected/http2-sse.events.json & srv=$!; sleep 1
record http2-sse 18092 node h2_client.js http://127.0.0.1:18092 /events /events-gzip
wait "$srv" || true

# The h2c Upgrade: the HTTP/1.1 request becomes stream 1.
python3 h2c_upgrade_server.py 18090 & srv=$!; sleep 2
record http2-upgrade 18090 curl -s -o /dev/null --http2 "http://127.0.0.1:18090/" "http://127.0.0.1:18090/second"
kill "$srv"; wait "$srv" 2>/dev/null || true

# tshark's decode (tests/http2_truth.rs), one row per packet with HTTP/2 in it: frame, tcp.stream,
# then per frame in the packet (comma-separated, in order) stream id, type, flags, length, and per
# HEADERS / PUSH_PROMISE :method, :path, :status. The Upgrade capture is decoded as HTTP (tshark
# follows the Upgrade: h2c), the others as HTTP/2 on the lab port.
for name in http2-prior-knowledge http2-multiplexed http2-upgrade http2-sse; do
  case $name in http2-upgrade) d=tcp.port==18090,http;; http2-sse) d=tcp.port==18092,http2;; *) d=tcp.port==18088,http2;; esac
  tshark -n -r "$name.pcapng" -d "$d" -Y http2 -T fields \
    -e frame.number -e tcp.stream -e http2.streamid -e http2.type -e http2.flags -e http2.length \
    -e http2.headers.method -e http2.headers.path -e http2.headers.status \
    -E separator=/t -E occurrence=a -E aggregator=, > "expected/$name.h2.tsv"
  echo "expected/$name.h2.tsv: $(wc -l < "expected/$name.h2.tsv") rows ($(tshark --version | head -1))"
done
