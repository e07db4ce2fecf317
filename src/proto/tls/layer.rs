//! The TLS layer as a stream decoder: the ClientHello and the ServerHello read from each
//! direction's first record, everything after consumed unread (encrypted). What TLS carries
//! would be read by the inner decoder `make_inner` builds, once records can be decrypted.

use super::{client_hello, server_hello};
use crate::model::{Dir, PerDir, Protocol, TlsInfo};
use crate::proto::{Figures, Finish, Shared, Sink, StreamBuf, StreamDecoder};

/// Bytes of a direction's first record looked at, at most, for its hello.
const MAX_HELLO: usize = 20_000;

pub struct TlsLayer {
    #[allow(dead_code)] // for the inner decoder, with decryption
    shared: Shared,
    /// Builds the decoder of what the records carry, by the ALPN protocol the server chose.
    #[allow(dead_code)] // with decryption
    make_inner: fn(&Shared, Option<&str>) -> Box<dyn StreamDecoder>,
    info: TlsInfo,
    /// The direction's hello was read (or given up on): its bytes are consumed from here on.
    done: PerDir<bool>,
}

impl TlsLayer {
    pub fn new(shared: Shared, make_inner: fn(&Shared, alpn: Option<&str>) -> Box<dyn StreamDecoder>) -> Self {
        TlsLayer { shared, make_inner, info: TlsInfo::default(), done: PerDir::default() }
    }
}

impl StreamDecoder for TlsLayer {
    fn protocol(&self) -> Protocol {
        Protocol::Tls
    }

    fn process(&mut self, bufs: &mut PerDir<StreamBuf>, ended: PerDir<bool>, _sink: &mut Sink) -> Option<Box<dyn StreamDecoder>> {
        for dir in Dir::BOTH {
            let b = bufs[dir].bytes();
            if !self.done[dir] {
                let parsed = if dir == Dir::ClientToServer { client_hello(b, &mut self.info) } else { server_hello(b, &mut self.info) };
                let record_len = match b.get(3..5) {
                    Some(&[hi, lo]) => 5 + u16::from_be_bytes([hi, lo]) as usize,
                    _ => usize::MAX,
                };
                if parsed.is_some() || b.len() >= record_len || b.len() > MAX_HELLO || ended[dir] {
                    self.done[dir] = true;
                }
            }
            if self.done[dir] {
                let n = bufs[dir].len();
                bufs[dir].consume(n);
            }
        }
        None
    }

    fn finish(&mut self, _bufs: &mut PerDir<StreamBuf>, _at: Finish, _sink: &mut Sink) {}

    fn figures(&self, f: &mut Figures) {
        f.protocol = Some(Protocol::Tls);
        f.tls = Some(self.info.clone());
    }
}
