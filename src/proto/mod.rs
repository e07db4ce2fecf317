//! Sans-IO application decoders fed by reassembled stream chunks. Each keeps per-direction state,
//! consumes what it can, waits for more on short input, reports rule breaks as findings and carries on.

pub mod content;
pub mod detect;
pub mod http1;
pub mod socketio;
pub mod streambuf;
pub mod tls;
pub mod websocket;

pub use streambuf::StreamBuf;

use crate::model::{ConnId, Finding, PacketNo, Severity};

/// Where decoders put what they find.
pub struct Sink<'a> {
    pub conn: ConnId,
    pub events: &'a mut Vec<crate::model::Event>,
    pub findings_left: &'a mut u32,
    pub findings_dropped: &'a mut u32,
}

impl Sink<'_> {
    pub fn finding(&mut self, packet: PacketNo, severity: Severity, code: &'static str, message: String) {
        if *self.findings_left == 0 {
            *self.findings_dropped += 1;
            return;
        }
        *self.findings_left -= 1;
        self.events.push(crate::model::Event::Finding(Finding { connection: Some(self.conn), packet, severity, code, message }));
    }

    pub fn event(&mut self, e: crate::model::Event) {
        self.events.push(e);
    }
}
