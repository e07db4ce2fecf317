//! Everything decoded from one capture, collected from the engine's events. The app's store and
//! the exporters read this.

use super::{Connection, Event, Finding, HttpExchange, PacketRow, WsFrame, WsMessage};
use crate::engine::PacketSummary;

#[derive(Debug, Default)]
pub struct Capture {
    pub packets: PacketSummary,
    /// Filled only when the engine was asked for packet rows.
    pub rows: Vec<PacketRow>,
    pub connections: Vec<Connection>,
    pub http: Vec<HttpExchange>,
    pub websocket: Vec<WsMessage>,
    pub frames: Vec<WsFrame>,
    pub findings: Vec<Finding>,
}

impl Capture {
    pub fn apply(&mut self, e: Event) {
        match e {
            Event::Packet(r) => self.rows.push(r),
            Event::Http(x) => self.http.push(*x),
            Event::WsMessage(m) => self.websocket.push(*m),
            Event::WsFrame(f) => self.frames.push(*f),
            Event::Finding(f) => self.findings.push(f),
        }
    }
}
