#!/usr/bin/env bash
# TLS and HTTP/2 benchmark (issue 13), in one run on generated captures (benches/gen_web.rs):
#  - the same HTTP/1.1 traffic in the clear and inside TLS 1.3 with its key log: decrypting and
#    decoding must run at >= 50% of the cleartext analysis speed, with the same exchanges found;
#  - HTTP/2 (h2c, streams interleaved): wirescope analyze against tshark's http2 statistics
#    (`tshark -q -z http2,tree`) on the same file: >= 20x.
# Prints the best wall time of three runs and the peak RSS of each.
# Usage: benches/secure.sh [SIZE_MB]   (default 100; tshark and GNU time must be installed)
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-100}
out=bench-out
mkdir -p "$out"
cargo build --release --quiet --bin wirescope --bin wirescope-gen
for k in clear tls13 h2; do
  f="$out/web-$k-$size.pcap"
  [ -s "$f" ] || ./target/release/wirescope-gen --web "$k" "$f" "$size"
done
clear="$out/web-clear-$size.pcap"; tls="$out/web-tls13-$size.pcap"; h2="$out/web-h2-$size.pcap"

measure() { # name, command...: one warm-up run, then the best of three (time) and the peak RSS
  local name=$1; shift
  "$@" >/dev/null 2>&1 || true
  local best="" peak=0
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$out/$name.time" "$@" >"$out/$name.out" 2>"$out/$name.err" || { echo "$name failed:"; tail -3 "$out/$name.err"; }
    read -r secs kb < "$out/$name.time"
    if [ -z "$best" ] || [ "$(echo "$secs < $best" | bc)" = 1 ]; then best=$secs; fi
    [ "$kb" -gt "$peak" ] && peak=$kb
  done
  printf "%-14s %8.2f s  peak RSS %7.1f MB\n" "$name" "$best" "$(echo "$peak/1024" | bc -l)"
  eval "${name}_s=$best"
}
exchanges() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len([x for x in d["http"] if x.get("response")]))' "$1"; }

echo "files: $(du -h "$clear" | cut -f1) clear, $(du -h "$tls" | cut -f1) TLS 1.3, $(du -h "$h2" | cut -f1) HTTP/2"
measure clear ./target/release/wirescope analyze "$clear" --format json
measure tls13 ./target/release/wirescope analyze "$tls" --keylog "$tls.keys" --format json
measure h2 ./target/release/wirescope analyze "$h2" --format json
measure tshark_h2 tshark -n -r "$h2" -d tcp.port==80,http2 -q -z http2,tree
echo
echo "answered exchanges: clear $(exchanges "$out/clear.out"), TLS 1.3 decrypted $(exchanges "$out/tls13.out"), HTTP/2 $(exchanges "$out/h2.out")"
printf "TLS 1.3 decrypted vs clear  : %6.2fx its speed (target >= 0.5x)\n" "$(echo "$clear_s/$tls13_s" | bc -l)"
printf "HTTP/2 vs tshark http2,tree : %6.1fx faster   (target >= 20x)\n" "$(echo "$tshark_h2_s/$h2_s" | bc -l)"
