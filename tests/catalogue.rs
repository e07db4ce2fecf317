//! The bilingual catalogue covers what the engine and the bundled examples can show: every finding
//! code emitted anywhere in the engine's sources has a Chinese text, and every example in
//! captures/README.md has a Chinese lesson.

mod common;

use std::path::{Path, PathBuf};
use wirescope::analysis::catalogue::{example_lesson, finding_text, has_han, FINDINGS};
use wirescope::analysis::explain::Lang;

fn rust_files(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_dir() {
        for e in std::fs::read_dir(p).unwrap().flatten() {
            rust_files(&e.path(), out);
        }
    } else if p.extension().is_some_and(|e| e == "rs") {
        out.push(p.to_path_buf());
    }
}

/// String literals that look like finding codes ("ws.no_close_frame") in the non-test part of a
/// source file.
fn code_literals(text: &str) -> Vec<String> {
    const PREFIXES: &[&str] = &["http", "ws", "tcp", "udp", "ip", "link", "packet", "findings", "tls", "h2", "quic", "sse", "socketio"];
    let body = text.split("#[cfg(test)]").next().unwrap_or("");
    let mut out = Vec::new();
    for (i, lit) in body.split('"').enumerate() {
        if i % 2 == 0 {
            continue;
        }
        let Some((prefix, rest)) = lit.split_once('.') else { continue };
        let ok = PREFIXES.contains(&prefix)
            && !rest.is_empty()
            && rest.starts_with(|c: char| c.is_ascii_lowercase())
            && rest.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if ok {
            out.push(lit.to_string());
        }
    }
    out
}

#[test]
fn every_finding_code_the_engine_can_emit_has_a_chinese_text() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for p in ["src/proto", "src/flow", "src/dissect", "src/engine.rs"] {
        rust_files(&root.join(p), &mut files);
    }
    let mut codes = std::collections::BTreeSet::new();
    for f in &files {
        codes.extend(code_literals(&std::fs::read_to_string(f).unwrap()));
    }
    // The engine's sources name these (a sample the scan must find, so it cannot pass by finding nothing).
    for known in ["ws.no_close_frame", "http.obs_fold", "findings.limit", "ws.bad_accept", "http.content_decoding_failed"] {
        assert!(codes.contains(known), "the scan missed {known}: {codes:?}");
    }
    let missing: Vec<_> = codes.iter().filter(|c| finding_text(c, Lang::Zh).is_none()).collect();
    assert!(missing.is_empty(), "finding codes without a catalogue entry: {missing:?}");
    for c in &codes {
        let (en, zh) = (finding_text(c, Lang::En).unwrap(), finding_text(c, Lang::Zh).unwrap());
        assert!(has_han(zh) && zh != en, "{c}: {zh}");
    }
    // And the catalogue holds no code the engine no longer emits.
    let stale: Vec<_> = FINDINGS.iter().map(|e| e.key).filter(|k| !codes.contains(*k)).collect();
    assert!(stale.is_empty(), "catalogue entries for codes nothing emits: {stale:?}");
}

#[test]
fn every_bundled_example_has_a_chinese_lesson() {
    let dir = common::captures_dir();
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    let mut n = 0;
    for line in readme.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let Some(file) = cells.get(1).map(|c| c.trim_matches('`')) else { continue };
        if !(file.ends_with(".pcap") || file.ends_with(".pcapng")) {
            continue;
        }
        n += 1;
        let en = cells.get(2).copied().unwrap_or("");
        let zh = example_lesson(file, en, Lang::Zh);
        assert!(zh != en && has_han(zh), "{file} has no Chinese lesson");
    }
    assert!(n >= 10, "only {n} examples found in captures/README.md");
}
