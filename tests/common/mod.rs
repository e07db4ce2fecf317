#![allow(dead_code)]
use std::path::{Path, PathBuf};
use wirescope::model::Capture;
use wirescope::{load, Limits};

pub fn captures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("captures")
}

/// Every bundled capture file.
pub fn capture_files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(captures_dir())
        .expect("captures/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("pcap" | "pcapng")))
        .collect();
    v.sort();
    v
}

/// The key log bundled beside a capture (captures/NAME.keys, recorded with it), if there is one.
pub fn keys_of(path: &Path) -> load::Keys {
    let keys = path.with_extension("keys");
    if keys.exists() {
        load::read_keylog(&keys).unwrap_or_else(|e| panic!("{e}"))
    } else {
        load::Keys::default()
    }
}

/// A capture decoded as `analyze` does, with its bundled key log (see [`keys_of`]).
pub fn analyze_with(path: &Path, limits: Limits) -> (Capture, Option<String>) {
    let mut cap = Capture::default();
    let loaded = load::load_file_keys(path, limits, keys_of(path), |eng, _, _| {
        for e in eng.drain_events() {
            cap.apply(e);
        }
        true
    })
    .unwrap_or_else(|e| panic!("{e}"));
    cap.packets = loaded.engine.packets().clone();
    cap.connections = loaded.engine.connections();
    (cap, loaded.warning)
}

pub mod causal;

/// Every `.rs` file under `p`, into `out`.
pub fn rust_files(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_dir() {
        for e in std::fs::read_dir(p).unwrap().flatten() {
            rust_files(&e.path(), out);
        }
    } else if p.extension().is_some_and(|e| e == "rs") {
        out.push(p.to_path_buf());
    }
}

pub fn analyze(name: &str) -> Capture {
    analyze_with(&captures_dir().join(name), Limits::default()).0
}
