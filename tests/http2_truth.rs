//! The bundled HTTP/2 captures (captures/record-http2.sh: Node's http2 server and client, nghttp,
//! curl's h2c Upgrade against hypercorn) decoded exactly as tshark decodes them
//! (captures/expected/NAME.h2.tsv): every frame in every packet (stream, type, flags, length), and
//! each request's :method and :path and each response's :status in the packet tshark shows them.

mod common;

use common::analyze;
use std::collections::BTreeMap;
use wirescope::model::{Capture, Protocol};

/// tshark's frame type numbers (RFC 9113 §6), named as our events name them.
fn type_name(t: &str) -> String {
    let n: u8 = t.parse().unwrap();
    let names =
        ["DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE", "PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION"];
    names.get(n as usize).map_or(format!("UNKNOWN(0x{n:02x})"), |s| s.to_string())
}

type Frames = BTreeMap<u64, Vec<(u32, u32, String, u8, u32)>>;
type Heads = BTreeMap<u64, (Vec<String>, Vec<String>, Vec<u16>)>;
/// Per packet: (stream, request method and target, response status).
type ByPacket = BTreeMap<u64, Vec<(u32, Option<(String, String)>, Option<u16>)>>;

fn list(s: &str) -> Vec<&str> {
    if s.is_empty() {
        Vec::new()
    } else {
        s.split(',').collect()
    }
}

fn tshark(name: &str) -> (Frames, Heads) {
    let text = std::fs::read_to_string(common::captures_dir().join(format!("expected/{name}.h2.tsv"))).unwrap();
    let (mut frames, mut heads) = (Frames::new(), Heads::new());
    for line in text.lines() {
        let c: Vec<&str> = line.split('\t').collect();
        let g = |i: usize| c.get(i).copied().unwrap_or("");
        let packet: u64 = g(0).parse().unwrap();
        let conn: u32 = g(1).parse().unwrap();
        let (ids, types, flags, lens) = (list(g(2)), list(g(3)), list(g(4)), list(g(5)));
        assert_eq!(ids.len(), types.len(), "{name} {line}");
        let row = (0..ids.len())
            .map(|i| {
                let f = u8::from_str_radix(flags[i].trim_start_matches("0x"), 16).unwrap();
                (conn, ids[i].parse().unwrap(), type_name(types[i]), f, lens[i].parse().unwrap())
            })
            .collect();
        frames.insert(packet, row);
        let h = (
            list(g(6)).iter().map(|s| s.to_string()).collect(),
            list(g(7)).iter().map(|s| s.to_string()).collect(),
            list(g(8)).iter().map(|s| s.parse().unwrap()).collect(),
        );
        if h != (vec![], vec![], vec![]) {
            heads.insert(packet, h);
        }
    }
    (frames, heads)
}

fn ours(cap: &Capture) -> (Frames, Heads) {
    let mut frames = Frames::new();
    for f in &cap.h2_frames {
        frames.entry(f.packet).or_default().push((f.connection, f.stream, f.kind.to_string(), f.flags, f.len));
    }
    // Requests by the packet of their HEADERS, responses (interim ones too) by theirs, in stream order
    // within a packet (tshark's order there is the frames').
    let mut by_packet = ByPacket::new();
    for x in cap.http.iter().filter(|x| x.stream.is_some()) {
        let id = x.stream.unwrap();
        if let Some(r) = x.request.as_ref().filter(|r| r.version == "HTTP/2") {
            by_packet.entry(r.first_packet).or_default().push((id, Some((r.method.to_string(), r.target.clone())), None));
        }
        for r in x.interim.iter().chain(x.response.as_ref()) {
            by_packet.entry(r.first_packet).or_default().push((id, None, Some(r.status)));
        }
    }
    let mut heads = Heads::new();
    for (p, mut v) in by_packet {
        v.sort_by_key(|e| e.0);
        let e = heads.entry(p).or_default();
        for (_, req, status) in v {
            if let Some((m, t)) = req {
                e.0.push(m);
                e.1.push(t);
            }
            e.2.extend(status);
        }
    }
    (frames, heads)
}

fn check(name: &str) -> Capture {
    let cap = analyze(&format!("{name}.pcapng"));
    let (f, h) = ours(&cap);
    let (tf, th) = tshark(name);
    assert!(!tf.is_empty());
    for (p, row) in &tf {
        assert_eq!(f.get(p), Some(row), "{name}: frames of packet {p}");
    }
    assert_eq!(f.len(), tf.len(), "{name}: packets with frames: {:?}", f.keys().filter(|k| !tf.contains_key(k)).collect::<Vec<_>>());
    assert_eq!(h, th, "{name}: methods, paths, statuses");
    let findings: Vec<_> = cap
        .findings
        .iter()
        .filter(|f| f.code.starts_with("h2.") && !matches!(f.code, "h2.goaway" | "h2.rst_stream"))
        .map(|f| (f.code, &f.message))
        .collect();
    assert!(findings.is_empty(), "{name}: {findings:?}");
    cap
}

#[test]
fn prior_knowledge_matches_tshark() {
    let cap = check("http2-prior-knowledge");
    assert_eq!(cap.connections[0].protocol, Protocol::Http2);
    let x: BTreeMap<u32, _> = cap.http.iter().map(|x| (x.stream.unwrap(), x)).collect();
    assert_eq!(x.len(), 6);
    assert_eq!(cap.connections[0].http_exchanges, 6);
    // The bodies the server sent (captures/h2_server.js): 100,000 bytes over seven DATA frames,
    // 5,500 bytes gzipped, trailers after the body, a 14-byte form posted.
    let large = x[&7].response.as_ref().unwrap();
    assert_eq!((large.body_len, large.wire_body_len), (100_000, 100_000));
    let gz = x[&5].response.as_ref().unwrap();
    assert_eq!(gz.body_len, "compressed ".len() as u64 * 500);
    assert_eq!(gz.content_encoding.as_deref(), Some("gzip"));
    assert_eq!(gz.wire_body_len, 59);
    let tr = x[&9].response.as_ref().unwrap();
    assert_eq!(tr.headers.value("x-checksum"), Some("abc123"));
    assert_eq!(x[&11].request.as_ref().unwrap().body_len, 14);
    for e in x.values() {
        assert_eq!(e.request.as_ref().unwrap().version, "HTTP/2");
        assert!(e.response.as_ref().unwrap().complete);
        assert!(e.ttfb_ms.is_some() && e.duration_ms.is_some());
    }
}

#[test]
fn multiplexed_matches_tshark() {
    let cap = check("http2-multiplexed");
    // nghttp opened five streams in one packet; the slow one (/slow1, stream 13) ended last.
    let order: Vec<u32> = cap.http.iter().map(|x| x.stream.unwrap()).collect();
    assert_eq!(order.len(), 5);
    assert_eq!(order.last(), Some(&13));
}

#[test]
fn upgrade_matches_tshark() {
    let cap = check("http2-upgrade");
    // The HTTP/1.1 exchange (GET / answered 101, as tshark's http shows it) and stream 1, the
    // same request answered in HTTP/2, then stream 3.
    let h1: Vec<_> = cap.http.iter().filter(|x| x.stream.is_none()).collect();
    assert_eq!(h1.len(), 1);
    assert_eq!(h1[0].response.as_ref().unwrap().status, 101);
    let s1 = cap.http.iter().find(|x| x.stream == Some(1)).unwrap();
    assert_eq!(s1.request.as_ref().unwrap().target, "/");
    assert_eq!(s1.request.as_ref().unwrap().packet, 4);
    assert_eq!(s1.response.as_ref().unwrap().body_len, "hello after the h2c upgrade\n".len() as u64);
    assert_eq!(s1.index, 1);
    assert_eq!(cap.connections[0].http_exchanges, 3);
}

/// The sequence diagram of each HTTP/2 capture, against tshark's decode: one arrow per connection
/// frame (stream 0) and per RST_STREAM, in the packet tshark shows it, named by its type (with
/// "ACK" for an acknowledging SETTINGS or PING, "[sN]" for a reset's stream); each request and
/// response arrow tagged with its stream ("[s15] GET /", "[s15] 200") as tshark pairs streams and
/// heads; and every SETTINGS or PING ACK drawn answering the peer's, leaving after it arrives.
#[test]
fn ladder_arrows_match_tshark() {
    use wirescope::analysis::ladder::{ladder, ArrowKind, Mode};
    for name in ["http2-prior-knowledge", "http2-multiplexed", "http2-upgrade", "http2-sse"] {
        let cap = analyze(&format!("{name}.pcapng"));
        let (tf, th) = tshark(name);
        let conn = cap.connections.iter().find(|c| c.protocol == Protocol::Http2).unwrap().id;
        let l = ladder(&cap, conn, Mode::Messages, true);
        let mut want: Vec<(u64, String, bool)> = Vec::new();
        for (p, row) in &tf {
            for (_, stream, kind, flags, _) in row {
                if *stream == 0 || kind == "RST_STREAM" {
                    let tag = if *stream == 0 { String::new() } else { format!("[s{stream}] ") };
                    let ack = matches!(kind.as_str(), "SETTINGS" | "PING") && flags & 1 != 0;
                    want.push((*p, format!("{tag}{kind}"), ack));
                }
            }
        }
        let mut got: Vec<(u64, String, bool)> = l
            .arrows
            .iter()
            .filter(|a| a.kind == ArrowKind::H2Control)
            .map(|a| {
                let ack = a.label.split(' ').any(|w| w == "ACK");
                let head = a.label.split(' ').take(if a.label.starts_with("[s") { 2 } else { 1 }).collect::<Vec<_>>().join(" ");
                (a.packet, head, ack)
            })
            .collect();
        want.sort();
        got.sort();
        assert!(!want.is_empty());
        assert_eq!(got, want, "{name}: connection-frame and RST_STREAM arrows");
        // Stream-tagged heads, by packet: tshark's methods/paths/statuses, streams in order.
        let mut heads: BTreeMap<u64, (Vec<String>, Vec<String>)> = BTreeMap::new();
        for (p, (methods, paths, statuses)) in &th {
            let mut streams = tf[p].iter().filter(|f| f.2 == "HEADERS").map(|f| f.1);
            let e = heads.entry(*p).or_default();
            for (m, path) in methods.iter().zip(paths) {
                e.0.push(format!("[s{}] {m} {path}", streams.next().unwrap()));
            }
            for s in statuses {
                e.1.push(format!("[s{}] {s}", streams.next().unwrap()));
            }
        }
        let mut ours: BTreeMap<u64, (Vec<String>, Vec<String>)> = BTreeMap::new();
        for a in l.arrows.iter().filter(|a| a.label.starts_with("[s") && a.kind != ArrowKind::H2Control) {
            let e = ours.entry(a.first_packet).or_default();
            if a.dir == wirescope::model::Dir::ClientToServer {
                e.0.push(a.label.clone());
            } else {
                e.1.push(a.label.clone());
            }
        }
        assert_eq!(ours, heads, "{name}: stream-tagged request and response arrows");
        // Acknowledgements answer the peer's frame and leave after it arrived.
        let mut acks = 0;
        for a in l.arrows.iter().filter(|a| a.kind == ArrowKind::H2Control && a.label.contains("ACK")) {
            let c = &l.arrows[a.answers.unwrap_or_else(|| panic!("{name}: {} answers nothing", a.label))];
            assert!(c.dir != a.dir && c.label.split(' ').next() == a.label.split(' ').next(), "{name}: {} answers {}", a.label, c.label);
            assert!(a.depart >= c.arrive, "{name}: {} leaves before {} arrives", a.label, c.label);
            acks += 1;
        }
        assert!(acks >= 2, "{name}: both SETTINGS ACKs");
        // Interleaved streams: a response whose last frame came in an earlier packet (by tshark's
        // END_STREAM above) is drawn arriving no later than one that ended after it.
        let ends: Vec<&wirescope::analysis::ladder::Arrow> =
            l.arrows.iter().filter(|a| a.kind == ArrowKind::Response && a.label.starts_with("[s")).collect();
        for a in &ends {
            let stream: u32 = a.label[2..a.label.find(']').unwrap()].parse().unwrap();
            let end = tf
                .iter()
                .filter(|(_, r)| r.iter().any(|f| f.1 == stream && f.3 & 1 != 0 && matches!(f.2.as_str(), "DATA" | "HEADERS")))
                .map(|(p, _)| *p)
                .max();
            assert_eq!(end, Some(a.packet), "{name}: {} ends where tshark's END_STREAM is", a.label);
            for b in &ends {
                assert!(
                    a.packet >= b.packet || a.arrive <= b.arrive,
                    "{name}: {} (packet {}) drawn arriving after {} (packet {})",
                    a.label,
                    a.packet,
                    b.label,
                    b.packet
                );
            }
        }
    }
}

/// Server-Sent Events over h2c (captures/h2_sse_server.js, recorded by captures/record-http2.sh):
/// each of the two event streams (plain, and gzip-coded) decodes to exactly the events the server
/// script sent (captures/expected/http2-sse.events.json), each tagged with its HTTP/2 stream and
/// exchange; the frames match tshark's as for the other captures.
#[test]
fn sse_over_http2_matches_what_the_server_sent() {
    let cap = check("http2-sse");
    let want: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(common::captures_dir().join("expected/http2-sse.events.json")).unwrap()).unwrap();
    let want_events = want["events"].as_array().unwrap();
    for path in want["streams"].as_array().unwrap() {
        let x = cap.http.iter().find(|x| x.request.as_ref().is_some_and(|r| r.target == path.as_str().unwrap())).unwrap();
        let got: Vec<_> = cap.sse.iter().filter(|e| e.exchange == x.index).collect();
        assert_eq!(got.len(), want_events.len(), "{path}");
        for (e, w) in got.iter().zip(want_events) {
            assert_eq!(e.stream, x.stream, "{path}");
            assert_eq!(e.id.as_deref(), w["id"].as_str(), "{path}");
            assert_eq!(e.event.as_deref(), w["event"].as_str(), "{path}");
            assert_eq!(e.data, w["data"].as_str().unwrap(), "{path}");
        }
    }
    assert!(cap.http.iter().any(|x| x.response.as_ref().is_some_and(|r| r.content_encoding.as_deref() == Some("gzip"))));
}

/// HTTP/2 over TLS (ALPN h2): curl `--http2` against Node's `http2.createSecureServer`
/// (captures/h2_tls_server.js) with the client's key log (captures/http2-tls.keys). Six
/// connections: GET, gzip, a large POST under flow control, server push, a stream curl abandoned
/// mid-body, and an event stream. Decrypted, the frames, methods, paths and statuses are tshark's
/// given the same key log (expected/http2-tls.h2.tsv), and the event stream's events are the ones
/// the server script wrote.
#[test]
fn http2_over_tls_matches_tshark() {
    let cap = check("http2-tls");
    for c in &cap.connections {
        let tls = c.tls.as_ref().expect("a TLS connection");
        assert!(tls.decrypted, "connection {} not decrypted", c.id);
        assert!(tls.alpn.iter().any(|a| a == "h2"));
        assert_eq!(c.protocol, Protocol::Http2);
    }
    let events: Vec<(Option<&str>, &str)> = cap.sse.iter().map(|e| (e.event.as_deref(), e.data.as_str())).collect();
    assert_eq!(events, vec![(None, "one"), (Some("up"), "two\nthree"), (None, "last")]);
    // No exchange takes a packet of another connection, and no span is negative.
    for x in &cap.http {
        let c = &cap.connections[x.connection as usize];
        for p in [x.request.as_ref().map(|r| r.packet), x.response.as_ref().map(|r| r.packet)].into_iter().flatten() {
            assert!((c.first_packet..=c.last_packet).contains(&p), "exchange {}.{} packet {p}", x.connection, x.index);
        }
        assert!(x.ttfb_ms.is_none_or(|t| t >= 0.0) && x.duration_ms.is_none_or(|t| t >= 0.0));
    }
}
