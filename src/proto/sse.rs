//! Server-Sent Events: a `text/event-stream` body read as the WHATWG HTML standard's event stream
//! interpretation says (§9.2.6, "Interpreting an event stream"): lines end in CRLF, LF or CR; a
//! leading BOM is skipped; `:` starts a comment; `event`, `data`, `id` and `retry` fields; a blank
//! line dispatches. Fed body bytes (after transfer framing and content coding) as they arrive,
//! with the packet and time each piece came in, so every event carries the packet that completed
//! it. Hand-written: the parsing rules are a page long, and the crates that parse SSE are clients
//! (they own the connection) or keep no packet for an event.
//!
//! Bounded: a line is kept up to [`Limits::max_sse_line`] bytes (the rest of it is read, not kept:
//! `sse.line_too_long`), an event's data up to [`Limits::keep_sse_data`] (`data_truncated`,
//! `sse.data_truncated`). Nothing else grows with the input.
//!
//! An HTTP/1 response body and an HTTP/2 stream call it the same way: [`SseParser::new`] when the
//! response head says `text/event-stream`, [`SseParser::feed`] with each piece of decoded body,
//! [`SseParser::gap`] for bytes never captured, [`SseParser::end`] when the body ends.

use super::Sink;
use crate::limits::Limits;
use crate::model::{nanos_to_secs, ConnId, Event, Nanos, PacketNo, Severity, SseEvent};

/// Whether a Content-Type value names an event stream (parameters allowed, any case).
pub fn is_event_stream(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("text/event-stream")
}

/// Where the events and findings go: a decoder's [`Sink`], or a buffer in tests.
pub trait SseOut {
    fn sse(&mut self, e: SseEvent);
    fn sse_finding(&mut self, packet: PacketNo, code: &'static str, message: String);
}

impl SseOut for Sink<'_> {
    fn sse(&mut self, e: SseEvent) {
        self.event(Event::Sse(Box::new(e)));
    }
    fn sse_finding(&mut self, packet: PacketNo, code: &'static str, message: String) {
        self.finding(packet, Severity::Warning, code, message);
    }
}

/// What a test collects.
#[derive(Debug, Default)]
pub struct Collected {
    pub events: Vec<SseEvent>,
    pub findings: Vec<(PacketNo, &'static str, String)>,
}

impl SseOut for Collected {
    fn sse(&mut self, e: SseEvent) {
        self.events.push(e);
    }
    fn sse_finding(&mut self, packet: PacketNo, code: &'static str, message: String) {
        self.findings.push((packet, code, message));
    }
}

const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// One event stream (one response body).
pub struct SseParser {
    connection: ConnId,
    exchange: u32,
    stream: Option<u32>,
    max_line: usize,
    keep_data: usize,
    /// BOM bytes matched at the stream's start; 3 once past it (matched or not).
    bom: u8,
    /// The last byte was a CR: an LF right after it ends nothing.
    after_cr: bool,
    /// The line so far (at most `max_line` bytes), and whether more of it was dropped.
    line: Vec<u8>,
    line_cut: bool,
    // The event being built (the standard's buffers).
    data: Vec<u8>,
    data_cut: bool,
    event_type: Option<Vec<u8>>,
    /// The last event ID buffer: it persists from event to event.
    last_id: Vec<u8>,
    /// A retry field since the last event.
    retry: Option<u64>,
    /// Where the event being built began (its first line's packet).
    first_packet: Option<PacketNo>,
    line_reported: bool,
    data_reported: bool,
}

impl SseParser {
    /// `exchange`: the index of the exchange whose response carries the stream; `stream`: its
    /// HTTP/2 stream id (none for HTTP/1).
    pub fn new(connection: ConnId, exchange: u32, stream: Option<u32>, limits: &Limits) -> Self {
        SseParser {
            connection,
            exchange,
            stream,
            max_line: limits.max_sse_line.max(1),
            keep_data: limits.keep_sse_data,
            bom: 0,
            after_cr: false,
            line: Vec::new(),
            line_cut: false,
            data: Vec::new(),
            data_cut: false,
            event_type: None,
            last_id: Vec::new(),
            retry: None,
            first_packet: None,
            line_reported: false,
            data_reported: false,
        }
    }

    /// Decoded body bytes that arrived in `packet` at `ts`.
    pub fn feed(&mut self, mut bytes: &[u8], packet: PacketNo, ts: Nanos, out: &mut impl SseOut) {
        while self.bom < 3 {
            let Some((&b, rest)) = bytes.split_first() else { return };
            if b == BOM[usize::from(self.bom)] {
                self.bom += 1;
                bytes = rest;
            } else {
                // Not a BOM after all: the bytes matched so far are text.
                let matched = usize::from(self.bom);
                self.bom = 3;
                self.text(&BOM[..matched], packet, ts, out);
            }
        }
        self.text(bytes, packet, ts, out);
    }

    fn text(&mut self, mut bytes: &[u8], packet: PacketNo, ts: Nanos, out: &mut impl SseOut) {
        if self.after_cr {
            self.after_cr = false;
            if let Some(rest) = bytes.strip_prefix(b"\n") {
                bytes = rest;
            }
        }
        while !bytes.is_empty() {
            if self.first_packet.is_none() {
                self.first_packet = Some(packet);
            }
            match bytes.iter().position(|&c| c == b'\n' || c == b'\r') {
                None => {
                    self.keep(bytes, packet, out);
                    return;
                }
                Some(at) => {
                    self.keep(&bytes[..at], packet, out);
                    let cr = bytes[at] == b'\r';
                    bytes = &bytes[at + 1..];
                    if cr {
                        match bytes.first() {
                            Some(b'\n') => bytes = &bytes[1..],
                            Some(_) => {}
                            None => self.after_cr = true,
                        }
                    }
                    self.line_done(packet, ts, out);
                }
            }
        }
    }

    /// Part of the current line, kept up to the cap.
    fn keep(&mut self, part: &[u8], packet: PacketNo, out: &mut impl SseOut) {
        let room = self.max_line.saturating_sub(self.line.len());
        if part.len() > room {
            self.line_cut = true;
            if !self.line_reported {
                self.line_reported = true;
                out.sse_finding(
                    packet,
                    "sse.line_too_long",
                    format!(
                        "an event-stream line is longer than {} bytes (Limits.max_sse_line): only its first {} bytes are kept",
                        self.max_line, self.max_line
                    ),
                );
            }
        }
        self.line.extend_from_slice(&part[..room.min(part.len())]);
    }

    fn line_done(&mut self, packet: PacketNo, ts: Nanos, out: &mut impl SseOut) {
        let line = std::mem::take(&mut self.line);
        let cut = std::mem::replace(&mut self.line_cut, false);
        if line.is_empty() && !cut {
            self.dispatch(packet, ts, out);
        } else {
            self.field(&line, cut, packet, out);
        }
        // The buffer's room is reused for the next line.
        self.line = line;
        self.line.clear();
        if self.line.capacity() > 4096 {
            self.line.shrink_to(4096);
        }
    }

    /// One non-empty line (§9.2.6: "If the line starts with a U+003A COLON character..." and on).
    fn field(&mut self, line: &[u8], cut: bool, packet: PacketNo, out: &mut impl SseOut) {
        if line.first() == Some(&b':') {
            return;
        }
        let (name, value) = match line.iter().position(|&c| c == b':') {
            Some(at) => {
                let v = &line[at + 1..];
                (&line[..at], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (line, &b""[..]),
        };
        match name {
            b"event" => self.event_type = Some(value.to_vec()),
            b"data" => {
                let room = self.keep_data.saturating_sub(self.data.len());
                if value.len() + 1 > room || cut {
                    self.data_cut = true;
                    if !self.data_reported {
                        self.data_reported = true;
                        out.sse_finding(
                            packet,
                            "sse.data_truncated",
                            format!("an event's data is longer than {} bytes (Limits.keep_sse_data): it is cut there", self.keep_data),
                        );
                    }
                }
                let n = value.len().min(room);
                self.data.extend_from_slice(&value[..n]);
                if n < room {
                    self.data.push(b'\n');
                }
            }
            b"id" if !value.contains(&0) => self.last_id = value.to_vec(),
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                // Digits beyond what fits: the largest value (no browser waits that long anyway).
                self.retry = Some(std::str::from_utf8(value).ok().and_then(|s| s.parse().ok()).unwrap_or(u64::MAX));
            }
            _ => {}
        }
    }

    fn dispatch(&mut self, packet: PacketNo, ts: Nanos, out: &mut impl SseOut) {
        let first_packet = self.first_packet.take().unwrap_or(packet);
        let event_type = self.event_type.take();
        let data_cut = std::mem::replace(&mut self.data_cut, false);
        if self.data.is_empty() && !data_cut {
            return;
        }
        // The data buffer's last LF is removed (when the cut did not take it).
        if self.data.last() == Some(&b'\n') {
            self.data.pop();
        }
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        out.sse(SseEvent {
            connection: self.connection,
            exchange: self.exchange,
            stream: self.stream,
            packet,
            first_packet,
            time: nanos_to_secs(ts),
            id: (!self.last_id.is_empty()).then(|| text(&self.last_id)),
            event: event_type.filter(|t| !t.is_empty()).map(|t| text(&t)),
            data: text(&self.data),
            retry: self.retry.take(),
            data_truncated: data_cut,
        });
        self.data.clear();
        if self.data.capacity() > 4096 {
            self.data.shrink_to(4096);
        }
    }

    /// Bytes of the body were never captured: the line and the event they fell in are lost.
    pub fn gap(&mut self) {
        self.line.clear();
        self.line_cut = false;
        self.after_cr = false;
        self.data.clear();
        self.data_cut = false;
        self.event_type = None;
        self.first_packet = None;
        self.bom = 3;
    }

    /// The body ended (in `packet`): an event without its blank line is not dispatched (§9.2.6:
    /// "any pending data must be discarded"), which a finding says.
    pub fn end(&mut self, packet: PacketNo, out: &mut impl SseOut) {
        if !self.line.is_empty() || !self.data.is_empty() || self.data_cut {
            out.sse_finding(
                packet,
                "sse.incomplete_event",
                "the event stream ended inside an event (no blank line after it): a browser discards that event".into(),
            );
        }
        self.gap();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_with(limits: &Limits, pieces: &[&[u8]]) -> Collected {
        let mut p = SseParser::new(3, 1, None, limits);
        let mut out = Collected::default();
        for (i, piece) in pieces.iter().enumerate() {
            p.feed(piece, i as u64 + 1, (i as i64 + 1) * 1_000_000_000, &mut out);
        }
        p.end(pieces.len() as u64, &mut out);
        out
    }

    fn parse(pieces: &[&[u8]]) -> Collected {
        parse_with(&Limits::default(), pieces)
    }

    fn datas(c: &Collected) -> Vec<&str> {
        c.events.iter().map(|e| e.data.as_str()).collect()
    }

    /// Every split of `s` in two gives the same events as `s` whole.
    fn same_split_anywhere(s: &[u8]) -> Collected {
        let whole = parse(&[s]);
        for at in 0..=s.len() {
            let two = parse(&[&s[..at], &s[at..]]);
            let key = |c: &Collected| c.events.iter().map(|e| (e.id.clone(), e.event.clone(), e.data.clone(), e.retry)).collect::<Vec<_>>();
            assert_eq!(key(&whole), key(&two), "split at {at}");
        }
        whole
    }

    // The WHATWG HTML standard's own examples (§9.2.6).

    #[test]
    fn spec_example_stock_updates() {
        // "data: YHOO\ndata: +2\ndata: 10\n\n" is one message, data "YHOO\n+2\n10".
        let c = same_split_anywhere(b"data: YHOO\ndata: +2\ndata: 10\n\n");
        assert_eq!(datas(&c), ["YHOO\n+2\n10"]);
        assert_eq!(c.events[0].event, None);
    }

    #[test]
    fn spec_example_four_blocks() {
        // The standard: the first block is a comment and fires nothing; the second fires "first
        // event" with last event ID "1"; the third "second event" with an empty last event ID;
        // the fourth " third event" (one space kept: only one after the colon is removed).
        let s = b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n";
        let c = same_split_anywhere(s);
        assert_eq!(datas(&c), ["first event", "second event", " third event"]);
        let ids: Vec<_> = c.events.iter().map(|e| e.id.clone()).collect();
        assert_eq!(ids, [Some("1".to_string()), None, None]);
    }

    #[test]
    fn spec_example_two_events_empty_data() {
        // "data\n\ndata\ndata\n\ndata:" fires "" and "\n"; the last line has no blank line after it.
        let c = same_split_anywhere(b"data\n\ndata\ndata\n\ndata:");
        assert_eq!(datas(&c), ["", "\n"]);
        assert_eq!(c.findings.len(), 1, "{:?}", c.findings);
        assert_eq!(c.findings[0].1, "sse.incomplete_event");
    }

    #[test]
    fn spec_example_same_two_events() {
        // "data:test\n\ndata: test\n\n" fires two identical events ("test").
        assert_eq!(datas(&same_split_anywhere(b"data:test\n\ndata: test\n\n")), ["test", "test"]);
    }

    #[test]
    fn line_ends_cr_lf_crlf_and_a_bom() {
        let c = same_split_anywhere(b"\xEF\xBB\xBFdata: a\r\ndata: b\rdata: c\n\r\nevent: up\rdata: d\r\r");
        assert_eq!(datas(&c), ["a\nb\nc", "d"]);
        assert_eq!(c.events[1].event.as_deref(), Some("up"));
        // A BOM is skipped only at the start: a second one is text (a field named "\u{feff}data").
        let c = parse(&[b"\xEF\xBB\xBF\xEF\xBB\xBFdata: x\n\n"]);
        assert!(c.events.is_empty());
    }

    #[test]
    fn id_with_nul_and_bad_retry_are_ignored_and_id_persists() {
        let c = parse(&[b"id: 7\nretry: 1500\ndata: a\n\nid: 8\0x\nretry: 12a\ndata: b\n\n"]);
        assert_eq!(c.events[0].id.as_deref(), Some("7"));
        assert_eq!(c.events[0].retry, Some(1500));
        assert_eq!(c.events[1].id.as_deref(), Some("7"));
        assert_eq!(c.events[1].retry, None);
        // A block without data fires nothing, but its retry shows with the next event.
        let c = parse(&[b"retry: 10000\n\nevent: ping\n\ndata: x\n\n"]);
        assert_eq!(c.events.len(), 1);
        assert_eq!(c.events[0].retry, Some(10000));
        assert_eq!(c.events[0].event, None);
    }

    #[test]
    fn packets_and_times_come_from_the_pieces() {
        let c = parse(&[b"data: a", b"bc\n", b"\ndata: x\n\n"]);
        assert_eq!(c.events[0].first_packet, 1);
        assert_eq!(c.events[0].packet, 3);
        assert_eq!(c.events[0].time, 3.0);
        assert_eq!(c.events[1].first_packet, 3);
        assert_eq!(c.events[0].data, "abc");
    }

    #[test]
    fn caps_cut_and_report() {
        let limits = Limits { max_sse_line: 16, keep_sse_data: 8, ..Limits::default() };
        let c = parse_with(&limits, &[b"data: 0123456789abcdefghij\n\n: ", &[b'x'; 100], b"\ndata: ok\n\n"]);
        assert_eq!(datas(&c), ["01234567", "ok"]);
        assert!(c.events[0].data_truncated && !c.events[1].data_truncated);
        let codes: Vec<_> = c.findings.iter().map(|f| f.1).collect();
        assert_eq!(codes, ["sse.line_too_long", "sse.data_truncated"]);
    }

    #[test]
    fn content_type() {
        assert!(is_event_stream("text/event-stream"));
        assert!(is_event_stream("Text/Event-Stream; charset=utf-8"));
        assert!(!is_event_stream("text/plain"));
        assert!(!is_event_stream("text/event-streams"));
    }
}
