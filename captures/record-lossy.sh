#!/usr/bin/env bash
# Records the lossy captures: an HTTP/1.1 keep-alive session and a WebSocket session between two
# network namespaces joined by captures/lossy_relay.py, a user-space path that drops 5% of the
# packets, holds back 20% so they arrive after a later one, and delays every packet by 5 ms (what
# `tc qdisc ... netem loss 5% reorder 20% delay 5ms` would do, for kernels without sch_netem).
# The capture is taken in the server's namespace on its TUN device (raw IP, link type 101): data
# from the client arrives there with holes and out of order; the server's own data is seen as it
# leaves, so its retransmissions show as segments sent twice.
#
#   client ns wslossy-c            root ns                   server ns wslossy-s
#   10.77.0.1 on lsc0  <->  lossy_relay.py (both fds)  <->  10.77.0.2 on lss0  <- dumpcap
#
# Needs root, ip (iproute2), /dev/net/tun, dumpcap, curl, Python 3 with websockets (>= 13).
# Bounded: every step has a timeout; namespaces, devices and processes are removed on exit.
# Usage: captures/record-lossy.sh [lossy-http|lossy-websocket ...]   (default: both)
set -euo pipefail
cd "$(dirname "$0")"

for tool in ip dumpcap curl python3; do command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }; done
python3 -c 'import websockets.asyncio.client' 2>/dev/null || { echo "needs the Python package websockets >= 13" >&2; exit 1; }
[ -c /dev/net/tun ] && [ "$(id -u)" = 0 ] || { echo "needs root and /dev/net/tun" >&2; exit 1; }

NS_C=wslossy-c
NS_S=wslossy-s
PIDS=()

cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
  ip netns del "$NS_C" 2>/dev/null || true
  ip netns del "$NS_S" 2>/dev/null || true
  rm -f /tmp/wslossy-ready
}
trap cleanup EXIT

# name             client role / server role     port   relay seed
SESSIONS="
lossy-http         http-client http-server       18089  15
lossy-websocket    ws-client   ws-server         18098  16
"

want=("$@")
while read -r name client server port seed; do
  [ -z "$name" ] && continue
  if [ ${#want[@]} -gt 0 ] && [[ ! " ${want[*]} " =~ " $name " ]]; then continue; fi
  cleanup
  ip netns add "$NS_C"
  ip netns add "$NS_S"
  ip -n "$NS_C" link set lo up
  ip -n "$NS_S" link set lo up
  python3 lossy_relay.py "$NS_C" lsc0 "$NS_S" lss0 --seed "$seed" --seconds 90 --ready /tmp/wslossy-ready &
  PIDS+=($!)
  for _ in $(seq 50); do [ -e /tmp/wslossy-ready ] && break; sleep 0.1; done
  [ -e /tmp/wslossy-ready ] || { echo "relay did not start" >&2; exit 1; }
  ip -n "$NS_C" addr add 10.77.0.1/24 dev lsc0
  ip -n "$NS_S" addr add 10.77.0.2/24 dev lss0
  ip -n "$NS_C" link set lsc0 up
  ip -n "$NS_S" link set lss0 up

  out="$name.pcapng"
  rm -f "$out" "$out.tmp"
  ip netns exec "$NS_S" dumpcap -q -i lss0 -f "tcp port $port" -w "$out.tmp" 2>/dev/null &
  cap=$!
  PIDS+=($cap)
  ip netns exec "$NS_S" timeout 90 python3 lossy_scenarios.py "$server" 10.77.0.2 "$port" &
  PIDS+=($!)
  sleep 1.5
  ip netns exec "$NS_C" timeout 60 python3 lossy_scenarios.py "$client" 10.77.0.2 "$port" || echo "$name: client failed" >&2
  sleep 1.5
  kill -INT "$cap"; wait "$cap" || true
  mv "$out.tmp" "$out"
  chmod 644 "$out"
  echo "$out: $(stat -c %s "$out") bytes"
done <<< "$SESSIONS"
