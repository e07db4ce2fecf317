//! Passive tracking of one TCP connection: roles, handshake and teardown, figures, reassembly.

use super::reassembly::{Chunk, Reassembler, SegmentKind};
use crate::dissect::TcpSegment;
use crate::limits::Limits;
use crate::model::{Dir, End, Nanos, PacketNo, PerDir, TcpEvent, TcpEventKind};
use core::net::SocketAddr;

const MAX_EVENTS: usize = 32;

/// Ports that are servers' far more often than clients'.
const SERVER_PORTS: &[u16] = &[80, 443, 8080, 8000, 8443, 8008, 8888, 5000, 3000, 8765, 9000, 1883, 5672, 6379];

/// Without a SYN, guess whether the destination is the server: content first, then ports.
pub fn guess_server_is_dst(src_port: u16, dst_port: u16, payload: &[u8]) -> bool {
    if crate::proto::detect::looks_like_request(payload) {
        return true;
    }
    if payload.starts_with(b"HTTP/1.") {
        return false;
    }
    let known = |p: u16| p < 1024 || SERVER_PORTS.contains(&p);
    match (known(src_port), known(dst_port)) {
        (false, true) => true,
        (true, false) => false,
        _ => dst_port <= src_port,
    }
}

#[derive(Default, Clone)]
pub struct DirStats {
    pub packets: u64,
    pub bytes: u64,
}

pub struct TcpTracker {
    pub client: SocketAddr,
    pub server: SocketAddr,
    pub roles_guessed: bool,
    streams: PerDir<Reassembler>,
    pub stats: PerDir<DirStats>,
    pub retransmissions: u64,
    pub out_of_order: u64,
    pub gap_bytes: u64,
    pub events: Vec<TcpEvent>,
    syn_ts: Option<Nanos>,
    synack_seen: bool,
    pub handshake_rtt_ns: Option<Nanos>,
    fin: PerDir<bool>,
    ended: PerDir<bool>,
    pub rst: bool,
    pub closed_by: Option<Dir>,
    pub first_packet: PacketNo,
    pub last_packet: PacketNo,
    pub start_ts: Nanos,
    pub end_ts: Nanos,
}

impl TcpTracker {
    /// Starts tracking at the connection's first packet, going `src` → `dst`.
    pub fn new(src: SocketAddr, dst: SocketAddr, seg: &TcpSegment, packet: PacketNo, ts: Nanos) -> Self {
        let (client, server, guessed) = if seg.flags.syn() && !seg.flags.ack() {
            (src, dst, false)
        } else if seg.flags.syn() && seg.flags.ack() {
            (dst, src, false)
        } else if guess_server_is_dst(src.port(), dst.port(), seg.payload) {
            (src, dst, true)
        } else {
            (dst, src, true)
        };
        TcpTracker {
            client,
            server,
            roles_guessed: guessed,
            streams: PerDir::default(),
            stats: PerDir::default(),
            retransmissions: 0,
            out_of_order: 0,
            gap_bytes: 0,
            events: Vec::new(),
            syn_ts: None,
            synack_seen: false,
            handshake_rtt_ns: None,
            fin: PerDir::default(),
            ended: PerDir::default(),
            rst: false,
            closed_by: None,
            first_packet: packet,
            last_packet: packet,
            start_ts: ts,
            end_ts: ts,
        }
    }

    pub fn dir_of(&self, src: SocketAddr) -> Dir {
        if src == self.client {
            Dir::ClientToServer
        } else {
            Dir::ServerToClient
        }
    }

    /// True once both sides are done (FIN both ways, or RST): a new SYN on the same ports is a new
    /// connection.
    pub fn finished(&self) -> bool {
        self.rst || (self.fin[Dir::ClientToServer] && self.fin[Dir::ServerToClient])
    }

    pub fn end(&self) -> End {
        if self.rst {
            End::Rst
        } else if self.fin[Dir::ClientToServer] && self.fin[Dir::ServerToClient] {
            End::Fin
        } else if self.fin[Dir::ClientToServer] || self.fin[Dir::ServerToClient] {
            End::HalfClosed
        } else {
            End::None
        }
    }

    fn event(&mut self, kind: TcpEventKind, direction: Dir, packet: PacketNo, ts: Nanos) {
        if self.events.len() < MAX_EVENTS {
            self.events.push(TcpEvent { kind, direction, packet, time: crate::model::nanos_to_secs(ts) });
        }
    }

    /// One segment. Stream bytes, gaps and ends go to `out` in order.
    pub fn segment(&mut self, dir: Dir, seg: &TcpSegment, packet: PacketNo, ts: Nanos, limits: &Limits, out: &mut dyn FnMut(Dir, Chunk)) {
        self.last_packet = packet;
        self.end_ts = self.end_ts.max(ts);
        self.stats[dir].packets += 1;
        let f = seg.flags;
        if f.syn() {
            self.streams[dir].syn(seg.seq);
            if !f.ack() {
                self.syn_ts.get_or_insert(ts);
                self.event(TcpEventKind::Syn, dir, packet, ts);
            } else {
                self.synack_seen = true;
                self.event(TcpEventKind::SynAck, dir, packet, ts);
            }
        } else if f.ack() && self.synack_seen && self.handshake_rtt_ns.is_none() && dir == Dir::ClientToServer {
            if let Some(t0) = self.syn_ts.take() {
                // File timestamps can be anything: no overflow on a crafted pair.
                self.handshake_rtt_ns = ts.checked_sub(t0);
                self.event(TcpEventKind::HandshakeAck, dir, packet, ts);
            }
        }
        // An ACK tells us what the peer received: holes below it were lost by the capture.
        let other = dir.flip();
        let mut gap_bytes = 0;
        if f.ack() && self.streams[other].has_pending() {
            self.streams[other].acked(seg.ack, packet, ts, &mut |c| {
                if let Chunk::Gap { len, .. } = c {
                    gap_bytes += len;
                }
                out(other, c)
            });
        }
        let mut delivered = 0u64;
        let kind = self.streams[dir].segment(seg.seq, seg.payload, packet, ts, limits.max_out_of_order, &mut |c| {
            match c {
                Chunk::Data { bytes, .. } => delivered += bytes.len() as u64,
                Chunk::Gap { len, .. } => gap_bytes += len,
                Chunk::End { .. } => {}
            }
            out(dir, c)
        });
        match kind {
            SegmentKind::Retransmission | SegmentKind::Overlap => self.retransmissions += 1,
            SegmentKind::OutOfOrder => self.out_of_order += 1,
            _ => {}
        }
        self.stats[dir].bytes += delivered;
        self.gap_bytes += gap_bytes;
        if f.fin() && !self.fin[dir] {
            self.fin[dir] = true;
            self.closed_by.get_or_insert(dir);
            self.event(TcpEventKind::Fin, dir, packet, ts);
            self.end_stream(dir, packet, ts, out);
        }
        if f.rst() && !self.rst {
            self.rst = true;
            self.closed_by.get_or_insert(dir);
            self.event(TcpEventKind::Rst, dir, packet, ts);
            for d in Dir::BOTH {
                self.end_stream(d, packet, ts, out);
            }
        }
    }

    /// The capture ended: flush both directions.
    pub fn finish(&mut self, packet: PacketNo, ts: Nanos, out: &mut dyn FnMut(Dir, Chunk)) {
        for d in Dir::BOTH {
            self.end_stream(d, packet, ts, out);
        }
    }

    fn end_stream(&mut self, dir: Dir, packet: PacketNo, ts: Nanos, out: &mut dyn FnMut(Dir, Chunk)) {
        if self.ended[dir] {
            return;
        }
        self.ended[dir] = true;
        let mut delivered = 0u64;
        let mut gaps = 0u64;
        self.streams[dir].flush(packet, ts, &mut |c| {
            match c {
                Chunk::Data { bytes, .. } => delivered += bytes.len() as u64,
                Chunk::Gap { len, .. } => gaps += len,
                Chunk::End { .. } => {}
            }
            out(dir, c)
        });
        self.stats[dir].bytes += delivered;
        self.gap_bytes += gaps;
        out(dir, Chunk::End { packet, ts });
    }
}
