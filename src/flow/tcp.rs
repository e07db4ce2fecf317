//! Passive tracking of one TCP connection: roles, handshake and teardown, figures, reassembly,
//! and Wireshark's TCP analysis flags.
//!
//! Memory: what every connection keeps (endpoints, packet and byte figures, the first event) is a
//! little over a hundred bytes; the rest (reassembly, analysis state, further events) lives in a
//! box made at the connection's second packet or first payload, so a SYN scan's connections
//! stay small. The box's stream buffers are freed when the connection is finished.

use super::reassembly::{Caps, Chunk, Reassembler, Report};
use crate::dissect::TcpSegment;
use crate::limits::Limits;
use crate::model::{Dir, End, Nanos, PacketNo, PerDir, TcpAnalysis, TcpEvent, TcpEventKind};
use core::net::{IpAddr, SocketAddr};

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

/// Something about the connection the engine turns into a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub packet: PacketNo,
    pub code: &'static str,
    pub message: String,
}

/// Both endpoints, compactly (an IPv4 address in the first four bytes).
#[derive(Clone, Copy)]
struct Ends {
    ip: [[u8; 16]; 2],
    port: [u16; 2],
    v6: bool,
}

impl Ends {
    fn new(client: SocketAddr, server: SocketAddr) -> Self {
        let enc = |a: IpAddr| match a {
            IpAddr::V4(v) => {
                let mut b = [0u8; 16];
                b[..4].copy_from_slice(&v.octets());
                b
            }
            IpAddr::V6(v) => v.octets(),
        };
        Ends { ip: [enc(client.ip()), enc(server.ip())], port: [client.port(), server.port()], v6: client.is_ipv6() }
    }
    fn get(&self, i: usize) -> SocketAddr {
        let ip =
            if self.v6 { IpAddr::from(self.ip[i]) } else { IpAddr::from([self.ip[i][0], self.ip[i][1], self.ip[i][2], self.ip[i][3]]) };
        SocketAddr::new(ip, self.port[i])
    }
}

const GUESSED: u16 = 1;
const SYNACK_SEEN: u16 = 1 << 1;
const FIN_C: u16 = 1 << 2;
const FIN_S: u16 = 1 << 3;
const ENDED_C: u16 = 1 << 4;
const ENDED_S: u16 = 1 << 5;
const RST: u16 = 1 << 6;
const CLOSED: u16 = 1 << 7;
const CLOSED_BY_SERVER: u16 = 1 << 8;
const TIMED_OUT: u16 = 1 << 9;
/// The streams were ended for an in-window RST (RST alone: seen, the end still pending).
const RST_DONE: u16 = 1 << 10;
/// One-finding-per-connection marks.
const NOTED_RST_OUTSIDE: u16 = 1 << 11;
const NOTED_DATA_AFTER_RST: u16 = 1 << 12;
/// A SYN with another initial sequence number came on the same ports: a new connection took over.
const SUPERSEDED: u16 = 1 << 13;
/// Packets continued the connection after its in-window RST: the RST is no longer pending (the
/// connection's end still says RST).
const RST_RESUMED: u16 = 1 << 14;

fn bit(base: u16, dir: Dir) -> u16 {
    match dir {
        Dir::ClientToServer => base,
        Dir::ServerToClient => base << 1,
    }
}

// Analysis flags of one segment (as Wireshark's TCP_A_*), kept for the next segment's rules.
const A_KEEP_ALIVE: u16 = 1;
const A_ZWP: u16 = 1 << 1;
const A_DUP_ACK: u16 = 1 << 2;

/// Wireshark's per-direction analysis state (packet-tcp.c's `tcp_flow_t`, in its terms).
#[derive(Clone, Copy, Default)]
struct DirAn {
    /// Next expected sequence number, and when the segment that set it came.
    nextseq: Option<u32>,
    nextseq_ts: Nanos,
    /// Highest continuous sequence number the peer still has to acknowledge.
    maxseqtobeacked: Option<u32>,
    /// Last-seen acknowledgement number, and when.
    lastack: Option<u32>,
    lastack_ts: Nanos,
    /// Last window, scaled when the scale is known.
    window: u32,
    /// Window scale: None unknown (no SYN seen), Some(0) none.
    win_scale: Option<u8>,
    /// The SYN had the option (the shift), or had none.
    syn_scale: Option<Option<u8>>,
    last_flags: u16,
    dupacks: u32,
}

/// The part of a connection made at its second packet (or first payload).
struct State {
    /// Reassembly, made at the first payload and dropped when both directions ended.
    streams: Option<Box<PerDir<Reassembler>>>,
    /// Initial sequence numbers from the SYNs (for reassembly made later).
    isn: PerDir<Option<u32>>,
    /// A FIN came with bytes still missing below it (a retransmission will fill them): its
    /// sequence number; the direction ends when the stream gets there.
    fin_seq: PerDir<Option<u32>>,
    an: PerDir<DirAn>,
    counts: TcpAnalysis,
    gap_bytes: u64,
    events: Vec<TcpEvent>,
    syn_ts: Option<Nanos>,
    handshake_rtt_ns: Option<Nanos>,
    reports: Vec<Report>,
    notes: Vec<Note>,
    /// Caps already reported (one finding each per connection).
    caps_hit: u8,
    mismatches: u32,
    /// The in-window RST whose end is pending (packet, time): the streams end there unless the
    /// next packet continues the connection.
    rst_at: Option<(PacketNo, Nanos)>,
}

/// A bare SYN or a bare ACK kept inline while it is the connection's only packet (a scan's
/// probe or reply).
#[derive(Clone, Copy)]
struct FirstSyn {
    seq: u32,
    /// The acknowledgement number of a bare ACK (`syn` false).
    ack: u32,
    syn: bool,
    window: u16,
    scale: Option<u8>,
    dir_server: bool,
}

pub struct TcpTracker {
    ends: Ends,
    bits: u16,
    /// The first event, when it came with the first packet: kind, direction.
    ev0: Option<(TcpEventKind, Dir)>,
    first_syn: Option<FirstSyn>,
    pub first_packet: PacketNo,
    pub last_packet: PacketNo,
    pub start_ts: Nanos,
    pub end_ts: Nanos,
    pub stats: PerDir<DirStats>,
    st: Option<Box<State>>,
}

/// The window scale option's shift, if the options carry one (RFC 7323 §2.2: at most 14).
pub fn window_scale(options: &[u8]) -> Option<u8> {
    let mut i = 0;
    while i < options.len() {
        match options[i] {
            0 => return None,
            1 => i += 1,
            kind => {
                let len = *options.get(i + 1)? as usize;
                if len < 2 {
                    return None;
                }
                if kind == 3 && len == 3 {
                    return options.get(i + 2).map(|s| (*s).min(14));
                }
                i += len;
            }
        }
    }
    None
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
            ends: Ends::new(client, server),
            bits: if guessed { GUESSED } else { 0 },
            ev0: None,
            first_syn: None,
            first_packet: packet,
            last_packet: packet,
            start_ts: ts,
            end_ts: ts,
            stats: PerDir::default(),
            st: None,
        }
    }

    pub fn client(&self) -> SocketAddr {
        self.ends.get(0)
    }
    pub fn server(&self) -> SocketAddr {
        self.ends.get(1)
    }
    pub fn roles_guessed(&self) -> bool {
        self.bits & GUESSED != 0
    }
    pub fn gap_bytes(&self) -> u64 {
        self.st.as_ref().map_or(0, |s| s.gap_bytes)
    }
    pub fn handshake_rtt_ns(&self) -> Option<Nanos> {
        self.st.as_ref().and_then(|s| s.handshake_rtt_ns)
    }
    pub fn analysis(&self) -> TcpAnalysis {
        self.st.as_ref().map_or_else(TcpAnalysis::default, |s| s.counts)
    }
    pub fn closed_by(&self) -> Option<Dir> {
        (self.bits & CLOSED != 0).then_some(if self.bits & CLOSED_BY_SERVER != 0 { Dir::ServerToClient } else { Dir::ClientToServer })
    }
    /// The handshake and teardown events, in order.
    pub fn events(&self) -> Vec<TcpEvent> {
        let mut v = Vec::new();
        if let Some((kind, direction)) = self.ev0 {
            v.push(TcpEvent { kind, direction, packet: self.first_packet, time: crate::model::nanos_to_secs(self.start_ts) });
        }
        if let Some(s) = &self.st {
            v.extend_from_slice(&s.events);
        }
        v
    }
    /// Findings made since the last call.
    pub fn take_notes(&mut self) -> Vec<Note> {
        self.st.as_mut().map(|s| std::mem::take(&mut s.notes)).unwrap_or_default()
    }
    pub fn has_notes(&self) -> bool {
        self.st.as_ref().is_some_and(|s| !s.notes.is_empty())
    }
    /// Bytes the reassembly holds for this connection (buffered and kept unacknowledged).
    pub fn held(&self) -> usize {
        self.st.as_ref().and_then(|s| s.streams.as_ref()).map_or(0, |r| r.0.iter().map(|r| r.held()).sum())
    }

    pub fn dir_of(&self, src: SocketAddr) -> Dir {
        if src == self.client() {
            Dir::ClientToServer
        } else {
            Dir::ServerToClient
        }
    }

    fn fin(&self, d: Dir) -> bool {
        self.bits & bit(FIN_C, d) != 0
    }

    /// True once both sides are done (FIN both ways and every byte below them delivered, or RST)
    /// or the connection timed out.
    pub fn finished(&self) -> bool {
        const ALL: u16 = FIN_C | FIN_S | ENDED_C | ENDED_S;
        self.bits & (RST_DONE | TIMED_OUT | SUPERSEDED) != 0 || self.bits & ALL == ALL
    }

    /// A SYN going `dir` with sequence number `seq` opens another connection on these ports: a
    /// SYN went that way before with another initial sequence number (a retransmitted SYN has
    /// the same one). tshark: "A new tcp session is started with the same ports".
    pub fn is_new_syn(&self, dir: Dir, seq: u32) -> bool {
        let isn = match (&self.first_syn, &self.st) {
            (Some(s0), _) => (s0.syn && s0.dir_server == (dir == Dir::ServerToClient)).then_some(s0.seq),
            (None, Some(st)) => st.isn[dir],
            (None, None) => None,
        };
        isn.is_some_and(|i| i != seq)
    }

    /// A new connection took over the ports (see [`TcpTracker::is_new_syn`]): both streams end.
    pub fn supersede(&mut self, limits: &Limits, out: &mut dyn FnMut(Dir, Chunk)) {
        let (packet, ts) = (self.last_packet, self.end_ts);
        self.bits |= SUPERSEDED;
        self.finish(packet, ts, limits, out);
    }

    /// An in-window RST came and the streams have not been ended for it yet: they end at the
    /// next packet unless it continues the connection, at a new SYN, or at the capture's end.
    pub fn rst_pending(&self) -> bool {
        self.bits & (RST | RST_DONE | RST_RESUMED) == RST
    }

    /// A FIN went each way (bytes below them may still be missing): a new SYN on the same ports
    /// is a new connection.
    pub fn fins_both(&self) -> bool {
        self.bits & (FIN_C | FIN_S) == FIN_C | FIN_S
    }

    /// True when a segment going `dir` plainly continues this connection: not a SYN, and its
    /// sequence number in the receive window of its direction as the capture shows it (both the
    /// next expected sequence number and the receiver's window known).
    pub fn continues(&self, dir: Dir, seg: &TcpSegment) -> bool {
        let Some(st) = &self.st else { return false };
        let known = st.an[dir].nextseq.is_some() && st.an[dir.flip()].lastack.is_some();
        !seg.flags.syn() && known && in_window(&st.an, dir, seg.seq)
    }

    /// True when a new connection took over its ports.
    pub fn superseded(&self) -> bool {
        self.bits & SUPERSEDED != 0
    }

    /// True when the connection was finished for being idle.
    pub fn timed_out(&self) -> bool {
        self.bits & TIMED_OUT != 0
    }

    pub fn end(&self) -> End {
        if self.bits & RST != 0 {
            End::Rst
        } else if self.fin(Dir::ClientToServer) && self.fin(Dir::ServerToClient) {
            End::Fin
        } else if self.fin(Dir::ClientToServer) || self.fin(Dir::ServerToClient) {
            End::HalfClosed
        } else {
            End::None
        }
    }

    fn state(&mut self) -> &mut State {
        self.st.get_or_insert_with(|| {
            Box::new(State {
                streams: None,
                isn: PerDir::default(),
                fin_seq: PerDir::default(),
                an: PerDir::default(),
                counts: TcpAnalysis::default(),
                gap_bytes: 0,
                events: Vec::new(),
                syn_ts: None,
                handshake_rtt_ns: None,
                reports: Vec::new(),
                notes: Vec::new(),
                caps_hit: 0,
                mismatches: 0,
                rst_at: None,
            })
        })
    }

    fn event(&mut self, kind: TcpEventKind, direction: Dir, packet: PacketNo, ts: Nanos, limits: &Limits) {
        if self.ev0.is_none() && packet == self.first_packet && self.st.is_none() {
            self.ev0 = Some((kind, direction));
            return;
        }
        let kept = usize::from(self.ev0.is_some());
        let s = self.state();
        if s.events.len() + kept < limits.max_tcp_events {
            s.events.push(TcpEvent { kind, direction, packet, time: crate::model::nanos_to_secs(ts) });
        } else {
            cap_note(
                s,
                CAP_EVENTS,
                packet,
                "tcp.events_limit",
                format!(
                    "more than {} TCP events on this connection: further ones are not recorded (limit max_tcp_events)",
                    limits.max_tcp_events
                ),
            );
        }
    }

    /// One segment. Stream bytes, gaps and ends go to `out` in order.
    pub fn segment(&mut self, dir: Dir, seg: &TcpSegment, packet: PacketNo, ts: Nanos, limits: &Limits, out: &mut dyn FnMut(Dir, Chunk)) {
        self.last_packet = packet;
        self.end_ts = self.end_ts.max(ts);
        self.stats[dir].packets += 1;
        let f = seg.flags;
        let scale = if f.syn() { window_scale(seg.options) } else { None };
        // A scan's probe or reply: nothing but the SYN, or nothing but an ACK, kept inline.
        let bare_syn = f.syn() && !f.ack();
        let bare_ack = !f.syn() && f.ack();
        if self.st.is_none() && packet == self.first_packet && (bare_syn || bare_ack) && !f.fin() && !f.rst() && seg.payload.is_empty() {
            let dir_server = dir == Dir::ServerToClient;
            self.first_syn = Some(FirstSyn { seq: seg.seq, ack: seg.ack, syn: bare_syn, window: seg.window, scale, dir_server });
            if bare_syn {
                self.event(TcpEventKind::Syn, dir, packet, ts, limits);
            }
            return;
        }
        if let Some(s0) = self.first_syn.take() {
            let d0 = if s0.dir_server { Dir::ServerToClient } else { Dir::ClientToServer };
            let start = self.start_ts;
            let st = self.state();
            if s0.syn {
                st.syn(d0, s0.seq);
                st.syn_ts = Some(start);
                analyze(st, d0, s0.seq, 0, 0x02, s0.window, s0.scale, 0, start);
            } else {
                analyze(st, d0, s0.seq, s0.ack, 0x10, s0.window, None, 0, start);
            }
        }
        let caps = Caps::new(limits);
        if f.syn() {
            self.state().syn(dir, seg.seq);
            if !f.ack() {
                self.state().syn_ts.get_or_insert(ts);
                self.event(TcpEventKind::Syn, dir, packet, ts, limits);
            } else {
                self.bits |= SYNACK_SEEN;
                self.event(TcpEventKind::SynAck, dir, packet, ts, limits);
            }
        } else if f.ack() && self.bits & SYNACK_SEEN != 0 && dir == Dir::ClientToServer && self.handshake_rtt_ns().is_none() {
            let st = self.state();
            if let Some(t0) = st.syn_ts.take() {
                // File timestamps can be anything: no overflow on a crafted pair.
                st.handshake_rtt_ns = ts.checked_sub(t0);
                self.event(TcpEventKind::HandshakeAck, dir, packet, ts, limits);
            }
        }
        // After an in-window RST: a packet that continues the sequence space (tshark keeps
        // decoding it too) keeps the connection going; anything else ends it at the RST.
        if self.rst_pending() {
            let continues = !f.syn() && !f.rst() && in_window(&self.state().an, dir, seg.seq);
            if !continues {
                self.end_at_rst(limits, out);
            } else if !seg.payload.is_empty() || f.fin() {
                let rst = self.state().rst_at.take().map_or(0, |r| r.0);
                self.bits |= RST_RESUMED;
                if self.bits & NOTED_DATA_AFTER_RST == 0 {
                    self.bits |= NOTED_DATA_AFTER_RST;
                    self.state().notes.push(Note {
                        packet,
                        code: "tcp.data_after_rst",
                        message: format!(
                            "packet {packet} continues the connection after the RST in packet {rst} (its sequence number is in the window): the RST did not end it and the data is decoded"
                        ),
                    });
                }
            }
        }
        let dir_ended = self.bits & bit(ENDED_C, dir) != 0;
        // RFC 9293 §3.10.7.4 / RFC 5961 §3.2: a RST outside the receive window is ignored.
        let rst_ok = !f.rst() || in_window(&self.state().an, dir, seg.seq);
        if !rst_ok {
            let first = self.bits & NOTED_RST_OUTSIDE == 0;
            self.bits |= NOTED_RST_OUTSIDE;
            let st = self.state();
            st.counts.rst_outside_window += 1;
            if first {
                st.notes.push(Note {
                    packet,
                    code: "tcp.rst_outside_window",
                    message: format!(
                        "the RST in packet {packet} is outside the receiver's window (RFC 9293 §3.10.7.4, RFC 5961 §3.2): it is ignored and the connection goes on; further ones are counted in tcp_analysis.rst_outside_window"
                    ),
                });
            }
        }
        let st = self.state();
        let outside = st.counts.outside_window;
        analyze(st, dir, seg.seq, seg.ack, f.0, seg.window, scale, seg.payload.len() as u32, ts);
        if outside == 0 && st.counts.outside_window == 1 {
            st.notes.push(Note {
                packet,
                code: "tcp.outside_window",
                message: format!(
                    "packet {packet} carries data beyond the right edge of the window the receiver advertised (RFC 9293 §3.10.7.4); further ones are counted in tcp_analysis.outside_window"
                ),
            });
        }
        if !seg.payload.is_empty() && st.streams.is_none() && !dir_ended {
            let mut r: Box<PerDir<Reassembler>> = Box::default();
            for d in Dir::BOTH {
                if let Some(isn) = st.isn[d] {
                    r[d].syn(isn);
                }
            }
            st.streams = Some(r);
        }
        if let Some(mut streams) = st.streams.take() {
            self.data(&mut streams, dir, seg, packet, ts, &caps, out);
            let st = self.state();
            st.streams = Some(streams);
            reports_to_notes(st, limits);
        }
        self.closing(dir, seg, rst_ok, packet, ts, limits, out);
        // A segment may have filled the last hole below a FIN, or the peer acknowledged the FIN:
        // bytes still missing below it were lost by the capture (a gap).
        for d in Dir::BOTH {
            let Some(st) = self.st.as_mut() else { break };
            let Some(fs) = st.fin_seq[d] else { continue };
            let acked = st.an[d.flip()].lastack.is_some_and(|l| !seq_lt(l, fs));
            if acked {
                let State { streams, reports, .. } = &mut **st;
                if let Some(r) = streams.as_mut() {
                    let mut gaps = 0;
                    r[d].close_at(fs, packet, ts, &caps, reports, &mut |c| {
                        if let Chunk::Gap { len, .. } = c {
                            gaps += len;
                        }
                        out(d, c)
                    });
                    st.gap_bytes += gaps;
                }
            }
            if acked || !self.missing_below(d, fs) {
                self.state().fin_seq[d] = None;
                self.end_stream(d, packet, ts, limits, out);
            }
        }
    }

    /// The segment's data and acknowledgement, through reassembly.
    #[allow(clippy::too_many_arguments)]
    fn data(
        &mut self,
        streams: &mut PerDir<Reassembler>,
        dir: Dir,
        seg: &TcpSegment,
        packet: PacketNo,
        ts: Nanos,
        caps: &Caps,
        out: &mut dyn FnMut(Dir, Chunk),
    ) {
        let f = seg.flags;
        let other = dir.flip();
        let mut gap_bytes = 0;
        let st = self.state();
        let reports = &mut st.reports;
        // An ACK tells us what the peer received: bytes below it need not be kept, and holes
        // below it were lost by the capture.
        if f.ack() {
            streams[other].acked(seg.ack, packet, ts, caps, reports, &mut |c| {
                if let Chunk::Gap { len, .. } = c {
                    gap_bytes += len;
                }
                out(other, c)
            });
        }
        let mut delivered = 0u64;
        // Data on a SYN (TCP Fast Open, RFC 7413) starts one after the SYN's sequence number.
        let data_seq = if f.syn() { seg.seq.wrapping_add(1) } else { seg.seq };
        streams[dir].segment(data_seq, seg.payload, packet, ts, caps, reports, &mut |c| {
            match c {
                Chunk::Data { bytes, .. } => delivered += bytes.len() as u64,
                Chunk::Gap { len, .. } => gap_bytes += len,
                Chunk::End { .. } => {}
            }
            out(dir, c)
        });
        st.gap_bytes += gap_bytes;
        self.stats[dir].bytes += delivered;
    }

    /// True when bytes below sequence number `seq` going `dir` are still to come.
    fn missing_below(&self, dir: Dir, seq: u32) -> bool {
        let Some(st) = &self.st else { return false };
        let next = st.streams.as_ref().and_then(|r| r[dir].next_seq()).or(st.isn[dir].map(|i| i.wrapping_add(1)));
        next.is_some_and(|n| seq_lt(n, seq))
    }

    /// A FIN or RST on the segment.
    #[allow(clippy::too_many_arguments)]
    fn closing(
        &mut self,
        dir: Dir,
        seg: &TcpSegment,
        rst_ok: bool,
        packet: PacketNo,
        ts: Nanos,
        limits: &Limits,
        out: &mut dyn FnMut(Dir, Chunk),
    ) {
        let f = seg.flags;
        if f.fin() && !self.fin(dir) {
            self.bits |= bit(FIN_C, dir);
            self.closed(dir);
            self.event(TcpEventKind::Fin, dir, packet, ts, limits);
            let data_seq = if f.syn() { seg.seq.wrapping_add(1) } else { seg.seq };
            let fin_seq = data_seq.wrapping_add(seg.payload.len() as u32);
            if self.missing_below(dir, fin_seq) {
                self.state().fin_seq[dir] = Some(fin_seq);
            } else {
                self.end_stream(dir, packet, ts, limits, out);
            }
        }
        // An in-window RST: the streams end at it once the next packet shows the connection
        // does not go on (see `segment`), or at a new SYN or the capture's end.
        if f.rst() && rst_ok && !self.rst_pending() && self.bits & RST_DONE == 0 {
            self.bits = (self.bits | RST) & !RST_RESUMED;
            self.closed(dir);
            self.event(TcpEventKind::Rst, dir, packet, ts, limits);
            self.state().rst_at = Some((packet, ts));
        }
    }

    /// Ends both streams at the pending RST.
    fn end_at_rst(&mut self, limits: &Limits, out: &mut dyn FnMut(Dir, Chunk)) {
        let (packet, ts) = self.st.as_mut().and_then(|s| s.rst_at.take()).unwrap_or((self.last_packet, self.end_ts));
        self.bits |= RST_DONE;
        for d in Dir::BOTH {
            self.end_stream(d, packet, ts, limits, out);
        }
    }

    fn closed(&mut self, dir: Dir) {
        if self.bits & CLOSED == 0 {
            self.bits |= CLOSED;
            if dir == Dir::ServerToClient {
                self.bits |= CLOSED_BY_SERVER;
            }
        }
    }

    /// The capture ended: flush both directions.
    pub fn finish(&mut self, packet: PacketNo, ts: Nanos, limits: &Limits, out: &mut dyn FnMut(Dir, Chunk)) {
        if self.rst_pending() {
            return self.end_at_rst(limits, out);
        }
        for d in Dir::BOTH {
            self.end_stream(d, packet, ts, limits, out);
        }
    }

    /// The file's reassembly cap was reached: buffered bytes are given up (holes become gaps)
    /// and kept copies dropped; the streams go on.
    pub fn release(&mut self, packet: PacketNo, ts: Nanos, limits: &Limits, out: &mut dyn FnMut(Dir, Chunk)) {
        let caps = Caps::new(limits);
        let Some(st) = self.st.as_mut() else { return };
        let State { streams, reports, .. } = &mut **st;
        let Some(r) = streams.as_mut() else { return };
        let mut gaps = 0;
        let mut delivered = PerDir::<u64>::default();
        for d in Dir::BOTH {
            r[d].flush(packet, ts, &caps, reports, &mut |c| {
                match c {
                    Chunk::Data { bytes, .. } => delivered[d] += bytes.len() as u64,
                    Chunk::Gap { len, .. } => gaps += len,
                    Chunk::End { .. } => {}
                }
                out(d, c)
            });
        }
        st.gap_bytes += gaps;
        reports_to_notes(st, limits);
        for d in Dir::BOTH {
            self.stats[d].bytes += delivered[d];
        }
    }

    /// Idle for longer than the timeout: flush both directions and mark it finished.
    pub fn time_out(&mut self, packet: PacketNo, ts: Nanos, limits: &Limits, out: &mut dyn FnMut(Dir, Chunk)) {
        if !self.rst_pending() {
            self.bits |= TIMED_OUT;
        }
        self.finish(packet, ts, limits, out);
    }

    fn end_stream(&mut self, dir: Dir, packet: PacketNo, ts: Nanos, limits: &Limits, out: &mut dyn FnMut(Dir, Chunk)) {
        if self.bits & bit(ENDED_C, dir) != 0 {
            return;
        }
        self.bits |= bit(ENDED_C, dir);
        if let Some(st) = self.st.as_mut() {
            let caps = Caps::new(limits);
            let mut delivered = 0u64;
            let mut gaps = 0u64;
            let State { streams, reports, .. } = &mut **st;
            if let Some(streams) = streams.as_mut() {
                streams[dir].flush(packet, ts, &caps, reports, &mut |c| {
                    match c {
                        Chunk::Data { bytes, .. } => delivered += bytes.len() as u64,
                        Chunk::Gap { len, .. } => gaps += len,
                        Chunk::End { .. } => {}
                    }
                    out(dir, c)
                });
            }
            st.gap_bytes += gaps;
            reports_to_notes(st, limits);
            self.stats[dir].bytes += delivered;
            if self.bits & ENDED_C != 0 && self.bits & ENDED_S != 0 {
                // Both ways done: the reassembly state goes (its buffers are already empty).
                st.streams = None;
                st.reports = Vec::new();
                st.events.shrink_to_fit();
            }
        }
        out(dir, Chunk::End { packet, ts });
    }
}

const CAP_EVENTS: u8 = 1;
const CAP_OOO_BYTES: u8 = 1 << 1;
const CAP_OOO_SEGMENTS: u8 = 1 << 2;
const CAP_UNACKED: u8 = 1 << 3;
const CAP_MISMATCHES: u8 = 1 << 4;

/// Mismatch findings per connection (each names its two packets); further ones are counted.
const MISMATCH_NOTES: u32 = 8;

impl State {
    fn syn(&mut self, dir: Dir, seq: u32) {
        self.isn[dir].get_or_insert(seq);
        if let Some(r) = self.streams.as_mut() {
            r[dir].syn(seq);
        }
    }
}

fn cap_note(s: &mut State, cap: u8, packet: PacketNo, code: &'static str, message: String) {
    if s.caps_hit & cap == 0 {
        s.caps_hit |= cap;
        s.notes.push(Note { packet, code, message });
    }
}

fn reports_to_notes(st: &mut State, limits: &Limits) {
    for r in std::mem::take(&mut st.reports) {
        match r {
            Report::Mismatch { offset, first_packet, packet } => {
                st.mismatches += 1;
                if st.mismatches <= MISMATCH_NOTES {
                    st.notes.push(Note {
                        packet,
                        code: "tcp.overlap_mismatch",
                        message: format!(
                            "packet {packet} carries other bytes than packet {first_packet} at stream offset {offset}: the first copy (packet {first_packet}) is kept"
                        ),
                    });
                }
            }
            Report::OutOfOrderBytes { packet } => cap_note(
                st,
                CAP_OOO_BYTES,
                packet,
                "tcp.out_of_order_limit",
                format!("more than {} out-of-order bytes waited for a hole: the hole became a gap (limit max_out_of_order)", limits.max_out_of_order),
            ),
            Report::OutOfOrderSegments { packet } => cap_note(
                st,
                CAP_OOO_SEGMENTS,
                packet,
                "tcp.out_of_order_segments_limit",
                format!(
                    "more than {} out-of-order segments waited behind holes: the first hole became a gap (limit max_out_of_order_segments)",
                    limits.max_out_of_order_segments
                ),
            ),
            Report::UnackedDropped { packet } => cap_note(
                st,
                CAP_UNACKED,
                packet,
                "tcp.unacked_limit",
                format!(
                    "more than {} delivered bytes not yet acknowledged: older ones are no longer compared with retransmissions (limit keep_unacked)",
                    limits.keep_unacked
                ),
            ),
        }
    }
    if st.mismatches > MISMATCH_NOTES {
        let n = st.mismatches;
        cap_note(
            st,
            CAP_MISMATCHES,
            0,
            "tcp.overlap_mismatch",
            format!("{n} or more overlapping segments carried other bytes than the first copy; only the first {MISMATCH_NOTES} are named"),
        );
    }
}

/// Whether `seq` going `dir` falls in the receiver's window as the capture shows it (RFC 9293
/// §3.10.7.4, RFC 5961 §3): from what the receiver acknowledged up to the next expected sequence
/// number plus the receiver's window. Accepted while either is unknown.
fn in_window(an: &PerDir<DirAn>, dir: Dir, seq: u32) -> bool {
    let (fwd, rev) = (&an[dir], &an[dir.flip()]);
    let Some(next) = fwd.nextseq else { return true };
    if rev.lastack.is_none() && rev.nextseq.is_none() {
        return true;
    }
    let lo = match rev.lastack {
        Some(l) if seq_lt(l, next) => l,
        _ => next,
    };
    u64::from(seq.wrapping_sub(lo)) < u64::from(next.wrapping_sub(lo)) + u64::from(rev.window.max(1))
}

fn seq_gt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}
fn seq_lt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}

/// Wireshark's sequence analysis for one segment going `dir` (the rules of the Wireshark User's
/// Guide, "TCP Analysis", in the order packet-tcp.c applies them); counts go to `st.counts`.
#[allow(clippy::too_many_arguments)]
fn analyze(st: &mut State, dir: Dir, seq: u32, ack: u32, flags: u8, raw_window: u16, scale: Option<u8>, seglen: u32, ts: Nanos) {
    const FIN: u8 = 0x01;
    const SYN: u8 = 0x02;
    const RSTF: u8 = 0x04;
    const ACK: u8 = 0x10;
    let rtt = st.handshake_rtt_ns;
    let (fwd, rev) = {
        let [a, b] = &mut st.an.0;
        if dir == Dir::ClientToServer {
            (a, b)
        } else {
            (b, a)
        }
    };
    let c = &mut st.counts;
    let syn = flags & SYN != 0;
    let sfr = flags & (SYN | FIN | RSTF) != 0;
    // Window scaling: known once both SYNs are seen (or one SYN without the option).
    if syn {
        fwd.syn_scale = Some(scale);
        match scale {
            None => {
                fwd.win_scale = Some(0);
                rev.win_scale = Some(0);
            }
            Some(s) => {
                if flags & ACK != 0 && rev.syn_scale == Some(None) {
                    fwd.win_scale = Some(0);
                } else if fwd.win_scale.is_none() {
                    fwd.win_scale = Some(s);
                }
            }
        }
    }
    let window = if syn { u32::from(raw_window) } else { u32::from(raw_window) << fwd.win_scale.unwrap_or(0) };
    let mut a: u16 = 0;
    let nextseq_fwd = fwd.nextseq;
    'fwd: {
        // Zero window probe: one byte at the next expected sequence number into a zero window.
        if seglen == 1 && Some(seq) == nextseq_fwd && rev.window == 0 && rev.lastack.is_some() {
            a |= A_ZWP;
            c.zero_window_probe += 1;
            break 'fwd;
        }
        if window == 0 && !sfr {
            c.zero_window += 1;
        }
        // Previous segment not captured.
        if let Some(n) = nextseq_fwd {
            if seq_gt(seq, n) && flags & RSTF == 0 {
                c.lost_segment += 1;
            }
        }
        // Keep-alive: zero or one byte one before the next expected sequence number.
        if seglen <= 1 && !sfr && nextseq_fwd.is_some_and(|n| n.wrapping_sub(1) == seq) {
            a |= A_KEEP_ALIVE;
            c.keep_alive += 1;
            break 'fwd;
        }
        let same_point = Some(seq) == nextseq_fwd && Some(ack) == fwd.lastack && !sfr;
        // Window update: only the window changed.
        if seglen == 0 && window != 0 && window != fwd.window && same_point {
            c.window_update += 1;
            break 'fwd;
        }
        // Window full: the data goes up to the right edge of the peer's window.
        if seglen > 0 && !sfr && rev.win_scale.is_some() {
            if let Some(la) = rev.lastack {
                if seq.wrapping_add(seglen) == la.wrapping_add(rev.window) {
                    c.window_full += 1;
                }
            }
        }
        if seglen == 0 && window != 0 && window == fwd.window && same_point && rev.last_flags & A_KEEP_ALIVE != 0 {
            c.keep_alive_ack += 1;
            break 'fwd;
        }
        if seglen == 0
            && window == 0
            && window == fwd.window
            && Some(seq) == nextseq_fwd
            && fwd.lastack.is_some_and(|l| ack == l || ack == l.wrapping_add(1))
            && rev.last_flags & A_ZWP != 0
            && !sfr
        {
            c.zero_window_probe_ack += 1;
            break 'fwd;
        }
        if seglen == 0 && window != 0 && window == fwd.window && same_point {
            a |= A_DUP_ACK;
            fwd.dupacks += 1;
            c.duplicate_ack += 1;
            break 'fwd;
        }
    }
    // A new acknowledgement number starts the duplicate count again (a window update between
    // duplicates does not).
    if fwd.lastack != Some(ack) {
        fwd.dupacks = 0;
    }
    // ACKed unseen segment.
    if flags & ACK != 0 {
        if let Some(m) = rev.maxseqtobeacked {
            if seq_gt(ack, m) {
                c.ack_lost_segment += 1;
                rev.maxseqtobeacked = rev.nextseq;
            }
        }
    }
    // Retransmissions and out-of-order segments.
    if (seglen > 0 || flags & (SYN | FIN) != 0) && a & A_KEEP_ALIVE == 0 {
        if let Some(n) = nextseq_fwd {
            if seq_lt(seq, n) {
                let end = seq.wrapping_add(seglen);
                // Spurious (already acknowledged) supersedes the others, fast retransmission
                // supersedes out-of-order.
                if seglen > 0 && rev.lastack.is_some_and(|l| !seq_gt(end, l)) {
                    c.spurious_retransmission += 1;
                    c.retransmission += 1;
                } else if rev.dupacks >= 2 && rev.lastack == Some(seq) && ts.saturating_sub(rev.lastack_ts) < 20_000_000 {
                    c.fast_retransmission += 1;
                    c.retransmission += 1;
                } else if ts.saturating_sub(fwd.nextseq_ts) < rtt.filter(|r| *r > 0).unwrap_or(3_000_000)
                    && n != end.wrapping_add(u32::from(flags & (SYN | FIN) != 0))
                {
                    // Out of order only when it does not end where the highest segment ended: a
                    // SYN or FIN sent again soon (it takes one sequence number) is a
                    // retransmission, as tshark 4.0 reads it.
                    c.out_of_order += 1;
                } else {
                    c.retransmission += 1;
                }
            }
        }
    }
    // Outside the receive window: data beyond what the peer said it could take (a zero window
    // probe excepted: RFC 9293 §3.8.6.1 asks for it).
    if seglen > 0 && !syn && a & A_ZWP == 0 && rev.win_scale.is_some() {
        if let Some(la) = rev.lastack {
            if seq_gt(seq.wrapping_add(seglen), la.wrapping_add(rev.window)) {
                c.outside_window += 1;
            }
        }
    }
    let mut nextseq = seq.wrapping_add(seglen);
    if flags & (SYN | FIN) != 0 {
        nextseq = nextseq.wrapping_add(1);
    }
    if a & A_ZWP == 0 {
        if nextseq_fwd.is_none_or(|n| seq_gt(nextseq, n)) {
            fwd.nextseq = Some(nextseq);
            fwd.nextseq_ts = ts;
        }
        if fwd.maxseqtobeacked.is_none_or(|m| m == seq) {
            fwd.maxseqtobeacked = fwd.nextseq;
        }
    }
    fwd.window = window;
    if flags & ACK != 0 {
        fwd.lastack = Some(ack);
        fwd.lastack_ts = ts;
    }
    fwd.last_flags = a;
}
