//! The engine is pure: its modules import no UI, runtime, capture library, file system or network,
//! and read no clock (time comes from packet timestamps).

use std::path::Path;

const PURE: &[&str] = &["src/dissect", "src/flow", "src/proto", "src/model", "src/analysis", "src/engine.rs", "src/limits.rs"];
const FORBIDDEN: &[&str] =
    &["egui", "eframe", "tokio", "pcap::", "std::fs", "std::net", "SystemTime", "Instant::now", "std::process", "std::thread"];

fn rust_files(p: &Path, out: &mut Vec<std::path::PathBuf>) {
    if p.is_dir() {
        for e in std::fs::read_dir(p).unwrap().flatten() {
            rust_files(&e.path(), out);
        }
    } else if p.extension().is_some_and(|e| e == "rs") {
        out.push(p.to_path_buf());
    }
}

#[test]
fn engine_modules_are_pure() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for p in PURE {
        rust_files(&root.join(p), &mut files);
    }
    assert!(files.len() >= 15, "pure modules not found: {files:?}");
    let mut bad = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for word in FORBIDDEN {
                if code.contains(word) {
                    bad.push(format!("{}:{}: {}", f.strip_prefix(root).unwrap().display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(bad.is_empty(), "pure modules must not use I/O, UI, runtimes or clocks:\n{}", bad.join("\n"));
}
