//! What TLS carries, as [`StreamDecoder`]s over today's HTTP/1 and WebSocket decoders: a bridge
//! for the TLS layer until those decoders implement the trait themselves (issue 13's engine
//! refactor), when [`http1_inner`] is replaced by the engine's own maker.

use crate::model::{Dir, Nanos, PacketNo, PerDir, Protocol, Severity};
use crate::proto::http1::{Http1, Switch};
use crate::proto::websocket::{handshake, WsSession};
use crate::proto::{Figures, Finish, Shared, Sink, StreamBuf, StreamDecoder};

/// The inner decoder of a TLS connection: HTTP/1 for any ALPN but h2 (whose bytes are taken
/// through, not decoded, until HTTP/2 is).
pub fn http1_inner(shared: &Shared, alpn: Option<&str>) -> Box<dyn StreamDecoder> {
    if alpn == Some("h2") {
        return Box::new(Opaque(Protocol::Http2));
    }
    Box::new(Http1Inner { h: Http1::new(&shared.limits), shared: shared.clone() })
}

struct Http1Inner {
    h: Http1,
    shared: Shared,
}

impl StreamDecoder for Http1Inner {
    fn protocol(&self) -> Protocol {
        Protocol::Http
    }

    fn take_direct(&mut self, dir: Dir, bytes: &[u8], packet: PacketNo, ts: Nanos, buf: &mut StreamBuf, sink: &mut Sink) -> usize {
        self.h.take_direct(dir, bytes, packet, ts, buf, sink)
    }

    fn process(&mut self, bufs: &mut PerDir<StreamBuf>, _ended: PerDir<bool>, sink: &mut Sink) -> Option<Box<dyn StreamDecoder>> {
        match self.h.process(bufs, sink)? {
            Switch::WebSocket { request_headers, response_headers, request_packet, response_packet } => {
                let hs = handshake::from_headers(&request_headers, &response_headers, request_packet, response_packet);
                // The engine's handshake checks, as over TCP.
                if hs.accept_ok == Some(false) {
                    let (accept, key, want) = (hs.accept.as_deref(), hs.key.as_deref(), hs.expected_accept.as_deref());
                    let message = format!(
                        "Sec-WebSocket-Accept is {} but the key {} requires {} (RFC 6455 §4.2.2)",
                        accept.unwrap_or("?"),
                        key.unwrap_or("?"),
                        want.unwrap_or("?")
                    );
                    sink.finding(response_packet, Severity::Error, "ws.bad_accept", message);
                }
                if hs.key.is_none() {
                    let message = "the upgrade request has no Sec-WebSocket-Key (RFC 6455 §4.1)".to_string();
                    sink.finding(request_packet, Severity::Error, "ws.missing_key", message);
                }
                let exchanges = self.h.exchanges;
                Some(Box::new(WsInner { w: WsSession::new(hs, &self.shared.limits), exchanges }))
            }
            Switch::Http2 => Some(Box::new(Opaque(Protocol::Http2))),
            Switch::Tunnel => Some(Box::new(Opaque(Protocol::Http))),
        }
    }

    fn gap(&mut self, dir: Dir, len: u64, packet: PacketNo, buf: &mut StreamBuf, sink: &mut Sink) {
        self.h.gap(dir, len, packet, buf, sink);
    }

    fn end(&mut self, dir: Dir, buf: &mut StreamBuf, sink: &mut Sink) {
        self.h.end(dir, buf, sink);
    }

    fn finish(&mut self, bufs: &mut PerDir<StreamBuf>, _at: Finish, sink: &mut Sink) {
        self.h.finish(bufs, sink);
    }

    fn figures(&self, f: &mut Figures) {
        f.protocol = Some(Protocol::Http);
        f.http_exchanges = self.h.exchanges;
    }
}

struct WsInner {
    w: WsSession,
    exchanges: u32,
}

impl StreamDecoder for WsInner {
    fn protocol(&self) -> Protocol {
        Protocol::Websocket
    }

    fn process(&mut self, bufs: &mut PerDir<StreamBuf>, _ended: PerDir<bool>, sink: &mut Sink) -> Option<Box<dyn StreamDecoder>> {
        self.w.process(bufs, sink);
        None
    }

    fn gap(&mut self, dir: Dir, len: u64, packet: PacketNo, buf: &mut StreamBuf, sink: &mut Sink) {
        self.w.gap(dir, len, packet, buf, sink);
    }

    fn end(&mut self, dir: Dir, buf: &mut StreamBuf, sink: &mut Sink) {
        self.w.end(dir, buf, sink);
    }

    fn finish(&mut self, bufs: &mut PerDir<StreamBuf>, at: Finish, sink: &mut Sink) {
        self.w.finish(bufs, at.packet, at.tcp_closed, sink);
    }

    fn figures(&self, f: &mut Figures) {
        f.protocol = Some(Protocol::Websocket);
        f.http_exchanges = self.exchanges;
        f.ws_messages = self.w.messages;
        f.websocket = Some(self.w.handshake.clone());
    }
}

/// Bytes taken through, not decoded.
struct Opaque(Protocol);

impl StreamDecoder for Opaque {
    fn protocol(&self) -> Protocol {
        self.0
    }

    fn process(&mut self, bufs: &mut PerDir<StreamBuf>, _ended: PerDir<bool>, _sink: &mut Sink) -> Option<Box<dyn StreamDecoder>> {
        for d in Dir::BOTH {
            let n = bufs[d].len();
            bufs[d].consume(n);
        }
        None
    }

    fn finish(&mut self, _bufs: &mut PerDir<StreamBuf>, _at: Finish, _sink: &mut Sink) {}

    fn figures(&self, f: &mut Figures) {
        f.protocol = Some(self.0);
    }
}
