//! What each bundled capture teaches, checked exactly (beyond what tshark reports).

mod common;

use common::analyze;
use wirescope::model::{Dir, End, Protocol};
use wirescope::Limits;

#[test]
fn methods_and_rest_crud() {
    let cap = analyze("http-methods.pcapng");
    let got: Vec<(String, u16)> =
        cap.http.iter().map(|x| (x.request.as_ref().unwrap().method.to_string(), x.response.as_ref().unwrap().status)).collect();
    let want = [("GET", 200), ("POST", 201), ("PUT", 200), ("PATCH", 200), ("DELETE", 204), ("HEAD", 200)];
    assert_eq!(got, want.map(|(m, s)| (m.to_string(), s)));
    // One connection per request, each with a three-way handshake and a FIN close.
    assert_eq!(cap.connections.len(), 6);
    for c in &cap.connections {
        assert_eq!(c.end, End::Fin);
        assert!(c.handshake_rtt_ms.is_some());
        assert_eq!(c.tcp_events.iter().map(|e| format!("{:?}", e.kind)).take(3).collect::<Vec<_>>(), ["Syn", "SynAck", "HandshakeAck"]);
    }
    let post = &cap.http[1];
    assert_eq!(post.request.as_ref().unwrap().body_len, 17);
}

#[test]
fn status_code_gallery() {
    let cap = analyze("http-status-codes.pcapng");
    let mut codes: Vec<u16> = cap.http.iter().filter_map(|x| x.response.as_ref().map(|r| r.status)).collect();
    codes.sort();
    codes.dedup();
    for want in [200, 201, 204, 301, 302, 304, 400, 401, 403, 404, 405, 429, 500] {
        assert!(codes.contains(&want), "missing {want}: {codes:?}");
    }
    let r429 = cap.http.iter().filter_map(|x| x.response.as_ref()).find(|r| r.status == 429).unwrap();
    assert!(r429.headers.iter().any(|(n, v)| n == "Retry-After" && v == "30"));
    for r in cap.http.iter().filter_map(|x| x.response.as_ref()).filter(|r| r.status == 304 || r.status == 204) {
        assert_eq!(r.body_len, 0);
    }
}

#[test]
fn keepalive_against_one_connection_per_request() {
    let cap = analyze("http-keepalive.pcap");
    let per_conn: Vec<u32> = cap.connections.iter().map(|c| c.http_exchanges).collect();
    assert_eq!(per_conn, vec![5, 1, 1, 1, 1, 1]);
}

#[test]
fn chunked_gzip_deflate_and_100_continue() {
    let cap = analyze("http-chunked-gzip.pcapng");
    let gz = cap.http[0].response.as_ref().unwrap();
    assert!(gz.chunked && gz.complete);
    assert_eq!(gz.content_encoding.as_deref(), Some("gzip"));
    let text: String = (0..400).map(|i| format!("line {i}: the quick brown fox jumps over the lazy dog\n")).collect();
    assert_eq!(gz.body_len, text.len() as u64);
    assert!(gz.wire_body_len < 2000);
    let deflate = cap.http[1].response.as_ref().unwrap();
    assert_eq!(deflate.body_len, 1029);
    let upload = &cap.http[2];
    assert_eq!(upload.interim.iter().map(|i| i.status).collect::<Vec<_>>(), vec![100]);
    assert_eq!(upload.request.as_ref().unwrap().body_len, 65536);
    assert_eq!(upload.response.as_ref().unwrap().status, 201);
    // The 100 Continue completes before the request body does, yet belongs to it.
    assert!(upload.interim[0].packet < upload.request.as_ref().unwrap().packet);
}

#[test]
fn pipelined_head_has_no_body() {
    let cap = analyze("http-pipelining.pcap");
    let got: Vec<(String, u16, u64, u32)> = cap
        .http
        .iter()
        .map(|x| {
            (
                x.request.as_ref().unwrap().method.to_string(),
                x.response.as_ref().unwrap().status,
                x.response.as_ref().unwrap().body_len,
                x.pipelined_behind,
            )
        })
        .collect();
    assert_eq!(got, vec![("GET".into(), 200, 26, 0), ("HEAD".into(), 200, 0, 1), ("GET".into(), 404, 15, 2)]);
}

#[test]
fn polling_and_long_polling() {
    let cap = analyze("http-polling.pcapng");
    assert_eq!(cap.connections.len(), 2);
    let short = cap.http.iter().filter(|x| x.request.as_ref().unwrap().target == "/poll").count();
    let long: Vec<_> = cap.http.iter().filter(|x| x.request.as_ref().unwrap().target.starts_with("/long-poll")).collect();
    assert_eq!(short, 10);
    assert!(long.len() >= 5);
    // A long poll is held by the server until an event is ready: its wait dwarfs a short poll's.
    let max_long = long.iter().filter_map(|x| x.ttfb_ms).fold(0.0, f64::max);
    assert!(max_long > 50.0, "long poll waited only {max_long} ms");
}

#[test]
fn webhook_is_a_server_calling_back() {
    let cap = analyze("http-webhook.pcapng");
    let hook = cap.http.iter().find(|x| x.request.as_ref().is_some_and(|r| r.target == "/hook")).expect("webhook POST");
    assert_eq!(hook.request.as_ref().unwrap().method, "POST");
    let sub = cap.http.iter().find(|x| x.request.as_ref().is_some_and(|r| r.target == "/subscribe")).unwrap();
    assert_eq!(sub.response.as_ref().unwrap().status, 202);
    // The callback connection goes to the client's listener, opened by the lab server.
    let c = &cap.connections[hook.connection as usize];
    assert!(c.server.ends_with(":18088"), "{}", c.server);
}

fn texts(cap: &wirescope::model::Capture, dir: Dir) -> Vec<String> {
    cap.websocket.iter().filter(|m| m.direction == dir && m.opcode == 1).map(|m| String::from_utf8_lossy(&m.payload).into_owned()).collect()
}

fn check_ws_session(name: &str, compressed: bool) {
    let cap = analyze(name);
    assert_eq!(cap.findings.len(), 0, "{:?}", cap.findings);
    let c = &cap.connections[0];
    assert_eq!(c.protocol, Protocol::Websocket);
    // The upgrade's request and 101 stay counted after the stream went to WebSocket (tshark:
    // one http.request and one http.response in stream 0).
    assert_eq!(c.http_exchanges, 1);
    let hs = c.websocket.as_ref().unwrap();
    assert_eq!(hs.accept_ok, Some(true));
    assert_eq!(hs.subprotocol.as_deref(), Some("chat.v1"));
    assert_eq!(hs.permessage_deflate.is_some(), compressed);
    let sent = texts(&cap, Dir::ClientToServer);
    assert_eq!(sent[0], "Hello, WebSocket!");
    assert_eq!(sent[1], "fragmented message");
    assert_eq!(sent[2].len(), 65536, "kept payload is capped at the default 64 KiB");
    assert_eq!(sent[3], r#"{"type": "chat", "text": "\u4f60\u597d"}"#);
    assert_eq!(texts(&cap, Dir::ServerToClient), sent, "the echo server sends everything back");
    let big = cap.websocket.iter().find(|m| m.len == 70000).unwrap();
    assert_eq!(big.compressed, compressed);
    let frag = cap.websocket.iter().find(|m| m.direction == Dir::ClientToServer && m.frames > 1).unwrap();
    assert_eq!(frag.len, 18);
    let bin = cap.websocket.iter().find(|m| m.opcode == 2).unwrap();
    assert_eq!(bin.payload, (0..=255u8).collect::<Vec<_>>());
    let ping = cap.websocket.iter().find(|m| m.opcode == 9).unwrap();
    let pong = cap.websocket.iter().find(|m| m.opcode == 10).unwrap();
    assert_eq!((ping.payload.as_slice(), pong.payload.as_slice()), (&b"are you there"[..], &b"are you there"[..]));
    assert_eq!((hs.client_close_code, hs.server_close_code), (Some(1000), Some(1000)));
    assert_eq!(hs.close_initiator, Some(Dir::ClientToServer));
    let close = cap.websocket.iter().find(|m| m.opcode == 8).unwrap();
    assert_eq!(close.close_reason.as_deref(), Some("done"));
}

#[test]
fn websocket_without_compression() {
    check_ws_session("websocket-basics.pcapng", false);
}

#[test]
fn websocket_with_permessage_deflate() {
    // Includes a fragmented compressed message, inflated as one message with the context carried
    // on afterwards (tshark inflates each fragment on its own).
    check_ws_session("websocket-deflate.pcapng", true);
    let plain = analyze("websocket-basics.pcapng");
    let deflated = analyze("websocket-deflate.pcapng");
    let wire = |c: &wirescope::model::Capture| c.websocket.iter().map(|m| m.wire_len).sum::<u64>();
    assert!(wire(&deflated) * 10 < wire(&plain), "deflate saves bytes: {} vs {}", wire(&deflated), wire(&plain));
}

#[test]
fn close_1001_and_abnormal_1006() {
    let cap = analyze("websocket-close.pcapng");
    let a = cap.connections[0].websocket.as_ref().unwrap();
    assert_eq!((a.server_close_code, a.close_initiator, a.abnormal_close), (Some(1001), Some(Dir::ServerToClient), false));
    let b = cap.connections[1].websocket.as_ref().unwrap();
    assert_eq!((b.close_frames, b.abnormal_close), (0, true));
    assert_eq!(cap.connections[1].end, End::Rst);
    let f: Vec<_> = cap.findings.iter().map(|f| (f.connection, f.code)).collect();
    assert_eq!(f, vec![(Some(1), "ws.no_close_frame")]);
}

#[test]
fn ipv6_endpoints() {
    let cap = analyze("ipv6.pcapng");
    assert!(cap.connections.iter().all(|c| c.client.starts_with("[::1]:") && c.server.starts_with("[::1]:")));
    assert_eq!(texts(&cap, Dir::ServerToClient), vec!["over IPv6"]);
}

#[test]
fn socketio_over_polling_then_websocket() {
    let cap = analyze("socketio-chat.pcapng");
    let poll = cap.http[0].response.as_ref().unwrap().body.as_ref().unwrap();
    let open = wirescope::proto::socketio::parse_payload(&String::from_utf8_lossy(&poll.bytes));
    assert_eq!(open[0].kind, "open");
    let events: Vec<_> = cap
        .websocket
        .iter()
        .filter(|m| m.opcode == 1)
        .filter_map(|m| wirescope::proto::socketio::parse_packet(&String::from_utf8_lossy(&m.payload)))
        .filter_map(|p| p.socketio)
        .filter(|s| s.kind == "EVENT")
        .collect();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].event.as_deref(), Some("message"));
    assert_eq!(events[0].args.as_ref().unwrap()[0], "hello from python-socketio");
    assert_eq!(events[1].args.as_ref().unwrap()[0]["echo"], "hello from python-socketio");
}

#[test]
fn breakdowns_status_classes_and_the_cost_of_polling() {
    let cap = analyze("http-status-codes.pcapng");
    let b = wirescope::analysis::stats::breakdown(&cap);
    let responses = cap.http.iter().filter(|x| x.response.is_some()).count() as u32;
    assert_eq!(b.status_by_class.iter().sum::<u32>(), responses);
    assert!(b.status_by_class[3] >= 6, "the gallery has many 4xx: {:?}", b.status_by_class);
    assert!(b.status_by_code.iter().any(|(c, _)| *c == 304));
    assert_eq!(b.overhead.len(), cap.http.len());
    // Polling pays full headers for every poll; WebSocket pays a few bytes of frame header.
    let polling = wirescope::analysis::stats::breakdown(&analyze("http-polling.pcapng"));
    let ws = wirescope::analysis::stats::breakdown(&analyze("socketio-chat.pcapng"));
    let per_poll = polling.http_bytes_per_exchange.unwrap();
    let per_msg = ws.ws_bytes_per_message.unwrap();
    assert!(per_poll > per_msg, "polling {per_poll:.0} B per exchange vs WebSocket {per_msg:.0} B per message");
    let h = polling.headers.iter().find(|(n, _)| n == "content-length").unwrap();
    assert!(h.1 >= 10);
}

#[test]
fn websocket_recognised_when_the_capture_starts_after_the_upgrade() {
    use wirescope::source::CaptureReader;
    use wirescope::source::PcapWriter;
    // Keep packets 8 onwards of the real session: no SYN, no upgrade, only frames and the close.
    let src = std::fs::File::open(common::captures_dir().join("websocket-basics.pcapng")).unwrap();
    let mut r = CaptureReader::new(std::io::BufReader::new(src)).unwrap();
    let mut w: Option<PcapWriter<Vec<u8>>> = None;
    while let Some(p) = r.next_packet().unwrap() {
        let w = w.get_or_insert_with(|| PcapWriter::new(Vec::new(), p.link_type).unwrap());
        if p.number >= 8 {
            w.packet(p.ts_ns, p.data).unwrap();
        }
    }
    let path = std::env::temp_dir().join(format!("wirescope-midstream-{}.pcap", std::process::id()));
    std::fs::write(&path, w.unwrap().into_inner()).unwrap();
    let (cap, _) = common::analyze_with(&path, wirescope::Limits::default());
    let _ = std::fs::remove_file(&path);
    let c = &cap.connections[0];
    assert_eq!(c.protocol, Protocol::Websocket);
    assert!(c.roles_guessed, "no SYN: roles are guessed");
    assert!(c.server.ends_with(":18091") && !c.client.ends_with(":18091"), "server found by port: {} → {}", c.client, c.server);
    assert!(!c.websocket.as_ref().unwrap().upgrade_captured);
    assert!(cap.findings.iter().any(|f| f.code == "ws.upgrade_not_captured"));
    // The messages decode as in the full capture (the 70 000-byte one spans many segments).
    assert_eq!(texts(&cap, Dir::ClientToServer)[0], "Hello, WebSocket!");
    assert!(cap.websocket.iter().any(|m| m.len == 70000));
    assert!(cap.websocket.iter().any(|m| m.opcode == 8 && m.close_code == Some(1000)));
}

/// The JSON printer's own serializer writes every record of every bundled capture exactly as
/// serde_json does (frames, bodies and payload previews included).
#[test]
fn fast_json_matches_serde_json_on_every_record() {
    use wirescope::export::{compact, json::WsOut, records, PayloadLimit};
    use wirescope::model::Event;
    let limits = Limits { frame_events: true, ..Limits::default() };
    let mut records = 0;
    for path in common::capture_files() {
        let mut check = |e: &Event| {
            let mut mine = Vec::new();
            let theirs = match e {
                // HTTP exchanges and WebSocket messages are printed by hand (export::records),
                // the rest through the compact serde printer: both must print what serde_json does.
                Event::Http(x) => {
                    let theirs = serde_json::to_vec(x).unwrap();
                    let mut generic = Vec::new();
                    compact::to_vec_into(&mut generic, x).unwrap();
                    assert_eq!(String::from_utf8_lossy(&generic), String::from_utf8_lossy(&theirs));
                    records::exchange(&mut mine, x);
                    theirs
                }
                Event::WsMessage(m) => {
                    let mut theirs = Vec::new();
                    for limit in [PayloadLimit::Bytes(4096), PayloadLimit::Bytes(0), PayloadLimit::Bytes(3), PayloadLimit::All] {
                        let out = WsOut::new(m, limit);
                        records::ws_message(&mut mine, &out);
                        theirs.extend(serde_json::to_vec(&out).unwrap());
                    }
                    theirs
                }
                Event::WsFrame(f) => {
                    compact::to_vec_into(&mut mine, f).unwrap();
                    serde_json::to_vec(f).unwrap()
                }
                Event::H2Frame(f) => {
                    compact::to_vec_into(&mut mine, f).unwrap();
                    serde_json::to_vec(f).unwrap()
                }
                Event::Sse(f) => {
                    compact::to_vec_into(&mut mine, f).unwrap();
                    serde_json::to_vec(f).unwrap()
                }
                Event::Finding(f) => {
                    compact::to_vec_into(&mut mine, f).unwrap();
                    serde_json::to_vec(f).unwrap()
                }
                Event::Packet(_) | Event::TlsRecord(_) => return, // not printed
            };
            assert_eq!(String::from_utf8_lossy(&mine), String::from_utf8_lossy(&theirs), "{}", path.display());
            records += 1;
        };
        let loaded = wirescope::load::load_file_keys(&path, limits.clone(), common::keys_of(&path), |eng, _, _| {
            for e in eng.drain_events() {
                check(&e);
            }
            true
        })
        .unwrap();
        // The connections and packet figures at the end go through the same printer.
        for c in loaded.engine.connections() {
            let mut mine = Vec::new();
            compact::to_vec_into(&mut mine, &c).unwrap();
            assert_eq!(String::from_utf8_lossy(&mine), serde_json::to_string(&c).unwrap(), "{}", path.display());
            records += 1;
        }
        let mut mine = Vec::new();
        compact::to_vec_into(&mut mine, loaded.engine.packets()).unwrap();
        assert_eq!(String::from_utf8_lossy(&mine), serde_json::to_string(loaded.engine.packets()).unwrap());
    }
    assert!(records >= 150, "only {records} records checked");
}

/// The command line loads with the engine split over threads (transport half on the reading
/// thread, connections dealt out to one or more decoding threads); the app loads with it whole. Both must give the same events in
/// the same order, the same connections and the same warning, on every capture and on every
/// capture cut short.
#[test]
fn two_thread_load_matches_one_thread_load_on_every_capture() {
    use wirescope::load::{load_reader_keys, load_reader_sharded_keys};
    let limits = Limits { frame_events: true, packet_rows: true, ..Limits::default() };
    let mut compared = 0;
    for path in common::capture_files() {
        let bytes = std::fs::read(&path).unwrap();
        for cut in [bytes.len(), bytes.len() * 2 / 3] {
            let b = &bytes[..cut];
            let mut one = Vec::new();
            let l1 = load_reader_keys(b, cut as u64, "f", limits.clone(), common::keys_of(&path), |eng, _, _| {
                one.extend(eng.drain_events().map(|e| format!("{e:?}")));
                true
            })
            .unwrap();
            // With one to three decoders.
            for shards in [1, 2, 3] {
                let mut two = Vec::new();
                let each = |mut events: wirescope::load::EventBatch, _, _| {
                    // The command line prints from `iter`, the other callers `take`: the same events.
                    let seen: Vec<String> = events.iter().map(|e| format!("{e:?}")).collect();
                    assert_eq!(seen.len(), events.len());
                    let taken: Vec<String> = events.take().iter().map(|e| format!("{e:?}")).collect();
                    assert_eq!(seen, taken);
                    assert!(events.is_empty());
                    two.extend(seen);
                    true
                };
                let l2 = load_reader_sharded_keys(b, cut as u64, "f", limits.clone(), shards, common::keys_of(&path), each).unwrap();
                let what = format!("{} cut at {cut}, {shards} decoders", path.display());
                assert!(!one.is_empty(), "{what}");
                assert_eq!(one.len(), two.len(), "{what}");
                for (a, b) in one.iter().zip(&two) {
                    assert_eq!(a, b, "{what}");
                }
                assert_eq!(l1.warning, l2.warning, "{what}");
                assert_eq!(format!("{:?}", l1.engine.connections()), format!("{:?}", l2.engine.connections()), "{what}");
                assert_eq!(format!("{:?}", l1.engine.packets()), format!("{:?}", l2.engine.packets()), "{what}");
            }
            compared += one.len();
        }
    }
    assert!(compared > 1000, "only {compared} events compared");
}

/// The Breakdowns tab's WebSocket messages by opcode, against tshark's frames: every frame that
/// starts a message (opcode other than 0), per opcode and direction (masked = from the client).
#[test]
fn breakdown_websocket_messages_by_opcode_match_tshark() {
    for name in ["websocket-basics.pcapng", "websocket-close.pcapng", "websocket-deflate.pcapng"] {
        let path = common::captures_dir().join(name);
        // tshark's decode, saved by captures/expected.sh: websocket.opcode and websocket.mask are
        // columns 6 and 8 of captures/expected/NAME.tsv.
        let _ = &path;
        let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
        let tsv = std::fs::read_to_string(common::captures_dir().join(format!("expected/{stem}.tsv"))).unwrap();
        let lines: Vec<String> = tsv
            .lines()
            .map(|l| l.split('\t').collect::<Vec<_>>())
            .filter(|f| f.get(5).is_some_and(|o| !o.is_empty()))
            .map(|f| format!("{}\t{}", f[5], f.get(7).copied().unwrap_or("")))
            .collect();
        let mut want = std::collections::BTreeMap::<u8, [u32; 2]>::new();
        for line in &lines {
            let (ops, masks) = line.split_once('\t').unwrap_or((line, ""));
            for (op, mask) in ops.split(',').zip(masks.split(',')) {
                let op: u8 = op.parse().unwrap();
                if op != 0 {
                    want.entry(op).or_default()[usize::from(mask != "1")] += 1;
                }
            }
        }
        let b = wirescope::analysis::stats::breakdown(&analyze(name));
        assert_eq!(b.ws_opcodes, want.into_iter().collect::<Vec<_>>(), "{name}");
    }
}

// ---- Loss and reordering (captures/lossy-*.pcapng, recorded by captures/record-lossy.sh) ----
//
// tshark's per-side facts about each lossy capture are in captures/expected/NAME.sides.tsv (one row
// per stream and sending port: data segments, tcp.analysis flag counts, follow bytes) and its packet
// facts in NAME.tcp.tsv. A byte-coverage reading of tshark's sequence numbers is tied to tshark's own
// flags and follow bytes first; the stream bytes and `gap_bytes` are then checked against it. The
// Wireshark-style counts (`tcp_analysis`, `retransmissions`, `out_of_order`) are compared with
// tshark's flags on every capture in `tcp_analysis_counts_match_tshark_on_every_capture`.

/// One row of NAME.sides.tsv.
#[derive(Debug, Default, Clone)]
struct TsharkTcp {
    segments: u64,
    retransmission: u64,
    out_of_order: u64,
    lost_segment: u64,
    follow_bytes: u64,
}

/// Per (tcp.stream, sending port), from captures/expected/NAME.sides.tsv.
fn tshark_analysis(name: &str) -> std::collections::BTreeMap<(u64, u16), TsharkTcp> {
    let path = common::captures_dir().join(format!("expected/{name}.sides.tsv"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e} (run captures/expected.sh)", path.display()));
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().trim_start_matches('#').split('\t').collect();
    let col = |n: &str| head.iter().position(|h| *h == n).unwrap_or_else(|| panic!("{name}: no column {n}"));
    let mut out = std::collections::BTreeMap::new();
    for l in lines {
        let f: Vec<u64> = l.split('\t').map(|x| x.parse().unwrap()).collect();
        let row = TsharkTcp {
            segments: f[col("segments")],
            retransmission: f[col("retransmission")],
            out_of_order: f[col("out_of_order")],
            lost_segment: f[col("lost_segment")],
            follow_bytes: f[col("follow_bytes")],
        };
        out.insert((f[col("stream")], f[col("srcport")] as u16), row);
    }
    out
}

/// The captures that have an analysis file.
fn analysed_captures() -> Vec<(String, std::path::PathBuf)> {
    let v: Vec<_> = common::capture_files()
        .into_iter()
        .map(|p| (p.file_stem().unwrap().to_string_lossy().into_owned(), p))
        .filter(|(n, _)| common::captures_dir().join(format!("expected/{n}.sides.tsv")).exists())
        .collect();
    assert!(v.len() >= 2, "the lossy captures and their analysis files: {v:?}");
    v
}

/// What tshark's sequence numbers say about one direction of one stream, read as a byte-coverage
/// model (which stream bytes each segment carried, in capture order).
#[derive(Debug, Default, PartialEq)]
struct SeqReading {
    /// Segments with payload.
    segments: u64,
    /// Every byte (or some bytes) carried before: wirescope's retransmissions.
    seen_before: u64,
    /// Nothing carried before, but starting past the first byte not yet carried: out of order.
    past_a_hole: u64,
    /// Starting below the highest sequence number any segment of this side announced (the end of
    /// its payload, or a bare ACK's own number): what Wireshark flags as retransmission or
    /// out-of-order.
    below_highest: u64,
    /// Segments of any kind starting above that highest number: Wireshark's lost_segment.
    above_highest: u64,
    /// Stream bytes carried (each once) and the sequence space the side used for data.
    bytes: u64,
    span: u64,
}

fn read_sequence(pkts: &[&common::causal::Pkt]) -> SeqReading {
    let mut r = SeqReading::default();
    // Carried byte ranges, merged, in relative sequence numbers (data starts at 1 after a SYN).
    let mut carried: Vec<(u64, u64)> = Vec::new();
    let mut highest: Option<u64> = None;
    let mut data_end = 1;
    for p in pkts {
        let (syn, fin, rst) = (p.flags & 0x02 != 0, p.flags & 0x01 != 0, p.flags & 0x04 != 0);
        let (a, b) = (p.seq, p.seq + p.len);
        if p.len > 0 {
            r.segments += 1;
            let covered: u64 = carried.iter().map(|&(x, y)| y.min(b).saturating_sub(x.max(a))).sum();
            let contiguous = carried.first().filter(|c| c.0 <= 1).map_or(1, |c| c.1);
            if covered > 0 {
                r.seen_before += 1;
            } else if a > contiguous {
                r.past_a_hole += 1;
            }
            if highest.is_some_and(|h| a < h) {
                r.below_highest += 1;
            }
            carried.push((a, b));
            carried.sort();
            let mut merged: Vec<(u64, u64)> = Vec::new();
            for (x, y) in carried {
                match merged.last_mut() {
                    Some(m) if x <= m.1 => m.1 = m.1.max(y),
                    _ => merged.push((x, y)),
                }
            }
            carried = merged;
            data_end = data_end.max(b);
        }
        if !syn && !rst && highest.is_some_and(|h| a > h) {
            r.above_highest += 1;
        }
        let end = b + u64::from(syn) + u64::from(fin);
        highest = Some(highest.map_or(end, |h| h.max(end)));
    }
    r.bytes = carried.iter().map(|(x, y)| y - x).sum();
    r.span = data_end - 1;
    r
}

/// One side of a stream: the sending port and tshark's packets from it.
type Side<'a> = (u16, Vec<&'a common::causal::Pkt>);

/// For each connection of a lossy capture: its index, its tshark stream, and its two sides (client
/// to server first).
fn lossy_streams<'a>(name: &str, cap: &wirescope::model::Capture, facts: &'a [common::causal::Pkt]) -> Vec<(usize, u64, [Side<'a>; 2])> {
    let by_frame: std::collections::HashMap<u64, &common::causal::Pkt> = facts.iter().map(|p| (p.frame, p)).collect();
    let port = |ep: &str| ep.rsplit_once(':').unwrap().1.parse::<u16>().unwrap();
    cap.connections
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let stream = by_frame.get(&c.first_packet).unwrap_or_else(|| panic!("{name}: packet {}", c.first_packet)).stream;
            let side = |p: u16| (p, facts.iter().filter(|f| f.stream == stream && f.src_port == p).collect::<Vec<_>>());
            (i, stream, [side(port(&c.client)), side(port(&c.server))])
        })
        .collect()
}

/// First the reading itself against tshark's flags and follow, so the checks below stand on it.
#[test]
fn lossy_sequence_reading_agrees_with_tshark_flags_and_follow() {
    for (name, _) in analysed_captures() {
        let facts = common::causal::read_tcp_tsv(&common::captures_dir().join(format!("expected/{name}.tcp.tsv")));
        let want = tshark_analysis(&name);
        let mut streams: std::collections::BTreeMap<(u64, u16), Vec<&common::causal::Pkt>> = Default::default();
        for p in &facts {
            streams.entry((p.stream, p.src_port)).or_default().push(p);
        }
        assert_eq!(streams.len(), want.len(), "{name}: streams and sides");
        let mut flagged = 0;
        for (key, pkts) in &streams {
            let r = read_sequence(pkts);
            let t = &want[key];
            let what = format!("{name} stream {} from port {}", key.0, key.1);
            assert_eq!(r.segments, t.segments, "{what}: data segments");
            // Wireshark flags a segment below the highest sequence number seen as a retransmission
            // (fast and spurious ones included) or as out-of-order, never both.
            assert_eq!(r.below_highest, t.retransmission + t.out_of_order, "{what}: retransmission + out_of_order flags");
            assert_eq!(r.above_highest, t.lost_segment, "{what}: lost_segment flags");
            assert_eq!(r.bytes, t.follow_bytes, "{what}: stream bytes (tshark's follow)");
            flagged += t.retransmission + t.out_of_order + t.lost_segment;
        }
        // The path did lose and reorder: there is something to compare.
        assert!(flagged >= 20, "{name}: only {flagged} segments flagged by tshark");
    }
}

#[test]
fn lossy_stream_bytes_and_gaps_match_tshark() {
    for (name, path) in analysed_captures() {
        let cap = common::analyze_with(&path, Limits::default()).0;
        let facts = common::causal::read_tcp_tsv(&common::captures_dir().join(format!("expected/{name}.tcp.tsv")));
        let want = tshark_analysis(&name);
        assert_eq!(cap.connections.len() * 2, want.len(), "{name}: one connection per tshark stream");
        for (i, stream, sides) in lossy_streams(&name, &cap, &facts) {
            let c = &cap.connections[i];
            let got = [c.bytes_client_to_server, c.bytes_server_to_client];
            let mut gaps = 0;
            for (d, (port, pkts)) in sides.iter().enumerate() {
                let t = &want[&(stream, *port)];
                assert_eq!(got[d], t.follow_bytes, "{name} #{i} from port {port}: reassembled bytes against tshark's follow");
                let r = read_sequence(pkts);
                gaps += r.span - r.bytes;
            }
            // Every lost segment was sent again and captured: no hole is left.
            assert_eq!(c.gap_bytes, gaps, "{name} #{i}: sequence space never captured");
        }
    }
}

/// captures/lossy_scenarios.py's blob(): `n` bytes of one text line repeated.
fn blob(n: usize, tag: &str) -> Vec<u8> {
    let line = format!("{tag}: the quick brown fox jumps over the lazy dog 0123456789\n");
    line.bytes().cycle().take(n).collect()
}

#[test]
fn lossy_http_bodies_are_what_was_sent() {
    let cap = analyze("lossy-http.pcapng");
    assert_eq!(cap.findings.len(), 0, "{:?}", cap.findings);
    assert_eq!(cap.connections.len(), 1, "keep-alive: one connection");
    let got: Vec<(String, String, u64, u16)> = cap
        .http
        .iter()
        .map(|x| {
            let (q, r) = (x.request.as_ref().unwrap(), x.response.as_ref().unwrap());
            (q.method.to_string(), q.target.clone(), q.body_len, r.status)
        })
        .collect();
    let want = [
        ("GET", "/blob/60000", 0),
        ("GET", "/blob/150000", 0),
        ("POST", "/upload", 120_000),
        ("GET", "/blob/200000", 0),
        ("GET", "/blob/90000", 0),
    ];
    assert_eq!(got, want.map(|(m, t, n)| (m.to_string(), t.to_string(), n, 200)));
    for x in &cap.http {
        let (q, r) = (x.request.as_ref().unwrap(), x.response.as_ref().unwrap());
        assert!(r.complete, "{}", q.target);
        if let Some(n) = q.target.strip_prefix("/blob/") {
            // Byte for byte what the server sent, though segments of it were lost and sent again.
            assert_eq!(r.body_len, n.parse::<u64>().unwrap());
            assert!(r.body.as_ref().unwrap().bytes == blob(n.parse().unwrap(), &q.target), "{}: body bytes", q.target);
        } else {
            // The upload crossed the lossy path towards the capture: holes, filled late.
            assert!(q.body.as_ref().unwrap().bytes == blob(120_000, "upload"), "upload body bytes");
            assert_eq!(r.body.as_ref().unwrap().bytes, br#"{"received": 120000}"#);
        }
    }
}

#[test]
fn lossy_websocket_echoes_every_message() {
    let cap = analyze("lossy-websocket.pcapng");
    assert_eq!(cap.findings.len(), 0, "{:?}", cap.findings);
    let c = &cap.connections[0];
    assert_eq!(c.protocol, Protocol::Websocket);
    let data = |d: Dir| cap.websocket.iter().filter(|m| m.direction == d && (m.opcode == 1 || m.opcode == 2)).collect::<Vec<_>>();
    let (sent, echoed) = (data(Dir::ClientToServer), data(Dir::ServerToClient));
    assert_eq!((sent.len(), echoed.len()), (50, 50));
    for (i, (a, b)) in sent.iter().zip(&echoed).enumerate() {
        assert!(!a.payload_truncated && a.payload.len() as u64 == a.len, "message {i}");
        assert_eq!((a.opcode, &a.payload), (b.opcode, &b.payload), "message {i}: the echo is the message");
        // lossy_scenarios.py: text messages start with their number; every third is binary.
        assert_eq!(a.opcode, if i % 3 == 2 { 2 } else { 1 }, "message {i}");
        if a.opcode == 1 {
            assert!(a.payload.starts_with(format!("#{i} ").as_bytes()), "message {i}");
        }
    }
    assert!(sent.iter().filter(|m| m.len > 8000).count() >= 5, "some messages span many segments");
    let hs = c.websocket.as_ref().unwrap();
    assert_eq!((hs.client_close_code, hs.server_close_code, hs.close_initiator), (Some(1000), Some(1000), Some(Dir::ClientToServer)));
    let ping = cap.websocket.iter().find(|m| m.opcode == 9).unwrap();
    let pong = cap.websocket.iter().find(|m| m.opcode == 10).unwrap();
    assert_eq!((ping.payload.as_slice(), pong.payload.as_slice()), (&b"still there?"[..], &b"still there?"[..]));
}

/// Wireshark's TCP analysis flags, per connection, as tshark counts them on every capture
/// (captures/expected/*.analysis.tsv, written by captures/expected.sh).
#[test]
fn tcp_analysis_counts_match_tshark_on_every_capture() {
    use wirescope::model::{TcpAnalysis, Transport};
    fn count(a: &TcpAnalysis, flag: &str) -> u32 {
        a.count(flag).unwrap_or_else(|| panic!("unknown flag {flag}"))
    }
    const FLAGS: [&str; 14] = TcpAnalysis::FLAGS;
    let mut flagged = 0;
    for path in common::capture_files() {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let tsv = std::fs::read_to_string(common::captures_dir().join(format!("expected/{name}.analysis.tsv"))).unwrap();
        let rows: Vec<(String, usize, u32)> = tsv
            .lines()
            .map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                (f[0].to_string(), f[1].parse().unwrap(), f[2].parse().unwrap())
            })
            .collect();
        let cap = analyze(&format!("{name}.{}", path.extension().unwrap().to_string_lossy()));
        // tcp.stream numbers TCP connections in the order of their first packet, as we do.
        let tcp: Vec<_> = cap.connections.iter().filter(|c| c.transport == Transport::Tcp).collect();
        assert_eq!(rows.iter().find(|r| r.0 == "streams").map(|r| r.1), Some(tcp.len()), "{name}: TCP streams");
        for flag in FLAGS {
            for (i, c) in tcp.iter().enumerate() {
                let want = rows.iter().find(|r| r.0 == *flag && r.1 == i).map_or(0, |r| r.2);
                flagged += want;
                assert_eq!(count(&c.tcp_analysis, flag), want, "{name}: {flag} on tcp.stream {i}: {:?}", c.tcp_analysis);
            }
        }
        // The connection's own figures are the same counts.
        for (i, c) in tcp.iter().enumerate() {
            let row = |flag: &str| rows.iter().find(|r| r.0 == flag && r.1 == i).map_or(0, |r| u64::from(r.2));
            assert_eq!((c.retransmissions, c.out_of_order), (row("retransmission"), row("out_of_order")), "{name}: tcp.stream {i}");
        }
    }
    assert!(flagged > 100, "the captures flag {flagged} packets (the lossy ones are lossy)");
}

/// The text summary from messages tallied as they go by (what `analyze` does, keeping only the
/// messages it lists) is the summary of the whole capture, on every bundled capture and for a
/// listing shorter than the sessions.
#[test]
fn text_summary_from_tallied_messages_is_the_summary_of_all_of_them() {
    use wirescope::export::text::{summary_in, summary_tallied, SummaryCapture};
    for path in common::capture_files() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let full = analyze(&name);
        for keep in [3, 20] {
            let mut g = SummaryCapture::new(keep);
            let loaded = wirescope::load::load_file_keys(&path, Limits::default(), common::keys_of(&path), |eng, _, _| {
                for e in eng.drain_events() {
                    g.apply(e);
                }
                true
            })
            .unwrap();
            g.cap.packets = loaded.engine.packets().clone();
            g.cap.connections = loaded.engine.connections();
            assert!(g.cap.websocket.len() <= full.websocket.len());
            for lang in [wirescope::analysis::explain::Lang::En, wirescope::analysis::explain::Lang::Zh] {
                assert_eq!(
                    summary_tallied(&name, &g.cap, &g.tally, keep, lang),
                    summary_in(&name, &full, keep, lang),
                    "{name}, {keep} listed"
                );
            }
        }
    }
}

// ---- QUIC Initial packets (captures/quic-initial.pcapng, recorded by captures/record-quic.sh) ----

/// The QUIC facts of the capture as tshark decodes them (it decrypts Initial packets itself):
/// captures/expected/quic-initial.quic.tsv, one row per QUIC datagram.
#[test]
fn quic_initial_matches_tshark() {
    let tsv = std::fs::read_to_string(common::captures_dir().join("expected/quic-initial.quic.tsv")).unwrap();
    let rows: Vec<Vec<Vec<String>>> = tsv
        .lines()
        .map(|l| l.split('\t').map(|f| if f.is_empty() { Vec::new() } else { f.split(',').map(String::from).collect() }).collect())
        .collect();
    // Columns: frame, udp.srcport, long packet type(s), version(s), DCID(s), SCID(s), handshake
    // type(s), SNI, ALPN, header form(s), cipher suite(s).
    let hello = rows.iter().find(|r| r[6].iter().any(|t| t == "1")).expect("tshark saw a ClientHello");
    let client_port = &hello[1][0];
    let first_from =
        |client: bool| rows.iter().find(|r| (&r[1][0] == client_port) == client && r[2].first().is_some_and(|t| t == "0")).unwrap();
    let count = |client: bool, ty: &str| -> u32 {
        rows.iter().filter(|r| (&r[1][0] == client_port) == client).map(|r| r[2].iter().filter(|t| *t == ty).count() as u32).sum()
    };
    let cap = analyze("quic-initial.pcapng");
    let quic: Vec<_> = cap.connections.iter().filter(|c| c.protocol == Protocol::Quic).collect();
    assert_eq!(quic.len(), 1, "{:?}", cap.connections);
    let c = quic[0];
    assert!(c.client.ends_with(&format!(":{client_port}")), "client {}", c.client);
    let q = c.quic.as_ref().expect("QUIC facts");
    let t = c.tls.as_ref().expect("TLS facts from the Initial CRYPTO frames");
    let client = first_from(true);
    let server = first_from(false);
    assert_eq!(q.version, client[3][0]);
    assert_eq!(q.version_name, "QUIC v1");
    assert_eq!(q.dcid.as_deref(), Some(client[4][0].as_str()));
    assert_eq!(q.client_cid.as_deref(), Some(client[5][0].as_str()));
    assert_eq!(q.server_cid.as_deref(), Some(server[5][0].as_str()));
    assert_eq!(t.sni.as_deref(), hello[7].first().map(String::as_str));
    assert_eq!(t.alpn, hello[8]);
    assert_eq!(q.initial_packets_client_to_server, count(true, "0"));
    assert_eq!(q.initial_packets_server_to_client, count(false, "0"));
    assert_eq!(q.handshake_packets, count(true, "2") + count(false, "2"));
    let short: usize = rows.iter().map(|r| r[9].iter().filter(|f| *f == "0").count()).sum();
    assert_eq!(q.short_header_packets as usize, short);
    assert_eq!(q.server_hello, rows.iter().any(|r| &r[1][0] != client_port && r[6].iter().any(|t| t == "2")));
    assert!(q.client_hello);
    let server_hello = rows.iter().find(|r| &r[1][0] != client_port && r[6].iter().any(|t| t == "2")).unwrap();
    let suite = u16::from_str_radix(server_hello[10][0].trim_start_matches("0x"), 16).unwrap();
    assert_eq!(t.cipher_suite.as_deref(), wirescope::proto::quic::suite_name(suite));
    // The ServerHello's supported_versions: QUIC always runs TLS 1.3 (RFC 9001 §4.2).
    assert_eq!(t.version.as_deref(), Some("TLS 1.3"));
    let findings: Vec<_> = cap.findings.iter().filter(|f| f.connection == Some(c.id)).collect();
    assert!(findings.is_empty(), "{findings:?}");
}

/// The stretch of issue 13 item 5: with the capture's key log (captures/quic-initial.keys, written
/// by the aioquic client) the 1-RTT packets open, and their STREAM frames and the HTTP/3 frames on
/// them are tshark's (captures/expected/quic-initial.1rtt.tsv, tshark given the same key log).
#[test]
fn quic_one_rtt_with_the_key_log_matches_tshark() {
    use std::collections::BTreeMap;
    use wirescope::proto::quic::{Frame, OneRtt, QuicFlow};
    let unhex = |s: &str| (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect::<Vec<u8>>();
    let keys = std::fs::read_to_string(common::captures_dir().join("quic-initial.keys")).unwrap();
    let secret = |label: &str| -> (Vec<u8>, Vec<u8>) {
        let l = keys.lines().find(|l| l.starts_with(&format!("{label} "))).unwrap();
        let f: Vec<&str> = l.split(' ').collect();
        (unhex(f[1]), unhex(f[2]))
    };
    let (random, client_secret) = secret("CLIENT_TRAFFIC_SECRET_0");
    let (_, server_secret) = secret("SERVER_TRAFFIC_SECRET_0");
    // The UDP datagrams, client port first seen.
    let file = std::fs::File::open(common::captures_dir().join("quic-initial.pcapng")).unwrap();
    let mut reader = wirescope::source::CaptureReader::new(file).unwrap();
    let mut datagrams = Vec::new();
    while let Some(p) = reader.next_packet().unwrap() {
        let d = wirescope::dissect::dissect(p.link_type, p.data, 8).unwrap();
        let wirescope::dissect::Transport::Udp { src_port, payload, .. } = d.transport else { panic!() };
        datagrams.push((p.number, src_port, payload.to_vec()));
    }
    let client_port = datagrams[0].1;
    let dir = |port| if port == client_port { Dir::ClientToServer } else { Dir::ServerToClient };
    let mut flow = QuicFlow::default();
    for (_, port, d) in &datagrams {
        flow.datagram(dir(*port), d, &Limits::default(), &mut |_, c, m| panic!("{c}: {m}"));
    }
    // The ClientHello's random is the one the key log names.
    assert_eq!(flow.client_random.map(|r| r.to_vec()), Some(random));
    let (c_len, s_len) = (flow.info.client_cid.as_ref().unwrap().len() / 2, flow.info.server_cid.as_ref().unwrap().len() / 2);
    let mut one = OneRtt::new(flow.cipher_suite.unwrap(), &client_secret, &server_secret, c_len, s_len).unwrap();
    // Per packet: STREAM ids and lengths, and the HTTP/3 frames completed (RFC 9114 §7: type and
    // length varints; unidirectional streams start with a stream type, §6.2, and only the control
    // stream, type 0, carries frames).
    fn varint(b: &[u8]) -> Option<(u64, usize)> {
        let n = 1usize << (b.first()? >> 6);
        let v = b.get(..n)?.iter().skip(1).fold(u64::from(b[0] & 0x3f), |v, &x| v << 8 | u64::from(x));
        Some((v, n))
    }
    // Per (from the client, stream id): the bytes, how far they are read, the stream type.
    type Stream = (Vec<u8>, usize, Option<u64>);
    let mut streams: BTreeMap<(bool, u64), Stream> = BTreeMap::new();
    let mut got = Vec::new();
    for (number, port, d) in &datagrams {
        let (mut ids, mut lens, mut h3) = (Vec::new(), Vec::new(), Vec::new());
        let _ = one.datagram(dir(*port), d, |f| {
            let Frame::Stream { id, offset, data, .. } = f else { return };
            ids.push(id.to_string());
            lens.push(data.len().to_string());
            // A bidirectional stream has a byte stream each way.
            let (buf, at, kind) = streams.entry((*port == client_port, id)).or_default();
            assert_eq!(offset as usize, buf.len(), "in order on loopback");
            buf.extend_from_slice(data);
            if id & 2 != 0 && kind.is_none() {
                if let Some((t, n)) = varint(&buf[*at..]) {
                    *kind = Some(t);
                    *at += n;
                }
            }
            if id & 2 != 0 && *kind != Some(0) {
                return;
            }
            while let Some((t, n)) = varint(&buf[*at..]) {
                let Some((len, m)) = varint(&buf[*at + n..]) else { break };
                if buf.len() < *at + n + m + len as usize {
                    break;
                }
                h3.push(t.to_string());
                *at += n + m + len as usize;
            }
        });
        if !ids.is_empty() {
            got.push(format!("{number}\t{port}\t{}\t{}\t{}", ids.join(","), lens.join(","), h3.join(",")));
        }
    }
    let want = std::fs::read_to_string(common::captures_dir().join("expected/quic-initial.1rtt.tsv")).unwrap();
    assert_eq!(got, want.lines().collect::<Vec<_>>());
    assert_eq!(one.failed, 0);
    assert_eq!(one.opened, flow.info.short_header_packets);
}

// ---- Server-Sent Events (captures/sse.pcapng, recorded by captures/record-sse.sh) ----

/// An event's id, event type, data and retry.
type SseFields = (Option<String>, Option<String>, String, Option<u64>);

/// captures/sse_scenario.py's server sent the same events three ways (chunked with LF, close-
/// delimited with a BOM, CRLF and lone CRs, chunked and gzip-coded); what they fire, as the script
/// defined them, is in captures/expected/sse.events.json. Every stream decodes to exactly those.
#[test]
fn sse_events_are_what_the_server_sent() {
    let text = std::fs::read_to_string(common::captures_dir().join("expected/sse.events.json")).unwrap();
    let want: serde_json::Value = serde_json::from_str(&text).unwrap();
    let want: Vec<SseFields> = want["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().map(str::to_string);
            (s("id"), s("event"), s("data").unwrap(), e["retry"].as_u64())
        })
        .collect();
    assert_eq!(want.len(), 4);
    let cap = analyze("sse.pcapng");
    assert_eq!(cap.connections.len(), 3);
    assert!(cap.findings.is_empty(), "{:?}", cap.findings);
    for c in &cap.connections {
        let got: Vec<_> =
            cap.sse.iter().filter(|e| e.connection == c.id).map(|e| (e.id.clone(), e.event.clone(), e.data.clone(), e.retry)).collect();
        assert_eq!(got, want, "connection {}", c.id);
        // Each event is completed by a packet of its own (the server slept between them), in the
        // response's packets, after its head.
        let ev: Vec<_> = cap.sse.iter().filter(|e| e.connection == c.id).collect();
        let x = cap.http.iter().find(|x| x.connection == c.id).unwrap();
        let resp = x.response.as_ref().unwrap();
        assert!(resp.complete && (resp.until_close == (c.id == 1)), "{resp:?}");
        assert!(ev.windows(2).all(|w| w[0].packet < w[1].packet && w[0].time < w[1].time));
        assert!(ev
            .iter()
            .all(|e| e.exchange == x.index && e.first_packet <= e.packet && e.packet > resp.first_packet && e.packet <= resp.packet));
    }
    // The event sent in two chunks (two packets) starts in the first and is completed by the second.
    let split = cap.sse.iter().find(|e| e.connection == 0 && e.data.starts_with("line one")).unwrap();
    assert!(split.first_packet < split.packet, "{split:?}");
}

/// In the sequence diagram each event is a server→client arrow at its own packet's time, inside
/// the response that carries it (not pushed behind the response's end).
#[test]
fn sse_events_are_server_to_client_arrows() {
    use wirescope::analysis::ladder::{ladder, ArrowKind, Mode};
    let cap = analyze("sse.pcapng");
    let l = ladder(&cap, 0, Mode::Messages, true);
    let sse: Vec<_> = l.arrows.iter().filter(|a| a.kind == ArrowKind::Sse).collect();
    let labels: Vec<&str> = sse.iter().map(|a| a.label.as_str()).collect();
    assert_eq!(labels[..2], ["SSE message: first message", "SSE event: update"]);
    assert_eq!(sse.len(), 4);
    let resp = l.arrows.iter().find(|a| a.kind == ArrowKind::Response).unwrap();
    for (a, e) in sse.iter().zip(cap.sse.iter().filter(|e| e.connection == 0)) {
        assert_eq!((a.dir, a.packet), (Dir::ServerToClient, e.packet));
        assert!(a.arrive < resp.arrive && a.depart > resp.depart, "{a:?}");
    }
}
