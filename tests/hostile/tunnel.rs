//! Tunnels (issue 15): an HTTP exchange carried in each kind of tunnel is seen as if it were bare,
//! on a connection keyed by its inner addresses and marked with the tunnel. The inner
//! conversation is built with src/synth.rs (etherparse's PacketBuilder: IPv4) or PacketBuilder
//! directly (IPv6); the outer headers are written here by hand from the RFCs, so the oracle is what
//! the test sent. tshark 4.0 decodes the same frames the same way (checked by hand: set
//! WIRESCOPE_TUNNEL_PCAPS=DIR to write one .pcap per tunnel, then `tshark -r DIR/vxlan.pcap`).

use super::alloc;
use etherparse::PacketBuilder;
use wirescope::dissect::{self, DissectError, Tunnel, TunnelKind, Tunnels};
use wirescope::model::Capture;
use wirescope::synth::TcpConversation;
use wirescope::{Engine, Limits};

const CLIENT: [u8; 4] = [192, 168, 1, 10];
const SERVER: [u8; 4] = [192, 168, 1, 20];
const VTEP_A: [u8; 4] = [10, 0, 0, 1];
const VTEP_B: [u8; 4] = [10, 0, 0, 2];

/// One inner frame and whether the client sent it.
struct Frame {
    from_client: bool,
    /// Ethernet II, as synth writes it.
    eth: Vec<u8>,
}

impl Frame {
    /// The IP packet inside the Ethernet frame.
    fn ip(&self) -> &[u8] {
        &self.eth[14..]
    }
}

fn request(target: &str) -> Vec<u8> {
    format!("GET {target} HTTP/1.1\r\nHost: inner.example\r\n\r\n").into_bytes()
}

fn response(status: u16) -> Vec<u8> {
    format!("HTTP/1.1 {status} Whatever\r\nContent-Length: 5\r\n\r\nhello").into_bytes()
}

/// A whole IPv4 conversation from synth: handshake, one request, its response, FIN both ways.
fn inner_v4(port: u16, target: &str, status: u16) -> Vec<Frame> {
    let mut frames = Vec::new();
    let mut out = |_: i64, f: &[u8]| frames.push(Frame { from_client: f[26..30] == CLIENT, eth: f.to_vec() });
    let mut c = TcpConversation::new((CLIENT, port), (SERVER, 80), 1_700_000_000_000_000_000);
    c.handshake(&mut out);
    c.send(true, &request(target), &mut out);
    c.send(false, &response(status), &mut out);
    c.close(&mut out);
    frames
}

const CLIENT6: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10];
const SERVER6: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20];

/// The same conversation over IPv6, built with etherparse's PacketBuilder (synth is IPv4 only).
fn inner_v6(target: &str, status: u16) -> Vec<Frame> {
    // (from client, SYN, FIN, payload)
    let req = request(target);
    let resp = response(status);
    let script: [(bool, bool, bool, &[u8]); 9] = [
        (true, true, false, b""),
        (false, true, false, b""),
        (true, false, false, b""),
        (true, false, false, &req),
        (false, false, false, b""),
        (false, false, false, &resp),
        (true, false, true, b""),
        (false, false, true, b""),
        (true, false, false, b""),
    ];
    let mut seq = [1000u32, 5000u32];
    let mut frames = Vec::new();
    for (from_client, syn, fin, payload) in script {
        let (i, src, dst, sp, dp) = if from_client { (0, CLIENT6, SERVER6, 40000, 80) } else { (1, SERVER6, CLIENT6, 80, 40000) };
        let mut b = PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]).ipv6(src, dst, 64).tcp(sp, dp, seq[i], 65535);
        if syn {
            b = b.syn();
        }
        if !(syn && from_client) {
            b = b.ack(seq[1 - i]);
        }
        if fin {
            b = b.fin();
        }
        let mut eth = Vec::new();
        b.write(&mut eth, payload).unwrap();
        seq[i] = seq[i].wrapping_add(payload.len() as u32 + u32::from(syn || fin));
        frames.push(Frame { from_client, eth });
    }
    frames
}

fn ether(ty: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![0, 0x1b, 0x21, 0, 0, 2, 0, 0x1b, 0x21, 0, 0, 1];
    v.extend_from_slice(&ty.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

/// An IPv4 header (RFC 791, with its checksum) around `payload`.
fn ipv4(src: [u8; 4], dst: [u8; 4], proto: u8, payload: &[u8]) -> Vec<u8> {
    let total = (20 + payload.len()) as u16;
    let mut h = vec![0x45, 0, (total >> 8) as u8, total as u8, 0, 1, 0x40, 0, 64, proto, 0, 0];
    h.extend_from_slice(&src);
    h.extend_from_slice(&dst);
    let sum: u32 = h.chunks(2).map(|w| u32::from(u16::from_be_bytes([w[0], w[1]]))).sum();
    let sum = !((sum & 0xffff) + (sum >> 16)) as u16;
    h[10..12].copy_from_slice(&sum.to_be_bytes());
    h.extend_from_slice(payload);
    h
}

/// A UDP header (RFC 768; checksum 0, allowed over IPv4).
fn udp(src: u16, dst: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&src.to_be_bytes());
    v.extend_from_slice(&dst.to_be_bytes());
    v.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    v.extend_from_slice(&[0, 0]);
    v.extend_from_slice(payload);
    v
}

/// Outer Ethernet/IPv4 between the two tunnel endpoints, A on the client's side.
fn outer_ip(from_client: bool, proto: u8, payload: &[u8]) -> Vec<u8> {
    let (s, d) = if from_client { (VTEP_A, VTEP_B) } else { (VTEP_B, VTEP_A) };
    ether(0x0800, &ipv4(s, d, proto, payload))
}

/// Outer Ethernet/IPv4/UDP to `port` (and from an ephemeral port, as VXLAN's entropy port).
fn outer_udp(from_client: bool, port: u16, payload: &[u8]) -> Vec<u8> {
    outer_ip(from_client, 17, &udp(if from_client { 51000 } else { 52000 }, port, payload))
}

fn vxlan(vni: u32, inner: &[u8]) -> Vec<u8> {
    let mut v = vec![0x08, 0, 0, 0, (vni >> 16) as u8, (vni >> 8) as u8, vni as u8, 0];
    v.extend_from_slice(inner);
    v
}

fn gre(key: Option<u32>, seq: Option<u32>, proto: u16, inner: &[u8]) -> Vec<u8> {
    let flags = if key.is_some() { 0x20 } else { 0 } | if seq.is_some() { 0x10 } else { 0 };
    let mut v = vec![flags, 0];
    v.extend_from_slice(&proto.to_be_bytes());
    for f in [key, seq].into_iter().flatten() {
        v.extend_from_slice(&f.to_be_bytes());
    }
    v.extend_from_slice(inner);
    v
}

fn mpls(labels: &[u32], inner: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    for (i, l) in labels.iter().enumerate() {
        let bottom = u32::from(i + 1 == labels.len());
        v.extend_from_slice(&(l << 12 | bottom << 8 | 64).to_be_bytes());
    }
    v.extend_from_slice(inner);
    v
}

fn run_with(limits: Limits, frames: &[Vec<u8>]) -> Capture {
    let mut e = Engine::new(limits);
    let mut cap = Capture::default();
    for (i, f) in frames.iter().enumerate() {
        e.packet(i as u64 + 1, 1_700_000_000_000_000_000 + i as i64 * 1000, 1, f, 0, None);
        for ev in e.drain_events() {
            cap.apply(ev);
        }
    }
    e.finish();
    for ev in e.drain_events() {
        cap.apply(ev);
    }
    cap.connections = e.connections();
    cap.packets = e.packets().clone();
    cap
}

fn run(frames: &[Vec<u8>]) -> Capture {
    run_with(Limits::default(), frames)
}

/// Writes the frames as DIR/NAME.pcap when WIRESCOPE_TUNNEL_PCAPS=DIR is set (for tshark by hand).
fn keep(name: &str, frames: &[Vec<u8>]) {
    let Some(dir) = std::env::var_os("WIRESCOPE_TUNNEL_PCAPS") else { return };
    let mut w = wirescope::source::PcapWriter::new(Vec::new(), 1).unwrap();
    for (i, f) in frames.iter().enumerate() {
        w.packet(1_700_000_000_000_000_000 + i as i64 * 1000, f).unwrap();
    }
    std::fs::write(std::path::Path::new(&dir).join(format!("{name}.pcap")), w.into_inner()).unwrap();
}

/// The exchange the test sent, on one connection between the inner endpoints, marked `tunnel`.
fn assert_seen(cap: &Capture, client: &str, server: &str, target: &str, status: u16, tunnel: &str) {
    let findings: Vec<_> = cap.findings.iter().map(|f| format!("{}: {}", f.code, f.message)).collect();
    assert_eq!(cap.connections.len(), 1, "one connection expected: {:#?}\nfindings: {findings:?}", cap.connections);
    let c = &cap.connections[0];
    assert_eq!((c.client.as_str(), c.server.as_str()), (client, server));
    assert_eq!(c.tunnel.as_deref(), Some(tunnel));
    assert_eq!(cap.http.len(), 1, "findings: {findings:?}");
    let x = &cap.http[0];
    let req = x.request.as_ref().expect("the request");
    assert_eq!((&*req.method, req.target.as_str()), ("GET", target));
    assert_eq!(x.response.as_ref().expect("the response").status, status);
    assert!(!findings.iter().any(|f| f.starts_with("packet.malformed")), "{findings:?}");
    assert_eq!(cap.packets.tunnelled, cap.packets.count, "every packet came through the tunnel");
}

const C4: &str = "192.168.1.10:40000";
const S4: &str = "192.168.1.20:80";
const C6: &str = "[2001:db8::10]:40000";
const S6: &str = "[2001:db8::20]:80";

#[test]
fn vxlan_carries_http() {
    let frames: Vec<_> = inner_v4(40000, "/vxlan", 201).iter().map(|f| outer_udp(f.from_client, 4789, &vxlan(42, &f.eth))).collect();
    keep("vxlan", &frames);
    assert_seen(&run(&frames), C4, S4, "/vxlan", 201, "VXLAN 10.0.0.1→10.0.0.2 VNI 42");
}

#[test]
fn geneve_with_an_option() {
    let frames: Vec<_> = inner_v4(40000, "/geneve", 202)
        .iter()
        .map(|f| {
            // Version 0, two words of options; protocol Ethernet; VNI 7; one 8-byte option.
            let mut g = vec![0x02, 0x00, 0x65, 0x58, 0, 0, 7, 0];
            g.extend_from_slice(&[0x01, 0x02, 0x03, 0x01, 0xaa, 0xbb, 0xcc, 0xdd]);
            g.extend_from_slice(&f.eth);
            outer_udp(f.from_client, 6081, &g)
        })
        .collect();
    keep("geneve", &frames);
    assert_seen(&run(&frames), C4, S4, "/geneve", 202, "Geneve 10.0.0.1→10.0.0.2 VNI 7");
}

/// TEIDs differ per direction (each end picks the one it receives on): still one connection.
#[test]
fn gtp_u_with_an_extension_header() {
    let frames: Vec<_> = inner_v4(40000, "/gtp", 203)
        .iter()
        .map(|f| {
            let teid: u32 = if f.from_client { 0x100 } else { 0x200 };
            // Uplink: E flag, sequence/N-PDU/next-type fields, one PDU session container (type
            // 0x85, one 4-byte unit). Downlink: the bare 8-byte header.
            let ext: &[u8] = if f.from_client { &[0, 0, 0, 0x85, 0x01, 0x10, 0x09, 0x00] } else { &[] };
            let mut g = vec![if f.from_client { 0x34 } else { 0x30 }, 0xff];
            g.extend_from_slice(&((ext.len() + f.ip().len()) as u16).to_be_bytes());
            g.extend_from_slice(&teid.to_be_bytes());
            g.extend_from_slice(ext);
            g.extend_from_slice(f.ip());
            outer_ip(f.from_client, 17, &udp(2152, 2152, &g))
        })
        .collect();
    keep("gtpu", &frames);
    assert_seen(&run(&frames), C4, S4, "/gtp", 203, "GTP-U 10.0.0.1→10.0.0.2 TEID 0x100");
}

#[test]
fn teredo_with_origin_indication() {
    let frames: Vec<_> = inner_v6("/teredo", 204)
        .iter()
        .map(|f| {
            let mut t = Vec::new();
            if !f.from_client {
                // Origin indication (RFC 4380 §5.1.1): port and address, inverted.
                t.extend_from_slice(&[0, 0, !0x9c, !0x40, !10, !0, !0, !2]);
            }
            t.extend_from_slice(f.ip());
            let (sp, dp) = if f.from_client { (40001, 3544) } else { (3544, 40001) };
            outer_ip(f.from_client, 17, &udp(sp, dp, &t))
        })
        .collect();
    keep("teredo", &frames);
    assert_seen(&run(&frames), C6, S6, "/teredo", 204, "Teredo 10.0.0.1→10.0.0.2");
}

#[test]
fn gre_with_key_and_sequence_number() {
    let frames: Vec<_> = inner_v4(40000, "/gre", 205)
        .iter()
        .enumerate()
        .map(|(i, f)| outer_ip(f.from_client, 47, &gre(Some(5), Some(i as u32), 0x0800, f.ip())))
        .collect();
    keep("gre", &frames);
    assert_seen(&run(&frames), C4, S4, "/gre", 205, "GRE 10.0.0.1→10.0.0.2 key 5");
}

#[test]
fn erspan_type_ii_and_iii() {
    let two: Vec<_> = inner_v4(40000, "/erspan2", 206)
        .iter()
        .enumerate()
        .map(|(i, f)| {
            // Version 1, VLAN 0; COS 0, En 0, T 0, session 100; index 0.
            let mut e = vec![0x10, 0x00, 0x00, 100, 0, 0, 0, 0];
            e.extend_from_slice(&f.eth);
            outer_ip(f.from_client, 47, &gre(None, Some(i as u32), 0x88be, &e))
        })
        .collect();
    keep("erspan2", &two);
    assert_seen(&run(&two), C4, S4, "/erspan2", 206, "ERSPAN II 10.0.0.1→10.0.0.2 session 100");
    let three: Vec<_> = inner_v4(40000, "/erspan3", 207)
        .iter()
        .map(|f| {
            // Version 2, session 300; a timestamp; SGT 0; frame type 0 (Ethernet), no subheader.
            let mut e = vec![0x20, 0x00, 0x01, 0x2c, 0, 0, 0x12, 0x34, 0, 0, 0, 0];
            e.extend_from_slice(&f.eth);
            outer_ip(f.from_client, 47, &gre(None, None, 0x22eb, &e))
        })
        .collect();
    keep("erspan3", &three);
    assert_seen(&run(&three), C4, S4, "/erspan3", 207, "ERSPAN III 10.0.0.1→10.0.0.2 session 300");
}

#[test]
fn ip_in_ip_and_6in4() {
    let four: Vec<_> = inner_v4(40000, "/ipip", 208).iter().map(|f| outer_ip(f.from_client, 4, f.ip())).collect();
    keep("ipip", &four);
    assert_seen(&run(&four), C4, S4, "/ipip", 208, "IP-in-IP 10.0.0.1→10.0.0.2");
    let six: Vec<_> = inner_v6("/6in4", 209).iter().map(|f| outer_ip(f.from_client, 41, f.ip())).collect();
    keep("6in4", &six);
    assert_seen(&run(&six), C6, S6, "/6in4", 209, "6in4 10.0.0.1→10.0.0.2");
}

#[test]
fn pppoe_session() {
    let frames: Vec<_> = inner_v4(40000, "/pppoe", 210)
        .iter()
        .map(|f| {
            let mut p = vec![0x11, 0x00, 0x12, 0x34];
            p.extend_from_slice(&((2 + f.ip().len()) as u16).to_be_bytes());
            p.extend_from_slice(&[0x00, 0x21]);
            p.extend_from_slice(f.ip());
            ether(0x8864, &p)
        })
        .collect();
    keep("pppoe", &frames);
    assert_seen(&run(&frames), C4, S4, "/pppoe", 210, "PPPoE session 0x1234");
}

/// Labels differ per direction (each router advertises its own): still one connection.
#[test]
fn mpls_label_stack() {
    let frames: Vec<_> = inner_v4(40000, "/mpls", 211)
        .iter()
        .map(|f| ether(0x8847, &mpls(if f.from_client { &[100, 16] } else { &[300, 17] }, f.ip())))
        .collect();
    keep("mpls", &frames);
    assert_seen(&run(&frames), C4, S4, "/mpls", 211, "MPLS label 16");
}

/// The same inner 4-tuple in VNI 42 and VNI 43 is two connections, each with its own exchange.
#[test]
fn two_tunnels_with_the_same_inner_connection_do_not_merge() {
    let mut frames = Vec::new();
    let a = inner_v4(40000, "/in-42", 200);
    let b = inner_v4(40000, "/in-43", 404);
    for (x, y) in a.iter().zip(&b) {
        frames.push(outer_udp(x.from_client, 4789, &vxlan(42, &x.eth)));
        frames.push(outer_udp(y.from_client, 4789, &vxlan(43, &y.eth)));
    }
    let cap = run(&frames);
    assert_eq!(cap.connections.len(), 2, "{:#?}", cap.connections);
    let mut seen: Vec<_> = cap
        .http
        .iter()
        .map(|x| {
            let c = &cap.connections[x.connection as usize];
            (c.tunnel.clone().unwrap(), x.request.as_ref().unwrap().target.clone(), x.response.as_ref().unwrap().status)
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("VXLAN 10.0.0.1→10.0.0.2 VNI 42".to_string(), "/in-42".to_string(), 200),
            ("VXLAN 10.0.0.1→10.0.0.2 VNI 43".to_string(), "/in-43".to_string(), 404)
        ]
    );
    assert!(cap.connections.iter().all(|c| c.client == C4 && c.server == S4));
}

/// A VXLAN header followed by a cut inner frame: a malformed packet, the tunnel named; a UDP port
/// 4789 datagram that is not VXLAN (I flag clear) stays plain UDP.
#[test]
fn malformed_inside_a_tunnel_and_a_port_that_is_not_a_tunnel() {
    let inner = &inner_v4(40000, "/x", 200)[0].eth;
    let cut = outer_udp(true, 4789, &vxlan(9, &inner[..30]));
    let not_vxlan = outer_udp(true, 4789, &[0u8; 40]);
    let cap = run(&[cut, not_vxlan]);
    let malformed: Vec<_> = cap.findings.iter().filter(|f| f.code == "packet.malformed").collect();
    assert_eq!(malformed.len(), 1, "{:?}", cap.findings);
    assert!(malformed[0].message.contains("inside VXLAN 10.0.0.1→10.0.0.2 VNI 9"), "{}", malformed[0].message);
    assert_eq!((cap.packets.malformed, cap.packets.udp, cap.packets.tunnelled), (1, 1, 0));
    assert_eq!(cap.connections.len(), 1);
    assert_eq!((cap.connections[0].server.as_str(), cap.connections[0].tunnel.as_deref()), ("10.0.0.2:4789", None));
}

/// GRE in VXLAN is two levels: seen with the limit at 2, refused at 1 with one finding naming the
/// limit for the whole file, every packet counted.
#[test]
fn nesting_deeper_than_the_limit_is_one_finding() {
    let frames: Vec<_> = inner_v4(40000, "/nested", 200)
        .iter()
        .map(|f| {
            let (s, d) = if f.from_client { ([172, 16, 0, 1], [172, 16, 0, 2]) } else { ([172, 16, 0, 2], [172, 16, 0, 1]) };
            let inner = ether(0x0800, &ipv4(s, d, 47, &gre(Some(77), None, 0x0800, f.ip())));
            outer_udp(f.from_client, 4789, &vxlan(42, &inner))
        })
        .collect();
    keep("gre-in-vxlan", &frames);
    let two = Limits { max_tunnel_depth: 2, ..Limits::default() };
    assert_seen(&run_with(two, &frames), C4, S4, "/nested", 200, "GRE 172.16.0.1→172.16.0.2 key 77 (2 levels)");
    let one = Limits { max_tunnel_depth: 1, ..Limits::default() };
    let cap = run_with(one, &frames);
    let deep: Vec<_> = cap.findings.iter().filter(|f| f.code == "packet.tunnel_depth_limit").collect();
    assert_eq!(deep.len(), 1, "{:?}", cap.findings);
    assert!(deep[0].message.contains("max_tunnel_depth"));
    assert_eq!(cap.packets.tunnel_too_deep, frames.len() as u64);
    assert!(cap.connections.is_empty() && cap.http.is_empty());
}

/// A packet of thousands of nested IP-in-IP headers is refused after `max_tunnel_depth` levels,
/// without allocating.
#[test]
fn deep_nesting_costs_nothing_past_the_limit() {
    let mut pkt = ipv4(CLIENT, SERVER, 6, &[0; 20]);
    for _ in 0..3000 {
        pkt = ipv4(VTEP_A, VTEP_B, 4, &pkt[..pkt.len().min(60_000)]);
    }
    let (r, cost) = alloc::measure(|| dissect::dissect(12, &pkt, 8).err());
    assert_eq!(r, Some(DissectError::TooDeep(8)));
    assert_eq!((cost.peak, cost.allocations), (0, 0), "{cost:?}");
}

/// The tunnel table costs a bounded amount per distinct tunnel, growing linearly: N and 4N
/// tunnels (each VXLAN VNI a new one).
#[test]
fn the_tunnel_table_grows_linearly_per_tunnel() {
    let cost = |n: u32| {
        let (table, c) = alloc::measure(|| {
            let mut t = Tunnels::default();
            for vni in 0..n {
                let tun = Tunnel { kind: TunnelKind::Vxlan, outer: Some((VTEP_A.into(), VTEP_B.into())), id: Some(vni), depth: 1 };
                t.intern(Some(&tun));
            }
            t
        });
        assert_eq!(table.len(), n as usize);
        c.peak as f64
    };
    let (small, large) = (cost(5_000), cost(20_000));
    assert!(large <= small * 4.0 * 1.5, "{small} -> {large}");
    assert!(large / 20_000.0 < 400.0, "{} bytes per tunnel", large / 20_000.0);
}

/// What the tunnel marking adds to the engine per connection: N and 4N SYN-only connections, each
/// in its own VXLAN VNI, against the same connections bare. The difference (the tunnel table's
/// entry, the connection's tunnel number, the key's) stays under 300 bytes a connection and grows
/// linearly.
#[test]
fn a_tunnel_costs_little_per_connection() {
    let frames = |n: u32, tunnelled: bool| -> Vec<Vec<u8>> {
        (0..n)
            .map(|i| {
                let client = [192, 168, (i >> 16) as u8 + 1, (i >> 8) as u8];
                let mut eth = Vec::new();
                PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
                    .ipv4(client, SERVER, 64)
                    .tcp(1024 + (i & 0xff) as u16, 80, i, 65535)
                    .syn()
                    .write(&mut eth, &[])
                    .unwrap();
                if tunnelled {
                    outer_udp(true, 4789, &vxlan(i, &eth))
                } else {
                    eth
                }
            })
            .collect()
    };
    let held = |f: &[Vec<u8>]| {
        let (e, cost) = alloc::measure(|| {
            let mut e = Engine::new(Limits::default());
            for (i, p) in f.iter().enumerate() {
                e.packet(i as u64 + 1, 1_700_000_000_000_000_000 + i as i64, 1, p, 0, None);
                e.drain_events().for_each(drop);
            }
            e
        });
        assert_eq!(e.connection_count(), f.len());
        cost.held as f64
    };
    let extra = |n: u32| (held(&frames(n, true)) - held(&frames(n, false))) / f64::from(n);
    let (small, large) = (extra(2_000), extra(8_000));
    eprintln!("tunnel cost per connection: {small:.0} B at 2000, {large:.0} B at 8000");
    assert!(large < 300.0 && small < 300.0, "{small:.0} and {large:.0} bytes a connection for its tunnel");
    assert!(large <= small * 1.5 + 20.0, "per-connection cost grew: {small:.0} -> {large:.0}");
}

/// An IPv6 header (RFC 8200) between two IPv6 tunnel endpoints, A on the client's side.
fn outer_ip6(from_client: bool, next: u8, payload: &[u8]) -> Vec<u8> {
    let a = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a];
    let b = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b];
    let (s, d) = if from_client { (a, b) } else { (b, a) };
    let mut h = vec![0x60, 0, 0, 0];
    h.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    h.extend_from_slice(&[next, 64]);
    h.extend_from_slice(&s);
    h.extend_from_slice(&d);
    h.extend_from_slice(payload);
    ether(0x86dd, &h)
}

#[test]
fn tunnels_over_ipv6() {
    let four: Vec<_> = inner_v4(40000, "/4in6", 212).iter().map(|f| outer_ip6(f.from_client, 4, f.ip())).collect();
    assert_seen(&run(&four), C4, S4, "/4in6", 212, "4in6 2001:db8::a→2001:db8::b");
    let vx: Vec<_> = inner_v6("/vxlan6", 213).iter().map(|f| outer_ip6(f.from_client, 17, &udp(50000, 4789, &vxlan(5, &f.eth)))).collect();
    assert_seen(&run(&vx), C6, S6, "/vxlan6", 213, "VXLAN 2001:db8::a→2001:db8::b VNI 5");
}

/// The command line's loader (reading thread: dissect and flows; decoding threads: HTTP) keys and
/// marks tunnelled connections as the one-thread engine does.
#[test]
fn the_pipelined_loader_sees_the_same_tunnels() {
    let mut frames = Vec::new();
    for (vni, f) in inner_v4(40000, "/a", 200).iter().map(|f| (1, f)).chain(inner_v4(40000, "/b", 404).iter().map(|f| (2, f))) {
        frames.push(outer_udp(f.from_client, 4789, &vxlan(vni, &f.eth)));
    }
    let mut w = wirescope::source::PcapWriter::new(Vec::new(), 1).unwrap();
    for (i, f) in frames.iter().enumerate() {
        w.packet(1_700_000_000_000_000_000 + i as i64 * 1000, f).unwrap();
    }
    let file = w.into_inner();
    for shards in [1, 2] {
        let mut http = Vec::new();
        let loaded = wirescope::load::load_reader_sharded(&file[..], file.len() as u64, "mem", Limits::default(), shards, |mut b, _, _| {
            for e in b.take() {
                if let wirescope::model::Event::Http(x) = e {
                    http.push((x.connection, x.request.unwrap().target, x.response.unwrap().status));
                }
            }
            true
        })
        .unwrap();
        let conns = loaded.engine.connections();
        let marks: Vec<_> = conns.iter().map(|c| c.tunnel.clone().unwrap()).collect();
        assert_eq!(marks, ["VXLAN 10.0.0.1→10.0.0.2 VNI 1", "VXLAN 10.0.0.1→10.0.0.2 VNI 2"], "{shards} shards");
        http.sort();
        assert_eq!(http, [(0, "/a".to_string(), 200), (1, "/b".to_string(), 404)], "{shards} shards");
    }
}
