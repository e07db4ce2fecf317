//! Both directions of one WebSocket connection after the upgrade.

use super::frame::{parse_header, unmask, FrameHeader};
use super::{close_code_meaning, close_code_valid_on_wire, opcode_name};
use crate::limits::Limits;
use crate::model::{
    nanos_to_secs, DeflateParams, Dir, Event, Headers, Nanos, PacketNo, PerDir, Protocol, Severity, WsFrame, WsHandshake, WsMessage,
};
use crate::proto::{Figures, Finish, Sink, StreamBuf, StreamDecoder};
use flate2::{Decompress, FlushDecompress, Status};
use std::collections::HashSet;

/// Incremental UTF-8 validation across fragment and segment boundaries.
#[derive(Default)]
struct Utf8Check {
    tail: Vec<u8>,
    bad: bool,
}

impl Utf8Check {
    fn feed(&mut self, mut b: &[u8]) {
        if self.bad {
            return;
        }
        while !self.tail.is_empty() && !b.is_empty() {
            self.tail.push(b[0]);
            b = &b[1..];
            match simdutf8::compat::from_utf8(&self.tail) {
                Ok(_) => self.tail.clear(),
                Err(e) if e.error_len().is_some() => {
                    self.bad = true;
                    return;
                }
                Err(_) => {}
            }
        }
        // SIMD validation: message text is most of what this decoder reads.
        if let Err(e) = simdutf8::compat::from_utf8(b) {
            if e.error_len().is_some() {
                self.bad = true;
            } else {
                self.tail.extend_from_slice(&b[e.valid_up_to()..]);
            }
        }
    }
    fn valid_at_end(&self) -> bool {
        !self.bad && self.tail.is_empty()
    }
}

struct MsgAcc {
    opcode: u8,
    frames: u32,
    compressed: bool,
    wire_len: u64,
    len: u64,
    kept: Vec<u8>,
    utf8: Utf8Check,
    first_packet: PacketNo,
    cap_hit: bool,
    damaged: bool,
    /// The file's decompression budget ran out: the rest of this message is counted, not inflated.
    budget_spent: bool,
}

struct FrameInProgress {
    hdr: FrameHeader,
    got: u64,
    first_packet: PacketNo,
    /// Control frame payload (at most 125 bytes when the peer follows the rules).
    control: Vec<u8>,
}

#[derive(Default)]
struct WsDir {
    frame: Option<FrameInProgress>,
    msg: Option<MsgAcc>,
    inflater: Option<Decompress>,
    closed: bool,
    after_close: u64,
    after_close_packet: PacketNo,
    lost: bool,
    reported: HashSet<&'static str>,
}

pub struct WsSession {
    pub handshake: WsHandshake,
    dirs: PerDir<WsDir>,
    deflate: Option<DeflateParams>,
    keep: usize,
    keep_control: usize,
    max_inflate: u64,
    frame_events: bool,
    scratch: Vec<u8>,
    out: Vec<u8>,
    /// Time of the last byte decoded, for messages cut short.
    last_ts: Nanos,
    pub messages: u32,
}

/// Where a direction's bytes are read from: its stream buffer, or a segment's payload read in
/// place while that buffer is empty.
trait Input {
    /// The bytes not yet consumed.
    fn bytes(&self) -> &[u8];
    fn consume(&mut self, n: usize);
    /// The packet that carries the next unconsumed byte.
    fn next_packet(&self) -> PacketNo;
    /// The direction's buffer (which knows the packet of the last consumed byte).
    fn stream(&self) -> &StreamBuf;
}

impl Input for StreamBuf {
    fn bytes(&self) -> &[u8] {
        StreamBuf::bytes(self)
    }
    fn consume(&mut self, n: usize) {
        StreamBuf::consume(self, n)
    }
    fn next_packet(&self) -> PacketNo {
        self.packet_at(self.offset()).0
    }
    fn stream(&self) -> &StreamBuf {
        self
    }
}

/// One segment's payload, consumed where it lies; the (empty) buffer follows along.
struct Direct<'a> {
    data: &'a [u8],
    at: usize,
    packet: PacketNo,
    ts: Nanos,
    buf: &'a mut StreamBuf,
}

impl Input for Direct<'_> {
    fn bytes(&self) -> &[u8] {
        &self.data[self.at..]
    }
    fn consume(&mut self, n: usize) {
        let n = n.min(self.data.len() - self.at);
        self.at += n;
        self.buf.skip_direct(n, self.packet, self.ts);
    }
    fn next_packet(&self) -> PacketNo {
        self.packet
    }
    fn stream(&self) -> &StreamBuf {
        self.buf
    }
}

impl WsSession {
    pub fn new(handshake: WsHandshake, limits: &Limits) -> Self {
        let deflate = handshake.permessage_deflate;
        WsSession {
            handshake,
            dirs: PerDir::default(),
            deflate,
            keep: limits.keep_ws_payload,
            keep_control: limits.keep_ws_control,
            max_inflate: limits.max_decompressed,
            frame_events: limits.frame_events,
            scratch: Vec::new(),
            out: Vec::new(),
            last_ts: 0,
            messages: 0,
        }
    }

    /// The session after an HTTP/1 upgrade, its handshake read from the two heads and checked:
    /// a Sec-WebSocket-Accept that does not match the key, or no key, is a finding.
    pub fn from_upgrade(
        limits: &Limits,
        request_headers: &Headers,
        response_headers: &Headers,
        request_packet: PacketNo,
        response_packet: PacketNo,
        sink: &mut Sink,
    ) -> Self {
        let hs = super::handshake::from_headers(request_headers, response_headers, request_packet, response_packet);
        if hs.accept_ok == Some(false) {
            sink.finding(
                response_packet,
                Severity::Error,
                "ws.bad_accept",
                format!(
                    "Sec-WebSocket-Accept is {} but the key {} requires {} (RFC 6455 §4.2.2)",
                    hs.accept.as_deref().unwrap_or("?"),
                    hs.key.as_deref().unwrap_or("?"),
                    hs.expected_accept.as_deref().unwrap_or("?")
                ),
            );
        }
        if hs.key.is_none() {
            sink.finding(
                request_packet,
                Severity::Error,
                "ws.missing_key",
                "the upgrade request has no Sec-WebSocket-Key (RFC 6455 §4.1)".into(),
            );
        }
        WsSession::new(hs, limits)
    }

    /// A session recognised from its frames alone (the capture started after the handshake),
    /// said by a finding at `first_packet`, the connection's first.
    pub fn without_upgrade(limits: &Limits, first_packet: PacketNo, sink: &mut Sink) -> Self {
        sink.finding(
            first_packet,
            Severity::Info,
            "ws.upgrade_not_captured",
            "WebSocket frames without a captured upgrade (the capture started after the handshake): recognised from the frame headers"
                .into(),
        );
        WsSession::new(WsHandshake { upgrade_captured: false, ..Default::default() }, limits)
    }

    fn violation(&mut self, dir: Dir, packet: PacketNo, sev: Severity, code: &'static str, msg: String, sink: &mut Sink) {
        if self.dirs[dir].reported.insert(code) {
            sink.finding(packet, sev, code, msg);
        }
    }

    pub fn process(&mut self, bufs: &mut PerDir<StreamBuf>, sink: &mut Sink) {
        for dir in Dir::BOTH {
            self.process_dir(dir, &mut bufs[dir], sink);
        }
    }

    /// Decodes what it can of a segment's bytes in place, without copying them into the stream
    /// buffer first, when that buffer is empty (the usual case: frames rarely straddle segments
    /// with bytes left waiting). Returns how many bytes it used; the caller buffers the rest.
    pub fn take_direct(&mut self, dir: Dir, bytes: &[u8], packet: PacketNo, ts: Nanos, buf: &mut StreamBuf, sink: &mut Sink) -> usize {
        if !buf.is_empty() {
            return 0;
        }
        let mut input = Direct { data: bytes, at: 0, packet, ts, buf };
        self.process_dir(dir, &mut input, sink);
        input.at
    }

    fn process_dir(&mut self, dir: Dir, buf: &mut impl Input, sink: &mut Sink) {
        loop {
            if buf.bytes().is_empty() {
                return;
            }
            if self.dirs[dir].lost {
                let n = buf.bytes().len();
                buf.consume(n);
                return;
            }
            if self.dirs[dir].closed && self.dirs[dir].frame.is_none() {
                // RFC 6455 §5.5.1: nothing is sent after a close frame; these bytes are not frames.
                let d = &mut self.dirs[dir];
                if d.after_close == 0 {
                    d.after_close_packet = buf.next_packet();
                }
                let n = buf.bytes().len();
                d.after_close += n as u64;
                buf.consume(n);
                continue;
            }
            if self.dirs[dir].frame.is_none() {
                let Some(hdr) = parse_header(buf.bytes()) else {
                    return;
                };
                let first_packet = buf.next_packet();
                buf.consume(hdr.header_len as usize);
                self.start_frame(dir, hdr, first_packet, sink);
                if hdr.payload_len > 0 {
                    continue;
                }
            } else {
                let fr = self.dirs[dir].frame.as_ref().map(|f| (f.hdr, f.got)).unwrap_or_else(|| unreachable!());
                let (hdr, got) = fr;
                let n = (hdr.payload_len - got).min(buf.bytes().len() as u64) as usize;
                let data = &buf.bytes()[..n];
                match hdr.mask {
                    Some(key) => {
                        self.scratch.clear();
                        self.scratch.extend_from_slice(data);
                        unmask(&mut self.scratch, key, got);
                        let payload = std::mem::take(&mut self.scratch);
                        self.payload(dir, &hdr, &payload, sink);
                        self.scratch = payload;
                    }
                    // Unmasked (server) payload is read where it lies.
                    None => self.payload(dir, &hdr, data, sink),
                }
                buf.consume(n);
                if let Some(f) = &mut self.dirs[dir].frame {
                    f.got += n as u64;
                }
            }
            let done = self.dirs[dir].frame.as_ref().is_some_and(|f| f.got == f.hdr.payload_len);
            if done {
                self.end_frame(dir, buf.stream(), sink);
            }
        }
    }

    fn start_frame(&mut self, dir: Dir, hdr: FrameHeader, first_packet: PacketNo, sink: &mut Sink) {
        let p = first_packet;
        match (dir, hdr.mask.is_some()) {
            (Dir::ClientToServer, false) => self.violation(
                dir,
                p,
                Severity::Error,
                "ws.unmasked_client_frame",
                "a client frame is not masked (RFC 6455 §5.1: every client-to-server frame MUST be masked)".into(),
                sink,
            ),
            (Dir::ServerToClient, true) => self.violation(
                dir,
                p,
                Severity::Error,
                "ws.masked_server_frame",
                "a server frame is masked (RFC 6455 §5.1: a server MUST NOT mask)".into(),
                sink,
            ),
            _ => {}
        }
        if matches!(hdr.opcode, 3..=7 | 11..=15) {
            self.violation(
                dir,
                p,
                Severity::Error,
                "ws.reserved_opcode",
                format!("reserved opcode 0x{:x} (RFC 6455 §5.2)", hdr.opcode),
                sink,
            );
        }
        let deflate_ok = self.deflate.is_some() || !self.handshake.upgrade_captured;
        if hdr.rsv & 0b011 != 0 || (hdr.rsv & 0b100 != 0 && (!deflate_ok || hdr.is_control())) {
            self.violation(
                dir,
                p,
                Severity::Error,
                "ws.reserved_bits",
                format!("RSV bits {:03b} set without an extension that defines them (RFC 6455 §5.2, RFC 7692 §6)", hdr.rsv),
                sink,
            );
        }
        if hdr.length_form == 64 && hdr.payload_len >> 63 != 0 {
            self.violation(
                dir,
                p,
                Severity::Error,
                "ws.length_msb",
                format!("64-bit payload length {} has its most significant bit set (RFC 6455 §5.2)", hdr.payload_len),
                sink,
            );
        }
        if hdr.non_minimal_length() {
            self.violation(
                dir,
                p,
                Severity::Info,
                "ws.non_minimal_length",
                format!("payload length {} uses the {}-bit form; RFC 6455 §5.2 asks for the shortest", hdr.payload_len, hdr.length_form),
                sink,
            );
        }
        if hdr.is_control() {
            if !hdr.fin {
                self.violation(
                    dir,
                    p,
                    Severity::Error,
                    "ws.fragmented_control",
                    format!("{} frame is fragmented (RFC 6455 §5.5: control frames MUST NOT be fragmented)", opcode_name(hdr.opcode)),
                    sink,
                );
            }
            if hdr.payload_len > 125 {
                self.violation(
                    dir,
                    p,
                    Severity::Error,
                    "ws.control_too_long",
                    format!("{} frame carries {} bytes (RFC 6455 §5.5: at most 125)", opcode_name(hdr.opcode), hdr.payload_len),
                    sink,
                );
            }
        } else if hdr.opcode == 0 {
            if self.dirs[dir].msg.is_none() {
                self.violation(
                    dir,
                    p,
                    Severity::Error,
                    "ws.unexpected_continuation",
                    "continuation frame with no message to continue (RFC 6455 §5.4)".into(),
                    sink,
                );
                self.dirs[dir].msg = Some(self.new_msg(0, false, p));
            } else if hdr.rsv & 0b100 != 0 {
                self.violation(
                    dir,
                    p,
                    Severity::Error,
                    "ws.rsv1_on_continuation",
                    "RSV1 set on a continuation frame (RFC 7692 §6.1: only the first frame of a message)".into(),
                    sink,
                );
            }
        } else {
            if let Some(old) = self.dirs[dir].msg.take() {
                self.violation(
                    dir,
                    p,
                    Severity::Error,
                    "ws.interleaved_data",
                    "a new data message started before the previous one finished (RFC 6455 §5.4)".into(),
                    sink,
                );
                self.emit_message(dir, old, p, self.last_ts, None, None, sink);
            }
            let compressed = hdr.rsv & 0b100 != 0;
            self.dirs[dir].msg = Some(self.new_msg(hdr.opcode, compressed, p));
        }
        if !hdr.is_control() {
            if let Some(m) = &mut self.dirs[dir].msg {
                m.frames = m.frames.saturating_add(1);
            }
        }
        self.dirs[dir].frame = Some(FrameInProgress { hdr, got: 0, first_packet, control: Vec::new() });
    }

    fn new_msg(&self, opcode: u8, compressed: bool, first_packet: PacketNo) -> MsgAcc {
        MsgAcc {
            opcode,
            frames: 0,
            compressed,
            wire_len: 0,
            len: 0,
            kept: Vec::new(),
            utf8: Utf8Check::default(),
            first_packet,
            cap_hit: false,
            damaged: false,
            budget_spent: false,
        }
    }

    fn payload(&mut self, dir: Dir, hdr: &FrameHeader, data: &[u8], sink: &mut Sink) {
        if hdr.is_control() {
            if let Some(f) = &mut self.dirs[dir].frame {
                let room = self.keep_control.saturating_sub(f.control.len());
                f.control.extend_from_slice(&data[..room.min(data.len())]);
            }
            return;
        }
        let Some(mut m) = self.dirs[dir].msg.take() else {
            return;
        };
        m.wire_len += data.len() as u64;
        if m.compressed {
            self.inflate(dir, &mut m, data, false, sink);
        } else {
            self.take(&mut m, data);
        }
        self.dirs[dir].msg = Some(m);
    }

    fn take(&self, m: &mut MsgAcc, data: &[u8]) {
        m.len += data.len() as u64;
        let room = self.keep.saturating_sub(m.kept.len());
        m.kept.extend_from_slice(&data[..room.min(data.len())]);
        if m.opcode == 1 {
            m.utf8.feed(data);
        }
    }

    fn inflate(&mut self, dir: Dir, m: &mut MsgAcc, mut input: &[u8], last: bool, sink: &mut Sink) {
        if m.cap_hit || m.damaged || m.budget_spent {
            return;
        }
        if sink.out.budget.left() == 0 {
            // Counted, not inflated; the window this message would have added is lost, so the
            // direction's inflater cannot go on either.
            m.budget_spent = true;
            self.dirs[dir].inflater = None;
            sink.budget_spent(m.first_packet);
            return;
        }
        // The negotiated max_window_bits (8..=15) only bound how far back the sender refers; an
        // inflater with the full 32 KiB window decodes every smaller window exactly.
        let inflater = self.dirs[dir].inflater.get_or_insert_with(|| Decompress::new(false));
        let mut out = std::mem::take(&mut self.out);
        if out.is_empty() {
            // Allocated on first use: most sessions never negotiate compression.
            out = vec![0; 32 * 1024];
        }
        let flush = if last { FlushDecompress::Sync } else { FlushDecompress::None };
        let mut error = None;
        loop {
            let before_in = inflater.total_in();
            let before_out = inflater.total_out();
            let r = inflater.decompress(input, &mut out, flush);
            let used = (inflater.total_in() - before_in) as usize;
            let made = (inflater.total_out() - before_out) as usize;
            input = &input[used..];
            if made > 0 {
                if m.len + made as u64 > self.max_inflate {
                    m.cap_hit = true;
                    break;
                }
                let made = sink.out.budget.take(made as u64) as usize;
                if made < (inflater.total_out() - before_out) as usize {
                    m.budget_spent = true;
                }
                m.len += made as u64;
                let room = self.keep.saturating_sub(m.kept.len());
                m.kept.extend_from_slice(&out[..room.min(made)]);
                if m.opcode == 1 {
                    m.utf8.feed(&out[..made]);
                }
            }
            match r {
                Err(e) => {
                    error = Some(e.to_string());
                    break;
                }
                Ok(Status::StreamEnd) => break,
                Ok(_) if input.is_empty() && made < out.len() => break,
                Ok(_) if used == 0 && made == 0 => break,
                Ok(_) if m.budget_spent => break,
                Ok(_) => {}
            }
        }
        self.out = out;
        let packet = m.first_packet;
        if m.budget_spent {
            self.dirs[dir].inflater = None;
            sink.budget_spent(packet);
        }
        if m.cap_hit {
            sink.finding(
                packet,
                Severity::Warning,
                "ws.decompression_limit",
                format!("a compressed message inflates past the {} byte limit; decoding of it stopped there", self.max_inflate),
            );
            self.dirs[dir].inflater = None;
        }
        if let Some(e) = error {
            m.damaged = true;
            self.violation(
                dir,
                packet,
                Severity::Error,
                "ws.inflate_failed",
                format!("permessage-deflate data does not inflate ({e}); RFC 7692 §7.2.2"),
                sink,
            );
            self.dirs[dir].inflater = None;
        }
    }

    fn end_frame(&mut self, dir: Dir, buf: &StreamBuf, sink: &mut Sink) {
        let Some(f) = self.dirs[dir].frame.take() else {
            return;
        };
        let (packet, ts) = buf.last_consumed_packet();
        self.last_ts = ts;
        let hdr = f.hdr;
        if self.frame_events {
            sink.event(Event::WsFrame(Box::new(WsFrame {
                connection: sink.conn,
                direction: dir,
                packet,
                first_packet: f.first_packet,
                time: nanos_to_secs(ts),
                fin: hdr.fin,
                rsv: hdr.rsv,
                opcode: hdr.opcode,
                masked: hdr.mask.is_some(),
                mask_key: hdr.mask,
                length_form: hdr.length_form,
                header_len: hdr.header_len,
                payload_len: hdr.payload_len,
            })));
        }
        if hdr.is_control() {
            let mut m = self.new_msg(hdr.opcode, false, f.first_packet);
            m.frames = 1;
            m.wire_len = hdr.payload_len;
            m.len = hdr.payload_len;
            let (mut code, mut reason) = (None, None);
            if hdr.opcode == 8 {
                (code, reason) = self.close_frame(dir, &f.control, packet, sink);
            }
            m.kept = f.control;
            m.kept.truncate(self.keep);
            self.emit_message(dir, m, packet, ts, code, reason, sink);
            return;
        }
        if hdr.fin {
            if let Some(mut m) = self.dirs[dir].msg.take() {
                if m.compressed {
                    self.inflate(dir, &mut m, &[0, 0, 0xff, 0xff], true, sink);
                    let reset = match dir {
                        Dir::ClientToServer => self.deflate.is_some_and(|d| d.client_no_context_takeover),
                        Dir::ServerToClient => self.deflate.is_some_and(|d| d.server_no_context_takeover),
                    };
                    if reset {
                        self.dirs[dir].inflater = None;
                    }
                }
                self.emit_message(dir, m, packet, ts, None, None, sink);
            }
        }
    }

    fn close_frame(&mut self, dir: Dir, payload: &[u8], packet: PacketNo, sink: &mut Sink) -> (Option<u16>, Option<String>) {
        let mut code = None;
        let mut reason = None;
        if payload.len() == 1 {
            self.violation(
                dir,
                packet,
                Severity::Error,
                "ws.bad_close_payload",
                "close frame with a 1-byte payload (RFC 6455 §5.5.1: a body starts with a 2-byte code)".into(),
                sink,
            );
        } else if payload.len() >= 2 {
            let c = u16::from_be_bytes([payload[0], payload[1]]);
            code = Some(c);
            if !close_code_valid_on_wire(c) {
                self.violation(
                    dir,
                    packet,
                    Severity::Error,
                    "ws.invalid_close_code",
                    format!("close code {c} ({}) may not be sent in a close frame (RFC 6455 §7.4)", close_code_meaning(c)),
                    sink,
                );
            }
            let r = &payload[2..];
            if std::str::from_utf8(r).is_err() {
                self.violation(
                    dir,
                    packet,
                    Severity::Error,
                    "ws.invalid_utf8",
                    "close reason is not valid UTF-8 (RFC 6455 §5.5.1)".into(),
                    sink,
                );
            }
            reason = Some(String::from_utf8_lossy(r).into_owned());
        }
        let hs = &mut self.handshake;
        hs.close_frames += 1;
        hs.close_initiator.get_or_insert(dir);
        match dir {
            Dir::ClientToServer => hs.client_close_code = code.or(hs.client_close_code),
            Dir::ServerToClient => hs.server_close_code = code.or(hs.server_close_code),
        }
        self.dirs[dir].closed = true;
        (code, reason)
    }

    #[allow(clippy::too_many_arguments)]
    fn emit_message(
        &mut self,
        dir: Dir,
        m: MsgAcc,
        packet: PacketNo,
        ts: Nanos,
        close_code: Option<u16>,
        close_reason: Option<String>,
        sink: &mut Sink,
    ) {
        if m.opcode == 1 && !m.damaged && !m.cap_hit && !m.budget_spent && !m.utf8.valid_at_end() {
            self.violation(dir, packet, Severity::Error, "ws.invalid_utf8", "text message is not valid UTF-8 (RFC 6455 §8.1)".into(), sink);
        }
        self.messages += 1;
        let payload_truncated = (m.kept.len() as u64) < m.len || m.budget_spent;
        sink.event(Event::WsMessage(Box::new(WsMessage {
            connection: sink.conn,
            direction: dir,
            opcode: m.opcode,
            frames: m.frames,
            compressed: m.compressed,
            len: m.len,
            wire_len: m.wire_len,
            packet,
            first_packet: m.first_packet,
            time: nanos_to_secs(ts),
            close_code,
            close_reason,
            payload: m.kept,
            payload_truncated,
        })));
    }

    /// Bytes never captured on `dir`.
    pub fn gap(&mut self, dir: Dir, len: u64, packet: PacketNo, buf: &mut StreamBuf, sink: &mut Sink) {
        buf.skip_gap(len);
        let d = &mut self.dirs[dir];
        if let Some(f) = &mut d.frame {
            if f.hdr.payload_len - f.got >= len {
                f.got += len;
                if let Some(m) = &mut d.msg {
                    m.damaged = true;
                    m.len += len;
                    m.wire_len += len;
                }
                d.inflater = None;
                sink.finding(
                    packet,
                    Severity::Warning,
                    "ws.payload_gap",
                    format!("{len} payload bytes were not captured; the message is incomplete"),
                );
                if f.got == f.hdr.payload_len {
                    self.end_frame(dir, buf, sink);
                }
                return;
            }
        }
        if !d.closed {
            d.lost = true;
            sink.finding(
                packet,
                Severity::Warning,
                "ws.gap_lost_sync",
                format!("{len} bytes were not captured between frames; the rest of this direction cannot be framed"),
            );
        }
    }

    pub fn end(&mut self, dir: Dir, buf: &mut StreamBuf, sink: &mut Sink) {
        let d = &mut self.dirs[dir];
        if d.frame.is_some() || !buf.is_empty() {
            let (packet, _) = buf.last_consumed_packet();
            sink.finding(
                packet,
                Severity::Warning,
                "ws.frame_incomplete",
                format!("the {} stream ended in the middle of a frame", dir.as_str()),
            );
            d.frame = None;
            let n = buf.len();
            buf.consume(n);
        }
        if d.after_close > 0 {
            let (n, p) = (d.after_close, d.after_close_packet);
            d.after_close = 0;
            sink.finding(
                p,
                Severity::Warning,
                "ws.data_after_close",
                format!("{n} bytes sent after this side's close frame; they are not frames (RFC 6455 §5.5.1)"),
            );
        }
    }

    /// The connection is over.
    pub fn finish(&mut self, bufs: &mut PerDir<StreamBuf>, end_packet: PacketNo, tcp_closed: bool, sink: &mut Sink) {
        for dir in Dir::BOTH {
            self.end(dir, &mut bufs[dir], sink);
            if let Some(m) = self.dirs[dir].msg.take() {
                let p = m.first_packet;
                sink.finding(p, Severity::Warning, "ws.message_incomplete", "a fragmented message never got its final frame".into());
                self.emit_message(dir, m, end_packet, self.last_ts, None, None, sink);
            }
        }
        if self.handshake.close_frames == 0 && tcp_closed {
            self.handshake.abnormal_close = true;
            sink.finding(end_packet, Severity::Warning, "ws.no_close_frame", "the TCP connection ended without a WebSocket close frame: both ends report 1006 Abnormal Closure (RFC 6455 §7.1.5, §7.4.1)".into());
        }
    }
}

impl StreamDecoder for WsSession {
    fn protocol(&self) -> Protocol {
        Protocol::Websocket
    }

    fn take_direct(&mut self, dir: Dir, bytes: &[u8], packet: PacketNo, ts: Nanos, buf: &mut StreamBuf, sink: &mut Sink) -> usize {
        WsSession::take_direct(self, dir, bytes, packet, ts, buf, sink)
    }

    fn process(&mut self, bufs: &mut PerDir<StreamBuf>, _ended: PerDir<bool>, sink: &mut Sink) -> Option<Box<dyn StreamDecoder>> {
        WsSession::process(self, bufs, sink);
        None
    }

    fn gap(&mut self, dir: Dir, len: u64, packet: PacketNo, buf: &mut StreamBuf, sink: &mut Sink) {
        WsSession::gap(self, dir, len, packet, buf, sink)
    }

    fn end(&mut self, dir: Dir, buf: &mut StreamBuf, sink: &mut Sink) {
        WsSession::end(self, dir, buf, sink)
    }

    fn finish(&mut self, bufs: &mut PerDir<StreamBuf>, at: Finish, sink: &mut Sink) {
        WsSession::finish(self, bufs, at.packet, at.tcp_closed, sink)
    }

    fn figures(&self, f: &mut Figures) {
        f.protocol = Some(Protocol::Websocket);
        f.ws_messages = self.messages;
        f.websocket = Some(self.handshake.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DeflateParams, Event};

    /// Feeds server-to-client bytes through a session with permessage-deflate and returns the
    /// messages' payloads and the findings' codes.
    fn server_messages(deflate: DeflateParams, chunks: &[&[u8]]) -> (Vec<Vec<u8>>, Vec<&'static str>) {
        let hs = WsHandshake { upgrade_captured: true, permessage_deflate: Some(deflate), ..Default::default() };
        let mut s = WsSession::new(hs, &Limits::default());
        let mut bufs: PerDir<StreamBuf> = PerDir::default();
        let (mut out, mut left, mut dropped) = (crate::proto::Output::default(), 100, 0);
        for (i, c) in chunks.iter().enumerate() {
            bufs[Dir::ServerToClient].push(c, i as u64 + 1, 0);
            let mut sink = Sink { conn: 0, out: &mut out, findings_left: &mut left, findings_dropped: &mut dropped };
            s.process(&mut bufs, &mut sink);
        }
        let mut msgs = Vec::new();
        let mut codes = Vec::new();
        for e in out.events {
            match e {
                Event::WsMessage(m) => msgs.push(m.payload),
                Event::Finding(f) => codes.push(f.code),
                _ => {}
            }
        }
        (msgs, codes)
    }

    /// The engine's way in: each segment decoded in place while the buffer is empty, the rest
    /// buffered and processed after. `direct: false` buffers everything first.
    fn feed(segments: &[(Dir, Vec<u8>)], direct: bool) -> Vec<String> {
        let hs = WsHandshake { upgrade_captured: true, permessage_deflate: Some(pmd(true)), ..Default::default() };
        let limits = Limits { frame_events: true, ..Limits::default() };
        let mut s = WsSession::new(hs, &limits);
        let mut bufs: PerDir<StreamBuf> = PerDir::default();
        let (mut out, mut left, mut dropped) = (crate::proto::Output::default(), 1000, 0);
        for (i, (dir, bytes)) in segments.iter().enumerate() {
            let (packet, ts) = (i as u64 + 1, i as i64 * 1000);
            let mut sink = Sink { conn: 0, out: &mut out, findings_left: &mut left, findings_dropped: &mut dropped };
            let n = if direct { s.take_direct(*dir, bytes, packet, ts, &mut bufs[*dir], &mut sink) } else { 0 };
            if n < bytes.len() {
                bufs[*dir].push(&bytes[n..], packet, ts);
            }
            s.process(&mut bufs, &mut sink);
        }
        out.events.iter().map(|e| format!("{e:?}")).collect()
    }

    #[test]
    fn frames_decoded_in_place_give_the_same_events_as_buffered_ones() {
        use crate::synth::{ws_frame, ws_frame_rsv};
        let mask = Some([0x37, 0xfa, 0x21, 0x3d]);
        let big: Vec<u8> = (0..70_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let c2s: Vec<u8> = [
            ws_frame(true, 1, mask, "héllo, 世界".as_bytes()),
            ws_frame(false, 1, mask, "frag".as_bytes()),
            ws_frame(true, 9, mask, b"hb"),
            ws_frame(true, 0, mask, "mented é".as_bytes()),
            ws_frame(true, 2, mask, &big),
            ws_frame(true, 1, None, b"unmasked: a violation"),
            ws_frame(true, 8, mask, &[0x03, 0xe8, b'b', b'y', b'e']),
            b"after close".to_vec(),
        ]
        .concat();
        let s2c: Vec<u8> = [
            ws_frame_rsv(true, 0b100, 1, None, &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]),
            ws_frame_rsv(true, 0b100, 1, None, &[0xf2, 0x00, 0x11, 0x00, 0x00]),
            ws_frame(true, 10, None, b"hb"),
            ws_frame(true, 1, None, &[0xff, 0xfe]),
            ws_frame(true, 8, None, &[0x03, 0xe8]),
        ]
        .concat();
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: usize| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            (rng % n as u64) as usize
        };
        for round in 0..150 {
            // Both directions cut at random places (now and then a byte at a time) and interleaved.
            let mut segments = Vec::new();
            let (mut a, mut b) = (0, 0);
            while a < c2s.len() || b < s2c.len() {
                let pick_c2s = b == s2c.len() || (a < c2s.len() && next(2) == 0);
                let (src, at, dir) = if pick_c2s { (&c2s, &mut a, Dir::ClientToServer) } else { (&s2c, &mut b, Dir::ServerToClient) };
                let most = if round % 10 == 0 { 3 } else { 1 + next(20_000) };
                let n = (1 + next(most)).min(src.len() - *at);
                segments.push((dir, src[*at..*at + n].to_vec()));
                *at += n;
            }
            let buffered = feed(&segments, false);
            assert!(buffered.iter().filter(|e| e.starts_with("WsMessage")).count() >= 10, "{buffered:?}");
            assert_eq!(feed(&segments, true), buffered, "round {round}: {} segments", segments.len());
        }
    }

    #[test]
    fn rfc6455_section_5_7_masked_hello_is_unmasked_once() {
        let frame: &[u8] = &[0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
        for cut in 0..=frame.len() {
            for direct in [false, true] {
                let segs = [(Dir::ClientToServer, frame[..cut].to_vec()), (Dir::ClientToServer, frame[cut..].to_vec())];
                let events = feed(&segs, direct);
                let msgs: Vec<&String> = events.iter().filter(|e| e.starts_with("WsMessage")).collect();
                assert_eq!(msgs.len(), 1, "cut {cut}: {events:?}");
                assert!(
                    msgs[0].contains("len: 5, wire_len: 5") && msgs[0].contains("payload: [72, 101, 108, 108, 111]"),
                    "cut {cut}: {}",
                    msgs[0]
                );
            }
        }
    }

    fn pmd(takeover: bool) -> DeflateParams {
        DeflateParams {
            server_no_context_takeover: !takeover,
            client_max_window_bits: 15,
            server_max_window_bits: 15,
            ..Default::default()
        }
    }

    #[test]
    fn rfc7692_section_7_2_3_examples() {
        // §7.2.3.1: "Hello" in one compressed frame, and the same split over two frames.
        let one: &[u8] = &[0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
        assert_eq!(server_messages(pmd(true), &[one]), (vec![b"Hello".to_vec()], vec![]));
        let frag: &[&[u8]] = &[&[0x41, 0x03, 0xf2, 0x48, 0xcd], &[0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00]];
        assert_eq!(server_messages(pmd(true), frag), (vec![b"Hello".to_vec()], vec![]));
        // §7.2.3.2: the second "Hello" refers back into the first one's LZ77 window.
        let second: &[u8] = &[0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00];
        assert_eq!(server_messages(pmd(true), &[one, second]).0, vec![b"Hello".to_vec(), b"Hello".to_vec()]);
        // ... which cannot be inflated when context takeover was turned off.
        let (msgs, codes) = server_messages(pmd(false), &[one, second]);
        assert_eq!(msgs[0], b"Hello");
        assert_ne!(msgs.get(1).map(Vec::as_slice), Some(&b"Hello"[..]));
        assert!(codes.contains(&"ws.inflate_failed"), "{codes:?}");
        // §7.2.3.3: a stored (uncompressed) DEFLATE block.
        let stored: &[u8] = &[0xc1, 0x0b, 0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00];
        assert_eq!(server_messages(pmd(true), &[stored]).0, vec![b"Hello".to_vec()]);
        // §7.2.3.4: a block with BFINAL set.
        let bfinal: &[u8] = &[0xc1, 0x08, 0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00];
        assert_eq!(server_messages(pmd(true), &[bfinal]).0, vec![b"Hello".to_vec()]);
    }

    /// The file's decompression budget: 7 bytes for three compressed "Hello"s (RFC 7692
    /// §7.2.3.1, context takeover off so each inflates alone). The first inflates whole, the
    /// second stops at 2 bytes, the third is not inflated; all three are counted on the wire, and
    /// one finding names the budget.
    #[test]
    fn permessage_deflate_draws_on_the_file_budget() {
        let hello: &[u8] = &[0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
        let hs = WsHandshake { upgrade_captured: true, permessage_deflate: Some(pmd(false)), ..Default::default() };
        let limits = Limits { max_decompressed_per_file: 7, ..Limits::default() };
        let mut s = WsSession::new(hs, &limits);
        let mut bufs: PerDir<StreamBuf> = PerDir::default();
        let (mut out, mut left, mut dropped) = (crate::proto::Output::for_shard(&limits, 1), 100, 0);
        for i in 0..3 {
            bufs[Dir::ServerToClient].push(hello, i + 1, 0);
            let mut sink = Sink { conn: 0, out: &mut out, findings_left: &mut left, findings_dropped: &mut dropped };
            s.process(&mut bufs, &mut sink);
        }
        let mut msgs = Vec::new();
        let mut codes = Vec::new();
        for e in out.events {
            match e {
                Event::WsMessage(m) => msgs.push((m.payload, m.len, m.wire_len, m.payload_truncated)),
                Event::Finding(f) => codes.push(f.code),
                _ => {}
            }
        }
        assert_eq!(msgs, vec![(b"Hello".to_vec(), 5, 7, false), (b"He".to_vec(), 2, 7, true), (Vec::new(), 0, 7, true)], "{codes:?}");
        assert_eq!(codes, vec!["content.decompression_budget"]);
    }

    #[test]
    fn every_prefix_of_a_frame_decodes_the_same() {
        let one: &[u8] = &[0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
        for cut in 1..one.len() {
            assert_eq!(server_messages(pmd(true), &[&one[..cut], &one[cut..]]).0, vec![b"Hello".to_vec()], "cut {cut}");
        }
    }
}
