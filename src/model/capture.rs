//! Everything decoded from one capture, collected from the engine's events. The app's store and
//! the exporters read this.

use super::{Connection, Event, Finding, H2Frame, HttpExchange, PacketNo, PacketRow, SseEvent, TlsRecord, WsFrame, WsMessage};
use serde::Serialize;

/// Figures about the packets themselves.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PacketSummary {
    pub count: u64,
    pub first_time: Option<f64>,
    pub last_time: Option<f64>,
    pub tcp: u64,
    pub udp: u64,
    pub non_ip: u64,
    pub ip_fragments: u64,
    pub malformed: u64,
    pub unsupported_link: u64,
    pub link_types: Vec<u32>,
    /// pcapng packet comments, by packet number.
    pub comments: Vec<(PacketNo, String)>,
    pub file_comments: Vec<String>,
    /// Set when the file ends in the middle of this packet.
    pub truncated_at: Option<PacketNo>,
    /// Packets found inside a tunnel (VXLAN, GRE ...) and analysed by their inner addresses.
    pub tunnelled: u64,
    /// Packets with tunnels nested deeper than `Limits::max_tunnel_depth`, not analysed.
    pub tunnel_too_deep: u64,
}

#[derive(Debug, Default)]
pub struct Capture {
    pub packets: PacketSummary,
    /// Filled only when the engine was asked for packet rows.
    pub rows: Vec<PacketRow>,
    pub connections: Vec<Connection>,
    pub http: Vec<HttpExchange>,
    pub websocket: Vec<WsMessage>,
    pub frames: Vec<WsFrame>,
    pub h2_frames: Vec<H2Frame>,
    pub sse: Vec<SseEvent>,
    /// TLS records (only with frame events on).
    pub tls_records: Vec<TlsRecord>,
    pub findings: Vec<Finding>,
}

impl Capture {
    pub fn apply(&mut self, e: Event) {
        match e {
            Event::Packet(r) => self.rows.push(r),
            Event::Http(x) => self.http.push(*x),
            Event::WsMessage(m) => self.websocket.push(*m),
            Event::WsFrame(f) => self.frames.push(*f),
            Event::H2Frame(f) => self.h2_frames.push(*f),
            Event::Sse(e) => self.sse.push(*e),
            Event::TlsRecord(r) => self.tls_records.push(*r),
            Event::Finding(f) => self.findings.push(f),
        }
    }
}
