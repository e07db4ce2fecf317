//! The bilingual catalogue covers what the engine and the bundled examples can show: every finding
//! code emitted anywhere in the engine's sources has a Chinese text, and every example in
//! captures/README.md has a Chinese lesson.

mod common;

use std::path::Path;
use wirescope::analysis::catalogue::{example_lesson, finding_text, has_han, FINDINGS};
use wirescope::analysis::explain::Lang;

/// String literals that look like finding codes ("ws.no_close_frame") in the non-test part of a
/// source file.
fn code_literals(text: &str) -> Vec<String> {
    const PREFIXES: &[&str] =
        &["http", "ws", "tcp", "udp", "ip", "link", "packet", "findings", "tls", "h2", "quic", "sse", "socketio", "content"];
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
        common::rust_files(&root.join(p), &mut files);
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

/// English prose: two or more words of letters (URL schemes do not count).
fn is_prose(s: &str) -> bool {
    s.split_whitespace()
        .filter(|t| !t.contains("://"))
        .map(|t| t.trim_matches(|c: char| !c.is_ascii_alphabetic()))
        .filter(|w| w.len() >= 2 && w.chars().all(|c| c.is_ascii_alphabetic()))
        .count()
        >= 2
}

/// Every explanation table (headers, status codes, opcodes, close codes, the comparison, the lab
/// scenarios) has both languages, and where the English has words the Chinese is Chinese, not a
/// copy.
#[test]
fn every_explanation_has_both_languages() {
    use wirescope::analysis::explain::*;
    let mut pairs: Vec<(String, &str, &str)> = Vec::new();
    for h in HEADERS {
        pairs.push((h.name.to_string(), h.en, h.zh));
    }
    for code in 100..600u16 {
        if !status_meaning(code, Lang::En).is_empty() {
            pairs.push((format!("status {code}"), status_meaning(code, Lang::En), status_meaning(code, Lang::Zh)));
        }
    }
    for code in [100u16, 200, 300, 400, 500] {
        pairs.push((format!("class {code}"), status_class_text(code, Lang::En), status_class_text(code, Lang::Zh)));
    }
    for op in 0..16u8 {
        pairs.push((format!("opcode {op}"), opcode_meaning(op, Lang::En), opcode_meaning(op, Lang::Zh)));
    }
    for code in (1000..1016u16).chain([3000, 4000, 999]) {
        pairs.push((format!("close {code}"), close_code_meaning(code, Lang::En), close_code_meaning(code, Lang::Zh)));
    }
    for ((a_en, h_en, w_en), (a_zh, h_zh, w_zh)) in comparison(Lang::En).into_iter().zip(comparison(Lang::Zh)) {
        for (en, zh) in [(a_en, a_zh), (h_en, h_zh), (w_en, w_zh)] {
            pairs.push(("comparison".into(), en, zh));
        }
    }
    for s in wirescope::lab::SCENARIOS {
        pairs.push((format!("lab {}", s.id), s.title.en, s.title.zh));
        pairs.push((format!("lab {}", s.id), s.teaches.en, s.teaches.zh));
    }
    assert!(pairs.len() > 100, "{}", pairs.len());
    for (what, en, zh) in pairs {
        assert!(!en.is_empty() && !zh.is_empty(), "{what}: a language is missing");
        if is_prose(en) {
            assert!(has_han(zh) && zh != en, "{what}: the Chinese is not Chinese: {zh}");
        }
    }
}

/// Every `lang.pick("English", "中文")` in the sources, every lab figure's label and every line of
/// lab narration given as two literals: where the English is prose, the Chinese is Chinese (no pair
/// left half-translated).
#[test]
fn every_ui_string_pair_is_translated() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    common::rust_files(&root.join("src"), &mut files);
    let mut n = 0;
    let mut bad = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        // The literal arguments of pick(..)/choose(..): the text between `pick(` and `)` split on quotes.
        let parts = [".pick(", "fig(&mut out, ", ".say("].into_iter().flat_map(|m| text.split(m).skip(1).collect::<Vec<_>>());
        for part in parts {
            let lits: Vec<&str> = part.split('"').collect();
            // pick("a", "b"): ["", a, ", ", b, ")..."]
            if lits.len() < 5 || !lits[0].trim().is_empty() || lits[2].trim() != "," {
                continue;
            }
            let (en, zh) = (lits[1], lits[3]);
            n += 1;
            if is_prose(en) && (!has_han(zh) || zh == en) {
                bad.push(format!("{}: {en:?} / {zh:?}", f.strip_prefix(root).unwrap().display()));
            }
        }
    }
    assert!(n > 200, "only {n} pairs found");
    assert!(bad.is_empty(), "untranslated:\n{}", bad.join("\n"));
}
