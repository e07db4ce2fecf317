#!/usr/bin/env bash
# Regenerates captures/expected/*.tsv with tshark (4.x), the reference decoder the integration tests
# compare against. tshark decodes HTTP only on well-known ports unless told, so every lab port is
# given with -d. Columns: frame, tcp.stream, request method, request uri, response code,
# websocket opcode(s), fin(s), mask(s), 7-bit payload length(s), 16- and 64-bit extended lengths
# (several frames in one packet: comma-separated, in frame order).
# tshark 4.0 does not reassemble out-of-order segments unless told (tcp.reassemble_out_of_order),
# and then misreads every message behind a reordered segment (captures/lossy-*.pcapng): it is told.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p expected
decode=()
for p in $(seq 18080 18099); do decode+=(-d "tcp.port==$p,http"); done
decode+=(-o tcp.reassemble_out_of_order:TRUE)
# The TLS captures (captures/record-tls.sh): TLS on their ports, decrypted with NAME.keys (the key
# log recorded beside each; https-embedded-keys.pcapng carries its keys in a Decryption Secrets
# Block, which tshark reads itself). HTTP inside is found by ALPN.
for p in 18443 18444 18445; do decode+=(-d "tcp.port==$p,tls"); done
# tshark's options for capture $1: the decode above, and its key log if it has one.
opts() {
  local keys="${1%.*}.keys"
  if [ -e "$keys" ]; then echo "-o tls.keylog_file:$keys"; fi
}
for f in *.pcap *.pcapng; do
  [ -e "$f" ] || continue
  name="${f%.*}"
  # shellcheck disable=SC2046
  tshark -n -r "$f" "${decode[@]}" $(opts "$f") -o tcp.reassemble_out_of_order:TRUE \
    -Y "http.request || http.response || websocket" -T fields \
    -e frame.number -e tcp.stream -e http.request.method -e http.request.uri -e http.response.code \
    -e websocket.opcode -e websocket.fin -e websocket.mask -e websocket.payload_length \
    -e websocket.payload_length_ext_16 -e websocket.payload_length_ext_64 \
    -E separator=/t -E occurrence=a -E aggregator=, > "expected/$name.tsv"
  echo "expected/$name.tsv: $(wc -l < "expected/$name.tsv") rows ($(tshark --version | head -1))"
done
# Packet facts for the sequence-diagram causality test (tests/diagram.rs): frame, capture time,
# tcp.stream, source port, flags, relative seq / next seq / ack, payload length, the request a
# response answers (http.request_in), WebSocket opcode(s), ping payloads (hex).
for f in *.pcap *.pcapng; do
  [ -e "$f" ] || continue
  name="${f%.*}"
  # shellcheck disable=SC2046
  tshark -n -r "$f" "${decode[@]}" $(opts "$f") -Y tcp -T fields \
    -e frame.number -e frame.time_epoch -e tcp.stream -e tcp.srcport -e tcp.flags -e tcp.seq -e tcp.nxtseq \
    -e tcp.ack -e tcp.len -e http.request_in -e websocket.opcode -e websocket.payload.ping \
    -E separator=/t -E occurrence=a -E aggregator=, > "expected/$name.tcp.tsv"
  echo "expected/$name.tcp.tsv: $(wc -l < "expected/$name.tcp.tsv") rows"
done
# Per-side TCP facts (captures/expected/NAME.sides.tsv, for tests/captures_truth.rs), one row per
# tcp.stream and direction (the sending port): data segments, then how many segments tshark flags
# tcp.analysis.retransmission (fast and spurious ones included: tshark sets both flags),
# .fast_retransmission, .spurious_retransmission, .out_of_order, .lost_segment ("previous segment
# not captured"), .duplicate_ack, .keep_alive, .zero_window, .zero_window_probe, .window_full, and
# the stream bytes of `tshark -z follow,tcp,raw` from that side (each byte once, in order).
# Only for captures with something to analyse: the lossy ones (record-lossy.sh).
for f in lossy-*.pcapng; do
  [ -e "$f" ] || continue
  name="${f%.*}"
  out="expected/$name.sides.tsv"
  streams=$(tshark -n -r "$f" "${decode[@]}" -Y tcp -T fields -e tcp.stream | sort -n | uniq)
  follow=()
  for s in $streams; do follow+=(-z "follow,tcp,raw,$s"); done
  {
    printf '#stream\tsrcport\tsegments\tretransmission\tfast_retransmission\tspurious_retransmission\tout_of_order\tlost_segment\tduplicate_ack\tkeep_alive\tzero_window\tzero_window_probe\twindow_full\tfollow_bytes\n'
    join -t $'\t' \
      <(tshark -n -r "$f" "${decode[@]}" -Y tcp -T fields -e tcp.stream -e tcp.srcport -e tcp.len \
          -e tcp.analysis.retransmission -e tcp.analysis.fast_retransmission -e tcp.analysis.spurious_retransmission \
          -e tcp.analysis.out_of_order -e tcp.analysis.lost_segment -e tcp.analysis.duplicate_ack \
          -e tcp.analysis.keep_alive -e tcp.analysis.zero_window -e tcp.analysis.zero_window_probe \
          -e tcp.analysis.window_full -E separator=/t |
        awk -F'\t' '{ k = $1 "/" $2; seen[k] = 1; if ($3 > 0) n[k, 0]++; for (i = 4; i <= 13; i++) if ($i != "") n[k, i - 3]++ }
          END { for (k in seen) { line = k; for (i = 0; i <= 10; i++) line = line "\t" (n[k, i] + 0); print line } }' | sort) \
      <(tshark -n -r "$f" -q "${decode[@]}" "${follow[@]}" |
        awk '/^Filter: tcp.stream eq/ { s = $4 } /^Node 0:/ { split($3, a, ":"); p0 = a[length(a)] }
          /^Node 1:/ { split($3, a, ":"); p1 = a[length(a)]; b[s "/" p0] += 0; b[s "/" p1] += 0 }
          /^[0-9a-f]+$/ { b[s "/" p0] += length($0) / 2 } /^\t[0-9a-f]+$/ { b[s "/" p1] += (length($0) - 1) / 2 }
          END { for (k in b) print k "\t" b[k] }' | sort) |
      tr '/' '\t' | sort -n -k1,1 -k2,2
  } > "$out"
  echo "$out: $(($(wc -l < "$out") - 1)) rows"
done
# Wireshark's TCP analysis flags per connection (tests/captures_truth.rs): one row per flag and
# tcp.stream with the number of packets flagged, "flag<TAB>stream<TAB>count"; a first row
# "streams<TAB>N<TAB>0" gives the number of TCP streams. Flags not listed count 0.
flags="retransmission fast_retransmission spurious_retransmission out_of_order lost_segment ack_lost_segment
  duplicate_ack keep_alive keep_alive_ack zero_window zero_window_probe zero_window_probe_ack window_full window_update"
for f in *.pcap *.pcapng; do
  [ -e "$f" ] || continue
  name="${f%.*}"
  {
    printf 'streams\t%s\t0\n' "$(tshark -n -r "$f" -Y tcp -T fields -e tcp.stream | sort -u | wc -l)"
    for flag in $flags; do
      tshark -n -r "$f" -Y "tcp.analysis.$flag" -T fields -e tcp.stream | sort -n | uniq -c |
        awk -v flag="$flag" '{ printf "%s\t%s\t%s\n", flag, $2, $1 }'
    done
  } > "expected/$name.analysis.tsv"
  echo "expected/$name.analysis.tsv: $(wc -l < "expected/$name.analysis.tsv") rows"
done
# The TLS captures' ServerHellos (tests/tls_truth.rs): tcp.stream, the chosen cipher suite and the
# supported_versions version (TLS 1.3; empty for TLS 1.2).
for f in https-*.pcapng; do
  [ -e "$f" ] || continue
  name="${f%.*}"
  tshark -n -r "$f" "${decode[@]}" -Y "tls.handshake.type == 2" -T fields \
    -e tcp.stream -e tls.handshake.ciphersuite -e tls.handshake.extensions.supported_version \
    -E separator=/t > "expected/$name.tls.tsv"
  echo "expected/$name.tls.tsv: $(wc -l < "expected/$name.tls.tsv") rows"
done
