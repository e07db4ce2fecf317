//! The opening handshake (RFC 6455 §4): Sec-WebSocket-Accept checked, extensions read.

use crate::model::{DeflateParams, Headers, WsHandshake};
use base64::Engine as _;
use sha1::{Digest, Sha1};

pub const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// base64(SHA-1(key + GUID)), RFC 6455 §4.2.2 item 5.4.
pub fn accept_for(key: &str) -> String {
    let mut h = Sha1::new();
    h.update(key.trim().as_bytes());
    h.update(GUID.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(h.finalize())
}

/// The SHA-1 digest as hex, for the step-by-step view.
pub fn sha1_hex(key: &str) -> String {
    let mut h = Sha1::new();
    h.update(key.trim().as_bytes());
    h.update(GUID.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads permessage-deflate parameters from the extensions the server accepted (RFC 7692 §7.1).
pub fn deflate_params(extensions: &str) -> Option<DeflateParams> {
    for ext in extensions.split(',') {
        let mut parts = ext.split(';').map(str::trim);
        if !parts.next().is_some_and(|n| n.eq_ignore_ascii_case("permessage-deflate")) {
            continue;
        }
        let mut p = DeflateParams { client_max_window_bits: 15, server_max_window_bits: 15, ..Default::default() };
        for param in parts {
            let (k, v) = param.split_once('=').map(|(k, v)| (k.trim(), Some(v.trim().trim_matches('"')))).unwrap_or((param, None));
            let bits = v.and_then(|v| v.parse::<u8>().ok()).filter(|b| (8..=15).contains(b));
            match k.to_ascii_lowercase().as_str() {
                "client_no_context_takeover" => p.client_no_context_takeover = true,
                "server_no_context_takeover" => p.server_no_context_takeover = true,
                "client_max_window_bits" => p.client_max_window_bits = bits.unwrap_or(15),
                "server_max_window_bits" => p.server_max_window_bits = bits.unwrap_or(15),
                _ => {}
            }
        }
        return Some(p);
    }
    None
}

pub fn from_headers(req: &Headers, resp: &Headers, request_packet: u64, response_packet: u64) -> WsHandshake {
    let key = req.value("Sec-WebSocket-Key").map(str::to_string);
    let accept = resp.value("Sec-WebSocket-Accept").map(str::to_string);
    let expected = key.as_deref().map(accept_for);
    let accept_ok = match (&expected, &accept) {
        (Some(e), Some(a)) => Some(e == a.trim()),
        _ => None,
    };
    let extensions = resp.value("Sec-WebSocket-Extensions").map(str::to_string);
    WsHandshake {
        upgrade_captured: true,
        request_packet: Some(request_packet),
        response_packet: Some(response_packet),
        key,
        accept,
        expected_accept: expected,
        accept_ok,
        version: req.value("Sec-WebSocket-Version").map(str::to_string),
        subprotocol: resp.value("Sec-WebSocket-Protocol").map(str::to_string),
        permessage_deflate: extensions.as_deref().and_then(deflate_params),
        extensions,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6455_section_1_3_example() {
        assert_eq!(accept_for("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        assert_eq!(sha1_hex("dGhlIHNhbXBsZSBub25jZQ=="), "b37a4f2cc0624f1690f64606cf385945b2bec4ea");
    }

    #[test]
    fn seed_note_handshake_is_from_two_different_connections() {
        // Seed note 001 shows a request with this key and a response with Accept
        // k0fM/Fr+HNR8EEjZ8nIwhqlVcBw=; they come from two handshakes, and the check says so.
        let req: Headers = [("Sec-WebSocket-Key", "KxhPJfqwFTS7p8TuRzGS0Q==")].into_iter().collect();
        let resp: Headers = [("Sec-WebSocket-Accept", "k0fM/Fr+HNR8EEjZ8nIwhqlVcBw=")].into_iter().collect();
        let hs = from_headers(&req, &resp, 1, 2);
        assert_eq!(hs.accept_ok, Some(false));
        assert_eq!(hs.expected_accept.as_deref(), Some("hFqgzL9JkZtyKe/C09Y1335pJjI="));
    }

    #[test]
    fn deflate_parameters() {
        let p = deflate_params("permessage-deflate; server_no_context_takeover; client_max_window_bits=10").unwrap();
        assert!(p.server_no_context_takeover && !p.client_no_context_takeover);
        assert_eq!((p.client_max_window_bits, p.server_max_window_bits), (10, 15));
        assert!(deflate_params("x-webkit-deflate-frame").is_none());
    }
}
