//! The decoder of bytes no decoder here reads (an unknown protocol, a CONNECT tunnel, HTTP/2 until
//! its decoder is wired in): it consumes everything and reports nothing.

use super::decoder::{Figures, Finish, StreamDecoder};
use super::{Sink, StreamBuf};
use crate::model::{Dir, PerDir, Protocol};

/// Consumes both directions. `protocol`: what the connection is known to carry (`None`: what
/// the decoders before it said, as for a tunnel after HTTP's CONNECT).
pub struct Opaque {
    protocol: Option<Protocol>,
}

impl Opaque {
    pub fn new(protocol: Option<Protocol>) -> Self {
        Opaque { protocol }
    }
}

impl StreamDecoder for Opaque {
    fn protocol(&self) -> Protocol {
        self.protocol.unwrap_or(Protocol::Tcp)
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
        if self.protocol.is_some() {
            f.protocol = self.protocol;
        }
    }
}
