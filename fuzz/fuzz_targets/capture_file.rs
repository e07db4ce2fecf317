//! Any bytes as a capture file: the pcap/pcapng reader, the link and IP dissectors, TCP
//! reassembly and every decoder, then every exporter over what came out. Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirescope::export::{self, json::JsonWriter, PayloadLimit};
use wirescope::model::Capture;
use wirescope::{load, Limits};

fuzz_target!(|data: &[u8]| {
    // One input in three with a tiny per-file decompression budget, so that bodies and messages
    // past it (counted, not inflated) are reached too.
    let budget = if data.len() % 3 == 0 { 2048 } else { 1 << 30 };
    let limits = Limits { max_decompressed: 1 << 20, max_decompressed_per_file: budget, ..Limits::default() };
    let mut cap = Capture::default();
    let mut json = Vec::new();
    let Ok(mut w) = JsonWriter::new(&mut json, PayloadLimit::All, true) else { return };
    let loaded = load::load_reader(std::io::Cursor::new(data), data.len() as u64, "fuzz", limits, |eng, _, _| {
        for e in eng.drain_events() {
            let _ = w.event(&e);
            cap.apply(e);
        }
        true
    });
    let Ok(loaded) = loaded else { return };
    cap.packets = loaded.engine.packets().clone();
    cap.connections = loaded.engine.connections();
    let _ = w.finish(&cap.packets, &cap.connections);
    let _ = export::text::summary("fuzz", &cap, 20);
    let _ = export::har::to_har(&cap);
});
