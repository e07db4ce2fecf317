//! HTTP/2 (RFC 9113) on one connection, read as an observer: the client preface, every frame
//! (DATA, HEADERS + CONTINUATION, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY,
//! WINDOW_UPDATE; unknown types skipped), each stream an [`HttpExchange`] (pushed streams too),
//! flow-control windows per stream and connection, WebSocket over HTTP/2 (RFC 8441) handed to
//! the WebSocket session code, and the floods of the 2023-2024 HTTP/2 attacks as findings.
//!
//! The framing is hand-written (a 9-byte header and a table of names, see [`frame`]); HPACK
//! (RFC 7541) comes from the `loona-hpack` crate. Candidates compared (crates.io, 2026-12):
//! - `hpack` 0.3.0 (mlalic, 2015, unmaintained): `Decoder::decode(&[0x3f])` panics (hpack-rs
//!   issue 11 open; RUSTSEC-2023-0085).
//! - `hpack-patched` 0.3.0 (2024): that one fix over the 2015 code, no upkeep since.
//! - `fluke-hpack` 0.3.1 (bearcove, superseded by loona-hpack): still panics on 0x3f (loona issue 247).
//! - `httlib-hpack` 0.1.3 (2021, one author, little upkeep); `h2`'s HPACK is private.
//! - `loona-hpack` 0.4.3 (bearcove, Nov 2024, the fork that passes h2spec): integer decoding
//!   bounded to 5 octets, string lengths checked against the input before use, a size update over
//!   `set_max_allowed_table_size` is an error, and its own tests run RFC 7541 Appendix C.3-C.6 and
//!   the nghttp2 / Go / Node / Haskell story fixtures. Chosen. Its one assert
//!   (`set_max_table_size`) is never called here; a dynamic-table size update of 2^32 is an
//!   error (`TooManyOctets`), tested below and in tests/hostile/http2.rs.

pub mod frame;

use self::frame::{Header, PREFACE};
use super::content::{CappedSink, Coding, Decoder as ContentDecoder};
use super::decoder::{Figures, Finish, Shared, StreamDecoder};
use super::sse::{is_event_stream, SseParser};
use super::websocket::{handshake, WsSession};
use super::{Sink, StreamBuf};
use crate::limits::Limits;
use crate::model::{
    nanos_to_secs, Body, Dir, Event, H2Frame, Headers, HttpExchange, HttpRequest, HttpResponse, Nanos, PacketNo, PerDir, Protocol, Severity,
};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Where the reading of one direction is.
enum Read {
    /// The client preface is expected (client to server only).
    Preface,
    /// A frame header is expected.
    Header,
    /// A frame read whole once its payload is buffered.
    Whole(Pending),
    /// A DATA frame's payload, read as it comes. `pad`: the pad length once read.
    Data { f: Pending, pad: Option<u32>, data_left: u32, left: u32 },
    /// A frame skipped as it comes (too large, or of an unknown type).
    Skip { f: Pending, left: u32 },
    /// The framing is lost (a gap, a bad preface): the rest is counted, not read.
    Stopped,
}

/// A frame whose header is read.
#[derive(Clone, Copy)]
struct Pending {
    h: Header,
    first: PacketNo,
}

/// A header block being gathered (HEADERS or PUSH_PROMISE, then CONTINUATION frames).
struct Block {
    stream: u32,
    promised: Option<u32>,
    end_stream: bool,
    bytes: Vec<u8>,
    /// Block bytes seen (kept or not).
    wire: usize,
    continuations: u32,
    /// Past Limits.h2_max_header_block: no longer kept.
    over: bool,
    first: PacketNo,
    start: Nanos,
}

/// What one side (the sender of one direction) has done and may do.
struct Side {
    read: Read,
    /// The HPACK context for the blocks this side sends.
    hpack: loona_hpack::Decoder<'static>,
    hpack_broken: bool,
    /// Largest frame this side may send: the peer's SETTINGS_MAX_FRAME_SIZE.
    max_frame: u32,
    block: Option<Block>,
    /// This side's connection send window, and the initial window of its streams (the peer's
    /// SETTINGS_INITIAL_WINDOW_SIZE).
    window: i64,
    initial_window: i64,
    window_reported: bool,
    settings: u32,
    pings: u32,
    rsts: u32,
    /// Highest stream this side opened.
    last_opened: u32,
}

impl Side {
    fn new(read: Read) -> Self {
        let mut hpack = loona_hpack::Decoder::new();
        hpack.set_max_allowed_table_size(4096);
        Side {
            read,
            hpack,
            hpack_broken: false,
            max_frame: frame::DEFAULT_MAX_FRAME,
            block: None,
            window: frame::DEFAULT_WINDOW,
            initial_window: frame::DEFAULT_WINDOW,
            window_reported: false,
            settings: 0,
            pings: 0,
            rsts: 0,
            last_opened: 0,
        }
    }
}

/// A message body as it arrives in DATA frames.
struct BodyAcc {
    wire: u64,
    plain: CappedSink,
    decoder: Option<ContentDecoder>,
}

/// A WebSocket session carried on a stream (RFC 8441): DATA bytes go to its own buffers.
struct Tunnel {
    session: Box<WsSession>,
    bufs: PerDir<StreamBuf>,
}

struct Stream {
    index: u32,
    request: Option<HttpRequest>,
    response: Option<HttpResponse>,
    interim: Vec<HttpResponse>,
    bodies: PerDir<Option<BodyAcc>>,
    /// A final head was read each way (a further block is trailers).
    headed: PerDir<bool>,
    ended: PerDir<bool>,
    start: PerDir<Option<Nanos>>,
    end: PerDir<Nanos>,
    window: PerDir<i64>,
    window_reported: PerDir<bool>,
    /// An extended CONNECT for a WebSocket (`:protocol websocket`), and its session once answered.
    ws_connect: bool,
    tunnel: Option<Tunnel>,
    /// A `text/event-stream` response: its decoded DATA is read as Server-Sent Events.
    sse: Option<Box<SseParser>>,
}

/// Decoded bytes handed to an event stream's parser at a time (so one packet's events keep their
/// packet, and a compressed body never decodes all at once).
const SSE_PIECE: usize = 1024;

/// The HTTP/2 decoder of one connection.
pub struct Http2 {
    limits: Arc<Limits>,
    sides: PerDir<Side>,
    streams: BTreeMap<u32, Stream>,
    next_index: u32,
    exchanges: u32,
    ws_messages: u32,
    /// Streams not tracked (past Limits.h2_max_streams), and whether that was said.
    untracked: u64,
    /// Frames past a flood cap, by kind (not emitted as events, counted here).
    suppressed: u64,
    goaway: bool,
    /// RST_STREAM error codes already reported, per direction (bit 14: any unregistered code):
    /// one finding per code, the frames themselves are events.
    rst_codes: PerDir<u16>,
    last_ts: Nanos,
    /// Exchanges of the decoder before this one (HTTP/1 before an h2c Upgrade), for the figures.
    before: u32,
    /// The client's settings from an h2c Upgrade's HTTP2-Settings header (RFC 7540 §3.2.1),
    /// applied before the first frame.
    upgrade_settings: Vec<(u16, u32)>,
}

fn opposite(d: Dir) -> Dir {
    d.flip()
}

/// Header bytes as text (invalid UTF-8 shown with replacement characters).
fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn method_cow(m: &str) -> Cow<'static, str> {
    const STANDARD: [&str; 9] = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"];
    match STANDARD.iter().find(|s| **s == m) {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(m.to_string()),
    }
}

impl Http2 {
    /// A decoder for a connection that speaks HTTP/2 from here on. `upgrade_request`: the
    /// HTTP/1.1 request of an h2c Upgrade (RFC 9113 §3.1 of RFC 7540), which becomes stream 1,
    /// half closed by the client; otherwise (prior knowledge, ALPN h2) stream 1 is the client's
    /// first HEADERS. The client preface is expected in both cases.
    pub fn new(shared: &Shared, upgrade_request: Option<HttpRequest>) -> Self {
        let mut h = Http2 {
            limits: shared.limits.clone(),
            sides: PerDir::new(Side::new(Read::Preface), Side::new(Read::Header)),
            streams: BTreeMap::new(),
            next_index: 0,
            exchanges: 0,
            ws_messages: 0,
            untracked: 0,
            suppressed: 0,
            goaway: false,
            rst_codes: PerDir::default(),
            last_ts: 0,
            before: 0,
            upgrade_settings: Vec::new(),
        };
        if let Some(r) = upgrade_request {
            use base64::Engine as _;
            let v = r.headers.value("HTTP2-Settings").unwrap_or("").trim().trim_end_matches('=');
            if let Ok(b) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(v) {
                h.upgrade_settings = b
                    .chunks_exact(6)
                    .take(64)
                    .map(|e| (u16::from_be_bytes([e[0], e[1]]), u32::from_be_bytes([e[2], e[3], e[4], e[5]])))
                    .collect();
            }
            h.next_index = 1;
            let start = (r.start_time * 1e9) as Nanos;
            let end = (r.end_time * 1e9) as Nanos;
            let mut s = h.new_stream(0);
            s.index = 0;
            s.request = Some(HttpRequest { version: Cow::Borrowed("HTTP/1.1"), ..r });
            s.headed[Dir::ClientToServer] = true;
            s.ended[Dir::ClientToServer] = true;
            s.start[Dir::ClientToServer] = Some(start);
            s.end[Dir::ClientToServer] = end;
            h.sides[Dir::ClientToServer].last_opened = 1;
            h.streams.insert(1, s);
        }
        h
    }

    /// The exchange index the first HTTP/2 stream gets (the HTTP/1 exchanges before an h2c
    /// Upgrade take the ones before it, and are counted in its figures). Call before any byte is
    /// decoded.
    pub fn with_first_index(mut self, first: u32) -> Self {
        self.before = first;
        if let Some(s) = self.streams.get_mut(&1) {
            s.index = first;
            self.next_index = first + 1;
        } else {
            self.next_index = first;
        }
        self
    }

    /// Streams emitted as exchanges so far.
    pub fn exchanges(&self) -> u32 {
        self.exchanges
    }

    fn new_stream(&mut self, index: u32) -> Stream {
        let w = PerDir::new(self.sides[Dir::ClientToServer].initial_window, self.sides[Dir::ServerToClient].initial_window);
        Stream {
            index,
            request: None,
            response: None,
            interim: Vec::new(),
            bodies: PerDir::default(),
            headed: PerDir::default(),
            ended: PerDir::default(),
            start: PerDir::default(),
            end: PerDir::default(),
            window: w,
            window_reported: PerDir::default(),
            ws_connect: false,
            tunnel: None,
            sse: None,
        }
    }

    /// Tracks a new stream, unless Limits.h2_max_streams are tracked already (a finding, once).
    fn open(&mut self, id: u32, packet: PacketNo, sink: &mut Sink) -> bool {
        if self.streams.contains_key(&id) {
            return true;
        }
        if self.streams.len() >= self.limits.h2_max_streams {
            self.untracked += 1;
            if self.untracked == 1 {
                sink.finding(
                    packet,
                    Severity::Warning,
                    "h2.stream_limit",
                    format!(
                        "more than {} streams open at once (Limits.h2_max_streams): further streams are counted, not decoded",
                        self.limits.h2_max_streams
                    ),
                );
            }
            return false;
        }
        let index = self.next_index;
        self.next_index += 1;
        let s = self.new_stream(index);
        self.streams.insert(id, s);
        true
    }

    fn frame_event(&mut self, dir: Dir, f: Pending, packet: PacketNo, ts: Nanos, detail: String, sink: &mut Sink) {
        let h = f.h;
        let always = h.stream == 0 || h.kind == frame::RST_STREAM;
        if !always && !self.limits.frame_events {
            return;
        }
        sink.event(Event::H2Frame(Box::new(H2Frame {
            connection: sink.conn,
            direction: dir,
            packet,
            first_packet: f.first,
            time: nanos_to_secs(ts),
            stream: h.stream,
            kind: frame::kind_label(h.kind),
            flags: h.flags,
            len: h.len,
            detail,
        })));
    }

    fn protocol_error(&mut self, packet: PacketNo, code: &'static str, msg: String, sink: &mut Sink) {
        sink.finding(packet, Severity::Error, code, msg);
    }

    /// Reads what is buffered on `dir`.
    fn run(&mut self, dir: Dir, buf: &mut StreamBuf, sink: &mut Sink) {
        loop {
            let read = std::mem::replace(&mut self.sides[dir].read, Read::Stopped);
            let next = match read {
                Read::Stopped => {
                    buf.consume(buf.len());
                    Read::Stopped
                }
                Read::Preface => {
                    let b = buf.bytes();
                    let n = b.len().min(PREFACE.len());
                    if b[..n] != PREFACE[..n] {
                        let (packet, _) = buf.packet_at(buf.offset());
                        sink.finding(
                            packet,
                            Severity::Error,
                            "h2.bad_preface",
                            "the client's first bytes are not the HTTP/2 connection preface (RFC 9113 §3.4): its frames are not decoded"
                                .into(),
                        );
                        Read::Stopped
                    } else if n < PREFACE.len() {
                        self.sides[dir].read = Read::Preface;
                        return;
                    } else {
                        buf.consume(PREFACE.len());
                        Read::Header
                    }
                }
                Read::Header => {
                    let Some(h) = Header::parse(buf.bytes()) else {
                        self.sides[dir].read = Read::Header;
                        return;
                    };
                    let (first, _) = buf.packet_at(buf.offset());
                    buf.consume(frame::HEADER_LEN);
                    self.on_header(dir, Pending { h, first }, sink)
                }
                Read::Whole(f) => {
                    let len = f.h.len as usize;
                    let Some(payload) = buf.bytes().get(..len) else {
                        self.sides[dir].read = Read::Whole(f);
                        return;
                    };
                    let (packet, ts) = if len == 0 { buf.last_consumed_packet() } else { buf.packet_at(buf.offset() + len as u64 - 1) };
                    self.last_ts = ts;
                    let detail = self.on_frame(dir, f, payload, packet, ts, sink);
                    buf.consume(len);
                    if let Some(d) = detail {
                        self.frame_event(dir, f, packet, ts, d, sink);
                    }
                    Read::Header
                }
                Read::Skip { f, left } => {
                    let n = (left as usize).min(buf.len());
                    buf.consume(n);
                    let left = left - n as u32;
                    if left > 0 {
                        self.sides[dir].read = Read::Skip { f, left };
                        return;
                    }
                    let (packet, ts) = buf.last_consumed_packet();
                    self.frame_event(dir, f, packet, ts, "not decoded".into(), sink);
                    Read::Header
                }
                Read::Data { f, mut pad, mut data_left, mut left } => {
                    if pad.is_none() {
                        let Some(&p) = buf.bytes().first() else {
                            self.sides[dir].read = Read::Data { f, pad, data_left, left };
                            return;
                        };
                        buf.consume(1);
                        left -= 1;
                        let p = u32::from(p);
                        if p > left {
                            let (packet, _) = buf.last_consumed_packet();
                            self.protocol_error(packet, "h2.protocol_error", format!("DATA on stream {}: padding of {p} bytes is longer than the {left} bytes left in the frame (RFC 9113 §6.1, PROTOCOL_ERROR)", f.h.stream), sink);
                            data_left = 0;
                        } else {
                            data_left = left - p;
                        }
                        pad = Some(p);
                    }
                    let n = (data_left as usize).min(buf.len());
                    if n > 0 {
                        let (packet, ts) = buf.packet_at(buf.offset() + n as u64 - 1);
                        self.on_data(dir, f.h.stream, &buf.bytes()[..n], packet, ts, sink);
                        buf.consume(n);
                        data_left -= n as u32;
                        left -= n as u32;
                    }
                    if data_left == 0 {
                        let m = (left as usize).min(buf.len());
                        buf.consume(m);
                        left -= m as u32;
                    }
                    if left > 0 {
                        self.sides[dir].read = Read::Data { f, pad, data_left, left };
                        return;
                    }
                    let (packet, ts) = buf.last_consumed_packet();
                    self.last_ts = ts;
                    let end = f.h.has(frame::FLAG_END_STREAM);
                    let padded = f.h.has(frame::FLAG_PADDED);
                    let data_len = if padded { f.h.len.saturating_sub(pad.unwrap_or(0) + 1) } else { f.h.len };
                    let mut detail = format!("{data_len} bytes");
                    if padded {
                        detail.push_str(&format!(" padded {}", pad.unwrap_or(0)));
                    }
                    if end {
                        detail.push_str(" END_STREAM");
                    }
                    self.frame_event(dir, f, packet, ts, detail, sink);
                    if end {
                        self.end_stream(dir, f.h.stream, packet, ts, sink);
                    }
                    Read::Header
                }
            };
            self.sides[dir].read = next;
            if buf.is_empty() && !self.sides[dir].read.ready_without_bytes() {
                return;
            }
        }
    }

    /// A frame header was read: checks what can be checked from it and decides how to read it.
    fn on_header(&mut self, dir: Dir, f: Pending, sink: &mut Sink) -> Read {
        let h = f.h;
        let max = self.sides[dir].max_frame;
        let name = frame::kind_label(h.kind);
        // Inside a header block only its CONTINUATION frames may come (RFC 9113 §6.10).
        if let Some(b) = &self.sides[dir].block {
            if h.kind != frame::CONTINUATION || h.stream != b.stream {
                let msg = format!("{name} on stream {} inside the header block of stream {} (only CONTINUATION may follow until END_HEADERS; RFC 9113 §6.10, PROTOCOL_ERROR)", h.stream, b.stream);
                self.protocol_error(f.first, "h2.protocol_error", msg, sink);
                self.sides[dir].block = None;
            }
        } else if h.kind == frame::CONTINUATION {
            let msg =
                format!("CONTINUATION on stream {} without a HEADERS or PUSH_PROMISE before it (RFC 9113 §6.10, PROTOCOL_ERROR)", h.stream);
            self.protocol_error(f.first, "h2.protocol_error", msg, sink);
        }
        if h.len > max {
            let msg = format!(
                "{name} frame of {} bytes on stream {} exceeds SETTINGS_MAX_FRAME_SIZE {max} (RFC 9113 §4.2, FRAME_SIZE_ERROR): skipped",
                h.len, h.stream
            );
            sink.finding(f.first, Severity::Error, "h2.frame_size_error", msg);
            return Read::Skip { f, left: h.len };
        }
        let connection_frame = matches!(h.kind, frame::SETTINGS | frame::PING | frame::GOAWAY);
        let stream_frame = matches!(
            h.kind,
            frame::DATA | frame::HEADERS | frame::PRIORITY | frame::RST_STREAM | frame::PUSH_PROMISE | frame::CONTINUATION
        );
        if connection_frame && h.stream != 0 {
            let msg = format!("{name} on stream {} (it belongs to stream 0; RFC 9113 §6, PROTOCOL_ERROR)", h.stream);
            self.protocol_error(f.first, "h2.protocol_error", msg, sink);
        }
        if stream_frame && h.stream == 0 {
            let msg = format!("{name} on stream 0 (it needs a stream; RFC 9113 §6, PROTOCOL_ERROR)");
            self.protocol_error(f.first, "h2.protocol_error", msg, sink);
            return Read::Skip { f, left: h.len };
        }
        match h.kind {
            frame::DATA => {
                self.flow(dir, h.stream, h.len, f.first, sink);
                if h.has(frame::FLAG_PADDED) && h.len == 0 {
                    self.protocol_error(
                        f.first,
                        "h2.protocol_error",
                        format!("padded DATA on stream {} has no pad length (RFC 9113 §6.1, FRAME_SIZE_ERROR)", h.stream),
                        sink,
                    );
                    return Read::Whole(f);
                }
                if h.has(frame::FLAG_PADDED) {
                    Read::Data { f, pad: None, data_left: 0, left: h.len }
                } else {
                    Read::Data { f, pad: Some(0), data_left: h.len, left: h.len }
                }
            }
            _ if frame::type_name(h.kind).is_none() => Read::Skip { f, left: h.len },
            _ if h.len as usize > self.limits.h2_max_frame_buffer => {
                let msg = format!(
                    "{name} frame of {} bytes on stream {} is over Limits.h2_max_frame_buffer ({}): skipped, not decoded",
                    h.len, h.stream, self.limits.h2_max_frame_buffer
                );
                sink.finding(f.first, Severity::Warning, "h2.frame_buffer_limit", msg);
                if matches!(h.kind, frame::HEADERS | frame::CONTINUATION | frame::PUSH_PROMISE) {
                    self.hpack_lost(dir, f.first, sink);
                }
                Read::Skip { f, left: h.len }
            }
            _ => Read::Whole(f),
        }
    }

    /// A header block could not be decoded: the HPACK context of `dir` is lost for good.
    fn hpack_lost(&mut self, dir: Dir, packet: PacketNo, sink: &mut Sink) {
        if !self.sides[dir].hpack_broken {
            self.sides[dir].hpack_broken = true;
            sink.finding(packet, Severity::Warning, "h2.hpack_lost", format!("a header block {} was not decoded, so the HPACK dynamic table is out of step: later header blocks that way are not decoded", dir.arrow()));
        }
    }

    /// Flow control (RFC 9113 §6.9): a DATA frame of `len` bytes uses the sender's windows.
    fn flow(&mut self, dir: Dir, stream: u32, len: u32, packet: PacketNo, sink: &mut Sink) {
        let side = &mut self.sides[dir];
        side.window -= i64::from(len);
        if side.window < 0 && !side.window_reported {
            side.window_reported = true;
            let w = side.window + i64::from(len);
            sink.finding(packet, Severity::Warning, "h2.flow_control_exceeded", format!("DATA of {len} bytes on stream {stream} exceeds the connection's flow-control window ({w} bytes left {}; RFC 9113 §6.9.1, FLOW_CONTROL_ERROR)", dir.arrow()));
        }
        if let Some(s) = self.streams.get_mut(&stream) {
            s.window[dir] -= i64::from(len);
            if s.window[dir] < 0 && !s.window_reported[dir] {
                s.window_reported[dir] = true;
                let w = s.window[dir] + i64::from(len);
                sink.finding(packet, Severity::Warning, "h2.flow_control_exceeded", format!("DATA of {len} bytes on stream {stream} exceeds the stream's flow-control window ({w} bytes left {}; RFC 9113 §6.9.1, FLOW_CONTROL_ERROR)", dir.arrow()));
            }
        }
    }

    /// Counts a control frame against its flood cap: false (and a finding, once) past it.
    fn flood(&mut self, dir: Dir, kind: u8, packet: PacketNo, sink: &mut Sink) -> bool {
        let side = &mut self.sides[dir];
        let (count, cap, code, what) = match kind {
            frame::SETTINGS => (&mut side.settings, self.limits.h2_max_settings_frames, "h2.settings_flood", "SETTINGS"),
            frame::PING => (&mut side.pings, self.limits.h2_max_ping_frames, "h2.ping_flood", "PING"),
            _ => (&mut side.rsts, self.limits.h2_max_rst_frames, "h2.rst_flood", "RST_STREAM"),
        };
        *count = count.saturating_add(1);
        if *count <= cap {
            return true;
        }
        self.suppressed += 1;
        if *count == cap + 1 {
            let field = match kind {
                frame::SETTINGS => "h2_max_settings_frames",
                frame::PING => "h2_max_ping_frames",
                _ => "h2_max_rst_frames",
            };
            sink.finding(packet, Severity::Warning, code, format!("more than {cap} {what} frames {} on this connection (Limits.{field}; a flood, as in the HTTP/2 denial-of-service attacks): further ones are counted, not shown", dir.arrow()));
        }
        false
    }

    /// A whole frame (not DATA): returns its event's detail, or none when it is not shown.
    fn on_frame(&mut self, dir: Dir, f: Pending, p: &[u8], packet: PacketNo, ts: Nanos, sink: &mut Sink) -> Option<String> {
        let h = f.h;
        match h.kind {
            frame::HEADERS | frame::PUSH_PROMISE => {
                let mut body = p;
                let mut detail = String::new();
                if h.has(frame::FLAG_PADDED) {
                    let Some((&pad, rest)) = body.split_first() else {
                        self.protocol_error(
                            packet,
                            "h2.protocol_error",
                            format!(
                                "padded {} on stream {} is empty (RFC 9113 §6.2, FRAME_SIZE_ERROR)",
                                frame::kind_label(h.kind),
                                h.stream
                            ),
                            sink,
                        );
                        return Some("malformed".into());
                    };
                    if usize::from(pad) > rest.len() {
                        self.protocol_error(
                            packet,
                            "h2.protocol_error",
                            format!(
                                "{} on stream {}: padding of {pad} bytes is longer than the frame (RFC 9113 §6.2, PROTOCOL_ERROR)",
                                frame::kind_label(h.kind),
                                h.stream
                            ),
                            sink,
                        );
                        self.hpack_lost(dir, packet, sink);
                        return Some("malformed".into());
                    }
                    body = &rest[..rest.len() - usize::from(pad)];
                    detail.push_str(&format!("padded {pad} "));
                }
                let mut promised = None;
                if h.kind == frame::HEADERS && h.has(frame::FLAG_PRIORITY) {
                    let Some(dep) = frame::be32(body).filter(|_| body.len() >= 5) else {
                        self.protocol_error(
                            packet,
                            "h2.protocol_error",
                            format!("HEADERS on stream {} too short for its priority fields (RFC 9113 §6.2, FRAME_SIZE_ERROR)", h.stream),
                            sink,
                        );
                        self.hpack_lost(dir, packet, sink);
                        return Some("malformed".into());
                    };
                    detail.push_str(&format!("depends on {} weight {} ", dep & 0x7fff_ffff, u16::from(body[4]) + 1));
                    body = &body[5..];
                }
                if h.kind == frame::PUSH_PROMISE {
                    let Some(id) = frame::be32(body) else {
                        self.protocol_error(
                            packet,
                            "h2.protocol_error",
                            format!(
                                "PUSH_PROMISE on stream {} too short for its promised stream (RFC 9113 §6.6, FRAME_SIZE_ERROR)",
                                h.stream
                            ),
                            sink,
                        );
                        self.hpack_lost(dir, packet, sink);
                        return Some("malformed".into());
                    };
                    let id = id & 0x7fff_ffff;
                    if dir == Dir::ClientToServer {
                        self.protocol_error(
                            packet,
                            "h2.protocol_error",
                            "PUSH_PROMISE from the client (only servers push; RFC 9113 §8.4, PROTOCOL_ERROR)".into(),
                            sink,
                        );
                    }
                    detail.push_str(&format!("promised {id} "));
                    promised = Some(id);
                    body = &body[4..];
                }
                if h.kind == frame::HEADERS && !self.streams.contains_key(&h.stream) {
                    let initiator_ok = if dir == Dir::ClientToServer { !h.stream.is_multiple_of(2) } else { h.stream.is_multiple_of(2) };
                    if h.stream > self.sides[dir].last_opened {
                        if !initiator_ok {
                            let msg = format!(
                                "HEADERS opening stream {} {}: that side opens {} streams (RFC 9113 §5.1.1, PROTOCOL_ERROR)",
                                h.stream,
                                dir.arrow(),
                                if dir == Dir::ClientToServer { "odd" } else { "even (pushed)" }
                            );
                            self.protocol_error(packet, "h2.protocol_error", msg, sink);
                        }
                        self.sides[dir].last_opened = h.stream;
                        self.open(h.stream, packet, sink);
                    }
                }
                if let Some(id) = promised {
                    if self.open(id, packet, sink) {
                        if let Some(s) = self.streams.get_mut(&id) {
                            s.ended[Dir::ClientToServer] = true;
                        }
                    }
                }
                let end_stream = h.kind == frame::HEADERS && h.has(frame::FLAG_END_STREAM);
                let (first, start) = (f.first, ts);
                let mut b = Block {
                    stream: h.stream,
                    promised,
                    end_stream,
                    bytes: Vec::new(),
                    wire: 0,
                    continuations: 0,
                    over: false,
                    first,
                    start,
                };
                self.gather(&mut b, body, packet, sink);
                if end_stream {
                    detail.push_str("END_STREAM ");
                }
                if h.has(frame::FLAG_END_HEADERS) {
                    detail.push_str("END_HEADERS");
                    self.block_done(dir, b, packet, ts, sink);
                } else {
                    self.sides[dir].block = Some(b);
                }
                Some(detail.trim_end().to_string())
            }
            frame::CONTINUATION => {
                let Some(mut b) = self.sides[dir].block.take().filter(|b| b.stream == h.stream) else {
                    return Some("outside a header block".into());
                };
                b.continuations += 1;
                let shown = b.continuations <= self.limits.h2_max_continuations;
                if b.continuations == self.limits.h2_max_continuations + 1 {
                    sink.finding(packet, Severity::Warning, "h2.continuation_flood", format!("more than {} CONTINUATION frames in one header block on stream {} (Limits.h2_max_continuations; the 2024 CONTINUATION flood): further ones are counted, not shown", self.limits.h2_max_continuations, h.stream));
                }
                self.gather(&mut b, p, packet, sink);
                let end = h.has(frame::FLAG_END_HEADERS);
                if end {
                    self.block_done(dir, b, packet, ts, sink);
                } else {
                    self.sides[dir].block = Some(b);
                }
                if !shown {
                    self.suppressed += 1;
                    return None;
                }
                Some(if end { "END_HEADERS".into() } else { String::new() })
            }
            frame::PRIORITY => {
                let Some(dep) = frame::be32(p).filter(|_| p.len() == 5) else {
                    sink.finding(
                        packet,
                        Severity::Error,
                        "h2.frame_size_error",
                        format!("PRIORITY on stream {} of {} bytes (it has 5; RFC 9113 §6.3, FRAME_SIZE_ERROR)", h.stream, p.len()),
                    );
                    return Some("malformed".into());
                };
                Some(format!("depends on {} weight {}", dep & 0x7fff_ffff, u16::from(p[4]) + 1))
            }
            frame::RST_STREAM => {
                let shown = self.flood(dir, h.kind, packet, sink);
                let Some(code) = frame::be32(p).filter(|_| p.len() == 4) else {
                    sink.finding(
                        packet,
                        Severity::Error,
                        "h2.frame_size_error",
                        format!("RST_STREAM on stream {} of {} bytes (it has 4; RFC 9113 §6.4, FRAME_SIZE_ERROR)", h.stream, p.len()),
                    );
                    return shown.then(|| "malformed".into());
                };
                let label = frame::error_label(code);
                let bit = 1u16 << code.min(14);
                if shown && self.rst_codes[dir] & bit == 0 {
                    self.rst_codes[dir] |= bit;
                    let sev = if code == 0 || code == 8 { Severity::Info } else { Severity::Warning };
                    sink.finding(
                        packet,
                        sev,
                        "h2.rst_stream",
                        format!(
                            "stream {} reset {} with {label} (RFC 9113 §6.4; later resets with this code that way are in the frames only)",
                            h.stream,
                            dir.arrow()
                        ),
                    );
                }
                if let Some(mut s) = self.streams.remove(&h.stream) {
                    s.end[dir] = ts;
                    self.emit(h.stream, s, packet, false, sink);
                }
                shown.then(|| format!("error={label}"))
            }
            frame::SETTINGS => {
                let shown = self.flood(dir, h.kind, packet, sink);
                if h.has(frame::FLAG_ACK) {
                    if !p.is_empty() {
                        sink.finding(
                            packet,
                            Severity::Error,
                            "h2.frame_size_error",
                            format!("SETTINGS ACK with {} payload bytes (RFC 9113 §6.5, FRAME_SIZE_ERROR)", p.len()),
                        );
                    }
                    return shown.then(|| "ACK".into());
                }
                if !p.len().is_multiple_of(6) {
                    sink.finding(
                        packet,
                        Severity::Error,
                        "h2.frame_size_error",
                        format!("SETTINGS of {} bytes (a multiple of 6; RFC 9113 §6.5, FRAME_SIZE_ERROR)", p.len()),
                    );
                }
                let mut detail = Vec::new();
                for e in p.chunks_exact(6) {
                    let id = u16::from_be_bytes([e[0], e[1]]);
                    let v = u32::from_be_bytes([e[2], e[3], e[4], e[5]]);
                    self.setting(dir, id, v, packet, sink);
                    if shown && detail.len() < 16 {
                        detail.push(match frame::setting_name(id) {
                            Some(n) => format!("{n}={v}"),
                            None => format!("0x{id:x}={v}"),
                        });
                    }
                }
                shown.then(|| detail.join(" "))
            }
            frame::PING => {
                let shown = self.flood(dir, h.kind, packet, sink);
                if p.len() != 8 {
                    sink.finding(
                        packet,
                        Severity::Error,
                        "h2.frame_size_error",
                        format!("PING of {} bytes (it has 8; RFC 9113 §6.7, FRAME_SIZE_ERROR)", p.len()),
                    );
                }
                let hex: String = p.iter().take(8).map(|b| format!("{b:02x}")).collect();
                shown.then(|| if h.has(frame::FLAG_ACK) { format!("ACK {hex}") } else { hex })
            }
            frame::GOAWAY => {
                let (Some(last), Some(code)) = (frame::be32(p), p.get(4..).and_then(frame::be32)) else {
                    sink.finding(
                        packet,
                        Severity::Error,
                        "h2.frame_size_error",
                        format!("GOAWAY of {} bytes (at least 8; RFC 9113 §6.8, FRAME_SIZE_ERROR)", p.len()),
                    );
                    return Some("malformed".into());
                };
                let last = last & 0x7fff_ffff;
                let label = frame::error_label(code);
                let debug = p.get(8..).map(|d| text(&d[..d.len().min(256)])).unwrap_or_default();
                let sev = if code == 0 { Severity::Info } else { Severity::Warning };
                let extra = if debug.is_empty() { String::new() } else { format!(", debug data \"{debug}\"") };
                if !self.goaway || code != 0 {
                    sink.finding(
                        packet,
                        sev,
                        "h2.goaway",
                        format!("GOAWAY {} with {label}, last stream {last}{extra} (RFC 9113 §6.8)", dir.arrow()),
                    );
                }
                self.goaway = true;
                Some(format!("last_stream={last} error={label}"))
            }
            frame::WINDOW_UPDATE => {
                let Some(inc) = frame::be32(p).filter(|_| p.len() == 4) else {
                    sink.finding(
                        packet,
                        Severity::Error,
                        "h2.frame_size_error",
                        format!("WINDOW_UPDATE on stream {} of {} bytes (it has 4; RFC 9113 §6.9, FRAME_SIZE_ERROR)", h.stream, p.len()),
                    );
                    return Some("malformed".into());
                };
                let inc = i64::from(inc & 0x7fff_ffff);
                if inc == 0 {
                    self.protocol_error(
                        packet,
                        "h2.protocol_error",
                        format!("WINDOW_UPDATE of 0 on stream {} (RFC 9113 §6.9, PROTOCOL_ERROR)", h.stream),
                        sink,
                    );
                }
                // The window update raises what the other side may send.
                let other = opposite(dir);
                let over = if h.stream == 0 {
                    let w = &mut self.sides[other].window;
                    *w += inc;
                    *w > frame::MAX_WINDOW
                } else if let Some(s) = self.streams.get_mut(&h.stream) {
                    s.window[other] += inc;
                    s.window[other] > frame::MAX_WINDOW
                } else {
                    false
                };
                if over {
                    sink.finding(
                        packet,
                        Severity::Error,
                        "h2.window_overflow",
                        format!(
                            "WINDOW_UPDATE +{inc} on stream {} takes the window past 2^31-1 (RFC 9113 §6.9.1, FLOW_CONTROL_ERROR)",
                            h.stream
                        ),
                    );
                }
                Some(format!("+{inc}"))
            }
            _ => Some(String::new()),
        }
    }

    /// A SETTINGS parameter sent in `dir`: it governs what the other side sends.
    fn setting(&mut self, dir: Dir, id: u16, v: u32, packet: PacketNo, sink: &mut Sink) {
        let other = opposite(dir);
        match id {
            1 => {
                let cap = self.limits.h2_max_header_table;
                let allowed = if v as usize > cap {
                    sink.finding(packet, Severity::Warning, "h2.header_table_limit", format!("SETTINGS_HEADER_TABLE_SIZE {v} is over Limits.h2_max_header_table ({cap}): a dynamic table larger than that is not followed"));
                    cap
                } else {
                    v as usize
                };
                // Lenient: the encoder may go on using the larger of the old and new sizes until it
                // sees the setting.
                self.sides[other].hpack.set_max_allowed_table_size(allowed.max(4096));
            }
            2 if v > 1 => self.protocol_error(
                packet,
                "h2.protocol_error",
                format!("SETTINGS_ENABLE_PUSH {v} (0 or 1; RFC 9113 §6.5.2, PROTOCOL_ERROR)"),
                sink,
            ),
            4 => {
                if i64::from(v) > frame::MAX_WINDOW {
                    sink.finding(
                        packet,
                        Severity::Error,
                        "h2.window_overflow",
                        format!("SETTINGS_INITIAL_WINDOW_SIZE {v} is over 2^31-1 (RFC 9113 §6.5.2, FLOW_CONTROL_ERROR)"),
                    );
                    return;
                }
                let delta = i64::from(v) - self.sides[other].initial_window;
                self.sides[other].initial_window = i64::from(v);
                for s in self.streams.values_mut() {
                    s.window[other] += delta;
                }
            }
            5 => {
                if !(frame::DEFAULT_MAX_FRAME..=frame::LARGEST_MAX_FRAME).contains(&v) {
                    self.protocol_error(
                        packet,
                        "h2.protocol_error",
                        format!("SETTINGS_MAX_FRAME_SIZE {v} is outside 16384..16777215 (RFC 9113 §6.5.2, PROTOCOL_ERROR)"),
                        sink,
                    );
                } else {
                    self.sides[other].max_frame = v;
                }
            }
            _ => {}
        }
    }

    /// Adds a fragment to a header block, up to Limits.h2_max_header_block.
    fn gather(&mut self, b: &mut Block, frag: &[u8], packet: PacketNo, sink: &mut Sink) {
        b.wire = b.wire.saturating_add(frag.len());
        if b.over {
            return;
        }
        if b.wire > self.limits.h2_max_header_block {
            b.over = true;
            b.bytes = Vec::new();
            sink.finding(packet, Severity::Warning, "h2.header_block_limit", format!("a header block on stream {} is over Limits.h2_max_header_block ({} bytes; CONTINUATION floods send endless ones): it is counted, not decoded", b.stream, self.limits.h2_max_header_block));
            return;
        }
        b.bytes.extend_from_slice(frag);
    }

    /// A header block is complete: decodes it and gives it to its stream.
    fn block_done(&mut self, dir: Dir, b: Block, packet: PacketNo, ts: Nanos, sink: &mut Sink) {
        if b.over {
            self.hpack_lost(dir, packet, sink);
        }
        let mut fields: Vec<(String, String)> = Vec::new();
        let mut ok = !self.sides[dir].hpack_broken && !b.over;
        if ok {
            let (max_fields, max_bytes) = (self.limits.max_header_fields, self.limits.h2_max_header_list);
            let mut bytes = 0usize;
            let mut dropped = 0usize;
            let r = self.sides[dir].hpack.decode_with_cb(&b.bytes, |n, v| {
                bytes = bytes.saturating_add(n.len() + v.len() + 32);
                if fields.len() < max_fields && bytes <= max_bytes {
                    fields.push((text(&n), text(&v)));
                } else {
                    dropped += 1;
                }
            });
            if let Err(e) = r {
                sink.finding(
                    packet,
                    Severity::Error,
                    "h2.hpack_error",
                    format!("the header block on stream {} does not decode: {e} (RFC 7541; COMPRESSION_ERROR)", b.stream),
                );
                ok = false;
                self.hpack_lost(dir, packet, sink);
            } else if dropped > 0 {
                sink.finding(packet, Severity::Warning, "h2.header_list_limit", format!("the header block on stream {} decodes to more than {max_fields} fields or {max_bytes} bytes (Limits.max_header_fields, Limits.h2_max_header_list): {dropped} fields dropped", b.stream));
            }
        }
        let target = b.promised.unwrap_or(b.stream);
        let Some(s) = self.streams.get_mut(&target) else { return };
        let head_len = b.wire;
        let pseudo = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
        let mut headers = Headers::with_capacity(fields.len(), 0);
        for (n, v) in &fields {
            headers.push(n, v);
        }
        // A pushed request comes from the server, but is the promised stream's request.
        let msg_dir = if b.promised.is_some() { Dir::ClientToServer } else { dir };
        if s.headed[msg_dir] || (msg_dir == Dir::ServerToClient && s.response.is_some()) {
            // Trailers: appended to the message's fields, as HTTP/1's chunked trailers are.
            let m = match msg_dir {
                Dir::ClientToServer => s.request.as_mut().map(|r| &mut r.headers),
                Dir::ServerToClient => s.response.as_mut().map(|r| &mut r.headers),
            };
            if let Some(h) = m {
                for (n, v) in &fields {
                    h.push(n, v);
                }
            }
        } else if msg_dir == Dir::ClientToServer {
            let method = pseudo(":method").unwrap_or_default();
            let target_s = pseudo(":path").or_else(|| pseudo(":authority")).unwrap_or_default();
            if ok && (method.is_empty() || (target_s.is_empty() && method != "CONNECT")) {
                sink.finding(
                    packet,
                    Severity::Warning,
                    "h2.missing_pseudo_header",
                    format!("the request on stream {target} lacks :method or :path (RFC 9113 §8.3.1)"),
                );
            }
            s.ws_connect = method == "CONNECT" && pseudo(":protocol").is_some_and(|p| p.eq_ignore_ascii_case("websocket"));
            s.start[msg_dir] = Some(b.start);
            s.headed[msg_dir] = true;
            s.request = Some(HttpRequest {
                packet,
                first_packet: b.first,
                method: method_cow(&method),
                target: target_s,
                malformed_line: None,
                version: Cow::Borrowed("HTTP/2"),
                headers,
                head_len,
                body_len: 0,
                wire_body_len: 0,
                start_time: nanos_to_secs(b.start),
                end_time: nanos_to_secs(ts),
                body: None,
            });
            if b.promised.is_some() {
                s.end[msg_dir] = ts;
            }
        } else {
            let status = pseudo(":status").and_then(|v| v.parse::<u16>().ok()).unwrap_or(0);
            if ok && status == 0 {
                sink.finding(
                    packet,
                    Severity::Warning,
                    "h2.missing_pseudo_header",
                    format!("the response on stream {target} lacks a valid :status (RFC 9113 §8.3.2)"),
                );
            }
            if s.start[msg_dir].is_none() {
                s.start[msg_dir] = Some(b.start);
            }
            let coding = headers.value("content-encoding").map(str::to_string);
            let resp = HttpResponse {
                packet,
                first_packet: b.first,
                status,
                reason: String::new(),
                version: Cow::Borrowed("HTTP/2"),
                headers,
                head_len,
                body_len: 0,
                wire_body_len: 0,
                chunked: false,
                content_encoding: coding,
                until_close: false,
                complete: false,
                start_time: nanos_to_secs(b.start),
                end_time: nanos_to_secs(ts),
                body: None,
            };
            if (100..200).contains(&status) {
                if s.interim.len() < self.limits.max_interim_responses {
                    s.interim.push(HttpResponse { complete: true, ..resp });
                }
            } else {
                s.headed[msg_dir] = true;
                if s.ws_connect && (200..300).contains(&status) {
                    let req_h = s.request.as_ref().map(|r| r.headers.clone()).unwrap_or_default();
                    let req_p = s.request.as_ref().map_or(0, |r| r.packet);
                    let hs = handshake::from_headers(&req_h, &resp.headers, req_p, packet);
                    s.tunnel = Some(Tunnel { session: Box::new(WsSession::new(hs, &self.limits)), bufs: PerDir::default() });
                } else if resp.headers.value("content-type").is_some_and(is_event_stream) {
                    s.sse = Some(Box::new(SseParser::new(sink.conn, s.index, Some(target), &self.limits)));
                }
                s.response = Some(resp);
            }
        }
        if b.end_stream {
            self.end_stream(dir, b.stream, packet, ts, sink);
        }
    }

    /// DATA payload bytes for `stream`.
    fn on_data(&mut self, dir: Dir, stream: u32, d: &[u8], packet: PacketNo, ts: Nanos, sink: &mut Sink) {
        let (keep, cap) = (self.limits.keep_body, self.limits.max_decompressed);
        let Some(s) = self.streams.get_mut(&stream) else { return };
        if let Some(t) = &mut s.tunnel {
            t.bufs[dir].push(d, packet, ts);
            t.session.process(&mut t.bufs, sink);
            return;
        }
        if s.bodies[dir].is_none() {
            let coding = match dir {
                Dir::ServerToClient => s.response.as_ref().and_then(|r| r.content_encoding.as_deref()),
                Dir::ClientToServer => s.request.as_ref().and_then(|r| r.headers.value("content-encoding")),
            }
            .and_then(Coding::from_header);
            let sse = dir == Dir::ServerToClient && s.sse.is_some();
            let decoder = coding.map(|c| sink.decoder(c, keep, cap)).map(|d| if sse { d.tapped() } else { d });
            s.bodies[dir] = Some(BodyAcc { wire: 0, plain: CappedSink::new(keep, u64::MAX), decoder });
        }
        let sse = if dir == Dir::ServerToClient { s.sse.as_deref_mut() } else { None };
        if let Some(b) = &mut s.bodies[dir] {
            b.wire += d.len() as u64;
            match (&mut b.decoder, sse) {
                (Some(dec), None) => dec.write(d),
                (None, None) => b.plain.take(d),
                (None, Some(p)) => {
                    b.plain.take(d);
                    p.feed(d, packet, ts, sink);
                }
                (Some(dec), Some(p)) => {
                    for piece in d.chunks(SSE_PIECE) {
                        dec.write(piece);
                        if let Some(t) = dec.tap() {
                            p.feed(t, packet, ts, sink);
                            t.clear();
                        }
                    }
                }
            }
        }
    }

    /// END_STREAM in `dir` on `stream`.
    fn end_stream(&mut self, dir: Dir, stream: u32, packet: PacketNo, ts: Nanos, sink: &mut Sink) {
        let Some(s) = self.streams.get_mut(&stream) else { return };
        if s.ended[dir] {
            return;
        }
        s.ended[dir] = true;
        s.end[dir] = ts;
        Self::close_body(s, dir, packet, ts, true, self.limits.keep_body, sink);
        if s.ended[Dir::ClientToServer] && s.ended[Dir::ServerToClient] {
            if let Some(s) = self.streams.remove(&stream) {
                self.emit(stream, s, packet, true, sink);
            }
        }
    }

    /// Ends the body `dir` of a stream: its lengths and kept bytes go to the message.
    fn close_body(s: &mut Stream, dir: Dir, packet: PacketNo, ts: Nanos, complete: bool, keep: usize, sink: &mut Sink) {
        let mut sse = if dir == Dir::ServerToClient { s.sse.take() } else { None };
        let (len, wire, bytes, truncated) = match s.bodies[dir].take() {
            Some(BodyAcc { wire, plain, decoder }) => match decoder {
                Some(d) => {
                    let (len, kept, t) = sink.finish_body(d, sse.as_deref_mut(), packet, ts);
                    (len, wire, kept, t)
                }
                None => {
                    let t = plain.total > plain.kept.len() as u64;
                    (plain.total, wire, plain.kept, t)
                }
            },
            None => (0, 0, Vec::new(), false),
        };
        if let Some(mut p) = sse {
            p.end(packet, sink);
        }
        let body = (keep > 0 && len > 0).then_some(Body { bytes, truncated });
        match dir {
            Dir::ClientToServer => {
                if let Some(r) = &mut s.request {
                    if wire > 0 || r.body.is_none() {
                        r.body_len = len;
                        r.wire_body_len = wire;
                        r.body = body;
                    }
                    if r.version == "HTTP/2" {
                        r.packet = packet;
                        r.end_time = nanos_to_secs(ts);
                    }
                }
            }
            Dir::ServerToClient => {
                if let Some(r) = &mut s.response {
                    r.body_len = len;
                    r.wire_body_len = wire;
                    r.body = body;
                    r.complete = complete;
                    r.packet = packet;
                    r.end_time = nanos_to_secs(ts);
                }
            }
        }
    }

    fn emit(&mut self, id: u32, mut s: Stream, packet: PacketNo, complete: bool, sink: &mut Sink) {
        for dir in Dir::BOTH {
            if !s.ended[dir] {
                // A side that never ended (a reset stream, a tunnel, the capture's end) ends where
                // it was last seen: its head's packet and time, never the packet the connection
                // (or the file) ended in, which may be another connection's.
                let head = match dir {
                    Dir::ClientToServer => s.request.as_ref().map(|r| r.packet),
                    Dir::ServerToClient => s.response.as_ref().map(|r| r.packet),
                };
                let p = head.filter(|&h| h > 0 && h <= packet).unwrap_or(packet);
                let ts = if s.end[dir] > 0 { s.end[dir] } else { s.start[dir].unwrap_or(self.last_ts) };
                s.end[dir] = ts;
                Self::close_body(&mut s, dir, p, ts, false, self.limits.keep_body, sink);
            }
        }
        if let Some(mut t) = s.tunnel.take() {
            t.session.process(&mut t.bufs, sink);
            t.session.finish(&mut t.bufs, packet, complete, sink);
            self.ws_messages += t.session.messages;
        }
        // A span between two times this stream really has (0: never set), never negative.
        let span_ms = |from: Nanos, to: Nanos| (from > 0 && to >= from).then(|| (to - from) as f64 / 1e6);
        let (c2s, s2c) = (Dir::ClientToServer, Dir::ServerToClient);
        let both = s.request.is_some() && s.response.is_some();
        let ttfb_ms = if both { s.start[s2c].and_then(|st| span_ms(s.end[c2s], st)) } else { None };
        let duration_ms = if both { s.start[c2s].and_then(|st| span_ms(st, s.end[s2c])) } else { None };
        self.exchanges += 1;
        sink.event(Event::Http(Box::new(HttpExchange {
            connection: sink.conn,
            index: s.index,
            request: s.request,
            response: s.response,
            interim: s.interim,
            pipelined_behind: 0,
            ttfb_ms,
            duration_ms,
            other_reading: false,
            stream: Some(id),
        })));
    }
}

impl Read {
    /// The frame being read is complete although no further byte comes (a zero-length one).
    fn ready_without_bytes(&self) -> bool {
        match self {
            Read::Whole(f) => f.h.len == 0,
            Read::Data { left, .. } | Read::Skip { left, .. } => *left == 0,
            _ => false,
        }
    }
}

impl StreamDecoder for Http2 {
    fn protocol(&self) -> Protocol {
        Protocol::Http2
    }

    fn process(&mut self, bufs: &mut PerDir<StreamBuf>, _ended: PerDir<bool>, sink: &mut Sink) -> Option<Box<dyn StreamDecoder>> {
        for (id, v) in std::mem::take(&mut self.upgrade_settings) {
            let (packet, _) = bufs[Dir::ClientToServer].last_consumed_packet();
            self.setting(Dir::ClientToServer, id, v, packet, sink);
        }
        for dir in Dir::BOTH {
            self.run(dir, &mut bufs[dir], sink);
        }
        None
    }

    fn gap(&mut self, dir: Dir, len: u64, packet: PacketNo, buf: &mut StreamBuf, sink: &mut Sink) {
        buf.skip_gap(len);
        if dir == Dir::ServerToClient {
            for s in self.streams.values_mut() {
                if let Some(p) = &mut s.sse {
                    p.gap();
                }
            }
        }
        if !matches!(self.sides[dir].read, Read::Stopped) {
            sink.finding(
                packet,
                Severity::Warning,
                "tcp.gap",
                format!("{len} bytes were not captured: the HTTP/2 framing {} is lost, its later frames are not decoded", dir.arrow()),
            );
            self.sides[dir].read = Read::Stopped;
        }
    }

    fn finish(&mut self, bufs: &mut PerDir<StreamBuf>, at: Finish, sink: &mut Sink) {
        for dir in Dir::BOTH {
            if !bufs[dir].is_empty() {
                self.run(dir, &mut bufs[dir], sink);
            }
        }
        let streams = std::mem::take(&mut self.streams);
        for (id, s) in streams {
            self.emit(id, s, at.packet, false, sink);
        }
        if self.untracked > 0 {
            sink.finding(
                at.packet,
                Severity::Info,
                "h2.stream_limit",
                format!("{} streams were not decoded (Limits.h2_max_streams)", self.untracked),
            );
        }
        if self.suppressed > 0 {
            sink.finding(
                at.packet,
                Severity::Info,
                "h2.frames_not_shown",
                format!("{} frames past the flood limits were counted, not shown", self.suppressed),
            );
        }
    }

    fn figures(&self, f: &mut Figures) {
        f.protocol = Some(Protocol::Http2);
        f.http_exchanges = self.before + self.exchanges;
        f.ws_messages = self.ws_messages;
    }
}

#[cfg(test)]
mod tests;
