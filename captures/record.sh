#!/usr/bin/env bash
# Re-records the bundled captures on loopback (needs root or capture rights, dumpcap or tcpdump,
# curl, and the Python packages websockets, aiohttp, flask-socketio, python-socketio, simple-websocket).
# Usage: captures/record.sh [NAME ...]   (default: all)
set -euo pipefail
cd "$(dirname "$0")"

# name  scenario           port   writer(pcapng|pcap)
SCENARIOS="
http-methods         http_methods       18081 pcapng
http-status-codes    http_status        18082 pcapng
http-keepalive       keepalive          18083 pcap
http-chunked-gzip    chunked_gzip       18084 pcapng
http-pipelining      pipelining         18085 pcap
http-polling         polling            18086 pcapng
http-webhook         webhook            18087 pcapng
websocket-basics     websocket          18091 pcapng
websocket-deflate    websocket_deflate  18092 pcapng
websocket-close      websocket_close    18093 pcapng
ipv6                 ipv6               18095 pcapng
socketio-chat        socketio_chat      18097 pcapng
"

want=("$@")
echo "$SCENARIOS" | while read -r name scenario port kind; do
  [ -z "$name" ] && continue
  if [ ${#want[@]} -gt 0 ] && [[ ! " ${want[*]} " =~ " $name " ]]; then continue; fi
  out="$name.$kind"
  filter="tcp portrange $port-$((port + 1))"
  rm -f "$out"
  if [ "$kind" = pcapng ]; then
    dumpcap -q -i lo -f "$filter" -w "$out.tmp" 2>/dev/null &
  else
    tcpdump -q -i lo -U -w "$out.tmp" "$filter" 2>/dev/null &
  fi
  cap=$!
  sleep 1.5
  timeout 60 python3 scenarios.py "$scenario" "$port" || echo "$name: scenario failed" >&2
  sleep 1
  kill -INT "$cap"; wait "$cap" || true
  mv "$out.tmp" "$out"
  echo "$out: $(stat -c %s "$out") bytes"
done
