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
