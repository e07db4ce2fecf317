//! The crate's layering, held by a table: which crate modules each layer may import, and what the
//! pure layers may use from outside the crate. Every `use` tree and every `crate::`, `super::` and
//! `self::` path in each file under src/ is read (comments and string literals skipped) and resolved
//! to a crate module; an import the table does not allow fails the test, naming file and line.
//!
//! The table is written from the layout (data flows one way: source → dissect → flow → proto →
//! model → analysis / export / app; ../shared/LAYOUT.md) and the module docs, not from what the code
//! imports today; an allowance that goes against that flow carries its reason.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Layer → the crate modules it may import (`module` allows all of it, `module::sub` that part).
/// A layer may always use its own module. Test code (`#[cfg(test)]` items) may also use `synth`.
const MAY_IMPORT: &[(&str, &[&str])] = &[
    // Leaves: values and settings, the file-system edge.
    ("limits", &[]),
    ("fs", &[]),
    ("model", &[]),
    ("synth", &[]),
    // Pure decoding, in the order data flows.
    ("dissect", &["limits"]),
    (
        "flow",
        &[
            "dissect",
            "limits",
            "model",
            // A connection picked up mid-stream: the side that sends something shaped like an HTTP
            // request is the client. flow uses detect's stateless byte sniffing only (not its
            // Sniffer decoder, which builds the decoders through proto::handover).
            "proto::detect",
        ],
    ),
    ("proto", &["limits", "model"]),
    ("engine", &["dissect", "flow", "limits", "model", "proto"]),
    (
        "analysis",
        &[
            "model",
            // Names of wire values (WebSocket opcodes, TCP flag bits) for explanations and the
            // diagram: pure tables beside the decoders that define the values.
            "proto::websocket",
            "dissect::TcpFlags",
        ],
    ),
    // I/O edges.
    ("source", &["fs", "limits"]),
    (
        "load",
        &[
            "engine",
            "flow",
            "limits",
            "model",
            "source",
            // The key log a capture is read with (from a file, the environment, its secrets blocks),
            // shared by every decoding thread of a file (LoadOptions.keys).
            "proto::tls",
        ],
    ),
    (
        "export",
        &[
            "model",
            "analysis",
            // Opcode names, close-code meanings and Socket.IO packet parsing for the text summary.
            "proto::websocket",
            "proto::socketio",
        ],
    ),
    // Network and UI on top.
    // Clients and their small servers (HTTP, TLS, hand-framed WebSocket): the WebSocket frame
    // parser and Accept computation come from the decoders, frames are built by synth.
    ("net", &["proto::websocket", "synth"]),
    ("lab", &["analysis", "fs", "model", "net", "proto", "source", "synth"]),
    ("builder", &["model", "net", "proto"]),
    ("app", &["analysis", "builder", "dissect", "engine", "export", "fs", "lab", "limits", "load", "model", "net", "proto", "source"]),
    // The binary (src/main.rs, through `wirescope::`).
    (
        "main",
        &[
            "analysis",
            "app",
            "builder",
            "engine",
            "export",
            "fs",
            "lab",
            "limits",
            "load",
            "model",
            "net",
            "source",
            // `analyze --messages` prints opcode names, as the text summary does.
            "proto::websocket",
        ],
    ),
];

/// Layers that are pure: no UI, runtime, capture library, file system, network, process, thread,
/// environment or clock (time comes from packet timestamps).
const PURE: &[&str] = &["limits", "model", "synth", "dissect", "flow", "proto", "engine", "analysis"];
/// External crates a pure layer may use (besides core, alloc, and std outside `FORBIDDEN_STD`;
/// addresses are `core::net` values, so `std::net`, where the sockets are, stays out).
const PURE_EXTERNAL: &[&str] = &[
    "etherparse",
    "httparse",
    // The connection table (a hash table of connection numbers, keyed by what the connection holds).
    "hashbrown",
    "simdutf8",
    "flate2",
    "libdeflate_sys",
    "crc32fast",
    "brotli",
    "serde",
    "serde_json",
    "sha1",
    "base64",
    // TLS record decryption and QUIC Initial packet protection: AES-GCM, ChaCha20-Poly1305,
    // HKDF, HMAC, header protection.
    "ring",
    "thiserror",
    "proptest",
    // HPACK for the HTTP/2 decoder (src/proto/http2).
    "loona_hpack",
];
/// `std::time` holds the clocks; only its `Duration` (a value) is allowed.
const FORBIDDEN_STD: &[&str] = &["fs", "net", "process", "thread", "env", "time"];

// ---- reading Rust source, enough for paths ----

/// The source with comments, string and char literals blanked (newlines kept, so lines still count).
fn strip(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let blank = |out: &mut String, ch: char| out.push(if ch == '\n' { '\n' } else { ' ' });
    let mut i = 0;
    while i < c.len() {
        let at = |k: usize| c.get(i + k).copied().unwrap_or('\0');
        if at(0) == '/' && at(1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if at(0) == '/' && at(1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                let next = c.get(i + 1).copied();
                if c[i] == '/' && next == Some('*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && next == Some('/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
        } else if at(0) == 'r' && (at(1) == '"' || (at(1) == '#' && (at(2) == '"' || at(2) == '#'))) && !prev_ident(&c, i) {
            // Raw string: r"..." or r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while c.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            j += 1;
            while j < c.len() && !(c[j] == '"' && (0..hashes).all(|h| c.get(j + 1 + h) == Some(&'#'))) {
                blank(&mut out, c[j]);
                j += 1;
            }
            out.push_str("\"\"");
            i = j + 1 + hashes;
        } else if at(0) == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                if let Some(&ch) = c.get(i) {
                    blank(&mut out, ch);
                }
                i += 1;
            }
            out.push_str("\"\"");
            i += 1;
        } else if at(0) == '\'' && (at(1) == '\\' || at(2) == '\'') {
            // A char literal ('x', '\n', '\u{..}'); a lifetime ('a) has no closing quote.
            i += 1;
            while i < c.len() && c[i] != '\'' {
                if c[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            out.push_str("' '");
            i += 1;
        } else {
            out.push(at(0));
            i += 1;
        }
    }
    out
}

fn prev_ident(c: &[char], i: usize) -> bool {
    i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_')
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Path, // ::
    Punct(char),
}

/// Tokens with their line numbers.
type Toks = Vec<(Tok, usize)>;

fn tokens(s: &str) -> Toks {
    let c: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch.is_alphanumeric() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push((Tok::Ident(c[start..i].iter().collect()), line));
        } else if ch == ':' && c.get(i + 1) == Some(&':') {
            out.push((Tok::Path, line));
            i += 2;
        } else {
            out.push((Tok::Punct(ch), line));
            i += 1;
        }
    }
    out
}

/// Drops `#[cfg(test)]` items (an attribute, then everything to the end of the next `{...}` block
/// or `;`), returning the code that ships and the test code apart.
fn split_tests(toks: Toks) -> (Toks, Toks) {
    let (mut code, mut test) = (Vec::new(), Vec::new());
    let mut i = 0;
    let is = |t: &Tok, s: &str| matches!(t, Tok::Ident(x) if x == s);
    while i < toks.len() {
        let cfg_test = toks.get(i).is_some_and(|t| t.0 == Tok::Punct('#'))
            && toks.get(i + 1).is_some_and(|t| t.0 == Tok::Punct('['))
            && toks.get(i + 2).is_some_and(|t| is(&t.0, "cfg"))
            && toks.get(i + 3).is_some_and(|t| t.0 == Tok::Punct('('))
            && toks.get(i + 4).is_some_and(|t| is(&t.0, "test"))
            && toks.get(i + 5).is_some_and(|t| t.0 == Tok::Punct(')'));
        if !cfg_test {
            code.push(toks[i].clone());
            i += 1;
            continue;
        }
        let mut depth = 0;
        while i < toks.len() {
            let t = toks[i].clone();
            i += 1;
            let end = match t.0 {
                Tok::Punct('{') => {
                    depth += 1;
                    false
                }
                Tok::Punct('}') => {
                    depth -= 1;
                    depth == 0
                }
                Tok::Punct(';') => depth == 0,
                _ => false,
            };
            test.push(t);
            if end {
                break;
            }
        }
    }
    (code, test)
}

/// Every path used: the leaves of `use` trees and every `a::b::c` outside them, with its line.
fn paths(toks: &[(Tok, usize)]) -> Vec<(Vec<String>, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if matches!(&toks[i].0, Tok::Ident(x) if x == "use") {
            let line = toks[i].1;
            i += 1;
            use_tree(toks, &mut i, Vec::new(), line, &mut out);
            continue;
        }
        if let Tok::Ident(first) = &toks[i].0 {
            if toks.get(i + 1).is_some_and(|t| t.0 == Tok::Path) {
                let line = toks[i].1;
                let mut p = vec![first.clone()];
                i += 1;
                while toks.get(i).is_some_and(|t| t.0 == Tok::Path) {
                    match toks.get(i + 1).map(|t| &t.0) {
                        Some(Tok::Ident(x)) => {
                            p.push(x.clone());
                            i += 2;
                        }
                        _ => break,
                    }
                }
                out.push((p, line));
                continue;
            }
        }
        i += 1;
    }
    out
}

fn use_tree(toks: &[(Tok, usize)], i: &mut usize, mut prefix: Vec<String>, line: usize, out: &mut Vec<(Vec<String>, usize)>) {
    loop {
        match toks.get(*i).map(|t| t.0.clone()) {
            Some(Tok::Ident(x)) if x == "as" => {
                *i += 2;
            }
            // `use a::{self, b}`: `a` itself.
            Some(Tok::Ident(x)) if x == "self" && !prefix.is_empty() => *i += 1,
            Some(Tok::Ident(x)) => {
                prefix.push(x);
                *i += 1;
            }
            Some(Tok::Path) => *i += 1,
            Some(Tok::Punct('{')) => {
                *i += 1;
                loop {
                    use_tree(toks, i, prefix.clone(), line, out);
                    match toks.get(*i).map(|t| t.0.clone()) {
                        Some(Tok::Punct(',')) => *i += 1,
                        Some(Tok::Punct('}')) => {
                            *i += 1;
                            break;
                        }
                        _ => return,
                    }
                    if toks.get(*i).is_some_and(|t| t.0 == Tok::Punct('}')) {
                        *i += 1;
                        break;
                    }
                }
                if toks.get(*i).is_some_and(|t| t.0 == Tok::Punct(';')) {
                    *i += 1;
                }
                return;
            }
            Some(Tok::Punct('*')) => *i += 1,
            Some(Tok::Punct(';')) => {
                *i += 1;
                out.push((prefix, line));
                return;
            }
            _ => {
                out.push((prefix, line));
                return;
            }
        }
    }
}

/// A path resolved from the file's module: `Some(crate path)` for one inside the crate.
fn resolve(module: &[String], p: &[String], is_bin: bool) -> Option<Vec<String>> {
    let first = p.first()?.as_str();
    match first {
        "crate" if !is_bin => Some(p[1..].to_vec()),
        "wirescope" if is_bin => Some(p[1..].to_vec()),
        "self" => Some(module.iter().chain(&p[1..]).cloned().collect()),
        "super" => {
            let ups = p.iter().take_while(|s| *s == "super").count();
            let base = module.get(..module.len().checked_sub(ups)?)?;
            Some(base.iter().chain(&p[ups..]).cloned().collect())
        }
        _ => None,
    }
}

/// src/a/b.rs → [a, b]; src/a/mod.rs → [a]; src/lib.rs → [].
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel.iter().skip(1).map(|s| s.to_string_lossy().trim_end_matches(".rs").to_string()).collect();
    if parts.last().is_some_and(|l| l == "mod" || l == "lib" || l == "main") {
        parts.pop();
    }
    parts
}

fn allowed(layer: &str) -> Option<&'static [&'static str]> {
    MAY_IMPORT.iter().find(|(l, _)| *l == layer).map(|(_, a)| *a)
}

fn permits(rules: &[&str], target: &[String]) -> bool {
    rules.iter().any(|r| {
        let r: Vec<&str> = r.split("::").collect();
        r.len() <= target.len() && r.iter().zip(target).all(|(a, b)| a == b)
    })
}

/// What a file breaks: (line, description).
fn check_file(rel: &Path, src: &str, top_modules: &BTreeSet<String>, externals: &BTreeSet<String>) -> Vec<(usize, String)> {
    let is_bin = rel == Path::new("src/main.rs");
    let module = module_of(rel);
    let layer = if is_bin { "main".to_string() } else { module.first().cloned().unwrap_or_default() };
    if layer.is_empty() {
        return Vec::new(); // lib.rs: the module tree
    }
    let Some(rules) = allowed(&layer) else { return vec![(0, format!("layer `{layer}` is not in the table"))] };
    let (code, test) = split_tests(tokens(&strip(src)));
    let mut bad = Vec::new();
    for (toks, in_test) in [(code, false), (test, true)] {
        for (p, line) in paths(&toks) {
            if let Some(target) = resolve(&module, &p, is_bin) {
                let Some(top) = target.first() else { continue };
                if !top_modules.contains(top) || *top == layer {
                    continue;
                }
                if !(permits(rules, &target) || in_test && top == "synth") {
                    bad.push((line, format!("`{layer}` may not import `{}`", target.join("::"))));
                }
            } else if PURE.contains(&layer.as_str()) && !in_test {
                let first = p[0].as_str();
                if first == "std" {
                    let rest = p[1..].join("::");
                    let hit = FORBIDDEN_STD.iter().find(|f| rest == **f || rest.starts_with(&format!("{f}::")));
                    if hit.is_some() && !(rest == "time::Duration" || rest.starts_with("time::Duration::")) {
                        bad.push((line, format!("pure `{layer}` may not use `{first}::{rest}`")));
                    }
                } else if externals.contains(first) && !PURE_EXTERNAL.contains(&first) {
                    bad.push((line, format!("pure `{layer}` may not use the `{first}` crate")));
                }
            }
        }
    }
    bad
}

/// The crate checked: this one, or another tree's copy (WIRESCOPE_ARCH_ROOT=DIR, to see what the
/// table says about an older revision).
fn root() -> PathBuf {
    std::env::var_os("WIRESCOPE_ARCH_ROOT").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
}

/// The crate's dependencies, as paths name them (`-` becomes `_`).
fn externals() -> BTreeSet<String> {
    let toml = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let mut out = BTreeSet::new();
    let mut in_deps = false;
    for line in toml.lines() {
        let l = line.trim();
        if l.starts_with('[') {
            in_deps = l.ends_with("dependencies]");
        } else if in_deps {
            if let Some((name, _)) = l.split_once('=') {
                out.insert(name.trim().replace('-', "_"));
            }
        }
    }
    out.insert("libdeflate_sys".into());
    out
}

fn top_modules() -> BTreeSet<String> {
    let lib = std::fs::read_to_string(root().join("src/lib.rs")).unwrap();
    lib.lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod ").or_else(|| l.trim().strip_prefix("mod ")))
        .map(|m| m.trim_end_matches(';').to_string())
        .collect()
}

#[test]
fn every_module_imports_only_what_its_layer_may() {
    let tops = top_modules();
    assert!(tops.len() >= 14, "modules not found in src/lib.rs: {tops:?}");
    for m in &tops {
        assert!(allowed(m).is_some(), "module `{m}` has no row in MAY_IMPORT");
    }
    for (layer, rules) in MAY_IMPORT {
        for r in *rules {
            let top = r.split("::").next().unwrap();
            assert!(tops.contains(top) && top != *layer, "`{layer}` row names `{r}`, not another module of the crate");
        }
        assert!(*layer == "main" || tops.contains(*layer), "table row `{layer}` is not a module");
    }
    let ext = externals();
    assert!(ext.contains("egui_kittest") && ext.contains("tokio"), "dependencies not read: {ext:?}");
    let mut files = Vec::new();
    common::rust_files(&root().join("src"), &mut files);
    files.sort();
    assert!(files.len() >= 40, "sources not found: {files:?}");
    let mut bad = Vec::new();
    let mut seen = 0;
    for f in &files {
        let rel = f.strip_prefix(root()).unwrap().to_path_buf();
        let rel = rel.as_path();
        let src = std::fs::read_to_string(f).unwrap();
        seen += paths(&tokens(&strip(&src))).iter().filter(|(p, _)| p[0] == "crate").count();
        for (line, why) in check_file(rel, &src, &tops, &ext) {
            bad.push(format!("{}:{line}: {why}", rel.display()));
        }
    }
    assert!(seen > 100, "only {seen} crate paths read: the reader is broken");
    assert!(bad.is_empty(), "imports against the layering table (tests/architecture.rs):\n{}", bad.join("\n"));
}

/// The reader itself: what it must catch and what it must not be fooled by.
#[test]
fn the_reader_finds_every_kind_of_path() {
    let tops: BTreeSet<String> =
        ["engine", "model", "dissect", "flow", "proto", "export", "source", "synth", "app"].iter().map(|s| s.to_string()).collect();
    let ext = externals();
    let src = r##"
//! docs mention crate::app::App and use crate::engine; (a comment)
use crate::{model::Dir, engine::{self, Engine as E}};
use super::super::super::source::RawPacket;
fn f() -> u32 {
    let s = "crate::export::json is only text";
    let r = r#"use crate::app;"#;
    let c = '"'; let l: &'static str = "x";
    let t = crate::dissect::tunnel::Tunnel::default();
    std::fs::read("x"); let d = std::time::Duration::ZERO; use std::time::{Duration, Instant};
    eframe::egui::Context::default();
    0
}
#[cfg(test)]
mod tests {
    use crate::synth::TcpConversation;
    use crate::flow::FlowKey;
}
"##;
    let bad = check_file(Path::new("src/proto/http1/head.rs"), src, &tops, &ext);
    let lines: Vec<String> = bad.iter().map(|(l, w)| format!("{l}: {w}")).collect();
    assert_eq!(
        lines,
        [
            "3: `proto` may not import `engine`",
            "3: `proto` may not import `engine::Engine`",
            "4: `proto` may not import `source::RawPacket`",
            "9: `proto` may not import `dissect::tunnel::Tunnel::default`",
            "10: pure `proto` may not use `std::fs::read`",
            "10: pure `proto` may not use `std::time::Instant`",
            "11: pure `proto` may not use the `eframe` crate",
            "17: `proto` may not import `flow::FlowKey`",
        ],
        "{lines:#?}"
    );
}
