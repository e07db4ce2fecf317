//! TLS decryption against tshark on real loopback captures (captures/https-*.pcapng, recorded by
//! captures/record-tls.sh: curl writing SSLKEYLOGFILE against Python's ssl server, TLS 1.2 and 1.3,
//! AES-GCM and ChaCha20-Poly1305). tshark's decode with the same key log (captures/expected/NAME.tsv
//! and NAME.tls.tsv, made by captures/expected.sh) is the oracle: frame numbers, methods, URIs and
//! status codes of the decrypted HTTP exchanges, and the suite each ServerHello chose. Then what a
//! wrong, missing or absent key log does, and the command line's ways of getting keys.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use wirescope::load;
use wirescope::model::Capture;
use wirescope::Limits;

fn tls_captures() -> Vec<PathBuf> {
    let v: Vec<PathBuf> =
        common::capture_files().into_iter().filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("https-")).collect();
    assert!(v.len() >= 3, "the TLS captures: {v:?}");
    v
}

fn name(p: &Path) -> String {
    p.file_stem().unwrap().to_string_lossy().into_owned()
}

fn analyze_keys(path: &Path, keys: load::Keys) -> Capture {
    let mut cap = Capture::default();
    let loaded = load::load_file_keys(path, Limits::default(), keys, |eng, _, _| {
        for e in eng.drain_events() {
            cap.apply(e);
        }
        true
    })
    .unwrap();
    cap.connections = loaded.engine.connections();
    cap
}

/// (frame, tcp.stream, method or status): requests and responses as tshark decoded them.
type Rows = Vec<(u64, u32, String)>;

fn tshark_rows(name: &str) -> Rows {
    let text = std::fs::read_to_string(common::captures_dir().join(format!("expected/{name}.tsv"))).unwrap();
    let mut rows = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let (frame, stream) = (f[0].parse().unwrap(), f[1].parse().unwrap());
        if !f[2].is_empty() {
            rows.push((frame, stream, format!("{} {}", f[2], f[3])));
        }
        if !f[4].is_empty() {
            rows.push((frame, stream, f[4].to_string()));
        }
    }
    rows.sort();
    rows
}

fn our_rows(cap: &Capture) -> Rows {
    let mut rows = Vec::new();
    for x in &cap.http {
        if let Some(r) = &x.request {
            rows.push((r.packet, x.connection, format!("{} {}", r.method, r.target)));
        }
        if let Some(r) = &x.response {
            rows.push((r.packet, x.connection, r.status.to_string()));
        }
    }
    rows.sort();
    rows
}

/// IANA's TLS Cipher Suites registry, for the suites in the captures.
fn iana(id: &str) -> &'static str {
    match id {
        "0x1301" => "TLS_AES_128_GCM_SHA256",
        "0x1302" => "TLS_AES_256_GCM_SHA384",
        "0x1303" => "TLS_CHACHA20_POLY1305_SHA256",
        "0xc02f" => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "0xc030" => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "0xcca8" => "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        other => panic!("suite {other} not in the table"),
    }
}

#[test]
fn decrypted_exchanges_and_suites_match_tshark() {
    let mut suites = BTreeMap::new();
    for path in tls_captures() {
        let n = name(&path);
        // The bundled key log (none for https-embedded-keys: its keys are in the file).
        let cap = analyze_keys(&path, common::keys_of(&path));
        let (mine, theirs) = (our_rows(&cap), tshark_rows(&n));
        assert!(theirs.len() >= 8, "{n}: tshark decrypted {theirs:?}");
        assert_eq!(mine, theirs, "{n}: decrypted HTTP differs from tshark's");
        let hellos = std::fs::read_to_string(common::captures_dir().join(format!("expected/{n}.tls.tsv"))).unwrap();
        for line in hellos.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            let stream: u32 = f[0].parse().unwrap();
            let c = cap.connections.iter().find(|c| c.id == stream).unwrap();
            let tls = c.tls.as_ref().unwrap();
            assert_eq!(tls.cipher_suite.as_deref(), Some(iana(f[1])), "{n} #{stream}");
            let version = if f.get(2).is_some_and(|v| *v == "0x0304") { "TLS 1.3" } else { "TLS 1.2" };
            assert_eq!(tls.version.as_deref(), Some(version), "{n} #{stream}");
            assert!(tls.decrypted, "{n} #{stream}");
            assert_eq!(tls.sni.as_deref(), Some("localhost"));
            suites.insert(iana(f[1]), n.clone());
        }
        assert!(cap.findings.is_empty(), "{n}: {:?}", cap.findings);
    }
    // TLS 1.2 and 1.3, AES-128/256-GCM and ChaCha20-Poly1305.
    assert_eq!(suites.len(), 6, "{suites:?}");
}

/// A key log of `path` with every secret changed (the client randoms kept).
fn wrong_keys(path: &Path) -> load::Keys {
    let text = std::fs::read_to_string(path.with_extension("keys")).unwrap();
    let dir = std::env::temp_dir().join(format!("wirescope-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join(format!("{}.wrong.keys", name(path)));
    let wrong: String = text
        .lines()
        .map(|l| {
            let mut f: Vec<String> = l.split(' ').map(str::to_string).collect();
            if let Some(secret) = f.get_mut(2) {
                *secret = secret.chars().map(|c| if c == '0' { '1' } else { '0' }).collect();
            }
            f.join(" ") + "\n"
        })
        .collect();
    std::fs::write(&out, wrong).unwrap();
    load::read_keylog(&out).unwrap()
}

fn codes(cap: &Capture, conn: u32) -> Vec<&'static str> {
    cap.findings.iter().filter(|f| f.connection == Some(conn)).map(|f| f.code).collect()
}

#[test]
fn wrong_missing_and_absent_keys() {
    for path in tls_captures().into_iter().filter(|p| p.with_extension("keys").exists()) {
        let n = name(&path);
        // No key log: shown encrypted, as before decryption existed, and nothing to report.
        let cap = analyze_keys(&path, load::Keys::default());
        assert!(cap.http.is_empty() && cap.findings.is_empty(), "{n}");
        for c in &cap.connections {
            let t = c.tls.as_ref().unwrap();
            assert!(!t.decrypted && t.cipher_suite.is_some(), "{n} #{}", c.id);
        }
        // Wrong secrets: each direction of each connection fails once, nothing is decoded.
        let cap = analyze_keys(&path, wrong_keys(&path));
        assert!(cap.http.is_empty(), "{n}");
        for c in &cap.connections {
            assert_eq!(codes(&cap, c.id), vec!["tls.decrypt_failed"; 2], "{n} #{}", c.id);
            assert!(!c.tls.as_ref().unwrap().decrypted);
            assert_eq!(c.protocol, wirescope::model::Protocol::Tls);
        }
        // Another capture's key log: no key, once per direction.
        let other = if n == "https-tls12" { "https-tls13" } else { "https-tls12" };
        let cap = analyze_keys(&path, load::read_keylog(&common::captures_dir().join(format!("{other}.keys"))).unwrap());
        assert!(cap.http.is_empty(), "{n}");
        for c in &cap.connections {
            assert_eq!(codes(&cap, c.id), vec!["tls.no_key"; 2], "{n} #{}", c.id);
        }
    }
}

/// A TLS capture cut short anywhere loads without a panic and decrypts what it holds: tshark's
/// rows up to the last packet read.
#[test]
fn captures_cut_short() {
    let path = common::captures_dir().join("https-tls13.pcapng");
    let bytes = std::fs::read(&path).unwrap();
    let all = tshark_rows("https-tls13");
    let mut partial = 0;
    for cut in (bytes.len() / 3..bytes.len()).step_by(1999) {
        let mut cap = Capture::default();
        let r = load::load_reader_keys(&bytes[..cut], cut as u64, "cut", Limits::default(), common::keys_of(&path), |eng, _, _| {
            for e in eng.drain_events() {
                cap.apply(e);
            }
            true
        });
        let loaded = r.unwrap();
        let read = loaded.engine.packets().count;
        let want: Rows = all.iter().filter(|r| r.0 <= read).cloned().collect();
        // A response cut short is shown as such (complete: false); tshark lists none.
        cap.http.retain_mut(|x| {
            x.response.take_if(|r| !r.complete);
            x.request.is_some() || x.response.is_some()
        });
        assert_eq!(our_rows(&cap), want, "cut at byte {cut} ({read} packets)");
        partial += usize::from(want.len() < all.len());
    }
    assert!(partial > 5);
}

fn wirescope(args: &[&str], env: Option<(&str, &Path)>) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wirescope"));
    c.args(args).env_remove("SSLKEYLOGFILE");
    if let Some((k, v)) = env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn json(out: &std::process::Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn command_line_keys() {
    let dir = common::captures_dir();
    let cap = dir.join("https-tls12.pcapng");
    let keys = dir.join("https-tls12.keys");
    let (capture, keylog) = (cap.to_str().unwrap(), keys.to_str().unwrap());
    // --keylog: the JSON's connections carry the suite and `decrypted`, http[] the exchanges.
    let j = json(&wirescope(&["analyze", "-f", "json", "--keylog", keylog, capture], None));
    assert_eq!(j["http"].as_array().unwrap().len(), 12);
    let tls = &j["connections"][0]["tls"];
    assert_eq!((tls["cipher_suite"].as_str(), tls["decrypted"].as_bool()), (Some("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), Some(true)));
    // SSLKEYLOGFILE when no --keylog, said on stderr.
    let out = wirescope(&["analyze", "-f", "json", capture], Some(("SSLKEYLOGFILE", &keys)));
    assert_eq!(json(&out)["http"].as_array().unwrap().len(), 12);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("SSLKEYLOGFILE") && err.lines().count() == 1, "{err}");
    // Without either: encrypted.
    let j = json(&wirescope(&["analyze", "-f", "json", capture], None));
    assert!(j["http"].as_array().unwrap().is_empty());
    assert_eq!(j["connections"][0]["tls"]["decrypted"].as_bool(), Some(false));
    // The keys in the file's Decryption Secrets Block.
    let embedded = dir.join("https-embedded-keys.pcapng");
    let j = json(&wirescope(&["analyze", "-f", "json", embedded.to_str().unwrap()], None));
    assert_eq!(j["http"].as_array().unwrap().len(), 4);
    // A key log that cannot be read: one clear line, a failure.
    let out = wirescope(&["analyze", "--keylog", "/nonexistent/keys.txt", capture], None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.lines().count() == 1 && err.contains("key log /nonexistent/keys.txt"), "{err}");
    // diagram takes --keylog too.
    let d = json(&wirescope(&["diagram", "--keylog", keylog, capture], None));
    assert!(d["arrows"].as_array().unwrap().iter().any(|a| a["kind"] == "request"), "{d}");
}
