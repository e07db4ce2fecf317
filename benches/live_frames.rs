//! Live-capture benchmark: the real app (egui_kittest, no GPU: the UI pass is what is timed)
//! captures on `lo` while a generator sends UDP datagrams to a loopback port at a fixed rate
//! (bounded: a few seconds per rate, 127.0.0.1 only). Prints, per rate, the packets sent and
//! captured, kernel drops, and the UI frame times while the views update. Needs capture rights.
//!
//! Usage: cargo bench --bench live_frames -- [RATE_PPS ...] [--seconds S]

use egui_kittest::Harness;
use std::time::{Duration, Instant};
use wirescope::app::loader::LiveJob;
use wirescope::app::{Command, Tab, WirescopeApp};
use wirescope::source::live::LiveOptions;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let secs: f64 = args.iter().position(|a| a == "--seconds").and_then(|i| args.get(i + 1)).and_then(|s| s.parse().ok()).unwrap_or(3.0);
    let mut rates: Vec<u64> = args.iter().filter_map(|a| a.parse().ok()).filter(|r| *r >= 1000).collect();
    if rates.is_empty() {
        rates = vec![50_000, 100_000, 200_000];
    }
    println!(
        "{:>9} {:>9} {:>9} {:>8} {:>8} {:>10} {:>10} {:>10} {:>12}",
        "target/s", "sent", "captured", "kernel", "iface", "frame p50", "frame p99", "frame max", "over 16 ms"
    );
    for rate in rates {
        run(rate, secs);
    }
}

fn run(rate: u64, secs: f64) {
    let sink = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = sink.local_addr().unwrap().port();
    let mut h = Harness::builder().with_size([1600.0, 1000.0]).build_eframe(|cc| WirescopeApp::new(cc, None));
    h.state_mut().push_command(Command::StartLive(LiveJob::Capture(LiveOptions {
        interface: "lo".into(),
        filter: Some(format!("udp and dst port {port}")),
        snaplen: 262_144,
        promiscuous: false,
        count: None,
        duration: None,
    })));
    h.state_mut().view.tab = Tab::Packets;
    let started = Instant::now();
    while !h.state().store.as_ref().and_then(|s| s.live.as_ref()).is_some_and(|l| l.started) {
        h.step();
        if let Some(e) = h.state().store.as_ref().and_then(|s| s.error.clone()) {
            eprintln!("capture failed: {e}");
            std::process::exit(1);
        }
        assert!(started.elapsed() < Duration::from_secs(10), "capture did not start");
        std::thread::sleep(Duration::from_millis(5));
    }
    let gen = std::thread::spawn(move || {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let payload = [0x5au8; 100];
        let t0 = Instant::now();
        let total = (rate as f64 * secs) as u64;
        let mut sent = 0u64;
        while sent < total {
            // Send what is due by now, in small bursts, to hold the rate.
            let due = ((t0.elapsed().as_secs_f64() * rate as f64) as u64).min(total);
            while sent < due {
                if s.send_to(&payload, ("127.0.0.1", port)).is_ok() {
                    sent += 1;
                }
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        sent
    });
    let mut frames = Vec::new();
    while !gen.is_finished() {
        let t = Instant::now();
        h.step();
        frames.push(t.elapsed());
        std::thread::sleep(Duration::from_millis(1));
    }
    let sent = gen.join().unwrap();
    let end = Instant::now();
    while end.elapsed() < Duration::from_millis(500) {
        let t = Instant::now();
        h.step();
        frames.push(t.elapsed());
    }
    h.state_mut().push_command(Command::CancelLoad);
    let end = Instant::now();
    while !h.state().is_idle() && end.elapsed() < Duration::from_secs(30) {
        h.step();
    }
    h.step();
    let store = h.state().store.as_ref().unwrap();
    let live = store.live.as_ref().unwrap();
    let stats = live.stats.clone().unwrap_or_default();
    let slow_at: Vec<usize> = frames.iter().enumerate().filter(|(_, f)| **f > Duration::from_millis(16)).map(|(i, _)| i).collect();
    if std::env::var_os("WIRESCOPE_BENCH_VERBOSE").is_some() {
        eprintln!("slow frames at {slow_at:?} of {}", frames.len());
    }
    let n = frames.len();
    frames.sort();
    let pct = |p: f64| frames[((frames.len() - 1) as f64 * p) as usize].as_secs_f64() * 1e3;
    println!(
        "{:>9} {:>9} {:>9} {:>8} {:>8} {:>8.2}ms {:>8.2}ms {:>8.2}ms {:>5} of {:<5}",
        rate,
        sent,
        store.cap.rows.len(),
        stats.kernel_dropped,
        stats.interface_dropped,
        pct(0.5),
        pct(0.99),
        pct(1.0),
        slow_at.len(),
        n
    );
    drop(sink);
}
