//! The loop that glues dissect → flow → proto and produces events. Pure: the caller reads the
//! packets (from a file or an interface) and drains the events, in batches, wherever it likes.

use crate::dissect::{self, DissectError, Transport as L4};
use crate::flow::{endpoint, Chunk, FlowHasherBuilder, FlowKey, Slab, TcpTracker};
use crate::limits::Limits;
use crate::model::{
    nanos_to_secs, Connection, Dir, End, Event, Finding, Nanos, PacketNo, PacketRow, PacketSummary, PerDir, Protocol, RowKind, Severity,
    TlsInfo, Transport, WsHandshake,
};
use crate::proto::detect::{sniff_waiting, Sniffed};
use crate::proto::http1::{Http1, Switch};
use crate::proto::websocket::{handshake, WsSession};
use crate::proto::{tls, Output, Sink, StreamBuf};
use core::net::SocketAddr;
use std::collections::HashMap;
use std::hash::BuildHasher;

enum App {
    Undecided,
    Http(Box<Http1>),
    Ws(Box<WsSession>),
    Tls {
        client: bool,
        server: bool,
    },
    Opaque,
    /// A decoder on the StreamDecoder trait (HTTP/2 for now).
    Stream(Box<dyn crate::proto::StreamDecoder>),
    Done,
}

/// An HTTP/2 decoder for a connection (the Shared context made here until the engine keeps one).
fn http2(limits: &Limits, upgrade: Option<crate::model::HttpRequest>, first_index: u32) -> App {
    let shared = crate::proto::Shared { limits: std::sync::Arc::new(limits.clone()), ..Default::default() };
    App::Stream(Box::new(crate::proto::http2::Http2::new(&shared, upgrade).with_first_index(first_index)))
}

struct Udp {
    client: SocketAddr,
    server: SocketAddr,
    packets: PerDir<u64>,
    bytes: PerDir<u64>,
    first_packet: PacketNo,
    last_packet: PacketNo,
    start: Nanos,
    end: Nanos,
}

/// A connection's transport side: the TCP tracker (or UDP figures). Lives with [`Flows`].
enum FlowConn {
    Tcp(TcpTracker),
    Udp(Box<Udp>),
}

impl FlowConn {
    fn key(&self) -> FlowKey {
        match self {
            FlowConn::Tcp(t) => FlowKey::new(t.client(), t.server(), false),
            FlowConn::Udp(u) => FlowKey::new(u.client, u.server, true),
        }
    }
    fn tcp(&self) -> Option<&TcpTracker> {
        match self {
            FlowConn::Tcp(t) => Some(t),
            FlowConn::Udp(_) => None,
        }
    }
}

/// One finding: packets of a kind are no longer listed one by one (they are still counted).
fn listing_stopped(out: &mut impl FlowOut, packet: PacketNo, what: &str, cap: u64) {
    let message = format!("more than {cap} {what}: the rest are counted in the packet figures, not listed (max_packet_findings)");
    out.event(Event::Finding(Finding { connection: None, packet, severity: Severity::Info, code: "packet.findings_limit", message }));
}

/// Connection `i`'s key in the connection table: its endpoints and its tunnel.
fn key_of(conns: &Slab<FlowConn>, tunnel_of: &HashMap<u32, u32>, i: u32) -> (FlowKey, u32) {
    let t = if tunnel_of.is_empty() { 0 } else { tunnel_of.get(&i).copied().unwrap_or(0) };
    (conns[i as usize].key(), t)
}

/// A connection's application side. Until its first stream bytes it is only its number (a SYN
/// scan's connections stay this small); then the decoding state is made.
enum Conn {
    Idle {
        id: u32,
        first_packet: PacketNo,
        udp: Option<Protocol>,
    },
    Live(Box<Live>),
    /// Finished: the decoding state is gone, the figures stay.
    Done(Done),
}

/// What a finished connection keeps for its snapshot.
struct Done {
    id: u32,
    protocol: Protocol,
    http_exchanges: u32,
    ws_messages: u32,
    /// Only when there is a TLS or WebSocket handshake to show.
    info: Option<Box<(Option<TlsInfo>, Option<WsHandshake>)>>,
}

/// A connection's decoding state: stream buffers and the protocol decoder.
struct Live {
    id: u32,
    /// The connection's first packet (named by findings about a missed upgrade).
    first_packet: PacketNo,
    app: App,
    bufs: PerDir<StreamBuf>,
    ended: PerDir<bool>,
    protocol: Protocol,
    /// Boxed: most connections have neither, and these are large.
    tls: Option<Box<TlsInfo>>,
    ws: Option<Box<WsHandshake>>,
    http_exchanges: u32,
    ws_messages: u32,
    findings_left: u32,
    findings_dropped: u32,
    /// Client bytes not held while the protocol is undecided and the server has not spoken
    /// (past Limits.max_sniff_wait), and the packet of the first: a gap once it is HTTP.
    sniff_over: Option<(u64, PacketNo)>,
}

/// What the transport side hands to the application side, in order. [`Apps`] applies it at once;
/// a pipelined loader can record it on one thread and replay it into an [`Apps`] on another.
pub trait FlowOut {
    /// An event of the transport side (a finding about a packet, a packet row).
    fn event(&mut self, e: Event);
    /// Connection `id` (always the next number) starts at `first_packet`; `udp` names the
    /// protocol of a UDP flow, which has no stream to decode.
    fn new_conn(&mut self, id: u32, first_packet: PacketNo, udp: Option<Protocol>);
    /// Reassembled stream data, a gap or an end, for connection `conn`.
    fn chunk(&mut self, conn: u32, dir: Dir, c: Chunk<'_>);
    /// The chunks of one segment (or of the final flush) are all handed over. `finish`: the
    /// connection is over (both FINs or a RST, or the capture ended); `tcp_closed`: it saw a FIN
    /// or RST.
    fn segment_done(&mut self, conn: u32, packet: PacketNo, finish: bool, tcp_closed: bool);
}

/// The transport side of the engine: packets → connections, TCP reassembly, packet figures.
pub struct Flows {
    limits: Limits,
    conns: Slab<FlowConn>,
    /// Connection numbers by their endpoints (the key is read from the connection itself).
    by_key: hashbrown::HashTable<u32>,
    hasher: FlowHasherBuilder,
    /// The tunnels connections were carried in (see `dissect::tunnel` for what tells them apart).
    tunnels: dissect::Tunnels,
    /// Connection number → tunnel number, for the few connections carried in a tunnel (a
    /// connection not here is not tunnelled: untunnelled connections cost nothing for this).
    tunnel_of: HashMap<u32, u32>,
    /// The comment cap's finding was made.
    comments_capped: bool,
    pub packets: PacketSummary,
    last_packet: PacketNo,
    last_ts: Nanos,
    /// TCP connections not yet finished, for the idle sweep, and when it next runs.
    open: Vec<u32>,
    next_sweep: Option<Nanos>,
    /// The sweep's clock (see `sweep`).
    sweep_clock: Option<Nanos>,
    /// Connections finished for being idle.
    pub timed_out: u64,
    /// Bytes TCP reassembly holds over all connections, and whether its cap was reported.
    reassembly_held: i64,
    reassembly_cap_reported: bool,
}

/// The application side of the engine: stream bytes → HTTP exchanges, WebSocket messages,
/// findings (as events).
pub struct Apps {
    limits: Limits,
    /// Connections `shard`, `shard + shards`, `shard + 2 * shards`, ... (all of them when
    /// `shards` is 1): connection `id` is at `id / shards`.
    conns: Slab<Conn>,
    shards: u32,
    /// Events made and not yet drained, and the decoders' shared scratch.
    out: Output,
    /// What the TCP tracker hands over for one segment, applied at `segment_done`.
    chunks: Vec<(Dir, OwnedChunk)>,
}

/// The whole engine on one thread: [`Flows`] feeding [`Apps`].
pub struct Engine {
    flows: Flows,
    apps: Apps,
}

impl Engine {
    pub fn new(limits: Limits) -> Self {
        Engine { flows: Flows::new(limits.clone()), apps: Apps::new(limits) }
    }

    /// An engine from its two halves (run apart by a pipelined loader).
    pub fn from_parts(flows: Flows, apps: Apps) -> Self {
        Engine { flows, apps }
    }

    pub fn limits(&self) -> &Limits {
        &self.apps.limits
    }

    /// Events produced since the last call.
    pub fn drain_events(&mut self) -> std::vec::Drain<'_, Event> {
        self.apps.drain_events()
    }

    pub fn pending_events(&self) -> usize {
        self.apps.out.events.len()
    }

    pub fn packets(&self) -> &PacketSummary {
        &self.flows.packets
    }

    /// The application half (where the events are).
    pub fn apps_mut(&mut self) -> &mut Apps {
        &mut self.apps
    }

    pub fn packets_mut(&mut self) -> &mut PacketSummary {
        &mut self.flows.packets
    }

    /// One packet, as read from a file or an interface.
    pub fn packet(&mut self, number: PacketNo, ts: Nanos, link_type: u32, data: &[u8], file_offset: u64, comment: Option<String>) {
        self.flows.packet(number, ts, link_type, data, file_offset, comment, &mut self.apps);
    }

    /// The capture ended: flush every stream and emit what is still open.
    pub fn finish(&mut self) {
        self.flows.finish(&mut self.apps);
    }

    pub fn connection_count(&self) -> usize {
        self.flows.conns.len()
    }

    /// Snapshots of every connection's figures.
    pub fn connections(&self) -> Vec<Connection> {
        self.connections_iter().collect()
    }

    /// Every connection's figures, made one at a time (a writer streaming them out holds one,
    /// not a million).
    pub fn connections_iter(&self) -> impl Iterator<Item = Connection> + '_ {
        let tunnel = |i: usize| self.flows.tunnel_of.get(&(i as u32)).and_then(|&t| self.flows.tunnels.describe(t));
        self.flows
            .conns
            .iter()
            .zip(self.apps.conns.iter())
            .enumerate()
            .map(move |(i, (f, a))| Connection { tunnel: tunnel(i), ..snapshot(f, a) })
    }
}

impl Flows {
    pub fn new(limits: Limits) -> Self {
        Flows {
            limits,
            conns: Slab::default(),
            by_key: hashbrown::HashTable::new(),
            hasher: FlowHasherBuilder::default(),
            tunnels: Default::default(),
            tunnel_of: HashMap::new(),
            comments_capped: false,
            packets: PacketSummary::default(),
            last_packet: 0,
            last_ts: 0,
            open: Vec::new(),
            next_sweep: None,
            sweep_clock: None,
            timed_out: 0,
            reassembly_held: 0,
            reassembly_cap_reported: false,
        }
    }

    fn find(&self, key: &(FlowKey, u32)) -> Option<usize> {
        let h = self.hasher.hash_one(key);
        self.by_key.find(h, |&i| key_of(&self.conns, &self.tunnel_of, i) == *key).map(|&i| i as usize)
    }

    /// Points `key` at connection `id` (a new one, or one replacing a finished one).
    fn index(&mut self, key: &(FlowKey, u32), id: u32) {
        let h = self.hasher.hash_one(key);
        let (conns, tunnel_of) = (&self.conns, &self.tunnel_of);
        match self.by_key.find_mut(h, |&i| key_of(conns, tunnel_of, i) == *key) {
            Some(slot) => *slot = id,
            None => {
                let hasher = &self.hasher;
                self.by_key.insert_unique(h, id, |&i| hasher.hash_one(key_of(conns, tunnel_of, i)));
            }
        }
    }

    /// Connection `id` was carried in tunnel `tunnel` (0: none, and nothing is stored).
    fn set_tunnel(&mut self, id: u32, tunnel: u32) {
        if tunnel != 0 {
            self.tunnel_of.insert(id, tunnel);
        }
    }

    /// One packet, as read from a file or an interface; what it carries goes to `out`.
    #[allow(clippy::too_many_arguments)]
    pub fn packet(
        &mut self,
        number: PacketNo,
        ts: Nanos,
        link_type: u32,
        data: &[u8],
        file_offset: u64,
        comment: Option<String>,
        out: &mut impl FlowOut,
    ) {
        let row = self.limits.packet_rows.then_some(PacketRow {
            number,
            ts,
            len: data.len() as u32,
            link_type,
            file_offset,
            src: None,
            dst: None,
            src_port: 0,
            dst_port: 0,
            kind: RowKind::NotIp,
            connection: None,
            direction: None,
        });
        let placed = self.packet_inner(number, ts, link_type, data, comment, row.is_some(), out);
        if let Some(mut row) = row {
            if let Some(p) = placed {
                row.src = Some(p.src);
                row.dst = Some(p.dst);
                row.src_port = p.src_port;
                row.dst_port = p.dst_port;
                row.kind = p.kind;
                row.connection = p.connection;
                row.direction = p.direction;
            }
            out.event(Event::Packet(row));
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn packet_inner(
        &mut self,
        number: PacketNo,
        ts: Nanos,
        link_type: u32,
        data: &[u8],
        comment: Option<String>,
        want: bool,
        out: &mut impl FlowOut,
    ) -> Option<Placed> {
        let ps = &mut self.packets;
        ps.count += 1;
        let t = nanos_to_secs(ts);
        ps.first_time.get_or_insert(t);
        ps.last_time = Some(t);
        if !ps.link_types.contains(&link_type) {
            ps.link_types.push(link_type);
        }
        if let Some(c) = comment {
            if ps.comments.len() < self.limits.max_packet_comments {
                ps.comments.push((number, c));
            } else if !self.comments_capped {
                self.comments_capped = true;
                let message =
                    format!("more than {} packet comments: the rest are not kept (max_packet_comments)", self.limits.max_packet_comments);
                out.event(Event::Finding(Finding {
                    connection: None,
                    packet: number,
                    severity: Severity::Info,
                    code: "packet.comments_limit",
                    message,
                }));
            }
        }
        self.last_packet = number;
        self.last_ts = self.last_ts.max(ts);
        let d = match dissect::dissect(link_type, data, self.limits.max_tunnel_depth) {
            Ok(d) => d,
            Err(DissectError::NotIp) => {
                self.packets.non_ip += 1;
                return None;
            }
            Err(DissectError::UnsupportedLink(lt)) => {
                if self.packets.unsupported_link == 0 {
                    out.event(Event::Finding(Finding {
                        connection: None,
                        packet: number,
                        severity: Severity::Warning,
                        code: "link.unsupported",
                        message: format!("link type {lt} is not supported; such packets are skipped"),
                    }));
                }
                self.packets.unsupported_link += 1;
                return None;
            }
            Err(DissectError::TooDeep(max)) => {
                if self.packets.tunnel_too_deep == 0 {
                    let message = format!("tunnels nested more than {max} deep (max_tunnel_depth): such packets are counted, not analysed");
                    out.event(Event::Finding(Finding {
                        connection: None,
                        packet: number,
                        severity: Severity::Warning,
                        code: "packet.tunnel_depth_limit",
                        message,
                    }));
                }
                self.packets.tunnel_too_deep += 1;
                return None;
            }
            Err(DissectError::Malformed(why)) => {
                if self.packets.malformed < self.limits.max_packet_findings {
                    out.event(Event::Finding(Finding {
                        connection: None,
                        packet: number,
                        severity: Severity::Warning,
                        code: "packet.malformed",
                        message: format!("malformed packet: {why}"),
                    }));
                } else if self.packets.malformed == self.limits.max_packet_findings {
                    listing_stopped(out, number, "malformed packets", self.limits.max_packet_findings);
                }
                self.packets.malformed += 1;
                return want.then_some(Placed {
                    src: core::net::IpAddr::from([0, 0, 0, 0]),
                    dst: core::net::IpAddr::from([0, 0, 0, 0]),
                    src_port: 0,
                    dst_port: 0,
                    kind: RowKind::Malformed,
                    connection: None,
                    direction: None,
                });
            }
        };
        self.packets.tunnelled += u64::from(d.tunnel.is_some());
        let tunnel = self.tunnels.intern(d.tunnel.as_ref());
        if d.fragment {
            if self.packets.ip_fragments < self.limits.max_packet_findings {
                out.event(Event::Finding(Finding {
                    connection: None,
                    packet: number,
                    severity: Severity::Info,
                    code: "ip.fragment",
                    message: "IP fragment: fragments are flagged, not reassembled".into(),
                }));
            } else if self.packets.ip_fragments == self.limits.max_packet_findings {
                listing_stopped(out, number, "IP fragments", self.limits.max_packet_findings);
            }
            self.packets.ip_fragments += 1;
        }
        match d.transport {
            L4::Tcp(seg) => {
                self.packets.tcp += 1;
                let src = SocketAddr::new(d.src, seg.src_port);
                let dst = SocketAddr::new(d.dst, seg.dst_port);
                let key = (FlowKey::new(src, dst, false), tunnel);
                // A finished connection (both FINs, a RST, or idle too long) is followed by a new
                // one on the same ports at a SYN (port reuse); after an idle timeout, at any packet.
                let found = self.find(&key);
                if let Some(i) = found {
                    self.time_out_if_idle(i, ts, src, &seg, out);
                    // A new SYN after FINs both ways: the old connection is over, bytes still
                    // missing below its FINs included.
                    if seg.flags.syn() && !seg.flags.ack() {
                        self.finish_if_closed(i, out);
                        self.finish_if_new_syn(i, src, seg.seq, number, out);
                    }
                }
                let idx = match found {
                    Some(i)
                        if !self.conns[i]
                            .tcp()
                            .is_some_and(|t| (seg.flags.syn() && !seg.flags.ack() && t.finished()) || t.timed_out() || t.superseded()) =>
                    {
                        i
                    }
                    _ => {
                        let id = self.conns.len() as u32;
                        // Never silent: a connection split by the idle timeout says so on both.
                        if let Some(FlowConn::Tcp(old)) = found.and_then(|i| self.conns.get(i)) {
                            if old.timed_out() {
                                let secs = self.limits.tcp_idle_timeout / 1_000_000_000;
                                let (i, last) = (found.unwrap_or(0) as u32, old.last_packet);
                                for (conn, message) in [
                                    (i, format!("no packet for more than {secs} s of capture time after packet {last}: the connection was finished there (limit tcp_idle_timeout), and packet {number} on the same ports starts connection {id}")),
                                    (id, format!("packet {number} comes after connection {i} on the same ports was finished for being idle more than {secs} s (limit tcp_idle_timeout): it starts a new connection")),
                                ] {
                                    out.event(Event::Finding(Finding { connection: Some(conn), packet: number, severity: Severity::Info, code: "tcp.idle_timeout", message }));
                                }
                            }
                        }
                        let tracker = TcpTracker::new(src, dst, &seg, number, ts);
                        self.conns.push(FlowConn::Tcp(tracker));
                        self.set_tunnel(id, tunnel);
                        self.index(&key, id);
                        self.open.push(id);
                        out.new_conn(id, number, None);
                        id as usize
                    }
                };
                let limits = &self.limits;
                let FlowConn::Tcp(tcp) = &mut self.conns[idx] else { return None };
                let dir = tcp.dir_of(src);
                let conn = idx as u32;
                let before = tcp.held() as i64;
                tcp.segment(dir, &seg, number, ts, limits, &mut |d, c| out.chunk(conn, d, c));
                let mut after = tcp.held() as i64;
                if after > before && self.reassembly_held + after - before > i64::try_from(limits.max_reassembly_total).unwrap_or(i64::MAX)
                {
                    // The file's cap: this connection gives up what it holds.
                    tcp.release(number, ts, limits, &mut |d, c| out.chunk(conn, d, c));
                    after = tcp.held() as i64;
                    if !self.reassembly_cap_reported {
                        self.reassembly_cap_reported = true;
                        out.event(Event::Finding(Finding {
                            connection: Some(conn),
                            packet: number,
                            severity: Severity::Info,
                            code: "tcp.reassembly_total_limit",
                            message: format!(
                                "TCP reassembly held more than {} bytes over all connections: a connection's buffered bytes became gaps (limit max_reassembly_total)",
                                limits.max_reassembly_total
                            ),
                        }));
                    }
                }
                self.reassembly_held += after - before;
                if tcp.has_notes() {
                    for n in tcp.take_notes() {
                        out.event(Event::Finding(Finding {
                            connection: Some(conn),
                            packet: n.packet,
                            severity: if n.code == "tcp.overlap_mismatch" { Severity::Warning } else { Severity::Info },
                            code: n.code,
                            message: n.message,
                        }));
                    }
                }
                out.segment_done(conn, number, tcp.finished(), tcp.end() != End::None);
                self.sweep(ts, out);
                let kind =
                    RowKind::Tcp { flags: seg.flags.0, seq: seg.seq, ack: seg.ack, window: seg.window, payload: seg.payload.len() as u32 };
                want.then_some(Placed {
                    src: d.src,
                    dst: d.dst,
                    src_port: seg.src_port,
                    dst_port: seg.dst_port,
                    kind,
                    connection: Some(idx as u32),
                    direction: Some(dir),
                })
            }
            L4::Udp { src_port, dst_port, payload } => {
                self.packets.udp += 1;
                let src = SocketAddr::new(d.src, src_port);
                let dst = SocketAddr::new(d.dst, dst_port);
                let key = (FlowKey::new(src, dst, true), tunnel);
                let idx = match self.find(&key) {
                    Some(i) => i,
                    None => {
                        let id = self.conns.len() as u32;
                        let (client, server) =
                            if src_port == 443 || (src_port < dst_port && src_port < 1024) { (dst, src) } else { (src, dst) };
                        let quic = (src_port == 443 || dst_port == 443) && payload.first().is_some_and(|b| b & 0xc0 == 0xc0);
                        let udp = Udp {
                            client,
                            server,
                            packets: PerDir::default(),
                            bytes: PerDir::default(),
                            first_packet: number,
                            last_packet: number,
                            start: ts,
                            end: ts,
                        };
                        self.conns.push(FlowConn::Udp(Box::new(udp)));
                        self.set_tunnel(id, tunnel);
                        self.index(&key, id);
                        out.new_conn(id, number, Some(if quic { Protocol::Quic } else { Protocol::Udp }));
                        id as usize
                    }
                };
                let mut direction = None;
                if let FlowConn::Udp(u) = &mut self.conns[idx] {
                    let dir = if src == u.client { Dir::ClientToServer } else { Dir::ServerToClient };
                    u.packets[dir] += 1;
                    u.bytes[dir] += payload.len() as u64;
                    u.last_packet = number;
                    u.end = u.end.max(ts);
                    direction = Some(dir);
                }
                let kind = RowKind::Udp { payload: payload.len() as u32 };
                want.then_some(Placed { src: d.src, dst: d.dst, src_port, dst_port, kind, connection: Some(idx as u32), direction })
            }
            L4::Other { protocol } => want.then_some(Placed {
                src: d.src,
                dst: d.dst,
                src_port: 0,
                dst_port: 0,
                kind: RowKind::OtherIp { protocol },
                connection: None,
                direction: None,
            }),
        }
    }

    /// The capture ended: flush every stream.
    pub fn finish(&mut self, out: &mut impl FlowOut) {
        let (packet, ts) = (self.last_packet, self.last_ts);
        let limits = &self.limits;
        for id in std::mem::take(&mut self.open) {
            if let Some(FlowConn::Tcp(tcp)) = self.conns.get_mut(id as usize) {
                tcp.finish(packet, ts, limits, &mut |d, c| out.chunk(id, d, c));
                out.segment_done(id, packet, true, tcp.end() != End::None);
            }
        }
    }

    /// Finishes connection `i` if a FIN went each way but bytes below them are still missing.
    fn finish_if_closed(&mut self, i: usize, out: &mut impl FlowOut) {
        let limits = &self.limits;
        if let Some(FlowConn::Tcp(tcp)) = self.conns.get_mut(i) {
            if (tcp.fins_both() || tcp.rst_pending()) && !tcp.finished() {
                let (last, end) = (tcp.last_packet, tcp.end_ts);
                let id = i as u32;
                self.reassembly_held -= tcp.held() as i64;
                tcp.finish(last, end, limits, &mut |d, c| out.chunk(id, d, c));
                out.segment_done(id, last, true, true);
            }
        }
    }

    /// Finishes connection `i`, still open, if a SYN from `src` with sequence number `seq` (in
    /// packet `packet`) opens a new one on its ports (another initial sequence number than its
    /// SYN's, not a retransmission): tshark starts a new stream there too.
    fn finish_if_new_syn(&mut self, i: usize, src: SocketAddr, seq: u32, packet: PacketNo, out: &mut impl FlowOut) {
        let limits = &self.limits;
        if let Some(FlowConn::Tcp(tcp)) = self.conns.get_mut(i) {
            if !tcp.finished() && tcp.is_new_syn(tcp.dir_of(src), seq) {
                let (last, id) = (tcp.last_packet, i as u32);
                self.reassembly_held -= tcp.held() as i64;
                tcp.supersede(limits, &mut |d, c| out.chunk(id, d, c));
                out.segment_done(id, last, true, tcp.end() != End::None);
                out.event(Event::Finding(Finding {
                    connection: Some(id),
                    packet,
                    severity: Severity::Info,
                    code: "tcp.new_syn_on_open_connection",
                    message: format!(
                        "packet {packet} is a SYN with another initial sequence number on the ports of this connection, which had not ended (no FIN both ways, no RST): a new connection starts there, and this one ends at its last packet"
                    ),
                }));
            }
        }
    }

    /// Finishes connection `i` if it is open and has been idle for longer than the timeout at
    /// capture time `now` (its next packet came too late).
    /// A segment from `src` that plainly continues the connection (its sequence number in the
    /// window: see [`TcpTracker::continues`]) keeps it, however late it comes (tshark keeps one
    /// stream; a single bad timestamp cannot split a connection).
    fn time_out_if_idle(&mut self, i: usize, now: Nanos, src: SocketAddr, seg: &dissect::TcpSegment, out: &mut impl FlowOut) {
        let timeout = self.limits.tcp_idle_timeout;
        let limits = &self.limits;
        if let Some(FlowConn::Tcp(tcp)) = self.conns.get_mut(i) {
            if timeout > 0 && !tcp.finished() && now.saturating_sub(tcp.end_ts) > timeout && !tcp.continues(tcp.dir_of(src), seg) {
                let (last, end) = (tcp.last_packet, tcp.end_ts);
                let id = i as u32;
                self.reassembly_held -= tcp.held() as i64;
                tcp.time_out(last, end, limits, &mut |d, c| out.chunk(id, d, c));
                out.segment_done(id, last, true, tcp.end() != End::None);
                self.timed_out += u64::from(tcp.timed_out());
            }
        }
    }

    /// Finishes the TCP connections idle for longer than `tcp_idle_timeout` (capture time). Runs
    /// when the capture's clock has moved a quarter of the timeout since the last sweep, and
    /// drops finished connections from the open list: each connection is looked at by a few
    /// sweeps per packet of its own at most, so the work stays proportional to the packets.
    fn sweep(&mut self, now: Nanos, out: &mut impl FlowOut) {
        let timeout = self.limits.tcp_idle_timeout;
        if timeout <= 0 {
            return;
        }
        // The sweep's clock follows the capture's but moves at most a quarter of the timeout per
        // packet: one packet with a far-off timestamp cannot time out every connection (it takes
        // several packets agreeing on the time to move it past the timeout).
        let now = match self.sweep_clock {
            Some(c) => c.max(now.min(c.saturating_add(timeout / 4))),
            None => now,
        };
        self.sweep_clock = Some(now);
        let due = *self.next_sweep.get_or_insert(now.saturating_add(timeout / 4));
        if now < due {
            return;
        }
        self.next_sweep = Some(now.saturating_add(timeout / 4));
        let limits = &self.limits;
        let mut timed_out = 0;
        let held = &mut self.reassembly_held;
        let conns = &mut self.conns;
        self.open.retain(|&id| {
            let Some(FlowConn::Tcp(tcp)) = conns.get_mut(id as usize) else { return false };
            if tcp.finished() {
                return false;
            }
            if now.saturating_sub(tcp.end_ts) <= timeout {
                return true;
            }
            let (last, end) = (tcp.last_packet, tcp.end_ts);
            *held -= tcp.held() as i64;
            tcp.time_out(last, end, limits, &mut |d, c| out.chunk(id, d, c));
            out.segment_done(id, last, true, tcp.end() != End::None);
            timed_out += u64::from(tcp.timed_out());
            false
        });
        self.timed_out += timed_out;
    }

    pub fn connection_count(&self) -> usize {
        self.conns.len()
    }
}

impl Apps {
    pub fn new(limits: Limits) -> Self {
        Self::shard(limits, 1)
    }

    /// The application half for one of `shards` decoding threads: the connections whose id leaves
    /// the same remainder when divided by `shards` (connections never share decoding state, so
    /// they can be decoded apart). [`Apps::merge`] puts the shards back together.
    pub fn shard(limits: Limits, shards: u32) -> Self {
        let out = Output::for_shard(&limits, shards.max(1));
        Apps { limits, conns: Slab::default(), shards: shards.max(1), out, chunks: Vec::new() }
    }

    /// One application half from the shards of [`Apps::shard`], given in order (shard 0 first),
    /// with connections in id order and the events still pending, shard by shard.
    pub fn merge(mut parts: Vec<Apps>) -> Apps {
        let Some(first) = parts.first() else { return Apps::new(Limits::default()) };
        let limits = first.limits.clone();
        let total: usize = parts.iter().map(|p| p.conns.len()).sum();
        let mut events = Vec::new();
        let mut iters: Vec<_> = parts
            .iter_mut()
            .map(|p| {
                events.append(&mut p.out.events);
                std::mem::take(&mut p.conns).into_iter()
            })
            .collect();
        let n = iters.len();
        let conns = (0..total).filter_map(|i| iters[i % n].next()).collect();
        let out = Output::merged(parts.iter().map(|p| &p.out), events);
        Apps { limits, conns, shards: 1, out, chunks: Vec::new() }
    }

    /// Where connection `id` is in `conns`.
    #[inline]
    fn local(&self, id: u32) -> usize {
        if self.shards == 1 {
            id as usize
        } else {
            (id / self.shards) as usize
        }
    }

    /// The events produced since the last call, as a vector; `spare` (emptied) collects the next.
    pub fn swap_events(&mut self, mut spare: Vec<Event>) -> Vec<Event> {
        spare.clear();
        std::mem::replace(&mut self.out.events, spare)
    }

    /// How many events are waiting.
    pub fn pending_events(&self) -> usize {
        self.out.events.len()
    }

    /// Events produced since the last call.
    pub fn drain_events(&mut self) -> std::vec::Drain<'_, Event> {
        self.out.events.drain(..)
    }
}

impl FlowOut for Apps {
    fn event(&mut self, e: Event) {
        self.out.events.push(e);
    }

    fn new_conn(&mut self, id: u32, first_packet: PacketNo, udp: Option<Protocol>) {
        debug_assert_eq!((id / self.shards) as usize, self.conns.len());
        self.conns.push(Conn::Idle { id, first_packet, udp });
    }

    /// Data goes straight into the direction's buffer; decoding happens at `segment_done`.
    fn chunk(&mut self, conn: u32, dir: Dir, c: Chunk<'_>) {
        let at = self.local(conn);
        let Some(slot) = self.conns.get_mut(at) else { return };
        let conn = match slot {
            Conn::Idle { udp: Some(_), .. } | Conn::Done(_) => return,
            // An end before any byte: nothing to decode.
            Conn::Idle { .. } if matches!(c, Chunk::End { .. }) => return,
            Conn::Idle { id, first_packet, .. } => {
                *slot = Conn::Live(Box::new(Live::new(*id, *first_packet, &self.limits)));
                let Conn::Live(l) = slot else { return };
                l
            }
            Conn::Live(l) => l,
        };
        if conn.ended[dir] || matches!(conn.app, App::Done) {
            return;
        }
        let pending = &mut self.chunks;
        match c {
            Chunk::Data { bytes, packet, ts } => {
                let after_other = pending.iter().any(|(d, c)| *d == dir && matches!(c, OwnedChunk::Gap { .. } | OwnedChunk::End));
                if after_other {
                    pending.push((dir, OwnedChunk::Owned { bytes: bytes.to_vec(), packet, ts }));
                    return;
                }
                if conn.sniff_drops(dir, bytes.len(), packet, &self.limits, &mut self.out) {
                    return;
                }
                let mut rest = bytes;
                // Bodies and WebSocket frames are decoded in place while nothing waits in the
                // direction's buffer; what they leave is buffered below.
                let mut sink = Live::sink(conn.id, &mut self.out, &mut conn.findings_left, &mut conn.findings_dropped);
                let n = match &mut conn.app {
                    App::Http(h) => h.take_direct(dir, rest, packet, ts, &mut conn.bufs[dir], &mut sink),
                    App::Ws(w) => w.take_direct(dir, rest, packet, ts, &mut conn.bufs[dir], &mut sink),
                    _ => 0,
                };
                rest = &rest[n..];
                if n > 0 {
                    pending.push((dir, OwnedChunk::Pushed));
                }
                if !rest.is_empty() {
                    conn.bufs[dir].push(rest, packet, ts);
                    pending.push((dir, OwnedChunk::Pushed));
                }
            }
            Chunk::Gap { len, packet, .. } => pending.push((dir, OwnedChunk::Gap { len, packet })),
            Chunk::End { .. } => pending.push((dir, OwnedChunk::End)),
        }
    }

    fn segment_done(&mut self, conn: u32, packet: PacketNo, finish: bool, tcp_closed: bool) {
        let at = self.local(conn);
        let Some(slot) = self.conns.get_mut(at) else { return };
        let Conn::Live(conn) = slot else {
            self.chunks.clear();
            return;
        };
        conn.deliver(&mut self.chunks, &self.limits, &mut self.out);
        if finish && !matches!(conn.app, App::Done) {
            conn.finish_app(packet, tcp_closed, &self.limits, &mut self.out);
            // The decoding state goes; the figures stay.
            let info =
                (conn.tls.is_some() || conn.ws.is_some()).then(|| Box::new((conn.tls.take().map(|b| *b), conn.ws.take().map(|b| *b))));
            let done =
                Done { id: conn.id, protocol: conn.protocol, http_exchanges: conn.http_exchanges, ws_messages: conn.ws_messages, info };
            *slot = Conn::Done(done);
        }
    }
}

/// Where a packet landed, for its row.
struct Placed {
    src: core::net::IpAddr,
    dst: core::net::IpAddr,
    src_port: u16,
    dst_port: u16,
    kind: RowKind,
    connection: Option<u32>,
    direction: Option<Dir>,
}

/// A chunk owned for later delivery (the tracker borrows the connection while it reassembles).
enum OwnedChunk {
    /// Already pushed into the direction's buffer.
    Pushed,
    /// Comes after a gap or end in the same batch: pushed once those are applied.
    Owned {
        bytes: Vec<u8>,
        packet: PacketNo,
        ts: Nanos,
    },
    Gap {
        len: u64,
        packet: PacketNo,
    },
    End,
}

impl Live {
    fn new(id: u32, first_packet: PacketNo, limits: &Limits) -> Self {
        Live {
            id,
            first_packet,
            app: App::Undecided,
            bufs: PerDir::default(),
            ended: PerDir::default(),
            protocol: Protocol::Unknown,
            tls: None,
            ws: None,
            http_exchanges: 0,
            ws_messages: 0,
            findings_left: limits.max_findings_per_connection,
            findings_dropped: 0,
            sniff_over: None,
        }
    }

    /// While the protocol is undecided and the server has not spoken, the client's bytes past
    /// Limits.max_sniff_wait are not held (counted, one finding): true when `len` bytes are so
    /// dropped.
    fn sniff_drops(&mut self, dir: Dir, len: usize, packet: PacketNo, limits: &Limits, out: &mut Output) -> bool {
        let c2s = Dir::ClientToServer;
        if dir != c2s || !matches!(self.app, App::Undecided) {
            return false;
        }
        if self.sniff_over.is_none() && (self.bufs[c2s].len() < limits.max_sniff_wait || !self.bufs[Dir::ServerToClient].is_empty()) {
            return false;
        }
        match &mut self.sniff_over {
            Some((n, _)) => *n += len as u64,
            None => {
                self.sniff_over = Some((len as u64, packet));
                let held = self.bufs[c2s].len();
                let mut sink = Self::sink(self.id, out, &mut self.findings_left, &mut self.findings_dropped);
                sink.finding(packet, Severity::Info, "tcp.sniff_wait_limit", format!("the client sent more than {} bytes (Limits.max_sniff_wait) before the server's first byte, none of a known protocol: the first {held} are held to tell the protocol from the server's answer, the rest are counted, not decoded", limits.max_sniff_wait));
            }
        }
        true
    }

    /// The figures of a connection that never carried a byte (for its snapshot).
    fn idle(id: u32, first_packet: PacketNo, udp: Option<Protocol>) -> Self {
        let mut l = Live::new(id, first_packet, &Limits::default());
        if let Some(p) = udp {
            l.protocol = p;
            l.app = App::Done;
        }
        l
    }

    /// Applies (and empties) what the tracker handed over.
    fn deliver(&mut self, chunks: &mut Vec<(Dir, OwnedChunk)>, limits: &Limits, out: &mut Output) {
        let mut data_seen = false;
        for (dir, c) in chunks.drain(..) {
            match c {
                OwnedChunk::Pushed => data_seen = true,
                OwnedChunk::Owned { bytes, packet, ts } => {
                    if !self.ended[dir] && !self.sniff_drops(dir, bytes.len(), packet, limits, out) {
                        self.bufs[dir].push(&bytes, packet, ts);
                        data_seen = true;
                    }
                }
                OwnedChunk::Gap { len, packet } => {
                    if data_seen {
                        self.advance(limits, out);
                        data_seen = false;
                    }
                    self.gap(dir, len, packet, out);
                }
                OwnedChunk::End => {
                    if data_seen {
                        self.advance(limits, out);
                        data_seen = false;
                    }
                    self.ended[dir] = true;
                    self.end_dir(dir, limits, out);
                }
            }
        }
        if data_seen {
            self.advance(limits, out);
        }
    }

    fn sink<'a>(id: u32, out: &'a mut Output, left: &'a mut u32, dropped: &'a mut u32) -> Sink<'a> {
        Sink { conn: id, out, findings_left: left, findings_dropped: dropped }
    }

    fn gap(&mut self, dir: Dir, len: u64, packet: PacketNo, out: &mut Output) {
        let mut sink = Self::sink(self.id, out, &mut self.findings_left, &mut self.findings_dropped);
        match &mut self.app {
            App::Http(h) => h.gap(dir, len, packet, &mut self.bufs[dir], &mut sink),
            App::Ws(w) => w.gap(dir, len, packet, &mut self.bufs[dir], &mut sink),
            App::Stream(d) => d.gap(dir, len, packet, &mut self.bufs[dir], &mut sink),
            _ => self.bufs[dir].skip_gap(len),
        }
    }

    fn end_dir(&mut self, dir: Dir, limits: &Limits, out: &mut Output) {
        if matches!(self.app, App::Undecided) {
            self.advance(limits, out);
        }
        let mut sink = Self::sink(self.id, out, &mut self.findings_left, &mut self.findings_dropped);
        match &mut self.app {
            App::Http(h) => {
                h.end(dir, &mut self.bufs[dir], &mut sink);
                self.http_exchanges = h.exchanges;
            }
            App::Ws(w) => w.end(dir, &mut self.bufs[dir], &mut sink),
            App::Stream(d) => d.end(dir, &mut self.bufs[dir], &mut sink),
            _ => {}
        }
    }

    /// Runs the decoders over what is buffered.
    fn advance(&mut self, limits: &Limits, out: &mut Output) {
        loop {
            let mut sink = Self::sink(self.id, out, &mut self.findings_left, &mut self.findings_dropped);
            match &mut self.app {
                App::Done => return,
                App::Undecided => {
                    let both_ended = self.ended[Dir::ClientToServer] && self.ended[Dir::ServerToClient];
                    let s = sniff_waiting(self.bufs[Dir::ClientToServer].bytes(), self.bufs[Dir::ServerToClient].bytes(), both_ended);
                    if !matches!(s, Sniffed::NeedMore | Sniffed::Http) {
                        self.sniff_over = None;
                    }
                    match s {
                        Sniffed::NeedMore => return,
                        Sniffed::Http => {
                            self.protocol = Protocol::Http;
                            self.app = App::Http(Box::new(Http1::new(limits)));
                        }
                        Sniffed::Http2 => {
                            self.protocol = Protocol::Http2;
                            self.app = http2(limits, None, 0);
                        }
                        Sniffed::Tls => {
                            self.protocol = Protocol::Tls;
                            self.tls = Some(Box::default());
                            self.app = App::Tls { client: false, server: false };
                        }
                        Sniffed::WebSocket => {
                            let first = self.first_packet;
                            sink.finding(first, Severity::Info, "ws.upgrade_not_captured", "WebSocket frames without a captured upgrade (the capture started after the handshake): recognised from the frame headers".into());
                            self.protocol = Protocol::Websocket;
                            let hs = WsHandshake { upgrade_captured: false, ..Default::default() };
                            self.app = App::Ws(Box::new(WsSession::new(hs, limits)));
                        }
                        Sniffed::Opaque => {
                            self.protocol = Protocol::Tcp;
                            self.app = App::Opaque;
                        }
                    }
                }
                App::Http(h) => {
                    let switch = h.process(&mut self.bufs, &mut sink);
                    self.http_exchanges = h.exchanges;
                    match switch {
                        // The client's bytes not held while sniffing: a gap after the held ones.
                        None if self.sniff_over.is_some() => {
                            if let Some((n, packet)) = self.sniff_over.take() {
                                h.gap_not_held(Dir::ClientToServer, n, packet, &mut self.bufs[Dir::ClientToServer], &mut sink);
                            }
                        }
                        None => return,
                        Some(Switch::WebSocket { request_headers, response_headers, request_packet, response_packet }) => {
                            let hs = handshake::from_headers(&request_headers, &response_headers, request_packet, response_packet);
                            if hs.accept_ok == Some(false) {
                                sink.finding(
                                    response_packet,
                                    Severity::Error,
                                    "ws.bad_accept",
                                    format!(
                                        "Sec-WebSocket-Accept is {} but the key {} requires {} (RFC 6455 §4.2.2)",
                                        hs.accept.as_deref().unwrap_or("?"),
                                        hs.key.as_deref().unwrap_or("?"),
                                        hs.expected_accept.as_deref().unwrap_or("?")
                                    ),
                                );
                            }
                            if hs.key.is_none() {
                                sink.finding(
                                    request_packet,
                                    Severity::Error,
                                    "ws.missing_key",
                                    "the upgrade request has no Sec-WebSocket-Key (RFC 6455 §4.1)".into(),
                                );
                            }
                            self.protocol = Protocol::Websocket;
                            self.app = App::Ws(Box::new(WsSession::new(hs, limits)));
                        }
                        Some(Switch::Http2 { request }) => {
                            self.protocol = Protocol::Http2;
                            self.app = http2(limits, request.map(|r| *r), h.exchanges);
                        }
                        Some(Switch::Tunnel) => self.app = App::Opaque,
                    }
                }
                App::Ws(w) => {
                    w.process(&mut self.bufs, &mut sink);
                    self.ws_messages = w.messages;
                    return;
                }
                App::Tls { client, server } => {
                    let info = self.tls.get_or_insert_with(Box::default);
                    for (dir, done) in [(Dir::ClientToServer, client), (Dir::ServerToClient, server)] {
                        let b = self.bufs[dir].bytes();
                        if !*done {
                            let parsed = if dir == Dir::ClientToServer { tls::client_hello(b, info) } else { tls::server_hello(b, info) };
                            let record_len = if b.len() >= 5 { 5 + u16::from_be_bytes([b[3], b[4]]) as usize } else { usize::MAX };
                            if parsed.is_some() || b.len() >= record_len || b.len() > 20_000 || self.ended[dir] {
                                *done = true;
                            }
                        }
                        if *done {
                            let n = self.bufs[dir].len();
                            self.bufs[dir].consume(n);
                        }
                    }
                    return;
                }
                App::Stream(d) => {
                    // A switch to another decoder is not followed yet (HTTP/2 never switches).
                    let _ = d.process(&mut self.bufs, self.ended.clone(), &mut sink);
                    let mut f = crate::proto::Figures::default();
                    d.figures(&mut f);
                    (self.http_exchanges, self.ws_messages) = (f.http_exchanges, f.ws_messages);
                    return;
                }
                App::Opaque => {
                    for d in Dir::BOTH {
                        let n = self.bufs[d].len();
                        self.bufs[d].consume(n);
                    }
                    return;
                }
            }
        }
    }

    fn finish_app(&mut self, packet: PacketNo, tcp_closed: bool, limits: &Limits, out: &mut Output) {
        self.advance(limits, out);
        let mut sink = Self::sink(self.id, out, &mut self.findings_left, &mut self.findings_dropped);
        match std::mem::replace(&mut self.app, App::Done) {
            App::Http(mut h) => {
                h.finish(&mut self.bufs, &mut sink);
                self.http_exchanges = h.exchanges;
            }
            App::Ws(mut w) => {
                w.finish(&mut self.bufs, packet, tcp_closed, &mut sink);
                self.ws_messages = w.messages;
                self.ws = Some(Box::new(w.handshake.clone()));
            }
            App::Stream(mut d) => {
                d.finish(&mut self.bufs, crate::proto::Finish { packet, tcp_closed }, &mut sink);
                let mut f = crate::proto::Figures::default();
                d.figures(&mut f);
                (self.http_exchanges, self.ws_messages) = (f.http_exchanges, f.ws_messages);
            }
            _ => {}
        }
        if self.findings_dropped > 0 {
            let n = self.findings_dropped;
            self.findings_dropped = 0;
            out.events.push(Event::Finding(Finding {
                connection: Some(self.id),
                packet,
                severity: Severity::Info,
                code: "findings.limit",
                message: format!("{n} more findings on this connection were not recorded (limit {})", limits.max_findings_per_connection),
            }));
        }
        self.bufs = PerDir::default();
    }
}

/// A connection's figures from its two halves.
fn snapshot(f: &FlowConn, a: &Conn) -> Connection {
    let idle;
    let a = match a {
        Conn::Live(l) => &**l,
        Conn::Idle { id, first_packet, udp } => {
            idle = Live::idle(*id, *first_packet, *udp);
            &idle
        }
        Conn::Done(d) => {
            let mut l = Live::idle(d.id, 0, None);
            l.app = App::Done;
            l.protocol = d.protocol;
            l.http_exchanges = d.http_exchanges;
            l.ws_messages = d.ws_messages;
            if let Some(info) = &d.info {
                l.tls = info.0.clone().map(Box::new);
                l.ws = info.1.clone().map(Box::new);
            }
            idle = l;
            &idle
        }
    };
    let ws = match &a.app {
        App::Ws(w) => Some(w.handshake.clone()),
        _ => a.ws.as_deref().cloned(),
    };
    if let FlowConn::Tcp(t) = f {
        let c2s = Dir::ClientToServer;
        let s2c = Dir::ServerToClient;
        return Connection {
            id: a.id,
            transport: Transport::Tcp,
            client: endpoint(t.client()),
            server: endpoint(t.server()),
            protocol: if a.protocol == Protocol::Unknown { Protocol::Tcp } else { a.protocol },
            roles_guessed: t.roles_guessed(),
            first_packet: t.first_packet,
            last_packet: t.last_packet,
            start_time: nanos_to_secs(t.start_ts),
            end_time: nanos_to_secs(t.end_ts),
            packets_client_to_server: t.stats[c2s].packets,
            packets_server_to_client: t.stats[s2c].packets,
            bytes_client_to_server: t.stats[c2s].bytes,
            bytes_server_to_client: t.stats[s2c].bytes,
            // As Wireshark counts them (tcp.analysis.retransmission, .out_of_order).
            retransmissions: u64::from(t.analysis().retransmission),
            out_of_order: u64::from(t.analysis().out_of_order),
            gap_bytes: t.gap_bytes(),
            handshake_rtt_ms: t.handshake_rtt_ns().map(|n| n as f64 / 1e6),
            end: t.end(),
            closed_by: t.closed_by(),
            tcp_events: t.events(),
            tcp_analysis: t.analysis(),
            http_exchanges: a.http_exchanges,
            websocket_messages: a.ws_messages,
            tls: a.tls.as_deref().cloned(),
            tunnel: None,
            websocket: ws,
        };
    }
    let u = match f {
        FlowConn::Udp(u) => Some(&**u),
        FlowConn::Tcp(_) => None,
    };
    let (c2s, s2c) = (Dir::ClientToServer, Dir::ServerToClient);
    Connection {
        id: a.id,
        transport: Transport::Udp,
        client: u.map(|u| endpoint(u.client)).unwrap_or_default(),
        server: u.map(|u| endpoint(u.server)).unwrap_or_default(),
        protocol: a.protocol,
        roles_guessed: true,
        first_packet: u.map(|u| u.first_packet).unwrap_or(0),
        last_packet: u.map(|u| u.last_packet).unwrap_or(0),
        start_time: u.map(|u| nanos_to_secs(u.start)).unwrap_or(0.0),
        end_time: u.map(|u| nanos_to_secs(u.end)).unwrap_or(0.0),
        packets_client_to_server: u.map(|u| u.packets[c2s]).unwrap_or(0),
        packets_server_to_client: u.map(|u| u.packets[s2c]).unwrap_or(0),
        bytes_client_to_server: u.map(|u| u.bytes[c2s]).unwrap_or(0),
        bytes_server_to_client: u.map(|u| u.bytes[s2c]).unwrap_or(0),
        retransmissions: 0,
        out_of_order: 0,
        gap_bytes: 0,
        handshake_rtt_ms: None,
        end: End::None,
        closed_by: None,
        tcp_events: Vec::new(),
        tcp_analysis: Default::default(),
        http_exchanges: 0,
        websocket_messages: 0,
        tls: None,
        websocket: None,
        tunnel: None,
    }
}
