#!/usr/bin/env bash
# Re-records captures/sse.pcapng (as root, with dumpcap, curl and python3): sse_scenario.py's
# server sends known Server-Sent Events and writes what they should fire to expected/sse.events.json.
set -euo pipefail
cd "$(dirname "$0")"
port=18098
dumpcap -q -i lo -f "tcp port $port" -w sse.pcapng.tmp 2>/dev/null &
cap=$!
sleep 1.5
timeout 60 python3 sse_scenario.py "$port" expected/sse.events.json
sleep 1
kill -INT "$cap"; wait "$cap" || true
mv sse.pcapng.tmp sse.pcapng
echo "sse.pcapng: $(stat -c %s sse.pcapng) bytes"
