//! Recognising a protocol from the first bytes of each direction, on any port.

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
