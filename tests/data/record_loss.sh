#!/usr/bin/env bash
# Records tests/data/tcp-loss.pcapng (and tshark's facts about it): three HTTP downloads between two network namespaces joined by a
# lossy user-space wire (lossy_wire.py: 5% loss, 20% reordered, 5 ms delay), captured on the
# client's side, so it holds real retransmissions (plain, fast, spurious), out-of-order segments,
# duplicate ACKs and window updates from the kernel's own TCP. Needs root, dumpcap, curl, Python 3.
# Bounded: everything runs under timeouts and the namespaces are removed at the end.
set -euo pipefail
cd "$(dirname "$0")"
pids=""
work=$(mktemp -d)
cleanup() { kill $pids 2>/dev/null || true; ip netns del wsA 2>/dev/null || true; ip netns del wsB 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
python3 -c "
import random; random.seed(15)
open('$work/a.bin', 'wb').write(bytes(random.getrandbits(8) for _ in range(40000)))
open('$work/page.html', 'w').write('<html>' + 'hello world ' * 1500 + '</html>')"
ip netns add wsA
ip netns add wsB
timeout 40 python3 lossy_wire.py 30 0.05 0.2 0.005 15 "$work/ready" &
pids="$!"
for _ in $(seq 50); do [ -e "$work/ready" ] && break; sleep 0.1; done
(cd "$work" && exec ip netns exec wsB timeout 25 python3 -m http.server 18099 --bind 10.15.0.2) >/dev/null 2>&1 &
pids="$pids $!"
ip netns exec wsA timeout 20 dumpcap -q -i tunA -f "tcp port 18099" -w "$work/out.pcapng" >/dev/null 2>&1 &
capture=$!
sleep 2
for path in a.bin a.bin page.html; do
  ip netns exec wsA timeout 10 curl -s -o /dev/null http://10.15.0.2:18099/$path
done
wait "$capture" || true
cp "$work/out.pcapng" tcp-loss.pcapng
echo "tcp-loss.pcapng: $(stat -c %s tcp-loss.pcapng) bytes"
# tshark's facts for tests/hostile/tcp.rs: the analysis flags per stream (as captures/expected.sh
# writes them) and the HTTP messages.
flags="retransmission fast_retransmission spurious_retransmission out_of_order lost_segment ack_lost_segment
  duplicate_ack keep_alive keep_alive_ack zero_window zero_window_probe zero_window_probe_ack window_full window_update"
{
  printf 'streams\t%s\t0\n' "$(tshark -n -r tcp-loss.pcapng -Y tcp -T fields -e tcp.stream | sort -u | wc -l)"
  for flag in $flags; do
    tshark -n -r tcp-loss.pcapng -Y "tcp.analysis.$flag" -T fields -e tcp.stream | sort -n | uniq -c |
      awk -v flag="$flag" '{ printf "%s\t%s\t%s\n", flag, $2, $1 }'
  done
} > tcp-loss.analysis.tsv
tshark -n -r tcp-loss.pcapng -d tcp.port==18099,http -o tcp.reassemble_out_of_order:TRUE -Y "http.request || http.response" \
  -T fields -e frame.number -e tcp.stream -e http.request.method -e http.request.uri -e http.response.code \
  -e http.content_length -E separator=/t > tcp-loss.http.tsv
