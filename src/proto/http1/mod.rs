//! HTTP/1.0 and 1.1 on one connection: requests paired with responses (pipelining included),
//! interim 1xx responses kept with their request, bodies framed by RFC 9112 §6.3 in its order,
//! content codings decoded with a cap, upgrades handed over to the next decoder.

pub mod chunked;
pub mod head;

use self::chunked::Chunked;
use self::head::{HeadKind, Parsed};
use super::content::{CappedSink, Coding, Decoder};
use super::{Sink, StreamBuf};
use crate::limits::Limits;
use crate::model::{nanos_to_secs, Body, Dir, Event, Headers, HttpExchange, HttpRequest, HttpResponse, Nanos, PacketNo, PerDir, Severity};
use std::collections::VecDeque;

/// What the connection turns into after this HTTP conversation.
#[derive(Debug)]
pub enum Switch {
    WebSocket {
        request_headers: Headers,
        response_headers: Headers,
        request_packet: PacketNo,
        response_packet: PacketNo,
    },
    Http2,
    /// CONNECT tunnel or an unknown upgrade: opaque bytes from here on.
    Tunnel,
}

enum Framing {
    Length(u64),
    Chunked(Box<Chunked>),
    UntilClose,
}

struct BodyAcc {
    framing: Framing,
    wire: u64,
    plain: CappedSink,
    decoder: Option<Decoder>,
    gap: bool,
}

enum Side {
    Head,
    Body {
        index: u32,
        acc: Box<BodyAcc>,
    },
    /// The request asked to switch protocols (Upgrade, CONNECT): hold bytes until the answer.
    AwaitingResponse,
    /// Lost the message boundaries (gap, malformed head): look for the next message start.
    Resync,
    Stopped,
}

struct Pending {
    index: u32,
    request: Option<HttpRequest>,
    req_done: bool,
    req_start: Nanos,
    req_end: Nanos,
    head_method: bool,
    connect: bool,
    http09: bool,
    upgrade: Option<String>,
    interim: Vec<HttpResponse>,
    response: Option<HttpResponse>,
    resp_started: bool,
    resp_done: bool,
    resp_start: Nanos,
    resp_end: Nanos,
    pipelined_behind: u32,
}

pub struct Http1 {
    sides: PerDir<Side>,
    pending: VecDeque<Pending>,
    next_index: u32,
    keep_body: usize,
    max_decompressed: u64,
    max_head: usize,
    pub exchanges: u32,
}

enum Step {
    Progress,
    Stall,
    Switch(Switch),
}

/// Feeds body bytes through the framing and the content decoder: (bytes used, body done, error).
fn feed_body(acc: &mut BodyAcc, input: &[u8]) -> (usize, bool, Option<chunked::ChunkError>) {
    let BodyAcc { framing, plain, decoder, wire, .. } = acc;
    let mut take = |d: &[u8]| match decoder {
        Some(dec) => dec.write(d),
        None => plain.take(d),
    };
    let r = match framing {
        Framing::Length(left) => {
            let n = (*left).min(input.len() as u64) as usize;
            take(&input[..n]);
            *left -= n as u64;
            (n, *left == 0, None)
        }
        Framing::UntilClose => {
            take(input);
            (input.len(), false, None)
        }
        Framing::Chunked(c) => match c.feed(input, &mut take) {
            Ok(n) => (n, c.is_done(), None),
            Err(e) => (input.len(), false, Some(e)),
        },
    };
    *wire += r.0 as u64;
    r
}

impl Http1 {
    pub fn new(limits: &Limits) -> Self {
        Http1 {
            sides: PerDir::new(Side::Head, Side::Head),
            pending: VecDeque::new(),
            next_index: 0,
            keep_body: limits.keep_body,
            max_decompressed: limits.max_decompressed,
            max_head: limits.max_head,
            exchanges: 0,
        }
    }

    /// Decodes what both directions hold; returns a switch when the connection changes protocol.
    pub fn process(&mut self, bufs: &mut PerDir<StreamBuf>, sink: &mut Sink) -> Option<Switch> {
        loop {
            let mut progressed = false;
            for dir in Dir::BOTH {
                loop {
                    match self.step(dir, &mut bufs[dir], sink) {
                        Step::Progress => progressed = true,
                        Step::Stall => break,
                        Step::Switch(s) => return Some(s),
                    }
                }
            }
            if !progressed {
                return None;
            }
        }
    }

    fn step(&mut self, dir: Dir, buf: &mut StreamBuf, sink: &mut Sink) -> Step {
        match &mut self.sides[dir] {
            Side::Stopped | Side::AwaitingResponse => Step::Stall,
            Side::Resync => self.resync(dir, buf),
            Side::Body { .. } => self.body(dir, buf, sink),
            Side::Head if buf.is_empty() => Step::Stall,
            Side::Head => match dir {
                Dir::ClientToServer => self.request_head(buf, sink),
                Dir::ServerToClient => self.response_head(buf, sink),
            },
        }
    }

    fn resync(&mut self, dir: Dir, buf: &mut StreamBuf) -> Step {
        let b = buf.bytes();
        let found = (0..b.len()).find(|&i| {
            (i == 0 || b[i - 1] == b'\n')
                && match dir {
                    Dir::ClientToServer => super::detect::looks_like_request(&b[i..]),
                    Dir::ServerToClient => b[i..].starts_with(b"HTTP/1."),
                }
        });
        match found {
            Some(i) => {
                buf.consume(i);
                self.sides[dir] = Side::Head;
                Step::Progress
            }
            None => {
                buf.consume(b.len().saturating_sub(16));
                Step::Stall
            }
        }
    }

    fn request_head(&mut self, buf: &mut StreamBuf, sink: &mut Sink) -> Step {
        let start_off = buf.offset();
        let (first_packet, start_ts) = buf.packet_at(start_off);
        match head::parse_request(buf.bytes()) {
            Parsed::Partial => {
                if buf.len() > self.max_head {
                    sink.finding(
                        first_packet,
                        Severity::Error,
                        "http.head_too_large",
                        format!("request head longer than {} bytes without an end; skipping to the next request", self.max_head),
                    );
                    self.sides[Dir::ClientToServer] = Side::Resync;
                    return Step::Progress;
                }
                Step::Stall
            }
            Parsed::Invalid(why) => {
                sink.finding(
                    first_packet,
                    Severity::Error,
                    "http.malformed_request",
                    format!("malformed request head ({why}), RFC 9112 §3; skipping to the next request"),
                );
                buf.consume(1);
                self.sides[Dir::ClientToServer] = Side::Resync;
                Step::Progress
            }
            Parsed::Http09 { len, target } => {
                buf.consume(len);
                let (packet, end_ts) = buf.last_consumed_packet();
                sink.finding(packet, Severity::Warning, "http.http09", "HTTP/0.9 request (no version, no headers): the response is raw bytes until the connection closes (RFC 9112 Appendix C.1)".into());
                let index = self.next_index;
                self.next_index += 1;
                let req = HttpRequest {
                    packet,
                    first_packet,
                    method: "GET".into(),
                    target,
                    version: "HTTP/0.9".into(),
                    headers: Headers::new(),
                    head_len: len,
                    body_len: 0,
                    wire_body_len: 0,
                    start_time: nanos_to_secs(start_ts),
                    end_time: nanos_to_secs(end_ts),
                    body: None,
                };
                let mut p = self.new_pending(index, Some(req), start_ts);
                p.req_done = true;
                p.req_end = end_ts;
                p.http09 = true;
                self.pending.push_back(p);
                Step::Progress
            }
            Parsed::Complete(h) => {
                buf.consume(h.len);
                let (packet, end_ts) = buf.last_consumed_packet();
                for (sev, code, msg) in h.notes {
                    sink.finding(packet, sev, code, msg);
                }
                let HeadKind::Request { method, target } = h.kind else {
                    return Step::Stall;
                };
                if !super::detect::KNOWN_METHODS.contains(&method.as_ref()) {
                    sink.finding(
                        packet,
                        Severity::Info,
                        "http.unknown_method",
                        format!("unknown request method \"{method}\" (RFC 9110 §9.1 lists the standard ones)"),
                    );
                }
                let framing = self.framing(&h.headers, true, packet, sink);
                let upgrade = if h.headers.has_token("Connection", "upgrade") {
                    h.headers.value("Upgrade").map(|u| u.to_ascii_lowercase())
                } else {
                    None
                };
                let connect = method == "CONNECT";
                let head_method = method == "HEAD";
                let index = self.next_index;
                self.next_index += 1;
                let req = HttpRequest {
                    packet,
                    first_packet,
                    method,
                    target,
                    version: h.version,
                    headers: h.headers,
                    head_len: h.len,
                    body_len: 0,
                    wire_body_len: 0,
                    start_time: nanos_to_secs(start_ts),
                    end_time: nanos_to_secs(end_ts),
                    body: None,
                };
                let coding = req.headers.value("Content-Encoding").and_then(Coding::from_header);
                let mut p = self.new_pending(index, Some(req), start_ts);
                p.head_method = head_method;
                p.connect = connect;
                p.upgrade = upgrade;
                p.pipelined_behind = self.pending.iter().filter(|q| !q.resp_done).count() as u32;
                p.req_end = end_ts;
                self.pending.push_back(p);
                match framing {
                    Ok(Some(framing)) => {
                        let acc = self.body_acc(framing, coding, sink);
                        self.sides[Dir::ClientToServer] = Side::Body { index, acc };
                    }
                    Ok(None) => self.request_done(index, sink),
                    Err(()) => {
                        // The length is unknowable: keep the request, stop decoding this direction.
                        self.request_done(index, sink);
                        self.sides[Dir::ClientToServer] = Side::Stopped;
                    }
                }
                Step::Progress
            }
        }
    }

    fn new_pending(&self, index: u32, request: Option<HttpRequest>, req_start: Nanos) -> Pending {
        Pending {
            index,
            request,
            req_done: false,
            req_start,
            req_end: req_start,
            head_method: false,
            connect: false,
            http09: false,
            upgrade: None,
            interim: Vec::new(),
            response: None,
            resp_started: false,
            resp_done: false,
            resp_start: 0,
            resp_end: 0,
            pipelined_behind: 0,
        }
    }

    fn body_acc(&mut self, framing: Framing, coding: Option<Coding>, sink: &mut Sink) -> Box<BodyAcc> {
        let decoder = coding.map(|c| sink.decoder(c, self.keep_body, self.max_decompressed));
        Box::new(BodyAcc { framing, wire: 0, plain: CappedSink::new(self.keep_body, u64::MAX), decoder, gap: false })
    }

    /// RFC 9112 §6.3, in its order. `Ok(None)`: no body. `Err`: the length cannot be known.
    fn framing(&self, h: &Headers, request: bool, packet: PacketNo, sink: &mut Sink) -> Result<Option<Framing>, ()> {
        // The usual message, told in one walk over the fields: no Transfer-Encoding and at most one
        // Content-Length made of digits. Everything else is looked at closely below.
        let (mut te_seen, mut cl, mut cls_seen) = (false, None, 0);
        for (n, v) in h.iter() {
            if n.len() == 17 && n.eq_ignore_ascii_case("Transfer-Encoding") {
                te_seen = true;
                break;
            }
            if n.len() == 14 && n.eq_ignore_ascii_case("Content-Length") {
                cls_seen += 1;
                cl = Some(v);
            }
        }
        if !te_seen && cls_seen <= 1 {
            match cl {
                None => return Ok(if request { None } else { Some(Framing::UntilClose) }),
                Some(v) if !v.is_empty() && v.len() <= 19 && v.bytes().all(|c| c.is_ascii_digit()) => {
                    return Ok(match v.parse::<u64>() {
                        Ok(0) => None,
                        Ok(n) => Some(Framing::Length(n)),
                        Err(_) => None,
                    });
                }
                Some(_) => {}
            }
        }
        // Walked in place: this runs for every message, and most have one of the two fields or none.
        let te = || h.values("Transfer-Encoding").flat_map(|v| v.split(',')).map(str::trim).filter(|t| !t.is_empty());
        let cls = || h.values("Content-Length").flat_map(|v| v.split(',')).map(str::trim);
        if let Some(last_te) = te().last() {
            if cls().next().is_some() {
                sink.finding(packet, Severity::Warning, "http.te_and_cl", "both Transfer-Encoding and Content-Length: Transfer-Encoding wins, but this is how request smuggling starts (RFC 9112 §6.3 rule 3, §11.2)".into());
            }
            if last_te.eq_ignore_ascii_case("chunked") {
                return Ok(Some(Framing::Chunked(Box::default())));
            }
            if request {
                sink.finding(
                    packet,
                    Severity::Error,
                    "http.te_not_chunked",
                    "request Transfer-Encoding does not end in chunked, so its length cannot be determined (RFC 9112 §6.3 rule 4)".into(),
                );
                return Err(());
            }
            return Ok(Some(Framing::UntilClose));
        }
        let parse = |v: &str| if v.bytes().all(|c| c.is_ascii_digit()) && !v.is_empty() { v.parse::<u64>().ok() } else { None };
        if let Some(first_cl) = cls().next() {
            let first = parse(first_cl);
            if first.is_none() || cls().any(|v| parse(v) != first) {
                let all: Vec<&str> = cls().collect();
                sink.finding(
                    packet,
                    Severity::Error,
                    "http.bad_content_length",
                    format!(
                        "invalid Content-Length \"{}\" (RFC 9112 §6.3 rule 5): the message length cannot be determined",
                        all.join(", ")
                    ),
                );
                return Err(());
            }
            return Ok(match first {
                Some(0) => None,
                Some(n) => Some(Framing::Length(n)),
                None => None,
            });
        }
        Ok(if request { None } else { Some(Framing::UntilClose) })
    }

    fn response_head(&mut self, buf: &mut StreamBuf, sink: &mut Sink) -> Step {
        let start_off = buf.offset();
        let (first_packet, start_ts) = buf.packet_at(start_off);
        // HTTP/0.9: no status line, the body runs to the close.
        if let Some(p) = self.pending.iter_mut().find(|p| !p.resp_started) {
            if p.http09 {
                p.resp_started = true;
                p.resp_start = start_ts;
                let index = p.index;
                p.response = Some(HttpResponse {
                    packet: first_packet,
                    first_packet,
                    status: 0,
                    reason: "(HTTP/0.9: no status line)".into(),
                    version: "HTTP/0.9".into(),
                    headers: Headers::new(),
                    head_len: 0,
                    body_len: 0,
                    wire_body_len: 0,
                    chunked: false,
                    content_encoding: None,
                    until_close: true,
                    complete: false,
                    start_time: nanos_to_secs(start_ts),
                    end_time: nanos_to_secs(start_ts),
                    body: None,
                });
                let acc = self.body_acc(Framing::UntilClose, None, sink);
                self.sides[Dir::ServerToClient] = Side::Body { index, acc };
                return Step::Progress;
            }
        }
        match head::parse_response(buf.bytes()) {
            Parsed::Partial | Parsed::Http09 { .. } => {
                if buf.len() > self.max_head {
                    sink.finding(
                        first_packet,
                        Severity::Error,
                        "http.head_too_large",
                        format!("response head longer than {} bytes without an end; skipping to the next response", self.max_head),
                    );
                    self.sides[Dir::ServerToClient] = Side::Resync;
                    return Step::Progress;
                }
                Step::Stall
            }
            Parsed::Invalid(why) => {
                sink.finding(
                    first_packet,
                    Severity::Error,
                    "http.malformed_response",
                    format!("malformed response head ({why}), RFC 9112 §4; skipping to the next response"),
                );
                buf.consume(1);
                self.sides[Dir::ServerToClient] = Side::Resync;
                Step::Progress
            }
            Parsed::Complete(h) => {
                buf.consume(h.len);
                let (packet, end_ts) = buf.last_consumed_packet();
                for (sev, code, msg) in h.notes {
                    sink.finding(packet, sev, code, msg);
                }
                let HeadKind::Response { status, reason } = h.kind else {
                    return Step::Stall;
                };
                let coding_name = h.headers.value("Content-Encoding").map(str::to_string);
                let chunked = h.headers.values("Transfer-Encoding").any(|v| v.to_ascii_lowercase().contains("chunked"));
                let resp = HttpResponse {
                    packet,
                    first_packet,
                    status,
                    reason,
                    version: h.version,
                    headers: h.headers,
                    head_len: h.len,
                    body_len: 0,
                    wire_body_len: 0,
                    chunked,
                    content_encoding: coding_name.clone(),
                    until_close: false,
                    complete: true,
                    start_time: nanos_to_secs(start_ts),
                    end_time: nanos_to_secs(end_ts),
                    body: None,
                };
                // Pair with the oldest request still waiting for its final response.
                let pos = match self.pending.iter().position(|p| !p.resp_started) {
                    Some(i) => i,
                    None => {
                        let index = self.next_index;
                        self.next_index += 1;
                        sink.finding(
                            packet,
                            Severity::Info,
                            "http.response_without_request",
                            format!("response {status} has no captured request (the capture may have started mid-connection)"),
                        );
                        let mut p = self.new_pending(index, None, start_ts);
                        p.req_done = true;
                        self.pending.push_back(p);
                        self.pending.len() - 1
                    }
                };
                let p = &mut self.pending[pos];
                if (100..200).contains(&status) && status != 101 {
                    p.interim.push(resp);
                    return Step::Progress;
                }
                p.resp_started = true;
                p.resp_start = start_ts;
                p.resp_end = end_ts;
                let index = p.index;
                let no_body = p.head_method || status == 101 || (100..200).contains(&status) || status == 204 || status == 304;
                let tunnel = p.connect && (200..300).contains(&status);
                let upgrade = p.upgrade.clone();
                let req_headers =
                    if status == 101 { p.request.as_ref().map(|r| r.headers.clone()).unwrap_or_default() } else { Headers::new() };
                let req_packet = p.request.as_ref().map(|r| r.packet).unwrap_or(0);
                let resp_headers = if status == 101 { resp.headers.clone() } else { Headers::new() };
                let framing = if no_body || tunnel {
                    None
                } else {
                    match self.framing(&resp.headers, false, packet, sink) {
                        Ok(f) => f,
                        Err(()) => {
                            self.sides[Dir::ServerToClient] = Side::Stopped;
                            None
                        }
                    }
                };
                let until_close = matches!(framing, Some(Framing::UntilClose));
                let p = &mut self.pending[pos];
                p.response = Some(HttpResponse { until_close, ..resp });
                // A request that wanted to switch goes back to HTTP if the server said no.
                if (upgrade.is_some() || p.connect)
                    && status != 101
                    && !tunnel
                    && matches!(self.sides[Dir::ClientToServer], Side::AwaitingResponse)
                {
                    self.sides[Dir::ClientToServer] = Side::Head;
                }
                match framing {
                    Some(framing) => {
                        let acc = self.body_acc(framing, coding_name.as_deref().and_then(Coding::from_header), sink);
                        self.sides[Dir::ServerToClient] = Side::Body { index, acc };
                    }
                    None => self.response_done(index, sink),
                }
                if status == 101 {
                    self.sides = PerDir::new(Side::Stopped, Side::Stopped);
                    let up = upgrade.unwrap_or_default();
                    return Step::Switch(if up.contains("websocket") {
                        Switch::WebSocket {
                            request_headers: req_headers,
                            response_headers: resp_headers,
                            request_packet: req_packet,
                            response_packet: packet,
                        }
                    } else if up.contains("h2c") {
                        Switch::Http2
                    } else {
                        Switch::Tunnel
                    });
                }
                if tunnel {
                    self.sides = PerDir::new(Side::Stopped, Side::Stopped);
                    return Step::Switch(Switch::Tunnel);
                }
                Step::Progress
            }
        }
    }

    fn body(&mut self, dir: Dir, buf: &mut StreamBuf, sink: &mut Sink) -> Step {
        if buf.is_empty() || !matches!(self.sides[dir], Side::Body { .. }) {
            return Step::Stall;
        }
        let input = buf.bytes();
        let Side::Body { acc, .. } = &mut self.sides[dir] else { return Step::Stall };
        let (used, done, err) = feed_body(acc, input);
        buf.consume(used);
        self.after_body_bytes(dir, done, err, buf, sink);
        Step::Progress
    }

    /// Takes body bytes straight from a segment when nothing is buffered before them (the common
    /// case), saving the copy through the stream buffer. Returns how many bytes it took.
    pub fn take_direct(&mut self, dir: Dir, bytes: &[u8], packet: PacketNo, ts: Nanos, buf: &mut StreamBuf, sink: &mut Sink) -> usize {
        if !buf.is_empty() {
            return 0;
        }
        let Side::Body { acc, .. } = &mut self.sides[dir] else { return 0 };
        let (used, done, err) = feed_body(acc, bytes);
        buf.skip_direct(used, packet, ts);
        self.after_body_bytes(dir, done, err, buf, sink);
        used
    }

    fn after_body_bytes(&mut self, dir: Dir, done: bool, err: Option<chunked::ChunkError>, buf: &StreamBuf, sink: &mut Sink) {
        if let Some(e) = err {
            let (packet, _) = buf.last_consumed_packet();
            sink.finding(
                packet,
                Severity::Error,
                "http.bad_chunk",
                format!("{e} (RFC 9112 §7.1); the rest of this direction is not decoded"),
            );
            self.finish_body(dir, false, buf, sink);
            self.sides[dir] = Side::Stopped;
        } else if done {
            self.finish_body(dir, true, buf, sink);
        }
    }

    /// Completes the body in progress on `dir` and the message it belongs to.
    fn finish_body(&mut self, dir: Dir, complete: bool, buf: &StreamBuf, sink: &mut Sink) {
        let side = std::mem::replace(&mut self.sides[dir], Side::Head);
        let Side::Body { index, acc } = side else {
            self.sides[dir] = side;
            return;
        };
        let (packet, ts) = buf.last_consumed_packet();
        let BodyAcc { framing, wire, plain, decoder, gap } = *acc;
        let chunked_trailer = match &framing {
            Framing::Chunked(c) => c.trailer_fields(),
            _ => Vec::new(),
        };
        let (len, bytes, truncated) = match decoder {
            Some(d) => {
                let mut out = d.finish();
                sink.decoded(&mut out, packet);
                if let Some(e) = out.error {
                    let code = if e.contains("limit") { "http.decompression_limit" } else { "http.content_decoding_failed" };
                    sink.finding(packet, Severity::Warning, code, format!("content decoding: {e}"));
                }
                let t = out.sink.total > out.sink.kept.len() as u64 || out.budget_spent;
                (out.sink.total, out.sink.kept, t)
            }
            None => {
                let t = plain.total > plain.kept.len() as u64;
                (plain.total, plain.kept, t)
            }
        };
        let body = (self.keep_body > 0 && len > 0).then_some(Body { bytes, truncated });
        let complete = complete && !gap;
        let Some(p) = self.pending.iter_mut().find(|p| p.index == index) else {
            return;
        };
        match dir {
            Dir::ClientToServer => {
                if let Some(r) = &mut p.request {
                    r.packet = packet;
                    r.end_time = nanos_to_secs(ts);
                    r.body_len = len;
                    r.wire_body_len = wire;
                    r.body = body;
                    r.headers.extend(chunked_trailer);
                }
                p.req_end = ts;
                if !complete {
                    sink.finding(
                        packet,
                        Severity::Warning,
                        "http.body_incomplete",
                        "request body incomplete: bytes missing from the capture".into(),
                    );
                }
                self.request_done(index, sink);
            }
            Dir::ServerToClient => {
                if let Some(r) = &mut p.response {
                    r.packet = packet;
                    r.end_time = nanos_to_secs(ts);
                    r.body_len = len;
                    r.wire_body_len = wire;
                    r.body = body;
                    r.complete = complete;
                    r.headers.extend(chunked_trailer);
                }
                p.resp_end = ts;
                if !complete {
                    sink.finding(
                        packet,
                        Severity::Warning,
                        "http.body_incomplete",
                        "response body incomplete: bytes missing from the capture, or the connection ended early".into(),
                    );
                }
                self.response_done(index, sink);
            }
        }
    }

    fn request_done(&mut self, index: u32, sink: &mut Sink) {
        let Some(p) = self.pending.iter_mut().find(|p| p.index == index) else {
            return;
        };
        p.req_done = true;
        if (p.upgrade.is_some() || p.connect) && !p.resp_started {
            self.sides[Dir::ClientToServer] = Side::AwaitingResponse;
        }
        self.try_emit(index, sink);
    }

    fn response_done(&mut self, index: u32, sink: &mut Sink) {
        if let Some(p) = self.pending.iter_mut().find(|p| p.index == index) {
            p.resp_done = true;
        }
        self.try_emit(index, sink);
    }

    fn try_emit(&mut self, index: u32, sink: &mut Sink) {
        let Some(pos) = self.pending.iter().position(|p| p.index == index && p.req_done && p.resp_done) else {
            return;
        };
        if let Some(p) = self.pending.remove(pos) {
            self.emit(p, sink);
        }
    }

    fn emit(&mut self, p: Pending, sink: &mut Sink) {
        let answered = p.response.is_some();
        // Timestamps come from the file: a crafted one can be anywhere in i64, so no plain subtraction.
        let span_ms = |from: Nanos, to: Nanos| to.checked_sub(from).map(|d| d as f64 / 1e6);
        let both = answered && p.request.is_some();
        let ttfb_ms = both.then(|| span_ms(p.req_end, p.resp_start)).flatten();
        let duration_ms = both.then(|| span_ms(p.req_start, p.resp_end)).flatten();
        self.exchanges += 1;
        sink.event(Event::Http(Box::new(HttpExchange {
            connection: sink.conn,
            index: p.index,
            request: p.request,
            response: p.response,
            interim: p.interim,
            pipelined_behind: p.pipelined_behind,
            ttfb_ms,
            duration_ms,
        })));
    }

    /// Bytes never captured on `dir`.
    pub fn gap(&mut self, dir: Dir, len: u64, packet: PacketNo, buf: &mut StreamBuf, sink: &mut Sink) {
        if let Side::Body { acc, .. } = &mut self.sides[dir] {
            let fits = match &mut acc.framing {
                Framing::Length(left) if *left >= len + buf.len() as u64 => {
                    *left -= len;
                    true
                }
                Framing::UntilClose => true,
                Framing::Chunked(c) if c.data_left().is_some_and(|l| l >= len + buf.len() as u64) => {
                    c.skip_data(len);
                    true
                }
                _ => false,
            };
            if fits {
                if !acc.gap {
                    sink.finding(
                        packet,
                        Severity::Warning,
                        "http.body_gap",
                        format!("{len} bytes of a message body were not captured; the body is incomplete"),
                    );
                }
                acc.gap = true;
                acc.wire += len;
                if let Some(d) = acc.decoder.take() {
                    let _ = d.finish();
                }
                return;
            }
            self.finish_body(dir, false, buf, sink);
        }
        buf.skip_gap(len);
        if !matches!(self.sides[dir], Side::Stopped | Side::AwaitingResponse) {
            sink.finding(
                packet,
                Severity::Warning,
                "tcp.gap",
                format!("{len} bytes were not captured; decoding resumes at the next message that can be recognised"),
            );
            self.sides[dir] = Side::Resync;
        }
    }

    /// No more bytes on `dir`: a body running to the close ends here.
    pub fn end(&mut self, dir: Dir, buf: &mut StreamBuf, sink: &mut Sink) {
        if let Side::Body { acc, .. } = &self.sides[dir] {
            let complete = matches!(acc.framing, Framing::UntilClose);
            self.finish_body(dir, complete, buf, sink);
        } else if matches!(self.sides[dir], Side::Head) && !buf.is_empty() {
            let (packet, _) = buf.packet_at(buf.offset());
            sink.finding(
                packet,
                Severity::Warning,
                "http.incomplete_head",
                format!(
                    "{} bytes of an unfinished message head when the {} ended",
                    buf.len(),
                    if dir == Dir::ClientToServer { "client's stream" } else { "server's stream" }
                ),
            );
            let n = buf.len();
            buf.consume(n);
        }
    }

    /// The connection is over: emit what is still waiting, marked.
    pub fn finish(&mut self, bufs: &mut PerDir<StreamBuf>, sink: &mut Sink) {
        for dir in Dir::BOTH {
            self.end(dir, &mut bufs[dir], sink);
        }
        while let Some(mut p) = self.pending.pop_front() {
            if p.response.is_none() {
                if let Some(r) = &p.request {
                    sink.finding(
                        r.packet,
                        Severity::Info,
                        "http.no_response",
                        format!("{} {} got no response in this capture", r.method, r.target),
                    );
                }
            }
            if let Some(r) = &mut p.response {
                if !p.resp_done {
                    r.complete = false;
                }
            }
            self.emit(p, sink);
        }
    }
}
