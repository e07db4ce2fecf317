//! Reading speed of capture files: libpcap (the `pcap` crate) against wirescope's own reader, on
//! the same file, to decide which one the engine uses (see README "Reading files").
//!
//! Usage: wirescope-readbench FILE.pcap

use std::time::Instant;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: wirescope-readbench FILE");
        std::process::exit(2);
    };
    for round in 0..2 {
        let t = Instant::now();
        let mut cap = match pcap::Capture::from_file(&path) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("libpcap: {e}");
                std::process::exit(1);
            }
        };
        let (mut n, mut bytes) = (0u64, 0u64);
        while let Ok(p) = cap.next_packet() {
            n += 1;
            bytes += p.data.len() as u64;
        }
        let lib = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let f = std::fs::File::open(&path).expect("open");
        let mut r = wirescope::source::CaptureReader::new(std::io::BufReader::with_capacity(1 << 20, f)).expect("capture");
        let (mut m, mut mbytes) = (0u64, 0u64);
        while let Ok(Some(p)) = r.next_packet() {
            m += 1;
            mbytes += p.data.len() as u64;
        }
        let own = t.elapsed().as_secs_f64();
        assert_eq!((n, bytes), (m, mbytes), "both readers must see the same packets");
        if round == 1 {
            println!(
                "read {n} packets, {:.1} MB: libpcap {lib:.3} s, wirescope reader {own:.3} s (libpcap/own = {:.2})",
                bytes as f64 / 1048576.0,
                lib / own
            );
        }
    }
}
