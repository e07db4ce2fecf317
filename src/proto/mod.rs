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

/// What decoders make, and the reusable scratch they share: one per engine (per decoding thread).
#[derive(Default)]
pub struct Output {
    pub events: Vec<crate::model::Event>,
    pub inflaters: content::InflaterPool,
}

/// Where decoders put what they find.
pub struct Sink<'a> {
    pub conn: ConnId,
    pub out: &'a mut Output,
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
        self.out.events.push(crate::model::Event::Finding(Finding { connection: Some(self.conn), packet, severity, code, message }));
    }

    pub fn event(&mut self, e: crate::model::Event) {
        self.out.events.push(e);
    }

    /// A reusable inflater for a compressed body, if one is spare.
    pub fn inflater(&mut self) -> Option<Box<content::Inflater>> {
        self.out.inflaters.take()
    }

    /// An inflater whose body is done, for the next body.
    pub fn give_back_inflater(&mut self, i: Box<content::Inflater>) {
        self.out.inflaters.give_back(i);
    }
}
