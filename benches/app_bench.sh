#!/usr/bin/env bash
# App benchmark: a generated capture of about a million packets, loaded into the real app.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench-out
cargo build --release --quiet --bin wirescope-gen
f=bench-out/app-1m.pcap
[ -s "$f" ] || ./target/release/wirescope-gen "$f" "${1:-520}"
cargo bench --quiet --bench app_frames -- "$f"
