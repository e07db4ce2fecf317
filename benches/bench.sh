#!/usr/bin/env bash
# Engine benchmark: wirescope against tshark and tcpdump on the same generated capture, in one run.
# Prints the best wall time of three runs and the peak RSS of each, and the ratios the engine
# issue asks for.
# Usage: benches/bench.sh [SIZE_MB]   (default 200; installs tshark, tcpdump, GNU time and bc if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
# The reference tools, installed with apt when missing (tshark without its setuid capture helper).
need=()
for tool in tshark:tshark tcpdump:tcpdump /usr/bin/time:time bc:bc; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || need+=("${tool##*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
size=${1:-200}
out=bench-out
mkdir -p "$out"
cargo build --release --quiet --bin wirescope --bin wirescope-gen --bin wirescope-readbench
file="$out/bench-$size.pcap"
[ -s "$file" ] || ./target/release/wirescope-gen "$file" "$size"
bytes=$(stat -c %s "$file")

measure() { # name, command...: one warm-up run, then the best of three (time) and the peak RSS
  local name=$1; shift
  "$@" >/dev/null 2>&1 || true
  local best="" peak=0
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$out/$name.time" "$@" >/dev/null 2>"$out/$name.err" || { echo "$name failed:"; tail -3 "$out/$name.err"; }
    read -r secs kb < "$out/$name.time"
    if [ -z "$best" ] || [ "$(echo "$secs < $best" | bc)" = 1 ]; then best=$secs; fi
    [ "$kb" -gt "$peak" ] && peak=$kb
  done
  printf "%-10s %8.2f s  peak RSS %7.1f MB\n" "$name" "$best" "$(echo "$peak/1024" | bc -l)"
  eval "${name}_s=$best; ${name}_kb=$peak"
}

echo "file: $file ($(echo "$bytes/1048576" | bc) MB, $(tcpdump -r "$file" 2>/dev/null | wc -l) packets)"
measure wirescope ./target/release/wirescope analyze "$file" --format json
./target/release/wirescope-readbench "$file" | sed "s/^/           /"
measure tshark tshark -n -r "$file" -q -z http,tree
measure tcpdump tcpdump -r "$file" -w /dev/null
echo
printf "wirescope vs tshark http,tree : %6.1fx faster   (target >= 20x)\n" "$(echo "$tshark_s/$wirescope_s" | bc -l)"
printf "wirescope vs tcpdump read     : %6.2fx its speed (target >= 0.5x)\n" "$(echo "$tcpdump_s/$wirescope_s" | bc -l)"
printf "wirescope peak RSS / file size: %6.3f          (target <= 0.25)\n" "$(echo "$wirescope_kb*1024/$bytes" | bc -l)"
