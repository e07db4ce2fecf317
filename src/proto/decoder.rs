//! The one interface every stream decoder implements, so that the engine glues instead of
//! matching on protocols. A decoder reads a connection's two reassembled byte streams (one
//! [`StreamBuf`] per direction, which the engine fills), reports what it finds through the
//! [`Sink`], and may hand the stream over to another decoder (HTTP/1 → WebSocket after a 101, the
//! sniffer → TLS, TLS → what it carries). Layers nest: the TLS layer is a decoder that owns an
//! inner decoder and inner buffers and feeds them decrypted bytes, as the engine feeds it TCP's.

use super::{Sink, StreamBuf};
use crate::model::{Dir, Nanos, PacketNo, PerDir, Protocol, TlsInfo, WsHandshake};

/// What every decoder of an engine shares: the limits and the key log. Decoders that hand the
/// stream over keep a clone, to build their successor.
#[derive(Clone, Default)]
pub struct Shared {
    pub limits: std::sync::Arc<crate::limits::Limits>,
    pub keys: super::tls::Keys,
}

/// What a decoder knows of its connection, for the connection's summary. A decoder sets the
/// fields it owns and leaves the others (the engine keeps the figures of the decoders the stream
/// was handed over from).
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// The innermost protocol known (HTTP inside TLS is `Http`, with `tls` set).
    pub protocol: Option<Protocol>,
    pub http_exchanges: u32,
    pub ws_messages: u32,
    pub tls: Option<TlsInfo>,
    pub websocket: Option<WsHandshake>,
}

/// Where and how the connection ended, for [`StreamDecoder::finish`].
#[derive(Debug, Clone, Copy)]
pub struct Finish {
    /// The connection's last packet.
    pub packet: PacketNo,
    /// The connection saw a FIN or RST (false: the capture ended while it was open).
    pub tcp_closed: bool,
}

/// A decoder of one connection's two byte streams.
pub trait StreamDecoder: Send {
    /// The protocol the connection is shown as while this decoder reads it.
    fn protocol(&self) -> Protocol;

    /// Fast path: `bytes` arrived in `dir` while nothing is buffered there. Returns how many of
    /// them were decoded in place; the engine buffers the rest and calls [`process`]. A decoder
    /// without a fast path keeps the default (none).
    ///
    /// [`process`]: StreamDecoder::process
    fn take_direct(&mut self, _dir: Dir, _bytes: &[u8], _packet: PacketNo, _ts: Nanos, _buf: &mut StreamBuf, _sink: &mut Sink) -> usize {
        0
    }

    /// Decodes what is buffered (consuming what it has read). `ended`: which directions have
    /// ended (no more bytes will come). Returns the decoder the stream is handed to from here on,
    /// if it switched; what is left in `bufs` is then the new decoder's.
    fn process(&mut self, bufs: &mut PerDir<StreamBuf>, ended: PerDir<bool>, sink: &mut Sink) -> Option<Box<dyn StreamDecoder>>;

    /// `len` bytes in `dir` were never captured, starting at the buffer's end (after what is
    /// buffered). The default skips them.
    fn gap(&mut self, _dir: Dir, len: u64, _packet: PacketNo, buf: &mut StreamBuf, _sink: &mut Sink) {
        buf.skip_gap(len);
    }

    /// Direction `dir` ended (FIN or RST); [`process`](StreamDecoder::process) has run over all of it.
    fn end(&mut self, _dir: Dir, _buf: &mut StreamBuf, _sink: &mut Sink) {}

    /// The connection is over: emit what is still open (an unanswered request, an unfinished
    /// message) and the findings only the end can tell.
    fn finish(&mut self, bufs: &mut PerDir<StreamBuf>, at: Finish, sink: &mut Sink);

    /// Sets the fields of `f` this decoder knows (a layer also asks its inner decoder).
    fn figures(&self, f: &mut Figures);
}
