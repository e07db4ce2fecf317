//! HTTP/1.0 and 1.1 on one connection: requests paired with responses (pipelining included),
//! interim 1xx responses kept with their request, bodies framed by RFC 9112 §6.3 in its order,
//! content codings decoded with a cap, upgrades handed over to the next decoder.

pub mod chunked;
pub mod head;

use self::chunked::Chunked;
use self::head::{HeadKind, HeadLimits, Parsed, Scan};
use super::content::{CappedSink, Coding, Decoder};
use super::sse::{is_event_stream, SseParser};
use super::{Figures, Finish, Shared, Sink, StreamBuf, StreamDecoder};
use crate::limits::Limits;
use crate::model::{
    nanos_to_secs, Body, Dir, Event, Headers, HttpExchange, HttpRequest, HttpResponse, Nanos, PacketNo, PerDir, Protocol, Severity,
};
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
    /// An h2c Upgrade (RFC 7540 §3.2): the upgrade request becomes HTTP/2 stream 1.
    Http2 {
        request: Option<Box<HttpRequest>>,
    },
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
    /// A `text/event-stream` response: its decoded bytes go to the event parser as they arrive.
    sse: Option<Box<SseParser>>,
}

/// Compressed bytes given to a tapped decoder at a time: what the tap holds between drains stays
/// near DEFLATE's ratio times this (about 1 MiB), however much a piece inflates to.
const SSE_PIECE: usize = 1024;

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

/// Where the search for the next message start has got (bytes before it are consumed).
#[derive(Debug, Clone, Copy)]
struct ResyncAt {
    /// The buffer starts a line (the byte before it was a line feed, or it follows a gap).
    at_line_start: bool,
    /// When at a line start: bytes of that line already looked at for its end.
    scanned: usize,
}

impl Default for ResyncAt {
    fn default() -> Self {
        ResyncAt { at_line_start: true, scanned: 0 }
    }
}

/// Exchange indices in runs of consecutive numbers (a flood of unanswered requests is one run).
#[derive(Default)]
struct Evicted(VecDeque<(u32, u32)>);

impl Evicted {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn push(&mut self, index: u32) {
        match self.0.back_mut() {
            Some((start, len)) if start.wrapping_add(*len) == index => *len += 1,
            _ => self.0.push_back((index, 1)),
        }
    }

    fn pop(&mut self) -> Option<u32> {
        let (start, len) = self.0.front_mut()?;
        let index = *start;
        *start = start.wrapping_add(1);
        *len -= 1;
        if *len == 0 {
            self.0.pop_front();
        }
        Some(index)
    }
}

/// A request whose framing other implementations may read differently (RFC 9112 §6.3, §11.2):
/// the request that follows it is flagged.
struct Suspect {
    packet: PacketNo,
    why: String,
}

pub struct Http1 {
    sides: PerDir<Side>,
    pending: VecDeque<Pending>,
    next_index: u32,
    keep_body: usize,
    max_decompressed: u64,
    max_head: usize,
    head_limits: HeadLimits,
    max_chunk_line: usize,
    keep_chunk_trailer: usize,
    max_pending: usize,
    /// Bytes of a line looked at, at most, to tell whether it starts a message.
    max_start_line: usize,
    /// The head being read on each side: its first byte's stream offset and the search so far.
    scans: PerDir<(u64, Scan)>,
    resyncs: PerDir<ResyncAt>,
    /// Entries of `pending` whose response is not done (kept so pipelining costs no walk).
    awaiting: usize,
    /// Requests emitted unanswered at the queue cap, oldest first: the next responses are theirs.
    evicted: Evicted,
    pending_cap_reported: bool,
    /// Limits.max_interim_responses, and interim responses past it on this connection.
    max_interim: usize,
    interim_dropped: u64,
    fields_cap_reported: bool,
    /// Requests under another reading of a request's framing, held until that request (the
    /// index given) is emitted, so exchanges come out in index order.
    held_alts: VecDeque<(u32, Box<HttpExchange>)>,
    suspect: Option<Suspect>,
    pub exchanges: u32,
    /// Client bytes the sniffer counted without holding them (past Limits.max_sniff_wait), and
    /// the packet of the first: a gap after the held ones, once those are decoded.
    not_held: Option<(u64, PacketNo)>,
    /// To build the decoder the connection switches to.
    shared: Shared,
}

/// How a message's body is framed, and whether other implementations may frame it otherwise.
struct Decision {
    framing: Result<Option<Framing>, ()>,
    /// Why another reading of the framing is possible (requests only).
    suspect: Option<String>,
    /// Body lengths under other readings (each distinct Content-Length value, say).
    alt_bodies: Vec<u64>,
}

enum Step {
    Progress,
    Stall,
    Switch(Switch),
}

/// Feeds body bytes (all from the packet `at`) through the framing and the content decoder, and
/// an event stream's decoded bytes to its parser: (bytes used, body done, error).
fn feed_body(acc: &mut BodyAcc, input: &[u8], at: (PacketNo, Nanos), sink: &mut Sink) -> (usize, bool, Option<chunked::ChunkError>) {
    let BodyAcc { framing, plain, decoder, wire, sse, .. } = acc;
    let mut take = |d: &[u8]| match (decoder.as_mut(), sse.as_deref_mut()) {
        (Some(dec), None) => dec.write(d),
        (None, None) => plain.take(d),
        (None, Some(p)) => {
            plain.take(d);
            p.feed(d, at.0, at.1, sink);
        }
        (Some(dec), Some(p)) => {
            for piece in d.chunks(SSE_PIECE) {
                dec.write(piece);
                if let Some(t) = dec.tap() {
                    p.feed(t, at.0, at.1, sink);
                    t.clear();
                }
            }
        }
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
        Framing::Chunked(c) => match c.feed_at(input, &mut take) {
            (n, Ok(())) => (n, c.is_done(), None),
            // The bytes before the bad one are used; the search for the next message starts there.
            (n, Err(e)) => (n, false, Some(e)),
        },
    };
    *wire += r.0 as u64;
    r
}

impl Http1 {
    pub fn new(shared: Shared) -> Self {
        let limits = &*shared.limits;
        Http1 {
            sides: PerDir::new(Side::Head, Side::Head),
            pending: VecDeque::new(),
            next_index: 0,
            keep_body: limits.keep_body,
            max_decompressed: limits.max_decompressed,
            max_head: limits.max_head,
            head_limits: HeadLimits { max_fields: limits.max_header_fields },
            max_chunk_line: limits.max_chunk_line,
            keep_chunk_trailer: limits.keep_chunk_trailer,
            max_pending: limits.max_pending_requests.max(1),
            max_start_line: limits.max_start_line.max(16),
            scans: PerDir::new((u64::MAX, Scan::default()), (u64::MAX, Scan::default())),
            resyncs: PerDir::default(),
            awaiting: 0,
            evicted: Evicted::default(),
            pending_cap_reported: false,
            max_interim: limits.max_interim_responses,
            interim_dropped: 0,
            fields_cap_reported: false,
            held_alts: VecDeque::new(),
            suspect: None,
            exchanges: 0,
            not_held: None,
            shared,
        }
    }

    /// `len` client bytes, the first in packet `packet`, came after those buffered but were not
    /// held (the sniffer's Limits.max_sniff_wait, whose finding says so): decoding skips them,
    /// as a gap, once it has read the buffered ones.
    pub fn gap_after_held(&mut self, len: u64, packet: PacketNo) {
        self.not_held = Some((len, packet));
    }

    /// Where `index` is in `pending` (kept in index order).
    fn pos_of(&self, index: u32) -> Option<usize> {
        head::count_queue(1);
        self.pending.binary_search_by_key(&index, |p| p.index).ok()
    }

    /// The search state for the head starting at the first byte of `buf`.
    fn scan_for(&mut self, dir: Dir, buf: &StreamBuf) -> &mut Scan {
        let off = buf.offset();
        let s = &mut self.scans[dir];
        if s.0 != off {
            *s = (off, Scan::default());
        }
        &mut s.1
    }

    /// Gives up on the message at the start of `buf`: drops its first `n` bytes (never looked at
    /// again) and looks for the next message start.
    fn start_resync(&mut self, dir: Dir, buf: &mut StreamBuf, n: usize) {
        let n = n.min(buf.len());
        let at_line_start = n > 0 && buf.bytes()[n - 1] == b'\n';
        buf.consume(n);
        self.resyncs[dir] = ResyncAt { at_line_start, scanned: 0 };
        self.sides[dir] = Side::Resync;
    }

    /// The server's next bytes answer an HTTP/0.9 request: raw, from the first byte.
    fn http09_answer_next(&self, dir: Dir) -> bool {
        dir == Dir::ServerToClient && self.evicted.is_empty() && self.pending.iter().find(|p| !p.resp_started).is_some_and(|p| p.http09)
    }

    /// Queues a request (or a response's stand-in) for pairing.
    fn push_pending(&mut self, p: Pending, sink: &mut Sink) {
        self.pending.push_back(p);
        self.awaiting += 1;
        self.enforce_pending_cap(sink);
    }

    /// More requests waiting than Limits.max_pending_requests: the oldest complete ones go out
    /// unanswered.
    fn enforce_pending_cap(&mut self, sink: &mut Sink) {
        while self.awaiting > self.max_pending {
            let Some(pos) = self.pending.iter().position(|p| p.req_done && !p.resp_started) else { return };
            head::count_queue(pos + 1);
            let Some(p) = self.pending.remove(pos) else { return };
            self.awaiting = self.awaiting.saturating_sub(1);
            if !self.pending_cap_reported {
                self.pending_cap_reported = true;
                let packet = p.request.as_ref().map(|r| r.packet).unwrap_or(0);
                sink.finding(
                    packet,
                    Severity::Warning,
                    "http.pending_limit",
                    format!(
                        "more than {} requests wait for a response on this connection (Limits.max_pending_requests): the oldest are emitted unanswered, and responses that come later for them are shown without their request",
                        self.max_pending
                    ),
                );
            }
            self.evicted.push(p.index);
            self.emit(p, sink);
        }
    }

    /// Decodes what both directions hold; returns a switch when the connection changes protocol.
    pub fn process(&mut self, bufs: &mut PerDir<StreamBuf>, sink: &mut Sink) -> Option<Switch> {
        loop {
            let mut progressed = false;
            for dir in Dir::BOTH {
                if dir == Dir::ServerToClient && self.answer_ends_request(bufs) {
                    let c2s = Dir::ClientToServer;
                    self.request_head(&mut bufs[c2s], sink, true);
                }
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
        match &self.sides[dir] {
            Side::Stopped | Side::AwaitingResponse => Step::Stall,
            Side::Resync => self.resync(dir, buf),
            Side::Body { .. } => self.body(dir, buf, sink),
            Side::Head if buf.is_empty() => Step::Stall,
            // Empty lines before a message (RFC 9112 §2.2: at least one is to be ignored).
            Side::Head if matches!(buf.bytes()[0], b'\r' | b'\n') && !self.http09_answer_next(dir) => {
                let n = buf.bytes().iter().take_while(|c| matches!(c, b'\r' | b'\n')).count();
                buf.consume(n);
                Step::Progress
            }
            Side::Head => match dir {
                Dir::ClientToServer => self.request_head(buf, sink, false),
                Dir::ServerToClient => self.response_head(buf, sink),
            },
        }
    }

    /// Looks for the next message start at a line start, in time linear in the bytes: every byte
    /// is looked at a bounded number of times, and what is rejected is consumed.
    fn resync(&mut self, dir: Dir, buf: &mut StreamBuf) -> Step {
        let (skip, state, found) = Self::find_start(dir, buf.bytes(), self.resyncs[dir], self.max_start_line);
        buf.consume(skip);
        self.resyncs[dir] = state;
        if found {
            self.sides[dir] = Side::Head;
            Step::Progress
        } else {
            Step::Stall
        }
    }

    /// The search of [`Self::resync`]: (bytes to drop, the state after, whether a start is there).
    fn find_start(dir: Dir, b: &[u8], mut r: ResyncAt, window: usize) -> (usize, ResyncAt, bool) {
        let mut i = 0;
        loop {
            if !r.at_line_start {
                match b[i..].iter().position(|&c| c == b'\n') {
                    Some(p) => {
                        head::count_scanned(p + 1);
                        i += p + 1;
                        r = ResyncAt { at_line_start: true, scanned: 0 };
                    }
                    None => {
                        head::count_scanned(b.len() - i);
                        return (b.len(), r, false);
                    }
                }
            }
            let cand = &b[i..];
            let look = &cand[..cand.len().min(window)];
            let from = r.scanned.min(look.len());
            let nl = look[from..].iter().position(|&c| c == b'\n').map(|p| from + p);
            head::count_scanned(nl.map_or(look.len(), |p| p + 1) - from);
            if nl.is_none() && look.len() < window {
                // The line is not all here: wait, remembering how far its end was looked for.
                return (i, ResyncAt { at_line_start: true, scanned: look.len() }, false);
            }
            let line = &look[..nl.map_or(look.len(), |p| p + 1)];
            let start = match dir {
                Dir::ClientToServer => super::detect::looks_like_request(line),
                Dir::ServerToClient => line.starts_with(b"HTTP/1."),
            };
            if start {
                return (i, ResyncAt::default(), true);
            }
            i += line.len();
            r = ResyncAt { at_line_start: nl.is_some(), scanned: 0 };
        }
    }

    /// The server begins a response while the client's head has no end yet but whole lines, the
    /// first a request line ("OPTIONS\r\n" and nothing more): the server took those lines as
    /// the request it answers.
    fn answer_ends_request(&self, bufs: &PerDir<StreamBuf>) -> bool {
        let (c, s) = (bufs[Dir::ClientToServer].bytes(), bufs[Dir::ServerToClient].bytes());
        matches!(self.sides[Dir::ServerToClient], Side::Head)
            && matches!(self.sides[Dir::ClientToServer], Side::Head)
            && s.starts_with(b"HTTP/")
            && self.evicted.is_empty()
            && self.pending.back().is_none_or(|p| p.resp_started)
            && c.len() < self.max_head
            && c.ends_with(b"\n")
            // The first line's end as the head search saw it (no search of its own).
            && (self.scans[Dir::ClientToServer].0 == bufs[Dir::ClientToServer].offset())
            && self.scans[Dir::ClientToServer].1.first_line_end().is_some_and(|e| super::detect::looks_like_request(&c[..e.min(c.len())]))
    }

    /// `unfinished`: the head ends with what is buffered (see [`Self::answer_ends_request`]).
    fn request_head(&mut self, buf: &mut StreamBuf, sink: &mut Sink, unfinished: bool) -> Step {
        let c2s = Dir::ClientToServer;
        let start_off = buf.offset();
        let (first_packet, start_ts) = buf.packet_at(start_off);
        let (max_head, lim) = (self.max_head, self.head_limits);
        let mut parsed = {
            let b = buf.bytes();
            let view = &b[..b.len().min(max_head)];
            let scan = self.scan_for(c2s, buf);
            head::parse_request_from(view, scan, lim)
        };
        if unfinished && matches!(parsed, Parsed::Partial) {
            parsed = head::parse_unfinished_request(buf.bytes(), lim);
        }
        match parsed {
            Parsed::Partial => {
                if buf.len() >= max_head {
                    sink.finding(
                        first_packet,
                        Severity::Error,
                        "http.head_too_large",
                        format!("request head longer than {max_head} bytes (Limits.max_head) without an end; skipping to the next request"),
                    );
                    self.start_resync(c2s, buf, max_head);
                    return Step::Progress;
                }
                Step::Stall
            }
            Parsed::Invalid { why, len } => {
                sink.finding(
                    first_packet,
                    Severity::Error,
                    "http.malformed_request",
                    format!("malformed request head ({why}), RFC 9112 §3; skipping to the next request"),
                );
                self.start_resync(c2s, buf, len.max(1));
                Step::Progress
            }
            Parsed::Http09 { len, target } => {
                buf.consume(len);
                let (packet, end_ts) = buf.last_consumed_packet();
                sink.finding(packet, Severity::Warning, "http.http09", "HTTP/0.9 request (no version, no headers): the response is raw bytes until the connection closes (RFC 9112 Appendix C.1)".into());
                self.flag_suspect_follower(packet, "GET", &target, sink);
                let index = self.next_index;
                self.next_index += 1;
                let req = HttpRequest {
                    packet,
                    first_packet,
                    method: "GET".into(),
                    target,
                    malformed_line: None,
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
                p.pipelined_behind = self.awaiting as u32;
                self.push_pending(p, sink);
                Step::Progress
            }
            Parsed::Complete(h) => {
                buf.consume(h.len);
                let (packet, end_ts) = buf.last_consumed_packet();
                for (sev, code, msg) in h.notes {
                    // The field cap is reported once per connection.
                    if code == "http.too_many_fields" && std::mem::replace(&mut self.fields_cap_reported, true) {
                        continue;
                    }
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
                self.flag_suspect_follower(packet, &method, &target, sink);
                let mut decision = self.framing(&h.headers, true, h.version == "HTTP/1.0", packet, sink);
                if decision.suspect.is_none() {
                    if let Some((why, alt)) = self.refused_reading(&h.refused_framing, buf.bytes()) {
                        decision.suspect = Some(why);
                        decision.alt_bodies = alt.into_iter().collect();
                    }
                }
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
                    malformed_line: h.malformed_line,
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
                p.pipelined_behind = self.awaiting as u32;
                p.req_end = end_ts;
                self.push_pending(p, sink);
                // Where this reading's body ends, when the bytes tell: another reading that ends
                // at the same byte is no other reading.
                let main_end = match &decision.framing {
                    Ok(None) => Some(0),
                    Ok(Some(Framing::Length(n))) => Some(*n),
                    Ok(Some(Framing::Chunked(_))) if !decision.alt_bodies.is_empty() => {
                        let mut c = Chunked::new(self.max_chunk_line, 0);
                        let (n, r) = c.feed_at(buf.bytes(), &mut |_| {});
                        (r.is_ok() && c.is_done()).then_some(n as u64)
                    }
                    _ => None,
                };
                if main_end.is_some() && !decision.alt_bodies.is_empty() && decision.alt_bodies.iter().all(|a| Some(*a) == main_end) {
                    decision.suspect = None;
                }
                if let Some(why) = decision.suspect {
                    // The other readings' next request, if its bytes are here already. When this
                    // reading goes on by looking for a request at a line start, the starts it
                    // finds itself are not shown twice.
                    let resyncs = decision.framing.is_err();
                    for &alt in decision.alt_bodies.iter().filter(|a| Some(**a) != main_end) {
                        let line_start = usize::try_from(alt).ok().and_then(|a| buf.bytes().get(a.checked_sub(1)?)) == Some(&b'\n');
                        if !(resyncs && line_start) {
                            self.show_other_reading(buf, alt, packet, index, &why, sink);
                        }
                    }
                    self.suspect = Some(Suspect { packet, why });
                }
                match decision.framing {
                    Ok(Some(framing)) => {
                        let acc = self.body_acc(framing, coding, sink);
                        self.sides[c2s] = Side::Body { index, acc };
                    }
                    Ok(None) => self.request_done(index, sink),
                    Err(()) => {
                        // The length is unknowable: the request is kept, and what follows is
                        // read as the next request wherever one starts (the reading of an
                        // implementation that ignored the framing).
                        self.request_done(index, sink);
                        if matches!(self.sides[c2s], Side::Head) {
                            self.start_resync(c2s, buf, 0);
                            self.resyncs[c2s] = ResyncAt::default();
                        }
                    }
                }
                Step::Progress
            }
        }
    }

    /// A framing field on a line refused as malformed (RFC 9112 §5.1: "Transfer-Encoding : chunked")
    /// is read by lenient implementations: why that is ambiguous, and the body length under that
    /// reading when it can be told from `body` (the bytes after the head).
    fn refused_reading(&self, refused: &[(String, String)], body: &[u8]) -> Option<(String, Option<u64>)> {
        let (name, value) = refused.first()?;
        let why = format!("a malformed \"{name}\" field line that lenient implementations read, RFC 9112 §5.1");
        let alt = if name.eq_ignore_ascii_case("Transfer-Encoding") {
            let last = value.rsplit(',').next().unwrap_or("").trim();
            last.eq_ignore_ascii_case("chunked")
                .then(|| {
                    let mut c = Chunked::new(self.max_chunk_line, 0);
                    let (n, r) = c.feed_at(body, &mut |_| {});
                    (r.is_ok() && c.is_done()).then_some(n as u64)
                })
                .flatten()
        } else {
            value.parse::<u64>().ok().filter(|_| value.bytes().all(|c| c.is_ascii_digit()))
        };
        Some((why, alt))
    }

    /// The request just read follows one whose framing is ambiguous: both readings are shown.
    fn flag_suspect_follower(&mut self, packet: PacketNo, method: &str, target: &str, sink: &mut Sink) {
        if let Some(s) = self.suspect.take() {
            sink.finding(
                packet,
                Severity::Warning,
                "http.possible_smuggling",
                format!(
                    "{method} {target} (packet {packet}) follows the request of packet {} whose framing is ambiguous ({}): an implementation that reads that framing otherwise does not see this request where this reading does (request smuggling, RFC 9112 §11.2)",
                    s.packet, s.why
                ),
            );
        }
    }

    /// Under another reading of the framing of the request just read (body `alt` bytes long),
    /// the next request starts `alt` bytes into `buf`: when a whole request head is there, it is
    /// shown as an exchange of its own, with the finding.
    fn show_other_reading(&mut self, buf: &StreamBuf, alt: u64, packet: PacketNo, main: u32, why: &str, sink: &mut Sink) {
        let b = buf.bytes();
        let Ok(at) = usize::try_from(alt) else { return };
        if at == 0 || at >= b.len() || !super::detect::looks_like_request(&b[at..b.len().min(at + self.max_start_line)]) {
            return;
        }
        let view = &b[at..b.len().min(at + self.max_head)];
        let Parsed::Complete(h) = head::parse_request_from(view, &mut Scan::default(), self.head_limits) else { return };
        let HeadKind::Request { method, target } = h.kind else { return };
        let off = buf.offset() + at as u64;
        let (first_packet, start_ts) = buf.packet_at(off);
        let (last, end_ts) = buf.packet_at(off + h.len as u64 - 1);
        sink.finding(
            first_packet,
            Severity::Warning,
            "http.possible_smuggling",
            format!(
                "{method} {target} (packet {first_packet}) is a request under another reading of the framing of the request of packet {packet} ({why}: a body of {alt} bytes); this reading takes those bytes as that request's body (request smuggling, RFC 9112 §11.2)"
            ),
        );
        let index = self.next_index;
        self.next_index += 1;
        let x = Box::new(HttpExchange {
            connection: sink.conn,
            index,
            request: Some(HttpRequest {
                packet: last,
                first_packet,
                method,
                target,
                malformed_line: h.malformed_line,
                version: h.version,
                headers: h.headers,
                head_len: h.len,
                body_len: 0,
                wire_body_len: 0,
                start_time: nanos_to_secs(start_ts),
                end_time: nanos_to_secs(end_ts),
                body: None,
            }),
            response: None,
            interim: Vec::new(),
            pipelined_behind: 0,
            ttfb_ms: None,
            duration_ms: None,
            other_reading: true,
            stream: None,
        });
        self.held_alts.push_back((main, x));
    }

    /// Emits the other readings held for requests up to `index`.
    fn emit_alts(&mut self, index: u32, sink: &mut Sink) {
        while self.held_alts.front().is_some_and(|(m, _)| *m <= index) {
            if let Some((_, x)) = self.held_alts.pop_front() {
                sink.event(Event::Http(x));
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
        Box::new(BodyAcc { framing, wire: 0, plain: CappedSink::new(self.keep_body, u64::MAX), decoder, gap: false, sse: None })
    }

    /// RFC 9112 §6.3 rules 3 to 8, in its order (rules 1 and 2, which depend on the request, are
    /// the caller's). `framing`: `Ok(None)` no body, `Err` the length cannot be determined.
    fn framing(&self, h: &Headers, request: bool, http10: bool, packet: PacketNo, sink: &mut Sink) -> Decision {
        let plain = |framing| Decision { framing, suspect: None, alt_bodies: Vec::new() };
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
                // Rules 7 and 8.
                None => return plain(Ok(if request { None } else { Some(Framing::UntilClose) })),
                // Rule 6 (at most 18 digits: below 2^63).
                Some(v) if !v.is_empty() && v.len() <= 18 && v.bytes().all(|c| c.is_ascii_digit()) => {
                    return plain(Ok(match v.parse::<u64>() {
                        Ok(0) | Err(_) => None,
                        Ok(n) => Some(Framing::Length(n)),
                    }));
                }
                Some(_) => {}
            }
        }
        // Walked in place: this runs for every message, and most have one of the two fields or none.
        let te = || h.values("Transfer-Encoding").flat_map(|v| v.split(',')).map(str::trim).filter(|t| !t.is_empty());
        let cls = || h.values("Content-Length").flat_map(|v| v.split(',')).map(str::trim);
        // A valid Content-Length value: digits, and below 2^63 (larger ones overflow the signed
        // 64-bit numbers many implementations use, RFC 9110 §8.6).
        let parse = |v: &str| {
            if v.bytes().all(|c| c.is_ascii_digit()) && !v.is_empty() {
                v.parse::<u64>().ok().filter(|n| *n <= i64::MAX as u64)
            } else {
                None
            }
        };
        // The single Content-Length of rule 5's exception, if the field is valid.
        let one_cl = || {
            let first = parse(cls().next()?)?;
            cls().all(|v| parse(v) == Some(first)).then_some(first)
        };
        if let Some(last_te) = te().last() {
            let mut suspect = None;
            let mut alt_body: Option<u64> = None;
            if cls().next().is_some() {
                sink.finding(packet, Severity::Warning, "http.te_and_cl", "both Transfer-Encoding and Content-Length: Transfer-Encoding wins, but this is how request smuggling starts (RFC 9112 §6.3 rule 3, §11.2)".into());
                if request {
                    suspect = Some("Transfer-Encoding and Content-Length, RFC 9112 §6.3 rule 3".to_string());
                    alt_body = one_cl();
                }
            }
            if http10 {
                sink.finding(
                    packet,
                    Severity::Warning,
                    "http.te_in_http10",
                    "an HTTP/1.0 message with Transfer-Encoding, which RFC 9112 §6.1 says to treat as faulty framing: HTTP/1.0 implementations do not know it and read the body otherwise".into(),
                );
                if request && suspect.is_none() {
                    suspect = Some("Transfer-Encoding in an HTTP/1.0 request, RFC 9112 §6.1".to_string());
                    alt_body = one_cl().or(Some(0));
                }
            }
            let codings = te().count();
            let chunked = te().filter(|t| t.eq_ignore_ascii_case("chunked")).count();
            if codings > 1 && (chunked > 1 || h.values("Transfer-Encoding").count() > 1) {
                sink.finding(
                    packet,
                    Severity::Warning,
                    "http.multiple_transfer_encodings",
                    format!(
                        "Transfer-Encoding lists {codings} codings ({}){}: implementations that read only the first field or coding frame this message otherwise (RFC 9112 §6.1, §6.3 rule 4)",
                        te().collect::<Vec<_>>().join(", "),
                        if chunked > 1 { ", chunked more than once, which RFC 9112 §6.1 forbids" } else { "" }
                    ),
                );
                if request && suspect.is_none() {
                    suspect = Some("several Transfer-Encodings, RFC 9112 §6.1".to_string());
                    alt_body = one_cl().or(Some(0));
                }
            }
            if last_te.eq_ignore_ascii_case("chunked") {
                // Rule 4: chunked is the final coding.
                let framing = Framing::Chunked(Box::new(Chunked::new(self.max_chunk_line, self.keep_chunk_trailer)));
                return Decision { framing: Ok(Some(framing)), suspect, alt_bodies: alt_body.into_iter().collect() };
            }
            if request {
                sink.finding(
                    packet,
                    Severity::Error,
                    "http.te_not_chunked",
                    "request Transfer-Encoding does not end in chunked, so its length cannot be determined (RFC 9112 §6.3 rule 4)".into(),
                );
                let why = suspect.unwrap_or_else(|| "Transfer-Encoding not ending in chunked, RFC 9112 §6.3 rule 4".to_string());
                return Decision { framing: Err(()), suspect: Some(why), alt_bodies: Vec::new() };
            }
            // Rule 4, for a response: until the close.
            return Decision { framing: Ok(Some(Framing::UntilClose)), suspect, alt_bodies: alt_body.into_iter().collect() };
        }
        if cls().next().is_some() {
            let Some(n) = one_cl() else {
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
                let why = format!("invalid Content-Length \"{}\", RFC 9112 §6.3 rule 5", all.join(", "));
                // Each value that is a number is another implementation's reading.
                let mut alt_bodies: Vec<u64> = Vec::new();
                // And the leading digits of one that is not ("+5", "5 5": tshark 4.0 reads 5).
                let lenient = |v: &str| {
                    let v = v.strip_prefix('+').unwrap_or(v);
                    let digits = v.bytes().take_while(u8::is_ascii_digit).count();
                    parse(&v[..digits])
                };
                for v in cls().filter_map(|v| parse(v).or_else(|| lenient(v))).take(8) {
                    if !alt_bodies.contains(&v) {
                        alt_bodies.push(v);
                    }
                }
                return Decision { framing: Err(()), suspect: request.then_some(why), alt_bodies };
            };
            // Rule 5's exception (a list of one repeated value), then rule 6.
            return plain(Ok((n > 0).then_some(Framing::Length(n))));
        }
        plain(Ok(if request { None } else { Some(Framing::UntilClose) }))
    }

    fn response_head(&mut self, buf: &mut StreamBuf, sink: &mut Sink) -> Step {
        let start_off = buf.offset();
        let (first_packet, start_ts) = buf.packet_at(start_off);
        // HTTP/0.9: no status line, the body runs to the close.
        let first_open = self.pending.iter().position(|p| !p.resp_started);
        head::count_queue(first_open.map_or(self.pending.len(), |i| i + 1));
        if let Some(p) = first_open.and_then(|i| self.pending.get_mut(i)).filter(|_| self.evicted.is_empty()) {
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
        let s2c = Dir::ServerToClient;
        let (max_head, lim) = (self.max_head, self.head_limits);
        let parsed = {
            let b = buf.bytes();
            let view = &b[..b.len().min(max_head)];
            let scan = self.scan_for(s2c, buf);
            head::parse_response_from(view, scan, lim)
        };
        match parsed {
            Parsed::Partial | Parsed::Http09 { .. } => {
                if buf.len() >= max_head {
                    sink.finding(
                        first_packet,
                        Severity::Error,
                        "http.head_too_large",
                        format!(
                            "response head longer than {max_head} bytes (Limits.max_head) without an end; skipping to the next response"
                        ),
                    );
                    self.start_resync(s2c, buf, max_head);
                    return Step::Progress;
                }
                Step::Stall
            }
            Parsed::Invalid { why, len } => {
                sink.finding(
                    first_packet,
                    Severity::Error,
                    "http.malformed_response",
                    format!("malformed response head ({why}), RFC 9112 §4; skipping to the next response"),
                );
                self.start_resync(s2c, buf, len.max(1));
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
                // Pair with the oldest request still waiting for its final response (one emitted
                // unanswered at the queue cap first: this response is its).
                let oldest = if self.evicted.is_empty() { self.pending.iter().position(|p| !p.resp_started) } else { None };
                head::count_queue(oldest.map_or(self.pending.len(), |i| i + 1));
                let pos = match oldest {
                    Some(i) => i,
                    None if !self.evicted.is_empty() && !(100..200).contains(&status) => {
                        let index = self.evicted.pop().unwrap_or(0);
                        let mut p = self.new_pending(index, None, start_ts);
                        p.req_done = true;
                        let at = self.pending.partition_point(|q| q.index < index);
                        self.pending.insert(at, p);
                        self.awaiting += 1;
                        at
                    }
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
                        self.awaiting += 1;
                        self.pending.len() - 1
                    }
                };
                let p = &mut self.pending[pos];
                if (100..200).contains(&status) && status != 101 {
                    if p.interim.len() < self.max_interim {
                        p.interim.push(resp);
                    } else {
                        self.interim_dropped += 1;
                        if self.interim_dropped == 1 {
                            sink.finding(
                                packet,
                                Severity::Warning,
                                "http.interim_limit",
                                format!(
                                    "more than {} interim 1xx responses to one request (Limits.max_interim_responses): the first are kept, further ones on this connection are counted and dropped",
                                    self.max_interim
                                ),
                            );
                        }
                    }
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
                let up_request = if status == 101 { p.request.clone().map(Box::new) } else { None };
                let event_stream = resp.headers.value("Content-Type").is_some_and(is_event_stream);
                let framing = if no_body || tunnel {
                    None
                } else {
                    match self.framing(&resp.headers, false, resp.version == "HTTP/1.0", packet, sink).framing {
                        Ok(f) => f,
                        Err(()) => {
                            // The user agent discards it (rule 5); an observer looks for the
                            // next status line.
                            self.start_resync(s2c, buf, 0);
                            self.resyncs[s2c] = ResyncAt::default();
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
                        let mut acc = self.body_acc(framing, coding_name.as_deref().and_then(Coding::from_header), sink);
                        if event_stream {
                            let (max_sse_line, keep_sse_data) = sink.out.sse_caps;
                            let caps = Limits { max_sse_line, keep_sse_data, ..Limits::default() };
                            acc.sse = Some(Box::new(SseParser::new(sink.conn, index, None, &caps)));
                            acc.decoder = acc.decoder.take().map(Decoder::tapped);
                        }
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
                        Switch::Http2 { request: up_request }
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
        let Side::Body { acc, .. } = &mut self.sides[dir] else { return Step::Stall };
        // An event stream's pieces go one packet at a time, so each event gets its own packet.
        let (run, packet, ts) = if acc.sse.is_some() { buf.first_run() } else { (buf.len(), 0, 0) };
        let input = &buf.bytes()[..run.min(buf.len())];
        let (used, done, err) = feed_body(acc, input, (packet, ts), sink);
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
        let (used, done, err) = feed_body(acc, bytes, (packet, ts), sink);
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
                format!("{e} (RFC 9112 §7.1): the body ends here, and decoding resumes at the next line that starts a message"),
            );
            self.finish_body_as(dir, false, false, buf, sink);
            if matches!(self.sides[dir], Side::Head) {
                // Never at a line start: the offending byte's line is skipped first.
                self.resyncs[dir] = ResyncAt { at_line_start: false, scanned: 0 };
                self.sides[dir] = Side::Resync;
            }
        } else if done {
            self.finish_body(dir, true, buf, sink);
        }
    }

    /// Completes the body in progress on `dir` and the message it belongs to.
    fn finish_body(&mut self, dir: Dir, complete: bool, buf: &StreamBuf, sink: &mut Sink) {
        self.finish_body_as(dir, complete, true, buf, sink)
    }

    /// `report`: an incomplete body gets the body_incomplete finding (not when another finding
    /// already said why).
    fn finish_body_as(&mut self, dir: Dir, complete: bool, report: bool, buf: &StreamBuf, sink: &mut Sink) {
        let side = std::mem::replace(&mut self.sides[dir], Side::Head);
        let Side::Body { index, acc } = side else {
            self.sides[dir] = side;
            return;
        };
        let (packet, ts) = buf.last_consumed_packet();
        let BodyAcc { framing, wire, plain, decoder, gap, mut sse } = *acc;
        let chunked_trailer = match &framing {
            Framing::Chunked(c) => c.trailer_fields(),
            _ => Vec::new(),
        };
        let (len, bytes, truncated) = match decoder {
            Some(d) => sink.finish_body(d, sse.as_deref_mut(), packet, ts),
            None => {
                let t = plain.total > plain.kept.len() as u64;
                (plain.total, plain.kept, t)
            }
        };
        if let Some(mut p) = sse {
            p.end(packet, sink);
        }
        let body = (self.keep_body > 0 && len > 0).then_some(Body { bytes, truncated });
        let complete = complete && !gap;
        let Some(p) = self.pos_of(index).and_then(|at| self.pending.get_mut(at)) else {
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
                if !complete && report {
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
                if !complete && report {
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
        let Some(p) = self.pos_of(index).and_then(|at| self.pending.get_mut(at)) else {
            return;
        };
        p.req_done = true;
        if (p.upgrade.is_some() || p.connect) && !p.resp_started {
            self.sides[Dir::ClientToServer] = Side::AwaitingResponse;
        }
        self.try_emit(index, sink);
    }

    fn response_done(&mut self, index: u32, sink: &mut Sink) {
        if let Some(p) = self.pos_of(index).and_then(|at| self.pending.get_mut(at)) {
            if !p.resp_done {
                p.resp_done = true;
                self.awaiting = self.awaiting.saturating_sub(1);
            }
        }
        self.try_emit(index, sink);
    }

    fn try_emit(&mut self, index: u32, sink: &mut Sink) {
        let Some(pos) = self.pos_of(index).filter(|&at| self.pending[at].req_done && self.pending[at].resp_done) else {
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
            other_reading: false,
            stream: None,
        })));
        self.emit_alts(p.index, sink);
    }

    /// Bytes never captured on `dir`.
    pub fn gap(&mut self, dir: Dir, len: u64, packet: PacketNo, buf: &mut StreamBuf, sink: &mut Sink) {
        self.gap_as(dir, len, packet, buf, sink, true)
    }

    /// Bytes captured but not held (past Limits.max_sniff_wait, whose finding says so): a gap
    /// without the tcp.gap finding.
    pub fn gap_not_held(&mut self, dir: Dir, len: u64, packet: PacketNo, buf: &mut StreamBuf, sink: &mut Sink) {
        self.gap_as(dir, len, packet, buf, sink, false)
    }

    fn gap_as(&mut self, dir: Dir, len: u64, packet: PacketNo, buf: &mut StreamBuf, sink: &mut Sink, report: bool) {
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
                if let Some(p) = &mut acc.sse {
                    p.gap();
                }
                return;
            }
            self.finish_body(dir, false, buf, sink);
        }
        buf.skip_gap(len);
        if !matches!(self.sides[dir], Side::Stopped | Side::AwaitingResponse) {
            if !report {
                self.sides[dir] = Side::Resync;
                self.resyncs[dir] = ResyncAt::default();
                return;
            }
            sink.finding(
                packet,
                Severity::Warning,
                "tcp.gap",
                format!("{len} bytes were not captured; decoding resumes at the next message that can be recognised"),
            );
            self.sides[dir] = Side::Resync;
            self.resyncs[dir] = ResyncAt::default();
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
        self.awaiting = 0;
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
        self.emit_alts(u32::MAX, sink);
    }
}

impl StreamDecoder for Http1 {
    fn protocol(&self) -> Protocol {
        Protocol::Http
    }

    fn take_direct(&mut self, dir: Dir, bytes: &[u8], packet: PacketNo, ts: Nanos, buf: &mut StreamBuf, sink: &mut Sink) -> usize {
        Http1::take_direct(self, dir, bytes, packet, ts, buf, sink)
    }

    fn process(&mut self, bufs: &mut PerDir<StreamBuf>, _ended: PerDir<bool>, sink: &mut Sink) -> Option<Box<dyn StreamDecoder>> {
        loop {
            if let Some(switch) = Http1::process(self, bufs, sink) {
                return Some(super::handover::after_http1(&self.shared, switch, self.exchanges, sink));
            }
            // The client's bytes not held while sniffing: a gap after the held ones.
            let (n, packet) = self.not_held.take()?;
            let c2s = Dir::ClientToServer;
            self.gap_not_held(c2s, n, packet, &mut bufs[c2s], sink);
        }
    }

    fn gap(&mut self, dir: Dir, len: u64, packet: PacketNo, buf: &mut StreamBuf, sink: &mut Sink) {
        Http1::gap(self, dir, len, packet, buf, sink)
    }

    fn end(&mut self, dir: Dir, buf: &mut StreamBuf, sink: &mut Sink) {
        Http1::end(self, dir, buf, sink)
    }

    fn finish(&mut self, bufs: &mut PerDir<StreamBuf>, _at: Finish, sink: &mut Sink) {
        Http1::finish(self, bufs, sink)
    }

    fn figures(&self, f: &mut Figures) {
        f.protocol = Some(Protocol::Http);
        f.http_exchanges = self.exchanges;
    }
}
