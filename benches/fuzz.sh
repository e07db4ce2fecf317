#!/usr/bin/env bash
# Runs each libFuzzer target in fuzz/ for a bounded time and reports what it found.
#
#   benches/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]      (default: 60 s, every target)
#
# With cargo-fuzz (`cargo install cargo-fuzz`) it runs `cargo fuzz run` with AddressSanitizer
# (the libdeflate inflater is C); the nightly toolchain is used when rustup has one, otherwise the
# stable one with RUSTC_BOOTSTRAP=1 (cargo-fuzz passes -Z flags). Without cargo-fuzz it builds the
# targets itself with the same coverage instrumentation (stable flags, no sanitizer) and runs them.
# FUZZ_PROFILE=dev builds without optimisation (quicker to build, slower to fuzz); default release.
# FUZZ_JOBS=N runs N fuzzing processes per target (default 1). FUZZ_LEAKS=1 turns LeakSanitizer's
# leak check on (off by default: it stops a run at one-time allocations that no single input
# reproduces, as a 32-byte one did in the first runs here).
#
# Corpora grow in fuzz/corpus/TARGET (capture_file is seeded with captures/*.pcap*); crashes,
# timeouts (10 s per input: a hang is a finding too) and out-of-memory inputs land in
# fuzz/artifacts/TARGET/. Each one becomes a regression test (tests/bad_input.rs or
# tests/hostile/) with the input that caused it. Exit status: 1 if any target found something.
set -uo pipefail
cd "$(dirname "$0")/.."

secs=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(capture_file conversation)
fi
profile=${FUZZ_PROFILE:-release}
jobs=${FUZZ_JOBS:-1}
# Per input: 10 s, 2 GiB; inputs up to 64 KiB (capture files need room for a few packets).
libfuzzer_args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -dict=fuzz/http.dict -print_final_stats=1
    -detect_leaks="${FUZZ_LEAKS:-0}")
if [ "$jobs" -gt 1 ]; then
    libfuzzer_args+=(-jobs="$jobs" -workers="$jobs")
fi

mkdir -p fuzz/corpus/capture_file fuzz/corpus/conversation
for c in captures/*.pcap captures/*.pcapng; do
    [ -f "$c" ] && cp -n "$c" fuzz/corpus/capture_file/ 2>/dev/null
done

found=0
before=$(mktemp)
trap 'rm -f "$before"' EXIT

if cargo fuzz --version >/dev/null 2>&1; then
    if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
        fuzz=(cargo +nightly fuzz)
    else
        export RUSTC_BOOTSTRAP=1
        fuzz=(cargo fuzz)
    fi
    build_flags=(--debug-assertions)
    [ "$profile" = dev ] && build_flags+=(--dev) || build_flags+=(-O)
    echo "fuzz.sh: ${fuzz[*]} (profile $profile), ${secs} s per target: ${targets[*]}"
    for t in "${targets[@]}"; do
        mkdir -p "fuzz/artifacts/$t"
        ls "fuzz/artifacts/$t" >"$before"
        echo "== $t"
        "${fuzz[@]}" run "${build_flags[@]}" "$t" "fuzz/corpus/$t" -- "${libfuzzer_args[@]}" \
            -artifact_prefix="fuzz/artifacts/$t/" 2>&1 | grep -E '^(#[0-9]+ +(INITED|DONE)|stat::|==[0-9]+==|SUMMARY|Done|artifact_prefix|Test unit written|thread .* panicked)|wirescope::' | tail -40
        new=$(ls "fuzz/artifacts/$t" | grep -vxF -f "$before" || true)
        if [ -n "$new" ]; then
            found=1
            echo "fuzz.sh: $t found: $(echo "$new" | sed "s|^|fuzz/artifacts/$t/|" | tr '\n' ' ')"
        else
            echo "fuzz.sh: $t: nothing found in ${secs} s"
        fi
    done
else
    # No cargo-fuzz: the instrumentation it would pass, with stable flags (no sanitizer).
    echo "fuzz.sh: cargo-fuzz is not installed (cargo install cargo-fuzz); building the targets directly, without AddressSanitizer"
    export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table -Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions"
    dir=debug
    flags=()
    if [ "$profile" != dev ]; then
        flags+=(--release)
        dir=release
    fi
    cargo build --manifest-path fuzz/Cargo.toml "${flags[@]}" --bins || exit 2
    for t in "${targets[@]}"; do
        mkdir -p "fuzz/artifacts/$t"
        ls "fuzz/artifacts/$t" >"$before"
        echo "== $t"
        "fuzz/target/$dir/$t" "fuzz/corpus/$t" "${libfuzzer_args[@]}" -artifact_prefix="fuzz/artifacts/$t/" 2>&1 \
            | grep -E '^(#[0-9]+ +(INITED|DONE)|stat::|==[0-9]+==|SUMMARY|Done|Test unit written|thread .* panicked)|wirescope::' | tail -40
        new=$(ls "fuzz/artifacts/$t" | grep -vxF -f "$before" || true)
        if [ -n "$new" ]; then
            found=1
            echo "fuzz.sh: $t found: $(echo "$new" | sed "s|^|fuzz/artifacts/$t/|" | tr '\n' ' ')"
        else
            echo "fuzz.sh: $t: nothing found in ${secs} s"
        fi
    done
fi
exit $found
