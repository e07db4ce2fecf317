//! The sequence (ladder) diagram as a causal model and as pure geometry.
//!
//! A capture sees each packet at one place on the path, not where it left or where it arrived. So
//! the ladder first infers that place (the *vantage*) from the TCP handshake, as tcptrace and
//! "TCP/IP Illustrated" do: at the client the SYN → SYN-ACK gap is the whole round trip and
//! SYN-ACK → ACK is tiny; at the server the reverse; in the middle each is the part of the round
//! trip on its side; on loopback both are near zero. From the two halves it models, for every
//! arrow, when it left its sender and when it reached the receiver. Then it enforces causality: an
//! arrow that answers another (SYN-ACK → SYN, ACK → SYN-ACK, a response or 1xx → its request,
//! pong → ping, the answering close → the first close, in packet mode an ACK → the data it
//! acknowledges) never leaves before its cause arrives, a sender sends in order, and in message
//! mode a direction delivers in order. Arrows that really cross in flight still cross.
//!
//! Written here rather than taken from a crate: no crate models capture vantage or draws ladders.
//! Drawing lives in the app; [`to_svg`], [`mermaid`] and [`plantuml`] are text renderings.

use crate::model::{Capture, ConnId, Dir, RowKind, TcpEventKind};
use crate::proto::websocket::opcode_name;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ArrowKind {
    Handshake,
    Teardown,
    Reset,
    Request,
    Interim,
    Response,
    Upgrade,
    WsData,
    WsControl,
    WsClose,
    /// A Server-Sent Event (text/event-stream), server to client.
    Sse,
    /// An HTTP/2 connection frame (SETTINGS, PING, WINDOW_UPDATE on stream 0, GOAWAY) or a
    /// RST_STREAM.
    H2Control,
    /// A TLS record: a handshake message in the clear, or encrypted bytes (what an eavesdropper sees).
    TlsRecord,
    Segment,
}

/// What clicking an arrow selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    Packet(u64),
    Http(usize),
    WsFrame(usize),
    WsMessage(usize),
    /// An index into `Capture::sse`.
    Sse(usize),
    /// An index into `Capture::h2_frames`.
    H2Frame(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Arrow {
    pub dir: Dir,
    /// Capture time (seconds) of the first and last packet carrying it.
    pub t_start: f64,
    pub t_end: f64,
    /// On the modelled timeline (seconds since the connection's first packet left its sender): when
    /// the arrow left its sender and when its last byte reached the receiver.
    pub depart: f64,
    pub arrive: f64,
    pub label: String,
    pub kind: ArrowKind,
    pub target: Target,
    /// The first and the last packet carrying it (Wireshark's numbers).
    pub first_packet: u64,
    pub packet: u64,
    /// The arrow this one answers (an index into the same list).
    pub answers: Option<usize>,
    /// HTTP status of a response; WebSocket opcode of a frame or message.
    pub status: Option<u16>,
    pub opcode: Option<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
pub enum Mode {
    /// One arrow per HTTP message, WebSocket frame and TCP handshake/teardown step.
    #[default]
    Messages,
    /// One arrow per TCP segment, ACKs included.
    Packets,
}

/// Where on the path the capture was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Vantage {
    Client,
    Server,
    Middle,
    /// Both ends on this machine: transit is too small to measure.
    Loopback,
    /// No usable handshake in the capture (or a round trip too small to split).
    Unknown,
}

/// One connection's arrows on the modelled timeline.
#[derive(Debug, Clone)]
pub struct Ladder {
    pub connection: ConnId,
    pub mode: Mode,
    pub vantage: Vantage,
    /// Handshake round trip (seconds), when the handshake was captured.
    pub rtt: Option<f64>,
    /// One-way transit from the capture point to the client and to the server (seconds).
    pub to_client: f64,
    pub to_server: f64,
    /// Capture time (seconds) of the modelled timeline's zero.
    pub origin: f64,
    pub arrows: Vec<Arrow>,
    /// Requests and how long the server held each (request arrow, its final response arrow).
    pub pending: Vec<(usize, Option<usize>)>,
}

/// Below this handshake round trip the halves cannot be told apart from timer noise.
const MEASURABLE_RTT: f64 = 50e-6;

/// Vantage and the one-way transits (to the client, to the server) from the handshake's three
/// capture times (seconds). `loopback`: both addresses are on this host.
pub fn infer_vantage(syn: Option<f64>, syn_ack: Option<f64>, ack: Option<f64>, loopback: bool) -> (Vantage, Option<f64>, f64, f64) {
    let (Some(s), Some(sa), Some(a)) = (syn, syn_ack, ack) else {
        return (if loopback { Vantage::Loopback } else { Vantage::Unknown }, None, 0.0, 0.0);
    };
    let (d1, d2) = (sa - s, a - sa);
    if !(d1 >= 0.0 && d2 >= 0.0) {
        return (if loopback { Vantage::Loopback } else { Vantage::Unknown }, None, 0.0, 0.0);
    }
    let rtt = d1 + d2;
    if loopback {
        return (Vantage::Loopback, Some(rtt), 0.0, 0.0);
    }
    if rtt < MEASURABLE_RTT {
        return (Vantage::Unknown, Some(rtt), 0.0, 0.0);
    }
    // The SYN-ACK → ACK gap is the trip to the client and back; SYN → SYN-ACK the trip to the server.
    let share = d2 / rtt;
    let vantage = if share < 0.1 {
        Vantage::Client
    } else if share > 0.9 {
        Vantage::Server
    } else {
        Vantage::Middle
    };
    (vantage, Some(rtt), d2 / 2.0, d1 / 2.0)
}

fn is_loopback(addr: &str) -> bool {
    let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h).trim_start_matches('[').trim_end_matches(']');
    host.parse::<core::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn short(s: &str, n: usize) -> String {
    let flat: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if flat.chars().count() > n {
        format!("{}…", flat.chars().take(n).collect::<String>())
    } else {
        flat
    }
}

/// What an arrow is, for finding what it answers.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    Syn,
    SynAck,
    HandshakeAck,
    Other,
    Request(usize),
    Response(usize),
    Ws(u8),
    /// An HTTP/2 SETTINGS (`ping` false) or PING, and whether it is the ACK answering the peer's.
    H2 {
        ping: bool,
        ack: bool,
    },
    /// A segment: relative sequence end, relative acknowledgement (when ACK is set).
    Segment {
        end: u32,
        carries: bool,
        ack: Option<u32>,
    },
}

struct Draft {
    arrow: Arrow,
    role: Role,
    /// Tie-break among arrows starting in the same packet: handshake, HTTP, WebSocket, teardown.
    rank: u8,
    /// Then by HTTP/2 stream: a client opens streams in increasing order (RFC 9113 §5.1.1), so
    /// requests sharing a packet were sent in stream order; responses starting in one packet are
    /// drawn in stream order too (the frames' own order is not kept without frame events).
    stream: u32,
}

fn draft(dir: Dir, t: (f64, f64), packets: (u64, u64), label: String, kind: ArrowKind, target: Target, role: Role, rank: u8) -> Draft {
    Draft {
        arrow: Arrow {
            dir,
            t_start: t.0,
            t_end: t.1,
            depart: 0.0,
            arrive: 0.0,
            label,
            kind,
            target,
            first_packet: packets.0,
            packet: packets.1,
            answers: None,
            status: None,
            opcode: None,
        },
        role,
        rank,
        stream: 0,
    }
}

/// "SSE message: first data…", or "SSE event: update" for a named event type.
pub fn sse_label(e: &crate::model::SseEvent, n: usize) -> String {
    match &e.event {
        Some(t) => format!("SSE event: {}", short(t, n)),
        None => format!("SSE message: {}", short(&e.data.replace('\n', " "), n)),
    }
}

fn ws_kind(opcode: u8) -> ArrowKind {
    match opcode {
        8 => ArrowKind::WsClose,
        9 | 10 => ArrowKind::WsControl,
        _ => ArrowKind::WsData,
    }
}

/// One connection's share of the capture, by index: what its ladder is built from.
#[derive(Debug, Default, Clone)]
pub struct Parts {
    rows: Vec<usize>,
    http: Vec<usize>,
    frames: Vec<usize>,
    websocket: Vec<usize>,
    sse: Vec<usize>,
    tls: Vec<usize>,
    /// HTTP/2 frames drawn as arrows (see [`h2_drawn`]).
    h2: Vec<usize>,
}

/// Whether an HTTP/2 frame event gets its own arrow: connection frames and RST_STREAM (the
/// streams' HEADERS and DATA are their exchanges' arrows).
pub fn h2_drawn(f: &crate::model::H2Frame) -> bool {
    f.stream == 0 || f.kind == "RST_STREAM"
}

/// "[s3] " for an HTTP/2 stream's message, nothing for HTTP/1.
pub fn stream_tag(stream: Option<u32>) -> String {
    stream.map(|s| format!("[s{s}] ")).unwrap_or_default()
}

/// "SETTINGS ACK", "PING 0102030405060708", "WINDOW_UPDATE +65535", "[s3] RST_STREAM error=CANCEL".
pub fn h2_label(f: &crate::model::H2Frame, n: usize) -> String {
    let tag = if f.stream == 0 { String::new() } else { stream_tag(Some(f.stream)) };
    // "SETTINGS MAX_CONCURRENT_STREAMS=100 …": the prefix each setting's name repeats is dropped.
    let detail = f.detail.replace("SETTINGS_", "");
    let text = if detail.is_empty() { format!("{tag}{}", f.kind) } else { format!("{tag}{} {detail}", f.kind) };
    short(&text, n)
}

impl Parts {
    /// One connection's parts (one pass over the capture).
    pub fn of(cap: &Capture, conn: ConnId) -> Parts {
        let pick = |n: usize, f: &dyn Fn(usize) -> bool| (0..n).filter(|&i| f(i)).collect::<Vec<_>>();
        Parts {
            rows: pick(cap.rows.len(), &|i| cap.rows[i].connection == Some(conn)),
            http: pick(cap.http.len(), &|i| cap.http[i].connection == conn),
            frames: pick(cap.frames.len(), &|i| cap.frames[i].connection == conn),
            websocket: pick(cap.websocket.len(), &|i| cap.websocket[i].connection == conn),
            sse: pick(cap.sse.len(), &|i| cap.sse[i].connection == conn),
            h2: pick(cap.h2_frames.len(), &|i| cap.h2_frames[i].connection == conn && h2_drawn(&cap.h2_frames[i])),
            tls: pick(cap.tls_records.len(), &|i| cap.tls_records[i].connection == conn),
        }
    }

    /// Every connection's parts, in one pass over the capture (so drawing all of them costs the
    /// capture's size, not connections × capture).
    pub fn all(cap: &Capture) -> std::collections::HashMap<ConnId, Parts> {
        let mut m: std::collections::HashMap<ConnId, Parts> = std::collections::HashMap::new();
        for (i, r) in cap.rows.iter().enumerate() {
            if let Some(c) = r.connection {
                m.entry(c).or_default().rows.push(i);
            }
        }
        for (i, x) in cap.http.iter().enumerate() {
            m.entry(x.connection).or_default().http.push(i);
        }
        for (i, f) in cap.frames.iter().enumerate() {
            m.entry(f.connection).or_default().frames.push(i);
        }
        for (i, w) in cap.websocket.iter().enumerate() {
            m.entry(w.connection).or_default().websocket.push(i);
        }
        for (i, e) in cap.sse.iter().enumerate() {
            m.entry(e.connection).or_default().sse.push(i);
        }
        for (i, f) in cap.h2_frames.iter().enumerate().filter(|(_, f)| h2_drawn(f)) {
            m.entry(f.connection).or_default().h2.push(i);
        }
        for (i, r) in cap.tls_records.iter().enumerate() {
            m.entry(r.connection).or_default().tls.push(i);
        }
        m
    }
}

/// What a packet carries, for packet-mode labels ("GET /chat", "101 Switching Protocols", "Text")
/// and colours (the kind, status and opcode of the first thing it carries).
#[allow(clippy::type_complexity)]
fn carried(cap: &Capture, parts: &Parts) -> std::collections::HashMap<u64, (String, (ArrowKind, Option<u16>, Option<u8>))> {
    let mut m: std::collections::HashMap<u64, (String, (ArrowKind, Option<u16>, Option<u8>))> = std::collections::HashMap::new();
    let mut add = |p: u64, s: String, what: (ArrowKind, Option<u16>, Option<u8>)| {
        let e = m.entry(p).or_insert_with(|| (String::new(), what));
        if e.0.split(", ").count() < 3 {
            if !e.0.is_empty() {
                e.0.push_str(", ");
            }
            e.0.push_str(&s);
        }
    };
    for x in parts.http.iter().filter_map(|&i| cap.http.get(i)) {
        let tag = stream_tag(x.stream);
        // (Stream 1's request after an h2c Upgrade is the HTTP/1.1 exchange's, named once.)
        if let Some(r) = x.request.as_ref().filter(|r| x.stream.is_none() || r.version == "HTTP/2") {
            add(r.first_packet, short(&format!("{tag}{} {}", r.method, r.target), 28), (ArrowKind::Request, None, None));
        }
        for (k, r) in x.interim.iter().chain(&x.response).enumerate() {
            let kind = if k < x.interim.len() {
                ArrowKind::Interim
            } else if r.status == 101 {
                ArrowKind::Upgrade
            } else {
                ArrowKind::Response
            };
            add(r.first_packet, short(format!("{tag}{} {}", r.status, r.reason).trim_end(), 28), (kind, Some(r.status), None));
        }
    }
    for f in parts.frames.iter().filter_map(|&i| cap.frames.get(i)) {
        add(f.packet, opcode_name(f.opcode).to_string(), (ws_kind(f.opcode), None, Some(f.opcode)));
    }
    for e in parts.sse.iter().filter_map(|&i| cap.sse.get(i)) {
        add(e.packet, sse_label(e, 20), (ArrowKind::Sse, None, None));
    }
    for f in parts.h2.iter().filter_map(|&i| cap.h2_frames.get(i)) {
        add(f.packet, h2_label(f, 24), (ArrowKind::H2Control, None, None));
    }
    for r in parts.tls.iter().filter_map(|&i| cap.tls_records.get(i)) {
        add(r.packet, format!("TLS {}", tls_record_label(r)), (ArrowKind::TlsRecord, None, None));
    }
    m
}

/// A handshake message type's name (RFC 8446 §4, RFC 5246 §7.4).
fn handshake_name(t: u8) -> Option<&'static str> {
    Some(match t {
        1 => "ClientHello",
        2 => "ServerHello",
        4 => "NewSessionTicket",
        8 => "EncryptedExtensions",
        11 => "Certificate",
        12 => "ServerKeyExchange",
        13 => "CertificateRequest",
        14 => "ServerHelloDone",
        15 => "CertificateVerify",
        16 => "ClientKeyExchange",
        20 => "Finished",
        24 => "KeyUpdate",
        _ => return None,
    })
}

fn content_type_name(t: u8) -> &'static str {
    match t {
        20 => "ChangeCipherSpec",
        21 => "Alert",
        22 => "Handshake",
        23 => "Application data",
        _ => "Record",
    }
}

/// What a TLS record arrow says: "ClientHello 512 B", "Application data 230 B (encrypted)", or,
/// opened with a key log, "Handshake 230 B → plaintext 208 B".
pub fn tls_record_label(r: &crate::model::TlsRecord) -> String {
    match r.plaintext {
        Some((inner, n)) => format!("{} {} B → {n} B", content_type_name(inner), r.len),
        None if r.content_type == 23 => format!("Application data {} B (encrypted)", r.len),
        None => {
            let name = r.handshake.and_then(handshake_name).unwrap_or(content_type_name(r.content_type));
            format!("{name} {} B", r.len)
        }
    }
}

/// The arrows of one connection on the modelled timeline, in the order they were sent. `tcp`:
/// include handshake, teardown and segments (false for application-level recordings, whose TCP
/// headers are made up).
pub fn ladder(cap: &Capture, conn: ConnId, mode: Mode, tcp: bool) -> Ladder {
    ladder_of(cap, conn, &Parts::of(cap, conn), mode, tcp)
}

/// [`ladder`] from a connection's [`Parts`] (see [`Parts::all`] for many connections).
pub fn ladder_of(cap: &Capture, conn: ConnId, parts: &Parts, mode: Mode, tcp: bool) -> Ladder {
    let mut drafts = Vec::new();
    // Connections are numbered in order; look by position first.
    let c = cap.connections.get(conn as usize).filter(|c| c.id == conn).or_else(|| cap.connections.iter().find(|c| c.id == conn));
    if mode == Mode::Packets && tcp {
        let rows: Vec<&crate::model::PacketRow> = parts.rows.iter().filter_map(|&i| cap.rows.get(i)).collect();
        let base = |dir: Dir| {
            rows.iter().find(|r| r.direction == Some(dir)).and_then(|r| match r.kind {
                RowKind::Tcp { seq, .. } => Some(seq),
                _ => None,
            })
        };
        let bases = [base(Dir::ClientToServer), base(Dir::ServerToClient)];
        let carried = carried(cap, parts);
        for r in rows {
            let dir = r.direction.unwrap_or(Dir::ClientToServer);
            let t = r.ts as f64 / 1e9;
            let (mut label, kind, role) = match r.kind {
                RowKind::Tcp { flags, seq, ack, payload, .. } => {
                    let f = crate::dissect::TcpFlags(flags);
                    let (mine, theirs) = if dir == Dir::ClientToServer { (bases[0], bases[1]) } else { (bases[1], bases[0]) };
                    let rel = seq.wrapping_sub(mine.unwrap_or(seq));
                    let kind = if f.rst() {
                        ArrowKind::Reset
                    } else if f.fin() {
                        ArrowKind::Teardown
                    } else if f.syn() {
                        ArrowKind::Handshake
                    } else {
                        ArrowKind::Segment
                    };
                    let used = payload.wrapping_add(u32::from(f.syn()) + u32::from(f.fin()));
                    let ack_rel = (f.ack() && !f.rst()).then(|| theirs.map(|b| ack.wrapping_sub(b))).flatten();
                    let role = Role::Segment { end: rel.wrapping_add(used), carries: used > 0, ack: ack_rel };
                    (format!("{f} Seq={rel} Len={payload}"), kind, role)
                }
                RowKind::Udp { payload } => (format!("UDP Len={payload}"), ArrowKind::Segment, Role::Other),
                _ => continue,
            };
            let mut kind = kind;
            let (mut status, mut opcode) = (None, None);
            if let Some((what, (k, st, op))) = carried.get(&r.number) {
                label = format!("{label} · {what}");
                // A data segment takes the colour of what it carries; SYN, FIN and RST keep theirs.
                if kind == ArrowKind::Segment {
                    (kind, status, opcode) = (*k, *st, *op);
                }
            }
            let mut d = draft(dir, (t, t), (r.number, r.number), label, kind, Target::Packet(r.number), role, 0);
            (d.arrow.status, d.arrow.opcode) = (status, opcode);
            drafts.push(d);
        }
    } else {
        if let (Some(c), true) = (c, tcp) {
            for e in &c.tcp_events {
                let (label, kind, role, rank) = match e.kind {
                    TcpEventKind::Syn => ("SYN", ArrowKind::Handshake, Role::Syn, 0),
                    TcpEventKind::SynAck => ("SYN, ACK", ArrowKind::Handshake, Role::SynAck, 0),
                    TcpEventKind::HandshakeAck => ("ACK", ArrowKind::Handshake, Role::HandshakeAck, 0),
                    TcpEventKind::Fin => ("FIN", ArrowKind::Teardown, Role::Other, 3),
                    TcpEventKind::Rst => ("RST", ArrowKind::Reset, Role::Other, 3),
                };
                drafts.push(draft(
                    e.direction,
                    (e.time, e.time),
                    (e.packet, e.packet),
                    label.into(),
                    kind,
                    Target::Packet(e.packet),
                    role,
                    rank,
                ));
            }
        }
        for (i, f) in parts.h2.iter().filter_map(|&i| Some((i, cap.h2_frames.get(i)?))) {
            let ack = f.flags & 1 != 0;
            let role = match &*f.kind {
                "SETTINGS" => Role::H2 { ping: false, ack },
                "PING" => Role::H2 { ping: true, ack },
                _ => Role::Other,
            };
            // Ahead of the streams' messages that share its packet (the preface's SETTINGS before
            // the first HEADERS); a reset or GOAWAY after them.
            let rank = if matches!(&*f.kind, "RST_STREAM" | "GOAWAY") { 2 } else { 1 };
            drafts.push(draft(
                f.direction,
                (f.time, f.time),
                (f.first_packet, f.packet),
                h2_label(f, 40),
                ArrowKind::H2Control,
                Target::H2Frame(i),
                role,
                rank,
            ));
        }
        for (i, x) in parts.http.iter().filter_map(|&i| Some((i, cap.http.get(i)?))) {
            let tag = stream_tag(x.stream);
            // Stream 1 after an h2c Upgrade carries the HTTP/1.1 request already drawn as its own
            // exchange (answered 101): not drawn twice; its HTTP/2 response answers that arrow.
            let upgraded = x.stream.is_some() && x.request.as_ref().is_some_and(|r| r.version != "HTTP/2");
            let asked = if upgraded {
                let p = x.request.as_ref().map(|r| r.packet);
                parts
                    .http
                    .iter()
                    .copied()
                    .find(|&j| cap.http.get(j).is_some_and(|y| y.stream.is_none() && y.request.as_ref().map(|r| r.packet) == p))
                    .unwrap_or(i)
            } else {
                i
            };
            if let Some(r) = x.request.as_ref().filter(|_| !upgraded) {
                let upgrade = r.headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("upgrade") && !v.is_empty());
                let kind = if upgrade { ArrowKind::Upgrade } else { ArrowKind::Request };
                let label = short(&format!("{tag}{} {}", r.method, r.target), 40);
                let mut d = draft(
                    Dir::ClientToServer,
                    (r.start_time, r.end_time),
                    (r.first_packet, r.packet),
                    label,
                    kind,
                    Target::Http(i),
                    Role::Request(i),
                    1,
                );
                d.stream = x.stream.unwrap_or(0);
                drafts.push(d);
            }
            for (k, it) in x.interim.iter().chain(&x.response).enumerate() {
                let last = k == x.interim.len();
                let kind = if !last {
                    ArrowKind::Interim
                } else if it.status == 101 {
                    ArrowKind::Upgrade
                } else {
                    ArrowKind::Response
                };
                let mut d = draft(
                    Dir::ServerToClient,
                    (it.start_time, it.end_time),
                    (it.first_packet, it.packet),
                    short(format!("{tag}{} {}", it.status, it.reason).trim_end(), 40),
                    kind,
                    Target::Http(i),
                    Role::Response(asked),
                    1,
                );
                d.arrow.status = Some(it.status);
                d.stream = x.stream.unwrap_or(0);
                drafts.push(d);
            }
        }
        let frames: Vec<(usize, &crate::model::WsFrame)> = parts.frames.iter().filter_map(|&i| Some((i, cap.frames.get(i)?))).collect();
        if !frames.is_empty() {
            // The message a frame completes gives its label: by (direction, last packet).
            // Several messages may end in one packet: each completing frame takes the next in order.
            let mut msgs: std::collections::HashMap<(Dir, u64), std::collections::VecDeque<&crate::model::WsMessage>> =
                std::collections::HashMap::new();
            for m in parts.websocket.iter().filter_map(|&i| cap.websocket.get(i)) {
                msgs.entry((m.direction, m.packet)).or_default().push_back(m);
            }
            for (i, f) in frames {
                // A control frame may arrive between a data message's fragments: it completes itself.
                let completes = f.fin || f.opcode >= 8;
                let msg = if completes { msgs.get_mut(&(f.direction, f.packet)).and_then(|v| v.pop_front()) } else { None };
                let mut label = opcode_name(f.opcode).to_string();
                if let Some(m) = msg {
                    match m.opcode {
                        1 if f.fin => label = format!("{label} \"{}\"", short(&String::from_utf8_lossy(&m.payload), 24)),
                        8 => label = format!("Close {}", m.close_code.map_or_else(|| "(no code: 1005)".to_string(), |c| c.to_string())),
                        9 | 10 if !m.payload.is_empty() => {
                            if let Ok(s) = std::str::from_utf8(&m.payload) {
                                label = format!("{label} \"{}\"", short(s, 16));
                            }
                        }
                        _ => {}
                    }
                }
                if !f.fin {
                    label.push_str(" (fragment)");
                }
                let mut d = draft(
                    f.direction,
                    (f.time, f.time),
                    (f.first_packet, f.packet),
                    label,
                    ws_kind(f.opcode),
                    Target::WsFrame(i),
                    Role::Ws(f.opcode),
                    2,
                );
                d.arrow.opcode = Some(f.opcode);
                drafts.push(d);
            }
        } else {
            for (i, m) in parts.websocket.iter().filter_map(|&i| Some((i, cap.websocket.get(i)?))) {
                let mut d = draft(
                    m.direction,
                    (m.time, m.time),
                    (m.first_packet, m.packet),
                    opcode_name(m.opcode).into(),
                    ws_kind(m.opcode),
                    Target::WsMessage(i),
                    Role::Ws(m.opcode),
                    2,
                );
                d.arrow.opcode = Some(m.opcode);
                drafts.push(d);
            }
        }
    }
    if !(mode == Mode::Packets && tcp) {
        for (i, e) in parts.sse.iter().filter_map(|&i| Some((i, cap.sse.get(i)?))) {
            let label = sse_label(e, 28);
            drafts.push(draft(
                Dir::ServerToClient,
                (e.time, e.time),
                (e.first_packet, e.packet),
                label,
                ArrowKind::Sse,
                Target::Sse(i),
                Role::Other,
                2,
            ));
        }
    }
    if mode == Mode::Messages {
        tls_record_drafts(cap, parts, &mut drafts);
    }
    drafts.sort_by(|a, b| {
        (a.arrow.first_packet, a.rank, a.stream, a.arrow.packet)
            .cmp(&(b.arrow.first_packet, b.rank, b.stream, b.arrow.packet))
            .then(a.arrow.t_start.total_cmp(&b.arrow.t_start))
    });
    let answers = find_answers(&drafts, mode);
    let mut arrows: Vec<Arrow> = drafts.into_iter().map(|d| d.arrow).collect();
    for (a, ans) in arrows.iter_mut().zip(answers) {
        a.answers = ans;
    }

    let loopback = c.is_some_and(|c| is_loopback(&c.client) && is_loopback(&c.server));
    let hs = |k: TcpEventKind| c.and_then(|c| c.tcp_events.iter().find(|e| e.kind == k)).map(|e| e.time);
    let (syn_ack, ack) = (hs(TcpEventKind::SynAck), hs(TcpEventKind::HandshakeAck));
    // The SYN that the SYN-ACK answers: the last one before it (an earlier one may have been lost).
    let syn = c.and_then(|c| {
        c.tcp_events.iter().filter(|e| e.kind == TcpEventKind::Syn && syn_ack.is_none_or(|sa| e.time <= sa)).map(|e| e.time).last()
    });
    let (vantage, rtt, to_client, to_server) = if tcp {
        infer_vantage(syn, syn_ack, ack, loopback)
    } else {
        (if loopback { Vantage::Loopback } else { Vantage::Unknown }, None, 0.0, 0.0)
    };
    // A client's packet left the client `to_client` before the capture saw it and reaches the server
    // `to_server` after; the other way round for the server's.
    let before = |d: Dir| if d == Dir::ClientToServer { to_client } else { to_server };
    let after = |d: Dir| if d == Dir::ClientToServer { to_server } else { to_client };
    let origin = arrows.iter().map(|a| a.t_start - before(a.dir)).min_by(f64::total_cmp).or_else(|| c.map(|c| c.start_time)).unwrap_or(0.0);
    for a in &mut arrows {
        a.depart = a.t_start - before(a.dir) - origin;
        a.arrive = a.t_end + after(a.dir) - origin;
    }
    enforce(&mut arrows, mode);
    let mut pending = Vec::new();
    if mode == Mode::Messages {
        // The final response of each exchange, by exchange (one pass: thousands of unanswered
        // pipelined requests must not cost a search each).
        let mut finals: std::collections::HashMap<Target, usize> = std::collections::HashMap::new();
        for (j, r) in arrows.iter().enumerate() {
            if matches!(r.kind, ArrowKind::Response | ArrowKind::Upgrade) && r.dir == Dir::ServerToClient {
                finals.entry(r.target).or_insert(j);
            }
        }
        for (i, a) in arrows.iter().enumerate() {
            if matches!(a.kind, ArrowKind::Request | ArrowKind::Upgrade) && a.dir == Dir::ClientToServer {
                pending.push((i, finals.get(&a.target).copied().filter(|&j| j > i)));
            }
        }
    }
    Ladder { connection: conn, mode, vantage, rtt, to_client, to_server, origin, arrows, pending }
}

/// A TLS connection's records as arrows: all of them while it is encrypted (what an eavesdropper
/// sees: the hellos, then encrypted records of some size), and once decrypted only the handshake's
/// (the application data is drawn as the HTTP or WebSocket messages it carried).
fn tls_record_drafts(cap: &Capture, parts: &Parts, drafts: &mut Vec<Draft>) {
    // Records a sender put in the same packets are one arrow ("ServerHello 122 B + ChangeCipherSpec
    // 1 B + 4 encrypted records, 2310 B"): they crossed together, and one arrow each would only
    // pile up labels.
    struct Group<'a> {
        first: &'a crate::model::TlsRecord,
        named: Vec<String>,
        encrypted: (u32, u64),
    }
    let mut groups: Vec<Group> = Vec::new();
    for r in parts.tls.iter().filter_map(|&i| cap.tls_records.get(i)) {
        if r.plaintext.is_some_and(|(inner, _)| inner == 23) {
            continue;
        }
        let g = match groups.iter_mut().rev().find(|g| g.first.direction == r.direction) {
            Some(g) if g.first.first_packet == r.first_packet && g.first.packet == r.packet => g,
            _ => {
                groups.push(Group { first: r, named: Vec::new(), encrypted: (0, 0) });
                let Some(g) = groups.last_mut() else { continue };
                g
            }
        };
        if r.content_type == 23 && r.plaintext.is_none() {
            g.encrypted.0 += 1;
            g.encrypted.1 += u64::from(r.len);
        } else {
            g.named.push(tls_record_label(r));
        }
    }
    for g in groups {
        // Short enough for the narrow classroom window: the first record named, the rest counted.
        let mut parts: Vec<String> = g.named.iter().take(1).cloned().collect();
        if g.named.len() > 1 {
            parts.push(format!("{} more", g.named.len() - 1));
        }
        match g.encrypted {
            (0, _) => {}
            (1, n) => parts.push(format!("Application data {n} B (encrypted)")),
            (k, n) => parts.push(format!("{k} encrypted, {n} B")),
        }
        let r = g.first;
        drafts.push(draft(
            r.direction,
            (r.time, r.time),
            (r.first_packet, r.packet),
            parts.join(" + "),
            ArrowKind::TlsRecord,
            Target::Packet(r.first_packet),
            Role::Other,
            1,
        ));
    }
}

/// For every arrow, the earlier arrow it answers.
fn find_answers(d: &[Draft], mode: Mode) -> Vec<Option<usize>> {
    let mut out = vec![None; d.len()];
    if mode == Mode::Packets {
        // Per direction: data-carrying segments not yet acknowledged, by relative sequence end (the
        // latest arrow per end). Segments can be captured out of order (reordering, retransmissions
        // filling holes): an ACK answers the latest of those it covers, wherever they are in the
        // capture. Each segment is removed once: O(n log n) for the connection. Relative ends are
        // compared as plain numbers (a stream past 4 GiB wraps; its answers may be missed).
        let mut sent: [std::collections::BTreeMap<u32, usize>; 2] = Default::default();
        let mut acked: [Option<u32>; 2] = [None, None];
        let ix = |dir: Dir| usize::from(dir == Dir::ServerToClient);
        for (i, x) in d.iter().enumerate() {
            let Role::Segment { end, carries, ack } = x.role else { continue };
            let (me, peer) = (ix(x.arrow.dir), 1 - ix(x.arrow.dir));
            if let Some(ack) = ack {
                let advanced = acked[me].is_none_or(|prev| (ack.wrapping_sub(prev) as i32) > 0);
                if advanced {
                    acked[me] = Some(ack);
                    let mut best = None;
                    while let Some((&e, &j)) = sent[peer].first_key_value() {
                        if e > ack {
                            break;
                        }
                        best = best.max(Some(j));
                        sent[peer].pop_first();
                    }
                    out[i] = best;
                }
            }
            // A segment the peer had already acknowledged (a spurious retransmission) is answered by
            // no ACK that advances.
            if carries && acked[peer].is_none_or(|a| (end.wrapping_sub(a) as i32) > 0) {
                sent[me].insert(end, i);
            }
        }
        return out;
    }
    let mut last_syn = None;
    let mut last_syn_ack = None;
    let mut requests: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    // Unanswered pings per sender; the first close per sender.
    let mut pings: [Vec<usize>; 2] = [Vec::new(), Vec::new()];
    let mut close: [Option<usize>; 2] = [None, None];
    // HTTP/2 SETTINGS and PINGs not yet acknowledged, per sender, oldest first (a peer
    // acknowledges SETTINGS in the order received, RFC 9113 §6.5.3).
    let mut h2_open: [[std::collections::VecDeque<usize>; 2]; 2] = Default::default();
    let ix = |dir: Dir| usize::from(dir == Dir::ServerToClient);
    for (i, x) in d.iter().enumerate() {
        let (me, peer) = (ix(x.arrow.dir), 1 - ix(x.arrow.dir));
        match x.role {
            Role::Syn => last_syn = Some(i),
            Role::SynAck => {
                out[i] = last_syn;
                last_syn_ack = Some(i);
            }
            Role::HandshakeAck => out[i] = last_syn_ack,
            Role::Request(h) => {
                requests.insert(h, i);
            }
            Role::Response(h) => {
                // A response that starts before its request has ended (an early 413, say) does not answer it.
                out[i] = requests.get(&h).copied().filter(|&j| d[j].arrow.packet < x.arrow.first_packet);
            }
            Role::H2 { ping, ack: false } => h2_open[usize::from(ping)][me].push_back(i),
            Role::H2 { ping, ack: true } => out[i] = h2_open[usize::from(ping)][peer].pop_front(),
            Role::Ws(9) => pings[me].push(i),
            Role::Ws(10) => out[i] = pings[peer].pop(),
            Role::Ws(8) => {
                if close[me].is_none() {
                    close[me] = Some(i);
                    out[i] = close[peer];
                }
            }
            _ => {}
        }
    }
    out
}

/// Answers leave after their cause arrives; a sender sends in order; in message mode a direction
/// delivers in the order of each message's last packet (TCP is a byte stream; segments may still
/// overtake each other).
fn enforce(arrows: &mut [Arrow], mode: Mode) {
    let ix = |dir: Dir| usize::from(dir == Dir::ServerToClient);
    let mut last_depart = [f64::NEG_INFINITY; 2];
    let mut last_arrive = [f64::NEG_INFINITY; 2];
    // The last packet of the arrow that set `last_arrive`: an arrow that ends in an earlier packet
    // (an HTTP/2 stream's short response interleaved with a long one sent before it) was delivered
    // before that one and is not held behind it.
    let mut last_end = [0u64; 2];
    let mut last_sse_arrive = f64::NEG_INFINITY;
    for i in 0..arrows.len() {
        let cause = arrows[i].answers.filter(|&j| j < i).map(|j| arrows[j].arrive);
        let a = &mut arrows[i];
        let k = ix(a.dir);
        let mut depart = a.depart.max(last_depart[k]);
        if let Some(t) = cause {
            depart = depart.max(t);
        }
        let mut arrive = a.arrive.max(depart);
        // A Server-Sent Event is part of the response body still arriving: it keeps its order
        // among the events, not behind the end of the response that carries it.
        if a.kind == ArrowKind::Sse {
            arrive = arrive.max(last_sse_arrive);
            last_sse_arrive = arrive;
        } else if mode == Mode::Messages && a.packet >= last_end[k] {
            arrive = arrive.max(last_arrive[k]);
        }
        a.depart = depart;
        a.arrive = arrive;
        last_depart[k] = depart;
        if a.packet >= last_end[k] {
            last_end[k] = a.packet;
        }
        last_arrive[k] = last_arrive[k].max(arrive);
    }
}

impl Ladder {
    /// One line saying where the capture was taken and how the arrows are drawn.
    pub fn vantage_text(&self, zh: bool) -> String {
        let rtt = self.rtt.map(fmt_duration).unwrap_or_default();
        match (self.vantage, zh) {
            (Vantage::Client, false) => format!("captured at the client, RTT {rtt}"),
            (Vantage::Client, true) => format!("在客户端抓包，往返时间 {rtt}"),
            (Vantage::Server, false) => format!("captured at the server, RTT {rtt}"),
            (Vantage::Server, true) => format!("在服务器端抓包，往返时间 {rtt}"),
            (Vantage::Middle, false) => format!(
                "captured between the two ({} to the client, {} to the server), RTT {rtt}",
                fmt_duration(self.to_client),
                fmt_duration(self.to_server)
            ),
            (Vantage::Middle, true) => format!(
                "在两端之间抓包（到客户端 {}，到服务器 {}），往返时间 {rtt}",
                fmt_duration(self.to_client),
                fmt_duration(self.to_server)
            ),
            (Vantage::Loopback, false) => "loopback: transit too small to measure, drawn with a nominal delay".into(),
            (Vantage::Loopback, true) => "本机回环：传输时间太短无法测量，按示意延迟绘制".into(),
            (Vantage::Unknown, false) => "capture point unknown (no usable handshake): drawn with a nominal delay".into(),
            (Vantage::Unknown, true) => "抓包位置未知（没有可用的握手）：按示意延迟绘制".into(),
        }
    }

    /// Every moment an arrow leaves (true) or arrives (false), for [`TimeMap::new`].
    pub fn moments(&self) -> impl Iterator<Item = (f64, bool)> + '_ {
        self.arrows.iter().flat_map(|a| [(a.depart, true), (a.arrive, false)])
    }
}

/// Which arrow a remark said at capture time `t` speaks of, searched over every connection's
/// ladder: with `next`, the first arrow sent from then on whose label contains `text`; otherwise the
/// last one that ended by then. Returns the connection and the arrow's first packet.
pub fn find_pin<'a>(ladders: impl IntoIterator<Item = &'a Ladder>, t: f64, text: &str, next: bool) -> Option<(ConnId, u64)> {
    // The remark and the packets share a clock; allow for the remark being stamped a moment late.
    const SLACK: f64 = 0.002;
    let mut best: Option<(f64, ConnId, u64)> = None;
    for l in ladders {
        for a in l.arrows.iter().filter(|a| a.label.contains(text)) {
            let key = if next {
                if a.t_start < t - SLACK {
                    continue;
                }
                a.t_start
            } else {
                if a.t_end > t + SLACK {
                    continue;
                }
                -a.t_end
            };
            if best.is_none_or(|(k, _, _)| key < k) {
                best = Some((key, l.connection, a.first_packet));
            }
        }
    }
    best.map(|(_, c, p)| (c, p))
}

/// A time-column label for `t` that still tells it apart from a neighbour `gap` seconds away:
/// "4.014 s", then "4.0143 s" when the next mark is a tenth of a millisecond later.
pub fn fmt_tick(t: f64, gap: f64) -> String {
    let (value, unit, least, most) = if t < 1e-3 {
        (t * 1e6, "µs", 0, 1)
    } else if t < 1.0 {
        (t * 1e3, "ms", if t < 0.01 { 3 } else { 1 }, 3)
    } else {
        (t, "s", 3, 6)
    };
    let scale = value / t.max(1e-12);
    let need = if gap > 0.0 { (-(gap * scale).log10()).ceil().max(0.0) as usize } else { least };
    format!("{value:.*} {unit}", need.clamp(least, most))
}

/// "19.0 ms", "1.250 s", "350 µs", "1.792 ms".
pub fn fmt_duration(s: f64) -> String {
    if s < 1e-3 {
        format!("{:.0} µs", s * 1e6)
    } else if s < 0.01 {
        format!("{:.3} ms", s * 1e3)
    } else if s < 1.0 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{s:.3} s")
    }
}

/// The diagram as the JSON `wirescope diagram` prints.
#[derive(Debug, Serialize)]
pub struct LadderJson<'a> {
    pub connection: ConnId,
    pub mode: &'static str,
    pub vantage: Vantage,
    pub vantage_text: String,
    pub rtt_ms: Option<f64>,
    /// Capture time (seconds since the Unix epoch) of the timeline's zero.
    pub t0: f64,
    pub arrows: Vec<ArrowJson<'a>>,
}

#[derive(Debug, Serialize)]
pub struct ArrowJson<'a> {
    pub kind: ArrowKind,
    pub label: &'a str,
    pub from: &'static str,
    pub packet: u64,
    pub last_packet: u64,
    pub depart: f64,
    pub arrive: f64,
    pub answers: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opcode: Option<u8>,
}

impl Ladder {
    pub fn to_json(&self) -> LadderJson<'_> {
        LadderJson {
            connection: self.connection,
            mode: if self.mode == Mode::Packets { "packets" } else { "messages" },
            vantage: self.vantage,
            vantage_text: self.vantage_text(false),
            rtt_ms: self.rtt.map(|r| r * 1e3),
            t0: self.origin,
            arrows: self
                .arrows
                .iter()
                .map(|a| ArrowJson {
                    kind: a.kind,
                    label: &a.label,
                    from: if a.dir == Dir::ClientToServer { "client" } else { "server" },
                    packet: a.first_packet,
                    last_packet: a.packet,
                    depart: a.depart,
                    arrive: a.arrive,
                    answers: a.answers,
                    status: a.status,
                    opcode: a.opcode,
                })
                .collect(),
        }
    }
}

/// Colours shared by the window and the SVG: responses by status class, WebSocket by opcode; hues
/// chosen to stay apart on a projector (4xx orange against a pink close, 5xx crimson against a red
/// RST, a lime ping against a purple upgrade).
pub fn color(a: &Arrow) -> [u8; 3] {
    match a.kind {
        ArrowKind::Handshake => [150, 150, 150],
        ArrowKind::Teardown => [170, 130, 90],
        ArrowKind::Reset => [255, 70, 70],
        ArrowKind::Request => [70, 130, 240],
        ArrowKind::Interim => [150, 160, 180],
        ArrowKind::Response => status_rgb(a.status.unwrap_or(200)),
        ArrowKind::Upgrade => [180, 110, 240],
        ArrowKind::WsData => [40, 170, 150],
        ArrowKind::WsControl => [170, 210, 60],
        ArrowKind::WsClose => [240, 110, 180],
        ArrowKind::Sse => [230, 170, 40],
        ArrowKind::H2Control => [120, 150, 200],
        ArrowKind::TlsRecord => [170, 120, 200],
        ArrowKind::Segment => [140, 140, 160],
    }
}

/// A status code's colour by class, the same in the diagram, the connections list and the details.
pub fn status_rgb(status: u16) -> [u8; 3] {
    match status {
        0..=199 => [150, 160, 180],
        200..=299 => [90, 190, 110],
        300..=399 => [60, 200, 220],
        400..=499 => [240, 150, 40],
        _ => [190, 40, 110],
    }
}

/// The colour of arrows in flight during a replay.
pub const IN_FLIGHT: [u8; 3] = [255, 220, 80];

/// A stretch of time left out of the axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Break {
    pub y: f32,
    pub seconds: f64,
}

/// How the time axis is laid out.
#[derive(Debug, Clone, Copy)]
pub struct MapOptions {
    /// Least distance between two departures (room for a label).
    pub min_step: f32,
    /// With `cut_idle`: longest gap drawn; longer idle stretches are cut and marked.
    pub max_step: f32,
    pub cut_idle: bool,
    /// Without `cut_idle`: the scale is chosen so that the whole span fits about this height.
    pub max_height: f32,
}

impl Default for MapOptions {
    fn default() -> Self {
        MapOptions { min_step: 34.0, max_step: 140.0, cut_idle: true, max_height: 2400.0 }
    }
}

/// Modelled time → vertical position. Consecutive departures are at least `min_step` apart (so labels
/// never collide); gaps are drawn in proportion to real time, and with `cut_idle` stretches longer
/// than `max_step` are cut and marked with a [`Break`].
#[derive(Debug, Clone)]
pub struct TimeMap {
    knots: Vec<(f64, f32, bool)>,
    pub breaks: Vec<Break>,
    pub height: f32,
}

impl TimeMap {
    pub fn new(moments: impl IntoIterator<Item = (f64, bool)>, o: MapOptions) -> TimeMap {
        let mut times: Vec<(f64, bool)> = moments.into_iter().filter(|(t, _)| t.is_finite()).collect();
        times.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut merged: Vec<(f64, bool)> = Vec::with_capacity(times.len());
        for (t, dep) in times {
            match merged.last_mut() {
                Some(last) if last.0 == t => last.1 |= dep,
                _ => merged.push((t, dep)),
            }
        }
        let deps: Vec<f64> = merged.iter().filter(|m| m.1).map(|m| m.0).collect();
        let mut gaps: Vec<f64> = deps.windows(2).map(|w| w[1] - w[0]).filter(|g| *g > 0.0).collect();
        gaps.sort_by(f64::total_cmp);
        // Scale so that a typical gap between departures gets a bit more than the minimum step.
        let typical = gaps.get(gaps.len() / 2).copied().unwrap_or(1e-3).max(1e-9);
        let mut px_per_sec = (o.min_step as f64 * 1.5) / typical;
        if !o.cut_idle {
            let span = merged.last().map_or(0.0, |l| l.0) - merged.first().map_or(0.0, |f| f.0);
            // To scale: the whole span gets the height (departures still keep their room).
            if span > 0.0 {
                px_per_sec = o.max_height as f64 / span;
            }
        }
        let mut knots = Vec::with_capacity(merged.len());
        let mut breaks = Vec::new();
        let mut y = o.min_step;
        let mut last_dep = f32::NEG_INFINITY;
        for (i, &(t, dep)) in merged.iter().enumerate() {
            if i > 0 {
                let dt = t - merged[i - 1].0;
                let want = (dt * px_per_sec) as f32;
                if o.cut_idle && want > o.max_step * 2.0 && dt > 0.05 {
                    breaks.push(Break { y: y + o.max_step / 2.0, seconds: dt });
                    y += o.max_step;
                } else {
                    y += if o.cut_idle { want.min(o.max_step) } else { want }.max(2.0);
                }
            }
            if dep {
                y = y.max(last_dep + o.min_step);
                last_dep = y;
            }
            knots.push((t, y, dep));
        }
        TimeMap { knots, breaks, height: y + o.min_step }
    }

    /// Position of time `t` (interpolated between moments; clamped at the ends).
    pub fn y(&self, t: f64) -> f32 {
        let k = &self.knots;
        let Some(first) = k.first() else { return 0.0 };
        let i = k.partition_point(|(kt, _, _)| *kt <= t);
        if i == 0 {
            return first.1;
        }
        if i == k.len() {
            return k[k.len() - 1].1;
        }
        let (t0, y0, _) = k[i - 1];
        let (t1, y1, _) = k[i];
        if t1 <= t0 {
            return y0;
        }
        y0 + ((t - t0) / (t1 - t0)) as f32 * (y1 - y0)
    }

    /// The ruler's marks: every departure's time and position.
    pub fn ticks(&self) -> impl Iterator<Item = (f64, f32)> + '_ {
        self.knots.iter().filter(|k| k.2).map(|k| (k.0, k.1))
    }
}

/// Where an arrow is drawn: from the sender's lane at `y0` to the receiver's lane at `y1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geometry {
    pub y0: f32,
    pub y1: f32,
}

/// Least vertical distance between two arrows from the same sender (room for a label).
const SAME_SENDER_GAP: f32 = 18.0;

/// Arrows on the axis. An arrow too short to see (loopback) gets `min_slope` of nominal transit;
/// the causal rules are applied again on the drawing, so a nominal delay never makes an answer
/// leave before its cause is drawn arriving.
pub fn layout(l: &Ladder, map: &TimeMap, min_slope: f32) -> Vec<Geometry> {
    let ix = |dir: Dir| usize::from(dir == Dir::ServerToClient);
    let mut g: Vec<Geometry> = Vec::with_capacity(l.arrows.len());
    let mut last_y0 = [f32::NEG_INFINITY; 2];
    let mut last_y1 = [f32::NEG_INFINITY; 2];
    let mut last_end = [0u64; 2];
    let mut last_sse_y1 = f32::NEG_INFINITY;
    for (i, a) in l.arrows.iter().enumerate() {
        let k = ix(a.dir);
        // Messages a sender sent together (pipelined requests in one segment) stand one under the
        // other, in the order they were sent, instead of on one line.
        let mut y0 = map.y(a.depart).max(last_y0[k] + SAME_SENDER_GAP);
        if let Some(c) = a.answers.filter(|&j| j < i).and_then(|j| g.get(j)) {
            y0 = y0.max(c.y1);
        }
        let mut y1 = map.y(a.arrive).max(y0 + min_slope);
        // Server-Sent Events arrive inside their response's body (see `enforce`).
        if a.kind == ArrowKind::Sse {
            y1 = y1.max(last_sse_y1);
            last_sse_y1 = y1;
        } else if l.mode == Mode::Messages && a.packet >= last_end[k] {
            y1 = y1.max(last_y1[k]);
        }
        if a.packet >= last_end[k] {
            last_end[k] = a.packet;
        }
        last_y0[k] = y0;
        last_y1[k] = last_y1[k].max(y1);
        g.push(Geometry { y0, y1 });
    }
    g
}

/// At replay position `playhead` (a y value): how many arrows have started, and which are in flight.
pub fn replay_state(geoms: &[Geometry], playhead: f32) -> (usize, Vec<usize>) {
    let started = geoms.iter().filter(|g| g.y0 <= playhead).count();
    let flying = geoms.iter().enumerate().filter(|(_, g)| g.y0 <= playhead && playhead < g.y1).map(|(i, _)| i).collect();
    (started, flying)
}

/// Stepping forward: the next arrow that has not started yet appears and lands (arrows that start
/// meanwhile appear too). At the end, stays at the end.
pub fn step_forward(geoms: &[Geometry], playhead: f32) -> f32 {
    let next = geoms.iter().filter(|g| g.y0 > playhead).min_by(|a, b| a.y0.total_cmp(&b.y0));
    match next {
        Some(g) => g.y1.max(g.y0),
        None => geoms.iter().map(|g| g.y1).fold(playhead, f32::max),
    }
}

/// Stepping back: the last arrow that appeared is hidden again.
pub fn step_back(geoms: &[Geometry], playhead: f32) -> f32 {
    let last = geoms.iter().filter(|g| g.y0 <= playhead).max_by(|a, b| a.y0.total_cmp(&b.y0));
    match last {
        Some(g) => (g.y0 - 0.01).max(0.0),
        None => 0.0,
    }
}

/// Mermaid text for the arrows.
pub fn mermaid(arrows: &[Arrow]) -> String {
    let mut s = String::from("sequenceDiagram\n    participant Client\n    participant Server\n");
    for a in arrows {
        let (from, to) = if a.dir == Dir::ClientToServer { ("Client", "Server") } else { ("Server", "Client") };
        s.push_str(&format!("    {from}->>{to}: {}\n", a.label.replace([':', ';', '#'], " ")));
    }
    s
}

/// PlantUML text for the arrows.
pub fn plantuml(arrows: &[Arrow]) -> String {
    let mut s = String::from("@startuml\nparticipant Client\nparticipant Server\n");
    for a in arrows {
        let (from, to) = if a.dir == Dir::ClientToServer { ("Client", "Server") } else { ("Server", "Client") };
        s.push_str(&format!("{from} -> {to}: {}\n", a.label.replace('\n', " ")));
    }
    s.push_str("@enduml\n");
    s
}

/// The diagram as a standalone SVG document (lanes, a time column, arrows with heads, labels, idle
/// marks, the vantage line).
pub fn to_svg(title: &str, client: &str, server: &str, l: &Ladder, geoms: &[Geometry], map: &TimeMap) -> String {
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let (w, top) = (700.0f32, 84.0f32);
    let lanes = [170.0f32, w - 110.0];
    let h = top + map.height + 20.0;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"{}\" y=\"20\" text-anchor=\"middle\" font-size=\"15\">{}</text>\n<text x=\"{}\" y=\"36\" text-anchor=\"middle\" font-size=\"10\" fill=\"#666\">{}</text>\n",
        w / 2.0,
        esc(title),
        w / 2.0,
        esc(&l.vantage_text(false))
    );
    for (x, role, addr) in [(lanes[0], "Client", client), (lanes[1], "Server", server)] {
        s.push_str(&format!("<text x=\"{x}\" y=\"56\" text-anchor=\"middle\">{role}</text><text x=\"{x}\" y=\"72\" text-anchor=\"middle\" font-size=\"10\" fill=\"#666\">{}</text>\n", esc(addr)));
        s.push_str(&format!("<line x1=\"{x}\" y1=\"{top}\" x2=\"{x}\" y2=\"{}\" stroke=\"#999\" stroke-width=\"2\"/>\n", top + map.height));
    }
    for (t, y) in map.ticks() {
        s.push_str(&format!(
            "<text x=\"8\" y=\"{}\" font-size=\"10\" fill=\"#888\">{}</text>\n",
            top + y + 3.0,
            esc(&fmt_duration(t.max(0.0)))
        ));
    }
    for b in &map.breaks {
        let y = top + b.y;
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{y}\" text-anchor=\"middle\" font-size=\"10\" fill=\"#888\">… {:.1} s idle …</text>\n",
            (lanes[0] + lanes[1]) / 2.0,
            b.seconds
        ));
    }
    for (a, g) in l.arrows.iter().zip(geoms) {
        let (xa, xb) = if a.dir == Dir::ClientToServer { (lanes[0], lanes[1]) } else { (lanes[1], lanes[0]) };
        let (y0, y1) = (top + g.y0, top + g.y1);
        let [r, gg, b] = color(a);
        let color = format!("#{r:02x}{gg:02x}{b:02x}");
        let (dx, dy) = (xb - xa, y1 - y0);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        let (ux, uy) = (dx / len, dy / len);
        let (bx, by) = (xb - ux * 10.0, y1 - uy * 10.0);
        s.push_str(&format!(
            "<line x1=\"{xa}\" y1=\"{y0}\" x2=\"{xb}\" y2=\"{y1}\" stroke=\"{color}\" stroke-width=\"1.8\"/><polygon points=\"{xb},{y1} {},{} {},{}\" fill=\"{color}\"/>\n",
            bx - uy * 4.5,
            by + ux * 4.5,
            bx + uy * 4.5,
            by - ux * 4.5
        ));
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
            (xa + xb) / 2.0,
            (y0 + y1) / 2.0 - 6.0,
            esc(&a.label)
        ));
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arrow(t: f64, dir: Dir) -> Arrow {
        Arrow {
            dir,
            t_start: t,
            t_end: t,
            depart: t,
            arrive: t,
            label: String::new(),
            kind: ArrowKind::Segment,
            target: Target::Packet(0),
            first_packet: 0,
            packet: 0,
            answers: None,
            status: None,
            opcode: None,
        }
    }

    fn ladder_of(arrows: Vec<Arrow>) -> Ladder {
        Ladder {
            connection: 0,
            mode: Mode::Messages,
            vantage: Vantage::Loopback,
            rtt: None,
            to_client: 0.0,
            to_server: 0.0,
            origin: 0.0,
            arrows,
            pending: Vec::new(),
        }
    }

    #[test]
    fn time_map_keeps_order_spacing_and_compresses_idle() {
        let a: Vec<Arrow> = [0.0, 0.001, 0.002, 10.0, 10.001].iter().map(|t| arrow(*t, Dir::ClientToServer)).collect();
        let l = ladder_of(a);
        let m = TimeMap::new(l.moments(), MapOptions { min_step: 20.0, max_step: 100.0, ..MapOptions::default() });
        let ys: Vec<f32> = l.arrows.iter().map(|x| m.y(x.depart)).collect();
        assert!(ys.windows(2).all(|w| w[1] - w[0] >= 20.0 - 1e-3), "{ys:?}");
        assert_eq!(m.breaks.len(), 1);
        assert!((m.breaks[0].seconds - 9.998).abs() < 1e-6);
        assert!(ys[3] - ys[2] <= 100.0 + 1e-3, "idle stretch compressed");
        // Proportional below the cap: a gap twice as long is drawn about twice as tall.
        let b = ladder_of([0.0, 0.01, 0.02, 0.04].iter().map(|t| arrow(*t, Dir::ClientToServer)).collect());
        let m = TimeMap::new(b.moments(), MapOptions { min_step: 10.0, max_step: 1000.0, ..MapOptions::default() });
        let (d1, d2) = (m.y(0.02) - m.y(0.01), m.y(0.04) - m.y(0.02));
        assert!((d2 / d1 - 2.0).abs() < 0.01, "{d1} {d2}");
        assert!(m.y(0.03) > m.y(0.02) && m.y(0.03) < m.y(0.04), "interpolates");
        // Without cutting, a long wait stays proportional: 10 s drawn 1000 times taller than 10 ms.
        let c = ladder_of([0.0, 0.01, 10.01].iter().map(|t| arrow(*t, Dir::ClientToServer)).collect());
        let m = TimeMap::new(c.moments(), MapOptions { min_step: 1.0, cut_idle: false, max_height: 5000.0, ..MapOptions::default() });
        assert!(m.breaks.is_empty());
        let ratio = (m.y(10.01) - m.y(0.01)) / (m.y(0.01) - m.y(0.0)).max(1e-6);
        assert!(ratio > 300.0, "{ratio}");
    }

    #[test]
    fn vantage_from_the_handshake() {
        // At the client: SYN → SYN-ACK is the round trip (20 ms), the ACK follows at once.
        let (v, rtt, c, s) = infer_vantage(Some(0.0), Some(0.020), Some(0.0201), false);
        assert_eq!(v, Vantage::Client);
        assert!((rtt.unwrap() - 0.0201).abs() < 1e-9 && c < 1e-4 && (s - 0.010).abs() < 1e-9);
        let (v, _, c, s) = infer_vantage(Some(0.0), Some(0.0001), Some(0.0201), false);
        assert_eq!(v, Vantage::Server);
        assert!((c - 0.010).abs() < 1e-9 && s < 1e-4);
        let (v, _, c, s) = infer_vantage(Some(0.0), Some(0.006), Some(0.020), false);
        assert_eq!(v, Vantage::Middle);
        assert!((c - 0.007).abs() < 1e-9 && (s - 0.003).abs() < 1e-9);
        assert_eq!(infer_vantage(Some(0.0), Some(0.00002), Some(0.00003), true).0, Vantage::Loopback);
        assert_eq!(infer_vantage(None, None, Some(1.0), false).0, Vantage::Unknown);
        // A handshake whose times run backwards (clock steps) tells nothing.
        assert_eq!(infer_vantage(Some(1.0), Some(0.5), Some(2.0), false).0, Vantage::Unknown);
    }

    #[test]
    fn svg_has_every_arrow_and_escapes_labels() {
        let mut a = vec![arrow(0.0, Dir::ClientToServer), arrow(0.01, Dir::ServerToClient)];
        a[0].label = "GET /?a=1&b=<2>".into();
        let l = ladder_of(a);
        let m = TimeMap::new(l.moments(), MapOptions::default());
        let g = layout(&l, &m, 4.0);
        let svg = to_svg("#0 HTTP", "127.0.0.1:1", "127.0.0.1:2", &l, &g, &m);
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<polygon").count(), 2);
        assert!(svg.contains("GET /?a=1&amp;b=&lt;2&gt;"));
    }

    #[test]
    fn answers_are_drawn_after_their_cause_lands() {
        // Loopback: the answer is captured 1 µs after its cause; the nominal delay must not let it
        // leave before the cause is drawn arriving.
        let mut a = vec![arrow(0.0, Dir::ClientToServer), arrow(0.000001, Dir::ServerToClient), arrow(0.000001, Dir::ClientToServer)];
        a[1].answers = Some(0);
        let l = ladder_of(a);
        let m = TimeMap::new(l.moments(), MapOptions::default());
        let g = layout(&l, &m, 10.0);
        assert!(g[1].y0 >= g[0].y1, "{g:?}");
        assert!(g[2].y0 >= g[0].y0, "a sender sends in order");
    }

    #[test]
    fn slope_shows_duration_and_replay_counts_grow() {
        let mut long = arrow(0.0, Dir::ServerToClient);
        long.arrive = 0.02;
        let a = vec![arrow(0.0, Dir::ClientToServer), arrow(0.01, Dir::ClientToServer), long, arrow(0.03, Dir::ServerToClient)];
        let mut l = ladder_of(a);
        l.mode = Mode::Packets;
        let m = TimeMap::new(l.moments(), MapOptions { min_step: 10.0, max_step: 200.0, ..MapOptions::default() });
        let g = layout(&l, &m, 4.0);
        assert!(g[2].y1 - g[2].y0 > g[0].y1 - g[0].y0, "a longer message has a steeper arrow");
        let mut head = -1.0;
        let mut seen = Vec::new();
        for _ in 0..3 {
            head = step_forward(&g, head);
            seen.push(replay_state(&g, head).0);
        }
        // Arrows 0 and 2 start at the same moment, so they appear together.
        assert_eq!(seen, vec![2, 3, 4], "every step shows a new arrow");
        assert_eq!(step_forward(&g, head), head, "the end stays the end");
        let back = step_back(&g, head);
        assert_eq!(replay_state(&g, back).0, 3, "back hides the last arrow");
        let (_, flying) = replay_state(&g, g[2].y0 + 1.0);
        assert!(flying.contains(&2));
    }

    #[test]
    fn tick_labels_tell_neighbours_apart() {
        assert_eq!(fmt_tick(4.014, 1.0), "4.014 s");
        assert_eq!(fmt_tick(4.0143, 0.0001), "4.0143 s");
        assert_eq!(fmt_tick(0.2011, 0.05), "201.1 ms");
        assert_eq!(fmt_tick(0.20115, 0.00005), "201.15 ms");
        assert_eq!(fmt_tick(0.000785, 0.0001), "785 µs");
        assert_ne!(fmt_tick(4.0141, 0.00002), fmt_tick(4.01412, 0.00002));
    }

    #[test]
    fn mermaid_and_plantuml() {
        let mut a = arrow(0.0, Dir::ClientToServer);
        a.label = "GET /".into();
        assert_eq!(mermaid(&[a.clone()]), "sequenceDiagram\n    participant Client\n    participant Server\n    Client->>Server: GET /\n");
        assert!(plantuml(&[a]).contains("Client -> Server: GET /"));
    }
}
