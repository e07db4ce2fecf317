//! Which decoder reads a stream next: the one place successors are built, after the sniffer's
//! guess, after HTTP/1's upgrade, inside TLS. To add a protocol, implement
//! [`StreamDecoder`] in `proto/NAME/` and return it from here.

use super::decoder::{Shared, StreamDecoder};
use super::detect::{Sniffed, Sniffer};
use super::http1::{Http1, Switch};
use super::http2::Http2;
use super::opaque::Opaque;
use super::tls::layer::TlsLayer;
use super::websocket::WsSession;
use super::Sink;
use crate::model::{HttpRequest, PacketNo, Protocol};

/// The decoder for what the sniffer recognised (`None`: it needs more bytes). `first_packet`:
/// the connection's first packet (named when WebSocket frames come without their upgrade);
/// `not_held`: client bytes the sniffer counted but did not hold (Limits.max_sniff_wait) and the
/// packet of the first, a gap for HTTP/1.
pub fn after_sniff(
    shared: &Shared,
    sniffed: Sniffed,
    first_packet: PacketNo,
    not_held: Option<(u64, PacketNo)>,
    sink: &mut Sink,
) -> Option<Box<dyn StreamDecoder>> {
    Some(match sniffed {
        Sniffed::NeedMore => return None,
        Sniffed::Http => {
            let mut h = Http1::new(shared.clone());
            if let Some((n, packet)) = not_held {
                h.gap_after_held(n, packet);
            }
            Box::new(h)
        }
        Sniffed::Http2 => http2(shared, None),
        Sniffed::Tls => tls(shared),
        Sniffed::WebSocket => Box::new(WsSession::without_upgrade(&shared.limits, first_packet, sink)),
        Sniffed::Opaque => Box::new(Opaque::new(Some(Protocol::Tcp))),
    })
}

/// The decoder after HTTP/1's last message on a connection that switched protocols.
/// `exchanges`: how many exchanges HTTP/1 numbered (an h2c upgrade's streams continue from there).
pub fn after_http1(shared: &Shared, switch: Switch, exchanges: u32, sink: &mut Sink) -> Box<dyn StreamDecoder> {
    match switch {
        Switch::WebSocket { request_headers, response_headers, request_packet, response_packet } => {
            Box::new(WsSession::from_upgrade(&shared.limits, &request_headers, &response_headers, request_packet, response_packet, sink))
        }
        Switch::Http2 { request } => Box::new(Http2::new(shared, request.map(|r| *r)).with_first_index(exchanges)),
        // What the tunnel carries is not looked at: the connection stays HTTP.
        Switch::Tunnel => Box::new(Opaque::new(None)),
    }
}

/// The HTTP/2 decoder; `upgrade_request`: the HTTP/1 request that asked for `Upgrade: h2c` (its
/// response is HTTP/2's stream 1).
pub fn http2(shared: &Shared, upgrade_request: Option<HttpRequest>) -> Box<dyn StreamDecoder> {
    Box::new(Http2::new(shared, upgrade_request))
}

/// The TLS layer, with [`inside_tls`] to read what it carries.
pub fn tls(shared: &Shared) -> Box<dyn StreamDecoder> {
    Box::new(TlsLayer::new(shared.clone(), inside_tls))
}

/// The decoder of what TLS carries, by the protocol ALPN settled on (`None`: no ALPN, sniffed).
pub fn inside_tls(shared: &Shared, alpn: Option<&str>) -> Box<dyn StreamDecoder> {
    match alpn {
        Some("h2") => http2(shared, None),
        Some("http/1.1" | "http/1.0") => Box::new(Http1::new(shared.clone())),
        // The connection's first packet is not known in here: the sniffer names the first byte's.
        _ => Box::new(Sniffer::new(shared.clone(), 0)),
    }
}
