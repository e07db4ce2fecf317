//! TCP oddities and the cost of many connections (issue 15, the TCP area).

use crate::alloc::measure;
use wirescope::engine::Engine;
use wirescope::synth::TcpConversation;
use wirescope::Limits;

const T0: i64 = 1_700_000_000_000_000_000;

/// `n` SYN-only connections (a SYN scan), each from its own address and port.
fn syn_scan(n: u32) -> Vec<(i64, Vec<u8>)> {
    let mut packets = Vec::with_capacity(n as usize);
    for i in 0..n {
        let ip = [10, (i >> 16) as u8, (i >> 8) as u8, i as u8];
        let mut c = TcpConversation::new((ip, 1024 + (i % 60000) as u16), ([192, 0, 2, 1], 80), T0 + i as i64 * 1000);
        c.syn(&mut |t, p| packets.push((t, p.to_vec())));
    }
    packets
}

/// Bytes the engine holds after reading `packets` (the file still being read: before `finish`).
fn held_after(packets: &[(i64, Vec<u8>)]) -> i64 {
    let (engine, cost) = measure(|| {
        let mut e = Engine::new(Limits::default());
        for (i, (t, p)) in packets.iter().enumerate() {
            e.packet(i as u64 + 1, *t, 1, p, 0, None);
            if i % 1024 == 0 {
                e.drain_events().for_each(drop);
            }
        }
        e.drain_events().for_each(drop);
        e
    });
    assert_eq!(engine.connection_count(), packets.len());
    drop(engine);
    cost.held
}

/// A connection that never carried data costs at most about 200 bytes while the file is read
/// (issue 15): measured at 10k and 40k connections, so the per-connection figure is the slope
/// (the tables' doubling growth averages out) and the total stays linear.
#[test]
fn a_syn_scan_costs_at_most_about_200_bytes_per_connection() {
    let small = syn_scan(10_000);
    let large = syn_scan(40_000);
    let h1 = held_after(&small);
    let h4 = held_after(&large);
    let per_conn = (h4 - h1) as f64 / 30_000.0;
    eprintln!("SYN scan: {h1} bytes held for 10k connections, {h4} for 40k: {per_conn:.0} bytes per connection");
    assert!(per_conn <= 200.0, "{per_conn:.0} bytes per SYN-only connection");
    assert!(h4 <= 4 * h1 + 4 * 200 * 10_000, "growth more than linear: {h1} → {h4}");
}

// ---------------------------------------------------------------------------------------------
// Wireshark's TCP analysis, on conversations built here with one oddity each. The expected counts
// are tshark 4.0's on the same packets: `cargo test --test hostile write_analysis_pcap --
// --ignored` writes them to $WIRESCOPE_PCAP (default /tmp/wirescope-analysis.pcap), then for each
// flag F: `tshark -r FILE -Y tcp.analysis.F -T fields -e tcp.stream | sort -n | uniq -c`.

type Packets = Vec<(i64, Vec<u8>)>;

const WS7: &[u8] = &[1, 3, 3, 7];
const MS: i64 = 1_000_000;

/// A client and server with explicit sequence numbers (relative to their ISNs) and time.
struct Conv {
    c: TcpConversation,
    isn: [u32; 2],
}

impl Conv {
    fn new(port: u16, t: i64) -> Self {
        let c = TcpConversation::new(([10, 0, 0, 1], port), ([10, 0, 0, 2], 80), t);
        let isn = [c.next_seq(true), c.next_seq(false)];
        Conv { c, isn }
    }
    /// One segment: `client` side, flags, relative seq and ack, window, payload; `dt` ms later.
    #[allow(clippy::too_many_arguments)]
    fn seg(&mut self, p: &mut Packets, dt: f64, client: bool, flags: u8, seq: u32, ack: u32, win: u16, data: &[u8]) {
        self.c.ts += (dt * MS as f64) as i64;
        let (i, j) = if client { (0, 1) } else { (1, 0) };
        let opts = if flags & 0x02 != 0 { WS7 } else { &[] };
        let (s, a) = (self.isn[i].wrapping_add(seq), if flags & 0x10 != 0 { self.isn[j].wrapping_add(ack) } else { 0 });
        self.c.raw(client, flags, s, a, win, opts, data, &mut |t, b| p.push((t, b.to_vec())));
    }
    /// SYN, SYN-ACK, ACK (both with window scale 7), 1 ms apart.
    fn open(&mut self, p: &mut Packets) {
        self.seg(p, 0.0, true, 0x02, 0, 0, 64240, &[]);
        self.seg(p, 1.0, false, 0x12, 0, 1, 65160, &[]);
        self.seg(p, 1.0, true, 0x10, 1, 1, 502, &[]);
    }
}

fn analysis_conversations() -> Packets {
    let mut p = Packets::new();
    let d100 = [b'a'; 100];
    // 0: a plain retransmission (the same segment again 300 ms later, unacknowledged).
    let mut c = Conv::new(41000, T0);
    c.open(&mut p);
    c.seg(&mut p, 1.0, true, 0x18, 1, 1, 502, &d100);
    c.seg(&mut p, 300.0, true, 0x18, 1, 1, 502, &d100);
    c.seg(&mut p, 1.0, false, 0x10, 1, 101, 509, &[]);
    // 1: out of order (the second segment first, the first 1 ms later; RTT 2 ms).
    let mut c = Conv::new(41001, T0 + 1000 * MS);
    c.open(&mut p);
    c.seg(&mut p, 1.0, true, 0x18, 101, 1, 502, &d100);
    c.seg(&mut p, 1.0, true, 0x18, 1, 1, 502, &d100);
    c.seg(&mut p, 1.0, false, 0x10, 1, 201, 509, &[]);
    // 2: a lost segment, three duplicate ACKs, a fast retransmission.
    let mut c = Conv::new(41002, T0 + 2000 * MS);
    c.open(&mut p);
    c.seg(&mut p, 1.0, true, 0x18, 1, 1, 502, &d100);
    c.seg(&mut p, 0.1, true, 0x18, 201, 1, 502, &d100);
    c.seg(&mut p, 0.1, true, 0x18, 301, 1, 502, &d100);
    c.seg(&mut p, 0.1, true, 0x18, 401, 1, 502, &d100);
    c.seg(&mut p, 0.5, false, 0x10, 1, 101, 509, &[]);
    c.seg(&mut p, 0.1, false, 0x10, 1, 101, 509, &[]);
    c.seg(&mut p, 0.1, false, 0x10, 1, 101, 509, &[]);
    c.seg(&mut p, 0.1, false, 0x10, 1, 101, 509, &[]);
    c.seg(&mut p, 1.0, true, 0x18, 101, 1, 502, &d100);
    c.seg(&mut p, 1.0, false, 0x10, 1, 501, 509, &[]);
    // 3: keep-alives (one byte before the next sequence number) and their ACKs.
    let mut c = Conv::new(41003, T0 + 3000 * MS);
    c.open(&mut p);
    c.seg(&mut p, 1.0, true, 0x18, 1, 1, 502, &d100);
    c.seg(&mut p, 1.0, false, 0x10, 1, 101, 509, &[]);
    c.seg(&mut p, 45_000.0, true, 0x10, 100, 1, 502, &[]);
    c.seg(&mut p, 1.0, false, 0x10, 1, 101, 509, &[]);
    c.seg(&mut p, 45_000.0, true, 0x10, 100, 1, 502, &[0]);
    c.seg(&mut p, 1.0, false, 0x10, 1, 101, 509, &[]);
    // 4: the server's window closes: zero window, probes, their ACKs, the window update.
    let mut c = Conv::new(41004, T0 + 100_000 * MS);
    c.open(&mut p);
    c.seg(&mut p, 1.0, true, 0x18, 1, 1, 502, &d100);
    c.seg(&mut p, 1.0, false, 0x10, 1, 101, 0, &[]);
    c.seg(&mut p, 200.0, true, 0x18, 101, 1, 502, b"x");
    c.seg(&mut p, 1.0, false, 0x10, 1, 101, 0, &[]);
    c.seg(&mut p, 400.0, true, 0x18, 101, 1, 502, b"x");
    c.seg(&mut p, 1.0, false, 0x10, 1, 101, 0, &[]);
    c.seg(&mut p, 100.0, false, 0x10, 1, 101, 509, &[]);
    c.seg(&mut p, 1.0, true, 0x18, 101, 1, 502, &d100);
    c.seg(&mut p, 1.0, false, 0x10, 1, 201, 509, &[]);
    // 5: the window fills: the server advertises 2 * 128 bytes, the client sends exactly that,
    // then one segment beyond it.
    let mut c = Conv::new(41005, T0 + 101_000 * MS);
    c.open(&mut p);
    c.seg(&mut p, 1.0, false, 0x10, 1, 1, 2, &[]);
    c.seg(&mut p, 1.0, true, 0x18, 1, 1, 502, &[b'w'; 256]);
    c.seg(&mut p, 1.0, false, 0x10, 1, 257, 2, &[]);
    c.seg(&mut p, 1.0, true, 0x18, 257, 1, 502, &[b'v'; 300]);
    c.seg(&mut p, 1.0, false, 0x10, 1, 557, 509, &[]);
    // 6: a spurious retransmission (data the server had already acknowledged) and a duplicate
    // ACK for it; then a FIN each way.
    let mut c = Conv::new(41006, T0 + 102_000 * MS);
    c.open(&mut p);
    c.seg(&mut p, 1.0, true, 0x18, 1, 1, 502, &d100);
    c.seg(&mut p, 1.0, false, 0x10, 1, 101, 509, &[]);
    c.seg(&mut p, 300.0, true, 0x18, 1, 1, 502, &d100);
    c.seg(&mut p, 1.0, false, 0x10, 1, 101, 509, &[]);
    c.seg(&mut p, 1.0, true, 0x11, 101, 1, 502, &[]);
    c.seg(&mut p, 1.0, false, 0x11, 1, 102, 509, &[]);
    c.seg(&mut p, 1.0, true, 0x10, 102, 2, 502, &[]);
    // 7: TCP Fast Open: the request on the SYN, the response's first bytes on the SYN-ACK.
    let mut c = Conv::new(41007, T0 + 103_000 * MS);
    let req = b"GET /index.php HTTP/1.1\r\nHost: x\r\n\r\n";
    let resp = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    c.seg(&mut p, 0.0, true, 0x02, 0, 0, 64240, req);
    c.seg(&mut p, 1.0, false, 0x12, 0, 1 + req.len() as u32, 65160, &resp[..10]);
    c.seg(&mut p, 1.0, true, 0x10, 1 + req.len() as u32, 11, 502, &[]);
    c.seg(&mut p, 1.0, false, 0x18, 11, 1 + req.len() as u32, 509, &resp[10..]);
    c.seg(&mut p, 1.0, true, 0x10, 1 + req.len() as u32, 1 + resp.len() as u32, 502, &[]);
    p
}

fn write_pcap(path: &std::path::Path, packets: &Packets) {
    let mut f = Vec::new();
    f.extend_from_slice(&0xa1b2_3c4du32.to_le_bytes());
    f.extend_from_slice(&2u16.to_le_bytes());
    f.extend_from_slice(&4u16.to_le_bytes());
    f.extend_from_slice(&[0; 8]);
    f.extend_from_slice(&65535u32.to_le_bytes());
    f.extend_from_slice(&1u32.to_le_bytes());
    for (t, b) in packets {
        f.extend_from_slice(&((t / 1_000_000_000) as u32).to_le_bytes());
        f.extend_from_slice(&((t % 1_000_000_000) as u32).to_le_bytes());
        f.extend_from_slice(&(b.len() as u32).to_le_bytes());
        f.extend_from_slice(&(b.len() as u32).to_le_bytes());
        f.extend_from_slice(b);
    }
    std::fs::write(path, f).expect("write the pcap");
}

#[test]
#[ignore = "writes the analysis conversations for tshark"]
fn write_analysis_pcap() {
    let path = std::env::var("WIRESCOPE_PCAP").unwrap_or_else(|_| "/tmp/wirescope-analysis.pcap".into());
    write_pcap(std::path::Path::new(&path), &analysis_conversations());
}

fn run(packets: &Packets) -> (Engine, wirescope::model::Capture) {
    let mut e = Engine::new(Limits::default());
    let mut cap = wirescope::model::Capture::default();
    for (i, (t, p)) in packets.iter().enumerate() {
        e.packet(i as u64 + 1, *t, 1, p, 0, None);
    }
    e.finish();
    e.drain_events().for_each(|ev| cap.apply(ev));
    (e, cap)
}

/// tshark 4.0 on `analysis_conversations()` (see above): (flag, [(tcp.stream, count)]).
const TSHARK_ANALYSIS: &[(&str, &[(usize, u32)])] = &[
    ("retransmission", &[(0, 1), (2, 1), (6, 1)]),
    ("fast_retransmission", &[(2, 1)]),
    ("spurious_retransmission", &[(6, 1)]),
    ("out_of_order", &[(1, 1)]),
    ("lost_segment", &[(1, 1), (2, 1)]),
    ("ack_lost_segment", &[]),
    ("duplicate_ack", &[(2, 3), (6, 1)]),
    ("keep_alive", &[(3, 2)]),
    ("keep_alive_ack", &[(3, 2)]),
    ("zero_window", &[(4, 3)]),
    ("zero_window_probe", &[(4, 2)]),
    ("zero_window_probe_ack", &[(4, 2)]),
    ("window_full", &[(5, 1)]),
    ("window_update", &[(4, 1), (5, 1)]),
];

/// A connection's count of one Wireshark flag, by the flag's name.
pub fn analysis_count(a: &wirescope::model::TcpAnalysis, flag: &str) -> u32 {
    match flag {
        "retransmission" => a.retransmission,
        "fast_retransmission" => a.fast_retransmission,
        "spurious_retransmission" => a.spurious_retransmission,
        "out_of_order" => a.out_of_order,
        "lost_segment" => a.lost_segment,
        "ack_lost_segment" => a.ack_lost_segment,
        "duplicate_ack" => a.duplicate_ack,
        "keep_alive" => a.keep_alive,
        "keep_alive_ack" => a.keep_alive_ack,
        "zero_window" => a.zero_window,
        "zero_window_probe" => a.zero_window_probe,
        "zero_window_probe_ack" => a.zero_window_probe_ack,
        "window_full" => a.window_full,
        "window_update" => a.window_update,
        _ => panic!("unknown flag {flag}"),
    }
}

#[test]
fn tcp_analysis_counts_match_tshark() {
    let (e, _) = run(&analysis_conversations());
    let conns = e.connections();
    assert_eq!(conns.len(), 8);
    for (flag, expected) in TSHARK_ANALYSIS {
        for (i, c) in conns.iter().enumerate() {
            let want = expected.iter().find(|(s, _)| *s == i).map_or(0, |(_, n)| *n);
            assert_eq!(analysis_count(&c.tcp_analysis, flag), want, "{flag} on stream {i}: {:?}", c.tcp_analysis);
        }
    }
    // Not a Wireshark flag: the 300 bytes sent past the window of 256 in conversation 5.
    let outside: Vec<u32> = conns.iter().map(|c| c.tcp_analysis.outside_window).collect();
    assert_eq!(outside, [0, 0, 0, 0, 0, 1, 0, 0]);
}

/// TCP Fast Open (RFC 7413): the request on the SYN and the response's first bytes on the
/// SYN-ACK are read from their first byte (tshark reads GET /index.php and 200 there).
#[test]
fn data_on_syn_and_syn_ack_is_read_from_its_first_byte() {
    let (e, cap) = run(&analysis_conversations());
    let conn = e.connections()[7].id;
    let ex: Vec<_> = cap.http.iter().filter(|x| x.connection == conn).collect();
    assert_eq!(ex.len(), 1, "{:?}", cap.http);
    assert_eq!(ex[0].request.as_ref().map(|r| (r.method.as_ref(), r.target.as_str())), Some(("GET", "/index.php")));
    assert_eq!(ex[0].response.as_ref().map(|r| r.status), Some(200));
}
