//! Recognising a protocol from the first bytes of each direction, on any port: the stateless
//! [`sniff`], and the [`Sniffer`], the decoder a connection starts with, which holds the first
//! bytes until they tell the protocol and then hands the stream to that protocol's decoder.

use super::decoder::{Figures, Finish, Shared, StreamDecoder};
use super::{Sink, StreamBuf};
use crate::model::{Dir, Nanos, PacketNo, PerDir, Protocol, Severity};

/// Request methods from RFC 9110 and the WebDAV and PATCH RFCs.
pub const KNOWN_METHODS: &[&str] = &[
    "GET",
    "POST",
    "PUT",
    "PATCH",
    "DELETE",
    "HEAD",
    "OPTIONS",
    "TRACE",
    "CONNECT",
    "PROPFIND",
    "PROPPATCH",
    "MKCOL",
    "COPY",
    "MOVE",
    "LOCK",
    "UNLOCK",
    "SEARCH",
    "REPORT",
];

const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Http,
    Http2,
    Tls,
    /// WebSocket frames without a captured upgrade.
    WebSocket,
    Opaque,
    NeedMore,
}

/// True when the bytes start like an HTTP/1 request line ("TOKEN SP target SP HTTP/1.x"), or
/// are a known method alone on its line (a malformed request line a server still answers).
pub fn looks_like_request(b: &[u8]) -> bool {
    let Some(sp) = b.iter().take(20).position(|&c| c == b' ') else {
        let line = b.iter().take(20).position(|&c| c == b'\n').map(|e| &b[..e]);
        let line = line.map(|l| l.strip_suffix(b"\r").unwrap_or(l));
        return line.is_some_and(|l| KNOWN_METHODS.iter().any(|m| m.as_bytes() == l));
    };
    if sp == 0 || !b[..sp].iter().all(|c| c.is_ascii_uppercase() || *c == b'-' || *c == b'_') {
        return false;
    }
    let line_end = b.iter().take(8192).position(|&c| c == b'\n').unwrap_or(b.len().min(8192));
    let line = &b[..line_end];
    let method = std::str::from_utf8(&b[..sp]).unwrap_or("");
    KNOWN_METHODS.contains(&method) || line.windows(7).any(|w| w == b"HTTP/1.")
}

fn method_prefix(b: &[u8]) -> bool {
    KNOWN_METHODS.iter().any(|m| m.as_bytes().starts_with(b) || b.starts_with(m.as_bytes()))
}

/// Decides from the first bytes of the client's and the server's directions (either may be empty).
/// `ended` says no more bytes will come, so a decision must be made now. Client bytes that are
/// nothing known wait for the server's first bytes (a status line makes the connection HTTP,
/// whatever the client sent) however many they are: the caller holds at most the first
/// Limits.max_sniff_wait of them and counts the rest.
pub fn sniff_waiting(client: &[u8], server: &[u8], ended: bool) -> Sniffed {
    match sniff(client, server, ended) {
        Sniffed::Opaque if server.is_empty() && !ended => Sniffed::NeedMore,
        s => s,
    }
}

/// [`sniff_waiting`] that does not wait for the server.
pub fn sniff(client: &[u8], server: &[u8], ended: bool) -> Sniffed {
    // The server answered with a status line: HTTP, whatever the client sent (a request line it
    // refused, a probe).
    if server.starts_with(b"HTTP/1.") {
        return Sniffed::Http;
    }
    if !client.is_empty() {
        if client.len() >= H2_PREFACE.len().min(client.len()) && H2_PREFACE.starts_with(&client[..client.len().min(H2_PREFACE.len())]) {
            if client.len() >= H2_PREFACE.len() {
                return Sniffed::Http2;
            }
            if !ended {
                return Sniffed::NeedMore;
            }
        }
        if looks_like_request(client) {
            return Sniffed::Http;
        }
        if is_tls_record(client) {
            return Sniffed::Tls;
        }
        if client.len() < 8 && method_prefix(client) && !ended {
            return Sniffed::NeedMore;
        }
        if looks_like_ws_frame(client, true) {
            return Sniffed::WebSocket;
        }
    }
    if !server.is_empty() {
        if server.starts_with(b"HTTP/1.") || (server.len() < 7 && b"HTTP/1.".starts_with(server) && !ended) {
            return if server.len() < 7 { Sniffed::NeedMore } else { Sniffed::Http };
        }
        if is_tls_record(server) {
            return Sniffed::Tls;
        }
        if looks_like_ws_frame(server, false) {
            return Sniffed::WebSocket;
        }
        // An HTTP/2 server may send its SETTINGS before the client's preface arrives (Node does).
        if client.is_empty() && !ended && looks_like_h2_settings(server) {
            return Sniffed::NeedMore;
        }
    }
    if client.len() + server.len() < 4 && !ended {
        return Sniffed::NeedMore;
    }
    Sniffed::Opaque
}

/// The decoder of a connection whose protocol is not known yet. It holds both directions' first
/// bytes (the client's up to Limits.max_sniff_wait while the server is silent: the rest are
/// counted, one finding) until [`sniff_waiting`] decides, and hands the stream over to the
/// decoder [`handover::after_sniff`](super::handover::after_sniff) builds.
pub struct Sniffer {
    shared: Shared,
    /// The connection's first packet (0: not known, the first buffered byte's is named).
    first_packet: PacketNo,
    /// Client bytes not held, and the packet of the first.
    not_held: Option<(u64, PacketNo)>,
    /// The server has bytes buffered (it has spoken since its last gap).
    server_spoke: bool,
    /// The buffers' extents (offset and length each way) and `ended` when the last sniff said
    /// to wait: unchanged, the answer is the same, and the bytes are not looked at again.
    waited_at: Option<([(u64, usize); 2], bool)>,
}

impl Sniffer {
    pub fn new(shared: Shared, first_packet: PacketNo) -> Self {
        Sniffer { shared, first_packet, not_held: None, server_spoke: false, waited_at: None }
    }
}

impl StreamDecoder for Sniffer {
    fn protocol(&self) -> Protocol {
        Protocol::Unknown
    }

    /// Nothing is decoded here; but while the server has not spoken, the client's bytes past
    /// Limits.max_sniff_wait are not held (counted, one finding): they are taken, not buffered.
    fn take_direct(&mut self, dir: Dir, bytes: &[u8], packet: PacketNo, _ts: Nanos, buf: &mut StreamBuf, sink: &mut Sink) -> usize {
        if dir == Dir::ServerToClient {
            self.server_spoke |= !bytes.is_empty();
            return 0;
        }
        let max = self.shared.limits.max_sniff_wait;
        if self.not_held.is_none() && (buf.len() < max || self.server_spoke) {
            return 0;
        }
        match &mut self.not_held {
            Some((n, _)) => *n += bytes.len() as u64,
            None => {
                self.not_held = Some((bytes.len() as u64, packet));
                let held = buf.len();
                sink.finding(packet, Severity::Info, "tcp.sniff_wait_limit", format!("the client sent more than {max} bytes (Limits.max_sniff_wait) before the server's first byte, none of a known protocol: the first {held} are held to tell the protocol from the server's answer, the rest are counted, not decoded"));
            }
        }
        bytes.len()
    }

    fn process(&mut self, bufs: &mut PerDir<StreamBuf>, ended: PerDir<bool>, sink: &mut Sink) -> Option<Box<dyn StreamDecoder>> {
        let (c2s, s2c) = (&bufs[Dir::ClientToServer], &bufs[Dir::ServerToClient]);
        let both_ended = ended[Dir::ClientToServer] && ended[Dir::ServerToClient];
        let at = ([(c2s.offset(), c2s.len()), (s2c.offset(), s2c.len())], both_ended);
        if self.waited_at == Some(at) {
            return None;
        }
        let s = sniff_waiting(c2s.bytes(), s2c.bytes(), both_ended);
        if s == Sniffed::NeedMore {
            self.waited_at = Some(at);
            return None;
        }
        let first = if self.first_packet == 0 { c2s.packet_at(c2s.offset()).0 } else { self.first_packet };
        super::handover::after_sniff(&self.shared, s, first, self.not_held.take(), sink)
    }

    fn gap(&mut self, dir: Dir, len: u64, _packet: PacketNo, buf: &mut StreamBuf, _sink: &mut Sink) {
        buf.skip_gap(len);
        if dir == Dir::ServerToClient {
            self.server_spoke = false;
        }
    }

    fn finish(&mut self, _bufs: &mut PerDir<StreamBuf>, _at: Finish, _sink: &mut Sink) {}

    fn figures(&self, _f: &mut Figures) {}
}

/// An HTTP/2 SETTINGS frame header (RFC 9113 §6.5): stream 0, a length that is a multiple of 6,
/// flags 0 (a server's first SETTINGS is no ACK).
pub fn looks_like_h2_settings(b: &[u8]) -> bool {
    b.len() >= 9 && b[3] == 4 && b[4] == 0 && b[5..9] == [0, 0, 0, 0] && u32::from_be_bytes([0, b[0], b[1], b[2]]).is_multiple_of(6)
}

/// A TLS record header: content type 20..=24, version 3.x.
pub fn is_tls_record(b: &[u8]) -> bool {
    b.len() >= 5 && (20..=24).contains(&b[0]) && b[1] == 3 && b[2] <= 4
}

/// A plausible WebSocket frame header: known opcode, masked from clients and unmasked from servers,
/// control frames short and final, and (for short frames) the length matching what follows.
pub fn looks_like_ws_frame(b: &[u8], from_client: bool) -> bool {
    if b.len() < 2 {
        return false;
    }
    let opcode = b[0] & 0x0f;
    let fin = b[0] & 0x80 != 0;
    let rsv = b[0] & 0x70;
    let masked = b[1] & 0x80 != 0;
    let len7 = (b[1] & 0x7f) as usize;
    if !matches!(opcode, 1 | 2 | 8 | 9 | 10) || (rsv != 0 && rsv != 0x40) || masked != from_client {
        return false;
    }
    if opcode >= 8 && (!fin || len7 > 125) {
        return false;
    }
    let hdr = 2 + if masked { 4 } else { 0 };
    len7 < 126 && b.len() >= hdr + len7 && (b.len() == hdr + len7 || b.len() > hdr + len7 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content_not_port() {
        assert_eq!(sniff(b"GET / HTTP/1.1\r\n", b"", false), Sniffed::Http);
        assert_eq!(sniff(b"BREW /pot HTTP/1.1\r\n", b"", false), Sniffed::Http);
        assert_eq!(sniff(b"GE", b"", false), Sniffed::NeedMore);
        assert_eq!(sniff(b"", b"HTTP/1.1 200 OK\r\n", false), Sniffed::Http);
        assert_eq!(sniff(H2_PREFACE, b"", false), Sniffed::Http2);
        // A server's SETTINGS first (RFC 9113 §3.4 lets it send before the preface arrives).
        assert_eq!(sniff_waiting(b"", &[0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 100], false), Sniffed::NeedMore);
        assert_eq!(sniff(b"", &[0, 0, 7, 4, 0, 0, 0, 0, 0], false), Sniffed::Opaque);
        assert_eq!(sniff(&[0x16, 3, 1, 0, 5, 1, 0, 0, 1, 0], b"", false), Sniffed::Tls);
        assert_eq!(sniff(&[0x81, 0x82, 1, 2, 3, 4, b'h' ^ 1, b'i' ^ 2], b"", false), Sniffed::WebSocket);
        assert_eq!(sniff(b"", &[0x81, 0x02, b'h', b'i'], false), Sniffed::WebSocket);
        assert_eq!(sniff(b"SSH-2.0-OpenSSH_9.2\r\n", b"", false), Sniffed::Opaque);
    }

    #[test]
    fn a_status_line_makes_it_http_whatever_the_client_sent() {
        assert_eq!(sniff(b"OPTIONS\r\n\r\n", b"", false), Sniffed::Http);
        assert_eq!(sniff_waiting(b"garbage?\r\n", b"", false), Sniffed::NeedMore);
        assert_eq!(sniff_waiting(b"garbage?\r\n", b"HTTP/1.0 400 Bad Request\r\n", false), Sniffed::Http);
        assert_eq!(sniff(b"\x01\x02garbage\r\n", b"HTTP/1.0 400 Bad Request\r\n", false), Sniffed::Http);
        assert_eq!(sniff_waiting(b"\x01\x02garbage\r\n", b"", false), Sniffed::NeedMore);
        // Past the wait, or once the connection ended, the client's bytes decide alone.
        assert_eq!(sniff_waiting(b"garbage?\r\n", b"", true), Sniffed::Opaque);
        assert_eq!(sniff_waiting(b"SSH-2.0-OpenSSH_9.2\r\n", b"SSH-2.0-x\r\n", false), Sniffed::Opaque);
    }
}
