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
    use wirescope::export::pcap_writer::PcapWriter;
    use wirescope::source::CaptureReader;
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
                Event::Finding(f) => {
                    compact::to_vec_into(&mut mine, f).unwrap();
                    serde_json::to_vec(f).unwrap()
                }
                Event::Packet(_) => return, // not printed
            };
            assert_eq!(String::from_utf8_lossy(&mine), String::from_utf8_lossy(&theirs), "{}", path.display());
            records += 1;
        };
        let loaded = wirescope::load::load_file(&path, limits.clone(), |eng, _, _| {
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
    use wirescope::load::{load_reader, load_reader_sharded};
    let limits = Limits { frame_events: true, packet_rows: true, ..Limits::default() };
    let mut compared = 0;
    for path in common::capture_files() {
        let bytes = std::fs::read(&path).unwrap();
        for cut in [bytes.len(), bytes.len() * 2 / 3] {
            let b = &bytes[..cut];
            let mut one = Vec::new();
            let l1 = load_reader(b, cut as u64, "f", limits.clone(), |eng, _, _| {
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
                let l2 = load_reader_sharded(b, cut as u64, "f", limits.clone(), shards, each).unwrap();
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

/// Wireshark's TCP analysis flags, per connection, as tshark counts them on every capture
/// (captures/expected/*.analysis.tsv, written by captures/expected.sh).
#[test]
fn tcp_analysis_counts_match_tshark_on_every_capture() {
    use wirescope::model::{TcpAnalysis, Transport};
    fn count(a: &TcpAnalysis, flag: &str) -> u32 {
        match flag {
            "retransmission" => a.retransmission,
            "fast_retransmission" => a.fast_retransmission,
            "spurious_retransmission" => a.spurious_retransmission,
            "out_of_order" => a.out_of_order,
            "lost_segment" => a.lost_segment,
            "ack_lost_segment" => a.ack_lost_segment,
            "duplicate_ack" => a.duplicate_ack,
            "keep_alive" => a.keep_alive,
            "keep_alive_ack" => a.keep_alive_ack,
            "zero_window" => a.zero_window,
            "zero_window_probe" => a.zero_window_probe,
            "zero_window_probe_ack" => a.zero_window_probe_ack,
            "window_full" => a.window_full,
            "window_update" => a.window_update,
            _ => panic!("unknown flag {flag}"),
        }
    }
    const FLAGS: &[&str] = &[
        "retransmission",
        "fast_retransmission",
        "spurious_retransmission",
        "out_of_order",
        "lost_segment",
        "ack_lost_segment",
        "duplicate_ack",
        "keep_alive",
        "keep_alive_ack",
        "zero_window",
        "zero_window_probe",
        "zero_window_probe_ack",
        "window_full",
        "window_update",
    ];
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
    }
    assert!(flagged >= 3, "the captures flag {flagged} packets");
}
