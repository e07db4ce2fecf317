//! App frame-time benchmark: loads a large capture into the real app (egui_kittest, no GPU: the
//! UI pass of layout and painting commands is what is timed) and prints the time to the first
//! frame, the load time, and per-view frame times (median and worst of 30 frames).
//!
//! Usage: cargo bench --bench app_frames -- FILE   (benches/app_bench.sh makes a 1M-packet FILE)

use egui_kittest::Harness;
use std::time::{Duration, Instant};
use wirescope::app::loader::Source;
use wirescope::app::{Tab, WirescopeApp};

fn frames(h: &mut Harness<'_, WirescopeApp>, n: usize) -> (Duration, Duration) {
    let mut t: Vec<Duration> = (0..n)
        .map(|_| {
            let s = Instant::now();
            h.step();
            s.elapsed()
        })
        .collect();
    t.sort();
    (t[n / 2], t[n - 1])
}

fn main() {
    let Some(path) = std::env::args().skip(1).find(|a| !a.starts_with("--")) else {
        eprintln!("usage: cargo bench --bench app_frames -- FILE");
        std::process::exit(2);
    };
    let t0 = Instant::now();
    let p = std::path::PathBuf::from(&path);
    let mut h = Harness::builder().with_size([1600.0, 1000.0]).build_eframe(move |cc| WirescopeApp::new(cc, Some(Source::File(p))));
    h.step();
    let first_frame = t0.elapsed();
    while !h.state().is_idle() {
        h.step();
    }
    let loaded = t0.elapsed();
    let store = h.state().store.as_ref().expect("store");
    let packets = store.cap.rows.len();
    let largest = store.cap.connections.iter().max_by_key(|c| c.packets_client_to_server + c.packets_server_to_client).map(|c| c.id);
    let largest_pkts = store.cap.connections.iter().map(|c| c.packets_client_to_server + c.packets_server_to_client).max().unwrap_or(0);
    println!("{path}: {packets} packets, {} connections", store.cap.connections.len());
    println!("first frame after {:.0} ms; fully loaded after {:.2} s", first_frame.as_secs_f64() * 1e3, loaded.as_secs_f64());
    h.state_mut().view.selected_conn = largest;
    for (tab, name) in [(Tab::Packets, "packets table"), (Tab::Diagram, "diagram, largest connection (messages)")] {
        h.state_mut().view.tab = tab;
        h.step();
        let (med, worst) = frames(&mut h, 30);
        println!("{name:<44} median {:6.2} ms  worst {:6.2} ms", med.as_secs_f64() * 1e3, worst.as_secs_f64() * 1e3);
    }
    h.state_mut().settings.diagram_mode = wirescope::app::Mode::Packets;
    h.step();
    let (med, worst) = frames(&mut h, 30);
    println!(
        "{:<44} median {:6.2} ms  worst {:6.2} ms",
        format!("diagram, largest connection ({largest_pkts} packets)"),
        med.as_secs_f64() * 1e3,
        worst.as_secs_f64() * 1e3
    );
}
