//! Building real-looking TCP conversations (Ethernet/IPv4/TCP, correct sequence numbers and
//! checksums) for tests, the benchmark generator and the lab's relay recordings; WebSocket frames
//! for the lab's hand-framed client and server.

use etherparse::PacketBuilder;

/// One TCP connection between two IPv4 endpoints; packets go to `out` as (timestamp, frame).
pub struct TcpConversation {
    pub client: ([u8; 4], u16),
    pub server: ([u8; 4], u16),
    seq: [u32; 2],
    /// Nanoseconds; each packet advances it by `step`.
    pub ts: i64,
    pub step: i64,
    /// Largest payload per segment.
    pub mss: usize,
}

pub type Out<'a> = &'a mut dyn FnMut(i64, &[u8]);

impl TcpConversation {
    pub fn new(client: ([u8; 4], u16), server: ([u8; 4], u16), ts: i64) -> Self {
        let isn_c = (client.1 as u32).wrapping_mul(2_654_435_761);
        let isn_s = (server.1 as u32 ^ client.1 as u32).wrapping_mul(40_503);
        TcpConversation { client, server, seq: [isn_c, isn_s], ts, step: 10_000, mss: 1448 }
    }

    fn emit(&mut self, from_client: bool, flags: u8, payload: &[u8], buf: &mut Vec<u8>, out: Out) {
        let (src, dst, i) = if from_client { (self.client, self.server, 0) } else { (self.server, self.client, 1) };
        let ack = self.seq[1 - i];
        let mut b =
            PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]).ipv4(src.0, dst.0, 64).tcp(src.1, dst.1, self.seq[i], 65535);
        if flags & 0x02 != 0 {
            b = b.syn();
        }
        if flags & 0x10 != 0 {
            b = b.ack(ack);
        }
        if flags & 0x01 != 0 {
            b = b.fin();
        }
        if flags & 0x04 != 0 {
            b = b.rst();
        }
        if flags & 0x08 != 0 {
            b = b.psh();
        }
        buf.clear();
        if b.write(buf, payload).is_ok() {
            out(self.ts, buf);
        }
        self.ts += self.step;
        let consumed = payload.len() as u32 + u32::from(flags & 0x03 != 0);
        self.seq[i] = self.seq[i].wrapping_add(consumed);
    }

    /// The next sequence number of one side (the ISN before its SYN is sent).
    pub fn next_seq(&self, from_client: bool) -> u32 {
        self.seq[if from_client { 0 } else { 1 }]
    }

    /// Moves one side's next sequence number by `n` (a segment the capture "missed", or one to
    /// send again: negative).
    pub fn skip(&mut self, from_client: bool, n: i64) {
        let i = if from_client { 0 } else { 1 };
        self.seq[i] = self.seq[i].wrapping_add(n as u32);
    }

    /// One segment as given: flags (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10), sequence
    /// and acknowledgement numbers, window and TCP options (window scale: `[3, 3, shift]`, padded
    /// to four bytes with NOPs by the caller). Changes nothing in the conversation but the clock.
    #[allow(clippy::too_many_arguments)]
    pub fn raw(&mut self, from_client: bool, flags: u8, seq: u32, ack: u32, window: u16, options: &[u8], payload: &[u8], out: Out) {
        let (src, dst) = if from_client { (self.client, self.server) } else { (self.server, self.client) };
        let mut tcp = etherparse::TcpHeader::new(src.1, dst.1, seq, window);
        tcp.fin = flags & 0x01 != 0;
        tcp.syn = flags & 0x02 != 0;
        tcp.rst = flags & 0x04 != 0;
        tcp.psh = flags & 0x08 != 0;
        tcp.ack = flags & 0x10 != 0;
        tcp.acknowledgment_number = ack;
        if tcp.set_options_raw(options).is_err() {
            return;
        }
        let b = PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]).ipv4(src.0, dst.0, 64).tcp_header(tcp);
        let mut buf = Vec::with_capacity(64 + payload.len());
        if b.write(&mut buf, payload).is_ok() {
            out(self.ts, &buf);
        }
        self.ts += self.step;
    }

    /// A segment from one side at its next sequence number, acknowledging the other side, with
    /// the window and options given; advances the sender's sequence number (payload, SYN, FIN).
    pub fn send_with(&mut self, from_client: bool, flags: u8, window: u16, options: &[u8], payload: &[u8], out: Out) {
        let i = if from_client { 0 } else { 1 };
        let (seq, ack) = (self.seq[i], if flags & 0x10 != 0 { self.seq[1 - i] } else { 0 });
        self.raw(from_client, flags, seq, ack, window, options, payload, out);
        self.seq[i] = seq.wrapping_add(payload.len() as u32 + u32::from(flags & 0x03 != 0));
    }

    /// The client's SYN alone (a port scan's probe).
    pub fn syn(&mut self, out: Out) {
        let mut buf = Vec::with_capacity(128);
        self.emit(true, 0x02, &[], &mut buf, out);
    }

    pub fn handshake(&mut self, out: Out) {
        let mut buf = Vec::with_capacity(2048);
        self.emit(true, 0x02, &[], &mut buf, out);
        self.emit(false, 0x12, &[], &mut buf, out);
        self.emit(true, 0x10, &[], &mut buf, out);
    }

    /// Sends `data` in MSS-sized segments, each acknowledged by the peer.
    pub fn send(&mut self, from_client: bool, data: &[u8], out: Out) {
        let mut buf = Vec::with_capacity(2048);
        for seg in data.chunks(self.mss.max(1)) {
            self.emit(from_client, 0x18, seg, &mut buf, out);
        }
        if !data.is_empty() {
            self.emit(!from_client, 0x10, &[], &mut buf, out);
        }
    }

    pub fn close(&mut self, out: Out) {
        let mut buf = Vec::with_capacity(128);
        self.emit(true, 0x11, &[], &mut buf, out);
        self.emit(false, 0x11, &[], &mut buf, out);
        self.emit(true, 0x10, &[], &mut buf, out);
    }

    /// A close begun by either side: FIN, FIN back, last ACK.
    pub fn close_from(&mut self, client_first: bool, out: Out) {
        let mut buf = Vec::with_capacity(128);
        self.emit(client_first, 0x11, &[], &mut buf, out);
        self.emit(!client_first, 0x11, &[], &mut buf, out);
        self.emit(client_first, 0x10, &[], &mut buf, out);
    }

    pub fn reset(&mut self, from_client: bool, out: Out) {
        let mut buf = Vec::with_capacity(128);
        self.emit(from_client, 0x14, &[], &mut buf, out);
    }
}

/// A masked client frame or an unmasked server frame.
pub fn ws_frame(fin: bool, opcode: u8, mask: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
    ws_frame_rsv(fin, 0, opcode, mask, payload)
}

/// The same with RSV bits (`0b100` = RSV1, set on permessage-deflate's compressed messages).
pub fn ws_frame_rsv(fin: bool, rsv: u8, opcode: u8, mask: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![(if fin { 0x80 } else { 0 }) | ((rsv & 0x07) << 4) | opcode];
    let m = if mask.is_some() { 0x80 } else { 0 };
    match payload.len() {
        n if n < 126 => f.push(m | n as u8),
        n if n <= 0xffff => {
            f.push(m | 126);
            f.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            f.push(m | 127);
            f.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    match mask {
        Some(k) => {
            f.extend_from_slice(&k);
            f.extend(payload.iter().enumerate().map(|(i, b)| b ^ k[i % 4]));
        }
        None => f.extend_from_slice(payload),
    }
    f
}
