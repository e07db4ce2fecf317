#!/usr/bin/env bash
# Regenerates captures/expected/*.tsv with tshark (4.x), the reference decoder the integration tests
# compare against. tshark decodes HTTP only on well-known ports unless told, so every lab port is
# given with -d. Columns: frame, tcp.stream, request method, request uri, response code,
# websocket opcode(s), fin(s), mask(s), 7-bit payload length(s), 16- and 64-bit extended lengths
# (several frames in one packet: comma-separated, in frame order). Out-of-order segments are
# reassembled (tshark 4.0 does not by default, and loses a message behind a reordered segment).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p expected
decode=()
for p in $(seq 18080 18099); do decode+=(-d "tcp.port==$p,http"); done
for f in *.pcap *.pcapng; do
  [ -e "$f" ] || continue
  name="${f%.*}"
  tshark -n -r "$f" "${decode[@]}" -o tcp.reassemble_out_of_order:TRUE \
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
  tshark -n -r "$f" "${decode[@]}" -Y tcp -T fields \
    -e frame.number -e frame.time_epoch -e tcp.stream -e tcp.srcport -e tcp.flags -e tcp.seq -e tcp.nxtseq \
    -e tcp.ack -e tcp.len -e http.request_in -e websocket.opcode -e websocket.payload.ping \
    -E separator=/t -E occurrence=a -E aggregator=, > "expected/$name.tcp.tsv"
  echo "expected/$name.tcp.tsv: $(wc -l < "expected/$name.tcp.tsv") rows"
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
