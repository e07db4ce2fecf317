#!/usr/bin/env bash
# Issue 15's attack classes, each generated at N and 4N (wirescope-gen --attack) and analysed by
# `wirescope analyze --format json`: prints time and peak memory at both sizes and their ratio, so
# "proportional to input" is read off one run (a ratio near 4 is linear, near 16 quadratic).
# Usage: benches/attacks.sh [SCALE]   (SCALE multiplies every N; default 1; debug builds are used
# unless PROFILE=release)
set -euo pipefail
cd "$(dirname "$0")/.."
scale="${1:-1}"
profile="${PROFILE:-debug}"
flag=(); [ "$profile" = release ] && flag=(--release)
cargo build -q "${flag[@]}" --bin wirescope --bin wirescope-gen
bin="target/$profile"
dir="$(mktemp -d)"; trap 'rm -rf "$dir"' EXIT
printf '%-9s %9s %9s %8s %8s %9s %9s %6s %6s\n' attack N file_MB t_N_s t_4N_s RSS_N_MB RSS_4N_MB t_x rss_x
# kind  N (at scale 1; the issue's sizes are head 20000, pipeline 500000, synscan 1000000, pings 2000000)
for spec in "head 5000" "pipeline 125000" "synscan 250000" "pings 500000" "gzip0 5000"; do
  read -r kind n <<<"$spec"
  n=$((n * scale))
  row=()
  for m in 1 4; do
    f="$dir/$kind-$m.pcap"
    "$bin/wirescope-gen" --attack "$kind" $((n * m)) "$f"
    [ "$m" = 1 ] && mb=$(awk -v s="$(stat -c %s "$f")" 'BEGIN { printf "%.1f", s / 1048576 }')
    out=$( { /usr/bin/time -f '%e %M' timeout 600 "$bin/wirescope" analyze "$f" --format json >/dev/null; } 2>&1 | tail -1)
    row+=("$out")
    rm -f "$f"
  done
  read -r t1 r1 <<<"${row[0]}"; read -r t4 r4 <<<"${row[1]}"
  awk -v k="$kind" -v n="$n" -v mb="$mb" -v t1="$t1" -v t4="$t4" -v r1="$r1" -v r4="$r4" 'BEGIN {
    printf "%-9s %9d %9s %8.2f %8.2f %9.1f %9.1f %6.1f %6.1f\n", k, n, mb, t1, t4, r1 / 1024, r4 / 1024, t4 / (t1 > 0.01 ? t1 : 0.01), r4 / r1 }'
done
