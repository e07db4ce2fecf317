//! Oracles: RFC 7541 Appendix C header blocks (the decoded lists the RFC states), RFC 9113's frame
//! layout, and what a sender's bytes say (lengths, flags, codes).

use super::*;
use crate::model::Event;
use crate::proto::Output;

pub(crate) fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut v = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags];
    v.extend_from_slice(&stream.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

struct Run {
    events: Vec<Event>,
}

impl Run {
    fn exchanges(&self) -> Vec<&HttpExchange> {
        let mut v: Vec<&HttpExchange> = self.events.iter().filter_map(|e| if let Event::Http(x) = e { Some(&**x) } else { None }).collect();
        v.sort_by_key(|x| x.stream);
        v
    }
    fn codes(&self) -> Vec<&'static str> {
        self.events.iter().filter_map(|e| if let Event::Finding(f) = e { Some(f.code) } else { None }).collect()
    }
    fn frames(&self) -> Vec<&H2Frame> {
        self.events.iter().filter_map(|e| if let Event::H2Frame(f) = e { Some(&**f) } else { None }).collect()
    }
}

/// Feeds each (direction, bytes) as one packet, `chunk` bytes at a time, then finishes.
fn run_with(limits: Limits, upgrade: Option<HttpRequest>, parts: &[(Dir, Vec<u8>)], chunk: usize) -> Run {
    let shared = Shared { limits: Arc::new(limits), ..Default::default() };
    let mut h = Http2::new(&shared, upgrade);
    let mut out = Output::default();
    let (mut left, mut dropped) = (10_000u32, 0u32);
    let mut bufs: PerDir<StreamBuf> = PerDir::default();
    let mut packet = 0;
    for (dir, bytes) in parts {
        for c in bytes.chunks(chunk.max(1)) {
            packet += 1;
            bufs[*dir].push(c, packet, packet as i64 * 1_000_000);
            let mut sink = Sink { conn: 0, out: &mut out, findings_left: &mut left, findings_dropped: &mut dropped };
            h.process(&mut bufs, PerDir::default(), &mut sink);
        }
    }
    let mut sink = Sink { conn: 0, out: &mut out, findings_left: &mut left, findings_dropped: &mut dropped };
    h.finish(&mut bufs, Finish { packet, tcp_closed: true }, &mut sink);
    Run { events: out.events }
}

fn run(parts: &[(Dir, Vec<u8>)]) -> Run {
    run_with(Limits::default(), None, parts, usize::MAX)
}

const C2S: Dir = Dir::ClientToServer;
const S2C: Dir = Dir::ServerToClient;
const EH_ES: u8 = frame::FLAG_END_HEADERS | frame::FLAG_END_STREAM;

fn client_start() -> Vec<u8> {
    let mut v = PREFACE.to_vec();
    v.extend(frame(frame::SETTINGS, 0, 0, &[]));
    v
}

fn field<'a>(h: &'a Headers, name: &str) -> Option<&'a str> {
    h.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
}

/// RFC 7541 C.3 (requests without Huffman) and C.4 (with Huffman): each block decoded to the
/// list the RFC gives, the second of each pair through the dynamic table the first filled.
#[test]
fn rfc7541_c3_c4_requests() {
    for (first, second) in [
        ("828684410f7777772e6578616d706c652e636f6d", "828684be58086e6f2d6361636865"),
        ("828684418cf1e3c2e5f23a6ba0ab90f4ff", "828684be5886a8eb10649cbf"),
    ] {
        let mut c = client_start();
        c.extend(frame(frame::HEADERS, EH_ES, 1, &hex(first)));
        c.extend(frame(frame::HEADERS, EH_ES, 3, &hex(second)));
        let r = run(&[(C2S, c)]);
        let x = r.exchanges();
        assert_eq!(x.len(), 2, "{:?}", r.codes());
        for (i, e) in x.iter().enumerate() {
            let q = e.request.as_ref().unwrap();
            assert_eq!((&*q.method, q.target.as_str(), &*q.version), ("GET", "/", "HTTP/2"));
            assert_eq!(field(&q.headers, ":scheme"), Some("http"));
            assert_eq!(field(&q.headers, ":authority"), Some("www.example.com"));
            assert_eq!(field(&q.headers, "cache-control"), if i == 1 { Some("no-cache") } else { None });
            assert_eq!(e.stream, Some(1 + 2 * i as u32));
        }
        assert!(r.codes().is_empty(), "{:?}", r.codes());
    }
}

/// RFC 7541 C.5.1 and C.5.2 (responses, table of 256 bytes): the second response's indexed
/// fields resolve only if the oldest entry (:status 302) was evicted.
#[test]
fn rfc7541_c5_responses_with_eviction() {
    let mut c = client_start();
    // The client allows a 256-byte table; the server's encoder says so in its first block.
    c.extend(frame(frame::SETTINGS, 0, 0, &[0, 1, 0, 0, 1, 0]));
    c.extend(frame(frame::HEADERS, EH_ES, 1, &hex("828684410f7777772e6578616d706c652e636f6d")));
    c.extend(frame(frame::HEADERS, EH_ES, 3, &hex("828684be58086e6f2d6361636865")));
    let mut s = frame(frame::SETTINGS, 0, 0, &[]);
    let mut b1 = vec![0x3f, 0xe1, 0x01]; // dynamic table size update to 256
    b1.extend(hex(
        "4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d",
    ));
    s.extend(frame(frame::HEADERS, EH_ES, 1, &b1));
    s.extend(frame(frame::HEADERS, EH_ES, 3, &hex("4803333037c1c0bf")));
    let r = run(&[(C2S, c), (S2C, s)]);
    let x = r.exchanges();
    assert_eq!(x.len(), 2, "{:?}", r.codes());
    for (e, status) in x.iter().zip([302, 307]) {
        let p = e.response.as_ref().unwrap();
        assert_eq!(p.status, status);
        assert_eq!(field(&p.headers, "cache-control"), Some("private"));
        assert_eq!(field(&p.headers, "date"), Some("Mon, 21 Oct 2013 20:13:21 GMT"));
        assert_eq!(field(&p.headers, "location"), Some("https://www.example.com"));
        assert!(p.complete);
    }
    assert!(r.codes().is_empty(), "{:?}", r.codes());
}

/// A dynamic-table size update of 2^32 (six octets: past the five loona-hpack accepts) and one of
/// about 2^28 (over the allowed 4096): COMPRESSION_ERROR findings, no panic, nothing allocated.
#[test]
fn size_update_of_2_pow_32_is_a_finding() {
    for block in [vec![0x3f, 0xe1, 0xff, 0xff, 0xff, 0x0f, 0x82], vec![0x3f, 0xe1, 0xff, 0xff, 0x7f, 0x82], vec![0x3f]] {
        let mut c = client_start();
        c.extend(frame(frame::HEADERS, EH_ES, 1, &block));
        let r = run(&[(C2S, c)]);
        let codes = r.codes();
        assert!(codes.contains(&"h2.hpack_error"), "{codes:?}");
        assert!(codes.contains(&"h2.hpack_lost"), "{codes:?}");
    }
}

fn simple_get(stream: u32) -> Vec<u8> {
    frame(frame::HEADERS, EH_ES, stream, &hex("828684410f7777772e6578616d706c652e636f6d"))
}

/// :status 200 (static index 8) and content-encoding: gzip as a literal without indexing.
fn ok_gzip_head() -> Vec<u8> {
    let mut b = vec![0x88];
    // Literal without indexing, new name: 0x00, name "content-encoding", value "gzip".
    b.push(0x00);
    b.push(16);
    b.extend_from_slice(b"content-encoding");
    b.push(4);
    b.extend_from_slice(b"gzip");
    b
}

#[test]
fn gzip_body_over_padded_data_frames_any_split() {
    use std::io::Write;
    let plain: Vec<u8> = (0..40_000u32).map(|i| (i % 251) as u8).collect();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&plain).unwrap();
    let gz = enc.finish().unwrap();
    let mut c = client_start();
    c.extend(simple_get(1));
    let mut s = frame(frame::SETTINGS, 0, 0, &[]);
    s.extend(frame(frame::HEADERS, frame::FLAG_END_HEADERS, 1, &ok_gzip_head()));
    let half = gz.len() / 2;
    // First half padded by 7, second half unpadded, then an empty DATA with END_STREAM.
    let mut p = vec![7u8];
    p.extend_from_slice(&gz[..half]);
    p.extend_from_slice(&[0; 7]);
    s.extend(frame(frame::DATA, frame::FLAG_PADDED, 1, &p));
    s.extend(frame(frame::DATA, 0, 1, &gz[half..]));
    s.extend(frame(frame::DATA, frame::FLAG_END_STREAM, 1, &[]));
    for chunk in [usize::MAX, 1000, 7, 1] {
        let r = run_with(Limits::default(), None, &[(C2S, c.clone()), (S2C, s.clone())], chunk);
        let x = r.exchanges();
        assert_eq!(x.len(), 1, "chunk {chunk}: {:?}", r.codes());
        let resp = x[0].response.as_ref().unwrap();
        assert_eq!(resp.status, 200);
        assert_eq!(resp.wire_body_len, gz.len() as u64, "chunk {chunk}");
        assert_eq!(resp.body_len, plain.len() as u64, "chunk {chunk}");
        assert_eq!(resp.body.as_ref().unwrap().bytes, plain);
        assert_eq!(resp.content_encoding.as_deref(), Some("gzip"));
        assert!(r.codes().is_empty(), "chunk {chunk}: {:?}", r.codes());
        let kinds: Vec<&str> = r.frames().iter().map(|f| &*f.kind).collect();
        assert_eq!(kinds, ["SETTINGS", "HEADERS", "SETTINGS", "HEADERS", "DATA", "DATA", "DATA"], "chunk {chunk}");
        let data: Vec<String> = r.frames().iter().filter(|f| f.kind == "DATA").map(|f| f.detail.clone()).collect();
        assert_eq!(data, [format!("{half} bytes padded 7"), format!("{} bytes", gz.len() - half), "0 bytes END_STREAM".into()]);
    }
}

#[test]
fn flow_control_window_exceeded_and_reopened() {
    let mut c = client_start();
    c.extend(frame(frame::HEADERS, frame::FLAG_END_HEADERS, 1, &hex("838684410f7777772e6578616d706c652e636f6d")));
    // 4 × 16384 = 65536: one byte over the initial 65,535 window.
    for i in 0..4 {
        let flags = if i == 3 { frame::FLAG_END_STREAM } else { 0 };
        c.extend(frame(frame::DATA, flags, 1, &[0u8; 16384]));
    }
    let r = run(&[(C2S, c.clone())]);
    let n = r.codes().iter().filter(|c| **c == "h2.flow_control_exceeded").count();
    assert_eq!(n, 2, "connection and stream: {:?}", r.codes());
    assert_eq!(r.exchanges()[0].request.as_ref().unwrap().body_len, 65536);
    // A WINDOW_UPDATE of 1 on the connection and the stream before the last frame: no finding.
    let mut c2 = client_start();
    c2.extend(frame(frame::HEADERS, frame::FLAG_END_HEADERS, 1, &hex("838684410f7777772e6578616d706c652e636f6d")));
    for _ in 0..3 {
        c2.extend(frame(frame::DATA, 0, 1, &[0u8; 16384]));
    }
    let mut s = frame(frame::WINDOW_UPDATE, 0, 0, &1u32.to_be_bytes());
    s.extend(frame(frame::WINDOW_UPDATE, 0, 1, &1u32.to_be_bytes()));
    let r = run(&[(C2S, c2), (S2C, s), (C2S, frame(frame::DATA, frame::FLAG_END_STREAM, 1, &[0u8; 16384]))]);
    assert!(!r.codes().contains(&"h2.flow_control_exceeded"), "{:?}", r.codes());
}

#[test]
fn bad_frames_are_protocol_and_frame_size_errors() {
    let mut c = client_start();
    c.extend(frame(frame::SETTINGS, 0, 1, &[])); // SETTINGS on a stream
    c.extend(frame(frame::DATA, 0, 0, &[1, 2])); // DATA on stream 0
    c.extend(frame(frame::PING, 0, 0, &[0; 7])); // PING of 7 bytes
    c.extend(frame(frame::HEADERS, 0, 1, &[0; 20_000])); // over SETTINGS_MAX_FRAME_SIZE
    c.extend(frame(0x42, 0, 0, &[9; 10])); // unknown type: skipped
    c.extend(frame(frame::CONTINUATION, frame::FLAG_END_HEADERS, 5, &[])); // no block open
    c.extend(simple_get(7));
    let r = run(&[(C2S, c)]);
    let codes = r.codes();
    assert_eq!(codes.iter().filter(|c| **c == "h2.protocol_error").count(), 3, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == "h2.frame_size_error").count(), 2, "{codes:?}");
    let kinds: Vec<&str> = r.frames().iter().map(|f| &*f.kind).collect();
    assert!(kinds.contains(&"UNKNOWN(0x42)"));
    // Decoding went on: stream 7's request is there.
    assert_eq!(r.exchanges().last().unwrap().stream, Some(7));
}

#[test]
fn rst_stream_and_goaway_name_their_codes() {
    let mut c = client_start();
    c.extend(simple_get(1));
    let mut s = frame(frame::RST_STREAM, 0, 1, &8u32.to_be_bytes());
    let mut g = 1u32.to_be_bytes().to_vec();
    g.extend(0xbu32.to_be_bytes());
    g.extend(b"calm down");
    s.extend(frame(frame::GOAWAY, 0, 0, &g));
    let r = run(&[(C2S, c), (S2C, s)]);
    let msgs: Vec<String> =
        r.events.iter().filter_map(|e| if let Event::Finding(f) = e { Some(f.message.clone()) } else { None }).collect();
    assert!(msgs.iter().any(|m| m.contains("stream 1 reset") && m.contains("CANCEL")), "{msgs:?}");
    assert!(msgs.iter().any(|m| m.contains("ENHANCE_YOUR_CALM") && m.contains("last stream 1") && m.contains("calm down")), "{msgs:?}");
    let x = r.exchanges();
    assert_eq!(x.len(), 1);
    assert!(x[0].response.is_none());
    let details: Vec<&str> = r.frames().iter().map(|f| f.detail.as_str()).collect();
    assert!(details.contains(&"error=CANCEL") && details.contains(&"last_stream=1 error=ENHANCE_YOUR_CALM"), "{details:?}");
}

#[test]
fn push_promise_makes_a_promised_exchange() {
    let mut c = client_start();
    c.extend(simple_get(1));
    let mut s = frame(frame::SETTINGS, 0, 0, &[]);
    // Promised stream 2: GET /style.css (path as a literal, indexed name 4).
    let mut pp = 2u32.to_be_bytes().to_vec();
    pp.extend([0x82, 0x86, 0x04, 10]);
    pp.extend(b"/style.css");
    pp.extend([0x41, 15]);
    pp.extend(b"www.example.com");
    s.extend(frame(frame::PUSH_PROMISE, frame::FLAG_END_HEADERS, 1, &pp));
    s.extend(frame(frame::HEADERS, frame::FLAG_END_HEADERS, 1, &[0x88]));
    s.extend(frame(frame::DATA, frame::FLAG_END_STREAM, 1, b"hello"));
    s.extend(frame(frame::HEADERS, frame::FLAG_END_HEADERS, 2, &[0x88]));
    s.extend(frame(frame::DATA, frame::FLAG_END_STREAM, 2, b"body{}"));
    let r = run(&[(C2S, c), (S2C, s)]);
    let x = r.exchanges();
    assert_eq!(x.len(), 2, "{:?}", r.codes());
    assert_eq!(x[1].stream, Some(2));
    assert_eq!(x[1].request.as_ref().unwrap().target, "/style.css");
    assert_eq!(x[1].response.as_ref().unwrap().body_len, 6);
    assert_eq!(x[0].response.as_ref().unwrap().body_len, 5);
    assert!(r.codes().is_empty(), "{:?}", r.codes());
}

#[test]
fn trailers_interim_and_upgrade_stream_1() {
    let req = HttpRequest {
        packet: 1,
        first_packet: 1,
        method: "GET".into(),
        target: "/up".into(),
        malformed_line: None,
        version: "HTTP/1.1".into(),
        headers: Headers::new(),
        head_len: 50,
        body_len: 0,
        wire_body_len: 0,
        start_time: 0.0,
        end_time: 0.0,
        body: None,
    };
    let c = client_start();
    let mut s = frame(frame::SETTINGS, 0, 0, &[]);
    // 103 interim (":status" literal, indexed name 8, value "103"), then 200, DATA, trailers.
    s.extend(frame(frame::HEADERS, frame::FLAG_END_HEADERS, 1, &[0x08, 3, b'1', b'0', b'3']));
    s.extend(frame(frame::HEADERS, frame::FLAG_END_HEADERS, 1, &[0x88]));
    s.extend(frame(frame::DATA, 0, 1, b"abc"));
    let mut t = vec![0x00, 11];
    t.extend(b"grpc-status");
    t.extend([1, b'0']);
    s.extend(frame(frame::HEADERS, EH_ES, 1, &t));
    let r = run_with(Limits::default(), Some(req), &[(C2S, c), (S2C, s)], usize::MAX);
    let x = r.exchanges();
    assert_eq!(x.len(), 1, "{:?}", r.codes());
    assert_eq!(x[0].index, 0);
    assert_eq!(x[0].request.as_ref().unwrap().target, "/up");
    assert_eq!(x[0].interim.len(), 1);
    assert_eq!(x[0].interim[0].status, 103);
    let resp = x[0].response.as_ref().unwrap();
    assert_eq!((resp.status, resp.body_len), (200, 3));
    assert_eq!(field(&resp.headers, "grpc-status"), Some("0"));
}

/// Random bytes after the preface, at several cuts: no panic (the oracle: none may happen).
#[test]
fn random_frames_do_not_panic() {
    let mut x: u64 = 0x9e3779b97f4a7c15;
    for round in 0..300 {
        let mut c = client_start();
        let mut s = Vec::new();
        for _ in 0..40 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let kind = (x % 11) as u8;
            let flags = (x >> 8) as u8;
            let len = ((x >> 16) % 40) as usize;
            let payload: Vec<u8> = (0..len).map(|i| (x >> (i % 56)) as u8).collect();
            let f = frame(kind, flags, ((x >> 24) % 6) as u32, &payload);
            if x & 1 == 0 {
                c.extend(f);
            } else {
                s.extend(f);
            }
        }
        let _ = run_with(Limits::default(), None, &[(C2S, c), (S2C, s)], 1 + round % 13);
    }
}

/// A short WebSocket frame (RFC 6455 §5.2), masked when `mask` is given.
fn ws(fin: bool, opcode: u8, mask: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![if fin { 0x80 | opcode } else { opcode }, payload.len() as u8 | if mask.is_some() { 0x80 } else { 0 }];
    match mask {
        Some(m) => {
            f.extend(m);
            f.extend(payload.iter().enumerate().map(|(i, b)| b ^ m[i % 4]));
        }
        None => f.extend(payload),
    }
    f
}

/// RFC 8441: an extended CONNECT with :protocol websocket answered 200; the stream's DATA are
/// WebSocket frames (RFC 6455, masked from the client), decoded as a WebSocket session.
#[test]
fn websocket_over_http2_is_decoded() {
    let mut c = client_start();
    let mut h = vec![0x02, 7];
    h.extend(b"CONNECT");
    h.extend([0x00, 9]);
    h.extend(b":protocol");
    h.push(9);
    h.extend(b"websocket");
    h.extend([0x86, 0x84, 0x41, 15]);
    h.extend(b"www.example.com");
    c.extend(frame(frame::HEADERS, frame::FLAG_END_HEADERS, 1, &h));
    let mut s = frame(frame::SETTINGS, 0, 0, &[0, 8, 0, 0, 0, 1]);
    s.extend(frame(frame::HEADERS, frame::FLAG_END_HEADERS, 1, &[0x88]));
    let ping = frame(frame::DATA, 0, 1, &ws(true, 1, Some([1, 2, 3, 4]), b"hello"));
    let echo = frame(frame::DATA, 0, 1, &ws(true, 1, None, b"hello"));
    let close = frame(frame::DATA, frame::FLAG_END_STREAM, 1, &ws(true, 8, Some([9, 9, 9, 9]), &[3, 232]));
    let r = run_with(Limits::default(), None, &[(C2S, c), (S2C, s), (C2S, ping), (S2C, echo), (C2S, close)], 5);
    let msgs: Vec<_> = r.events.iter().filter_map(|e| if let Event::WsMessage(m) = e { Some(&**m) } else { None }).collect();
    assert_eq!(msgs.len(), 3, "{:?}", r.codes());
    assert_eq!((msgs[0].direction, msgs[0].opcode, msgs[0].payload.as_slice()), (C2S, 1, &b"hello"[..]));
    assert_eq!((msgs[1].direction, msgs[1].opcode), (S2C, 1));
    assert_eq!((msgs[2].opcode, msgs[2].close_code), (8, Some(1000)));
    let x = r.exchanges();
    assert_eq!(x[0].request.as_ref().unwrap().method, "CONNECT");
    assert_eq!(x[0].response.as_ref().unwrap().status, 200);
}

/// The HTTP2-Settings of an h2c Upgrade (RFC 7540 §3.2.1) are the client's first SETTINGS: here a
/// 200,000-byte stream window, so 100,000 bytes on stream 1 fit (the connection window is raised
/// by a WINDOW_UPDATE); without them the stream's 65,535 bytes are exceeded.
#[test]
fn upgrade_settings_set_the_stream_window() {
    let req = |settings: Option<&str>| {
        let mut headers = Headers::new();
        if let Some(v) = settings {
            headers.push("HTTP2-Settings", v);
        }
        HttpRequest {
            packet: 1,
            first_packet: 1,
            method: "GET".into(),
            target: "/".into(),
            malformed_line: None,
            version: "HTTP/1.1".into(),
            headers,
            head_len: 0,
            body_len: 0,
            wire_body_len: 0,
            start_time: 0.0,
            end_time: 0.0,
            body: None,
        }
    };
    let mut c = client_start();
    c.extend(frame(frame::WINDOW_UPDATE, 0, 0, &200_000u32.to_be_bytes()));
    let mut s = frame(frame::HEADERS, frame::FLAG_END_HEADERS, 1, &[0x88]);
    for i in 0..7 {
        let n = if i < 6 { 16384 } else { 100_000 - 6 * 16384 };
        s.extend(frame(frame::DATA, if i == 6 { frame::FLAG_END_STREAM } else { 0 }, 1, &vec![b'x'; n]));
    }
    // SETTINGS_INITIAL_WINDOW_SIZE (4) = 200000, base64url without padding.
    let with = run_with(Limits::default(), Some(req(Some("AAQAAw1A"))), &[(C2S, c.clone()), (S2C, s.clone())], usize::MAX);
    assert!(with.codes().is_empty(), "{:?}", with.codes());
    assert_eq!(with.exchanges()[0].response.as_ref().unwrap().body_len, 100_000);
    let without = run_with(Limits::default(), Some(req(None)), &[(C2S, c), (S2C, s)], usize::MAX);
    assert_eq!(without.codes(), ["h2.flow_control_exceeded"]);
}

/// A literal header field without indexing, new name (RFC 7541 §6.2.2), no Huffman.
fn literal(name: &str, value: &str) -> Vec<u8> {
    let mut v = vec![0x00, name.len() as u8];
    v.extend_from_slice(name.as_bytes());
    v.push(value.len() as u8);
    v.extend_from_slice(value.as_bytes());
    v
}

fn sse_events(r: &Run) -> Vec<&crate::model::SseEvent> {
    r.events.iter().filter_map(|e| if let Event::Sse(x) = e { Some(&**x) } else { None }).collect()
}

/// A text/event-stream response on stream 3: the events the server's DATA frames carry (one split
/// across two frames), each with its stream; the stream's end (here a RST_STREAM CANCEL from the
/// client) ends the parser, and the unfinished event is not dispatched (WHATWG HTML §9.2.6).
#[test]
fn event_stream_on_a_stream_is_read_as_sse() {
    let mut c = client_start();
    c.extend(frame(frame::HEADERS, EH_ES, 1, &[0x82, 0x86, 0x84]));
    c.extend(frame(frame::HEADERS, EH_ES, 3, &[0x82, 0x86, 0x84]));
    let mut s = frame(frame::SETTINGS, 0, 0, &[]);
    s.extend(frame(frame::HEADERS, frame::FLAG_END_HEADERS | frame::FLAG_END_STREAM, 1, &[0x88]));
    let mut h = vec![0x88];
    h.extend(literal("content-type", "text/event-stream; charset=utf-8"));
    s.extend(frame(frame::HEADERS, frame::FLAG_END_HEADERS, 3, &h));
    s.extend(frame(frame::DATA, 0, 3, b"id: 1\nevent: tick\ndata: one\n\ndata: tw"));
    s.extend(frame(frame::DATA, 0, 3, b"o\ndata: lines\n\ndata: never dispatched\n"));
    let mut rst = Vec::new();
    rst.extend(frame(frame::RST_STREAM, 0, 3, &8u32.to_be_bytes()));
    for chunk in [usize::MAX, 7] {
        let r = run_with(Limits::default(), None, &[(C2S, c.clone()), (S2C, s.clone()), (C2S, rst.clone())], chunk);
        let e = sse_events(&r);
        let got: Vec<(Option<&str>, &str, &str, Option<u32>)> =
            e.iter().map(|e| (e.event.as_deref(), e.data.as_str(), e.id.as_deref().unwrap_or(""), e.stream)).collect();
        assert_eq!(got, vec![(Some("tick"), "one", "1", Some(3)), (None, "two\nlines", "1", Some(3))], "chunk {chunk}");
        let x = r.exchanges();
        assert_eq!(x.len(), 2);
        assert!(e.iter().all(|e| e.exchange == x[1].index), "the events belong to stream 3's exchange");
        // Stream 1's plain response is not an event stream.
        assert!(x[0].response.as_ref().is_some_and(|p| p.status == 200));
    }
}
