//! The sequence diagram tells cause and effect truly. On every connection of every bundled capture,
//! in both modes, no answering arrow leaves before its cause arrives, with the causal pairs found
//! from tshark's packet facts (captures/expected/*.tcp.tsv) and from the decoded exchanges, not from
//! the diagram code; the arrows per kind match what tshark decodes; and on synthetic conversations
//! sent over a simulated path, the vantage point and the times the diagram models are the
//! simulation's own.

mod common;

use common::causal;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use wirescope::analysis::ladder::{self, ArrowKind, Mode, Vantage};
use wirescope::source::PcapWriter;
use wirescope::synth::TcpConversation;
use wirescope::Limits;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_wirescope")
}

/// The command's JSON; a TLS capture is read with its bundled key log (captures/NAME.keys).
fn json(args: &[&str], file: &Path) -> Value {
    let mut cmd = Command::new(bin());
    cmd.args(args).arg(file).env_remove("SSLKEYLOGFILE");
    let keys = file.with_extension("keys");
    if keys.exists() {
        cmd.arg("--keylog").arg(keys);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{args:?} {}: {}", file.display(), String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn every_bundled_capture_is_drawn_causally_in_both_modes() {
    let mut total = HashMap::new();
    for file in common::capture_files() {
        let name = file.file_stem().unwrap().to_string_lossy().to_string();
        let facts = causal::read_tcp_tsv(&common::captures_dir().join(format!("expected/{name}.tcp.tsv")));
        if facts.is_empty() {
            // No TCP (quic-initial: UDP only; tests/captures_truth.rs checks it against tshark).
            continue;
        }
        let analysis = json(&["analyze", "--format", "json", "--payload-limit", "0"], &file);
        let mut pairs = causal::tshark_pairs(&facts);
        pairs.extend(causal::analysis_pairs(&analysis));
        for mode in ["messages", "packets"] {
            let d = json(&["diagram", "--all", "--mode", mode], &file);
            let diagrams = d.as_array().unwrap();
            assert_eq!(diagrams.len(), analysis["connections"].as_array().unwrap().len(), "{name}: one diagram per connection");
            let n = causal::check(&name, diagrams, &pairs);
            *total.entry(mode).or_insert(0) += n;
            assert!(n > 0, "{name} ({mode}): no causal pair was checked");
        }
    }
    // Both modes check every handshake, response, pong and answering close; packet mode every ACK too.
    assert!(total["messages"] >= 100 && total["packets"] > total["messages"], "{total:?}");
}

#[test]
fn arrows_per_kind_match_tshark_and_loopback_times_are_the_capture_times() {
    for file in common::capture_files() {
        let name = file.file_stem().unwrap().to_string_lossy().to_string();
        // tshark's NAME.tsv has HTTP/1 only; HTTP/2 streams are checked against its http2 decode
        // in tests/http2_truth.rs (the HTTP/2 ladder is issue 13's window work).
        if name.starts_with("http2-") {
            continue;
        }
        let facts = causal::read_tcp_tsv(&common::captures_dir().join(format!("expected/{name}.tcp.tsv")));
        if facts.is_empty() {
            // No TCP (quic-initial: UDP only; tests/captures_truth.rs checks it against tshark).
            continue;
        }
        let frame: HashMap<u64, &causal::Pkt> = facts.iter().map(|p| (p.frame, p)).collect();
        // tshark's HTTP and WebSocket decode (captures/expected/NAME.tsv), counted per stream.
        let tsv = std::fs::read_to_string(common::captures_dir().join(format!("expected/{name}.tsv"))).unwrap();
        let mut want: HashMap<u64, [usize; 3]> = HashMap::new();
        for l in tsv.lines() {
            let f: Vec<&str> = l.split('\t').collect();
            let Some(stream) = f.get(1).and_then(|s| s.parse::<u64>().ok()) else { continue };
            let e = want.entry(stream).or_default();
            e[0] += f[2].split(',').filter(|s| !s.is_empty()).count();
            e[1] += f[4].split(',').filter(|s| !s.is_empty()).count();
            e[2] += f.get(5).map_or(0, |s| s.split(',').filter(|s| !s.is_empty()).count());
        }
        let d = json(&["diagram", "--all"], &file);
        for l in d.as_array().unwrap() {
            let arrows = l["arrows"].as_array().unwrap();
            let Some(stream) = arrows.first().and_then(|a| frame.get(&a["packet"].as_u64().unwrap())).map(|p| p.stream) else { continue };
            let count = |f: &dyn Fn(&Value) -> bool| arrows.iter().filter(|a| f(a)).count();
            let got = [
                count(&|a| a["from"] == "client" && (a["kind"] == "request" || a["kind"] == "upgrade")),
                count(&|a| a["from"] == "server" && ["response", "interim", "upgrade"].contains(&a["kind"].as_str().unwrap())),
                count(&|a| a["kind"].as_str().unwrap().starts_with("ws_")),
            ];
            let mut expected = want.get(&stream).copied().unwrap_or_default();
            if name == "http-pipelining" {
                // tshark misreads the HEAD response's Content-Length as a body (tests/against_tshark.rs).
                expected[1] = got[1];
            }
            assert_eq!(got, expected, "{name} #{}: requests, responses, WebSocket frames", l["connection"]);
        }
        // Every bundled capture was made on loopback (each arrow leaves when the capture saw it),
        // except the lossy ones (captures/record-lossy.sh), taken in the server's namespace.
        let d = json(&["diagram", "--all", "--mode", "packets"], &file);
        for l in d.as_array().unwrap() {
            let t0 = l["t0"].as_f64().unwrap();
            if name.starts_with("lossy-") {
                server_vantage(&name, l, &facts, &frame, t0);
                continue;
            }
            assert_eq!(l["vantage"], "loopback", "{name}");
            for a in l["arrows"].as_array().unwrap() {
                let p = frame[&a["packet"].as_u64().unwrap()];
                let seen = a["depart"].as_f64().unwrap() + t0;
                assert!((seen - p.time).abs() < 2e-6, "{name} packet {}: departs at {seen}, captured at {}", p.frame, p.time);
            }
        }
    }
}

/// Captured at the server (tshark's handshake times: SYN → SYN-ACK is the server's own turnaround,
/// SYN-ACK → ACK the round trip to the client): the round trip is the handshake's, the server's
/// packets leave when the capture saw them and the client's arrive then, up to half the server's
/// turnaround (the modelled transit on that side); never earlier, later only where an arrow had
/// to wait for its cause.
fn server_vantage(name: &str, l: &Value, facts: &[causal::Pkt], frame: &HashMap<u64, &causal::Pkt>, t0: f64) {
    assert_eq!(l["vantage"], "server", "{name}: recorded in the server's namespace");
    let stream = frame[&l["arrows"][0]["packet"].as_u64().unwrap()].stream;
    let facts: Vec<_> = facts.iter().filter(|p| p.stream == stream).collect();
    let first = |want: u16| facts.iter().position(|p| p.flags & 0x12 == want).unwrap();
    let (syn_ack, ack) = (first(0x12), first(0x10));
    // The SYN the SYN-ACK answers: the last one before it.
    let syn = facts[..syn_ack].iter().rfind(|p| p.flags & 0x12 == 0x02).unwrap().time;
    let (syn_ack, ack) = (facts[syn_ack].time, facts[ack].time);
    let rtt_ms = (ack - syn) * 1e3;
    assert!((l["rtt_ms"].as_f64().unwrap() - rtt_ms).abs() < 1e-3, "{name}: RTT {} ms, tshark's handshake {rtt_ms} ms", l["rtt_ms"]);
    let half = (syn_ack - syn) / 2.0;
    let (mut exact, mut total) = (0, 0);
    for a in l["arrows"].as_array().unwrap() {
        let p = frame[&a["packet"].as_u64().unwrap()];
        let (t, modelled) =
            if a["from"] == "server" { (a["depart"].as_f64().unwrap(), -half) } else { (a["arrive"].as_f64().unwrap(), half) };
        let off = t + t0 - p.time;
        assert!(off > modelled - 2e-6, "{name} packet {}: at {} s, {off} s from its capture time", p.frame, t + t0);
        exact += usize::from((off - modelled).abs() < 2e-6);
        total += 1;
    }
    // Waiting for a cause is the exception: most arrows sit exactly where the capture saw them.
    assert!(exact * 10 >= total * 9, "{name}: only {exact} of {total} arrows at their capture time");
}

/// One HTTP exchange sent over a simulated path: `a` seconds between the client and the capture
/// point, `b` between the capture point and the server. Returns the capture and, per packet in
/// order, when its sender sent it.
fn simulated(a: f64, b: f64, client: [u8; 4], server: [u8; 4]) -> (Vec<u8>, Vec<(bool, f64)>) {
    let t = a + b;
    let serve = 0.001;
    // (sent by the client, send time), in the order synth emits them.
    let plan = [
        (true, 0.0),                             // SYN
        (false, t),                              // SYN-ACK, as soon as the SYN arrives
        (true, 2.0 * t),                         // ACK, as soon as the SYN-ACK arrives
        (true, 2.0 * t + 1e-6),                  // GET
        (false, 3.0 * t + 2e-6),                 // ACK of the GET
        (false, 3.0 * t + serve),                // 200 OK
        (true, 4.0 * t + serve + 1e-6),          // ACK of the response
        (true, 4.0 * t + serve + 0.050),         // FIN
        (false, 5.0 * t + serve + 0.050 + 1e-6), // FIN
        (true, 6.0 * t + serve + 0.050 + 2e-6),  // last ACK
    ];
    let mut frames: Vec<Vec<u8>> = Vec::new();
    let mut c = TcpConversation::new((client, 40000), (server, 8080), 0);
    let mut out = |_ts: i64, f: &[u8]| frames.push(f.to_vec());
    c.handshake(&mut out);
    c.send(true, b"GET /simulated HTTP/1.1\r\nHost: x\r\n\r\n", &mut out);
    c.send(false, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", &mut out);
    c.close(&mut out);
    assert_eq!(frames.len(), plan.len());
    let base = 1_700_000_000.0;
    let mut w = PcapWriter::new(Vec::new(), 1).unwrap();
    for (f, (by_client, sent)) in frames.iter().zip(plan) {
        let seen = base + sent + if by_client { a } else { b };
        w.packet((seen * 1e9).round() as i64, f).unwrap();
    }
    (w.into_inner(), plan.to_vec())
}

#[test]
fn vantage_and_modelled_times_come_from_the_path() {
    for (a, b, want) in
        [(0.0, 0.010, Vantage::Client), (0.010, 0.0, Vantage::Server), (0.003, 0.007, Vantage::Middle), (0.0, 0.0, Vantage::Loopback)]
    {
        let (client, server) = if want == Vantage::Loopback { ([127, 0, 0, 1], [127, 0, 0, 1]) } else { ([10, 0, 0, 1], [10, 0, 0, 2]) };
        let (bytes, plan) = simulated(a, b, client, server);
        let p = std::env::temp_dir().join(format!("wirescope-diagram-{}-{a}-{b}.pcap", std::process::id()));
        std::fs::write(&p, &bytes).unwrap();
        let (cap, _) = common::analyze_with(&p, Limits { packet_rows: true, ..Limits::default() });
        let _ = std::fs::remove_file(&p);
        for mode in [Mode::Messages, Mode::Packets] {
            let l = ladder::ladder(&cap, 0, mode, true);
            assert_eq!(l.vantage, want, "a={a} b={b}");
            if want != Vantage::Loopback {
                assert!((l.rtt.unwrap() - 2.0 * (a + b)).abs() < 1e-6, "{:?}", l.rtt);
            }
            // The timeline's zero is when the SYN left the client; every arrow leaves when its
            // sender sent it and arrives one path later (loopback: no transit is modelled).
            let transit = a + b;
            for x in &l.arrows {
                let first = (x.first_packet - 1) as usize;
                let last = (x.packet - 1) as usize;
                let (_, sent) = plan[first];
                assert!((x.depart - sent).abs() < 2e-6, "a={a} b={b} {mode:?} {}: departs {} (sent {sent})", x.label, x.depart);
                let arrived = plan[last].1 + transit;
                assert!((x.arrive - arrived).abs() < 2e-6, "a={a} b={b} {mode:?} {}: arrives {} (at {arrived})", x.label, x.arrive);
            }
            if mode == Mode::Messages {
                let kinds: Vec<ArrowKind> = l.arrows.iter().map(|x| x.kind).collect();
                assert!(kinds.contains(&ArrowKind::Request) && kinds.contains(&ArrowKind::Response));
                let resp = l.arrows.iter().position(|x| x.kind == ArrowKind::Response).unwrap();
                let req = l.arrows[resp].answers.expect("the response answers the request");
                assert_eq!(l.arrows[req].kind, ArrowKind::Request);
                assert!(!l.vantage_text(false).is_empty() && !l.vantage_text(true).is_empty());
            }
        }
    }
}

#[test]
fn the_diagram_command_prints_every_format() {
    let file = common::captures_dir().join("websocket-basics.pcapng");
    let run = |fmt: &str| {
        let out = Command::new(bin()).args(["diagram", "--format", fmt, "--connection", "0"]).arg(&file).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let svg = run("svg");
    assert!(svg.starts_with("<svg") && svg.contains("GET /chat") && svg.contains("101 Switching Protocols"));
    assert!(run("mermaid").contains("Server->>Client: 101 Switching Protocols"));
    assert!(run("plantuml").contains("Client -> Server: GET /chat"));
    let j: Value = serde_json::from_str(&run("json")).unwrap();
    assert_eq!(j["connection"], 0);
    assert_eq!(j["vantage"], "loopback");
    assert!(j["rtt_ms"].as_f64().unwrap() > 0.0);
    let a = j["arrows"].as_array().unwrap();
    // tshark: frame 4 is the GET, frame 6 the 101 (captures/expected/websocket-basics.tsv).
    let get = a.iter().position(|x| x["packet"] == 4).unwrap();
    let ok = a.iter().find(|x| x["packet"] == 6).unwrap();
    assert_eq!(ok["answers"], get);
    assert_eq!(ok["from"], "server");
    // A missing connection is a clear error.
    let out = Command::new(bin()).args(["diagram", "--connection", "99"]).arg(&file).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no connection 99"));
}

/// Several WebSocket messages that end in one packet each get their own label, in the order they
/// were sent (what the synthetic server sent: "one", "two", then a ping "three").
#[test]
fn messages_sharing_a_packet_keep_their_own_labels() {
    use wirescope::synth::ws_frame;
    let mut frames: Vec<(i64, Vec<u8>)> = Vec::new();
    let mut c = TcpConversation::new(([127, 0, 0, 1], 40000), ([127, 0, 0, 1], 8080), 1_700_000_000_000_000_000);
    let mut out = |ts: i64, f: &[u8]| frames.push((ts, f.to_vec()));
    c.handshake(&mut out);
    c.send(true, b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", &mut out);
    c.send(false, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", &mut out);
    let mut burst = ws_frame(true, 1, None, b"one");
    burst.extend(ws_frame(true, 1, None, b"two"));
    burst.extend(ws_frame(true, 9, None, b"three"));
    c.send(false, &burst, &mut out);
    let mut w = PcapWriter::new(Vec::new(), 1).unwrap();
    for (ts, f) in &frames {
        w.packet(*ts, f).unwrap();
    }
    let p = std::env::temp_dir().join(format!("wirescope-diagram-burst-{}.pcap", std::process::id()));
    std::fs::write(&p, w.into_inner()).unwrap();
    let (cap, _) = common::analyze_with(&p, Limits::default());
    let _ = std::fs::remove_file(&p);
    let l = ladder::ladder(&cap, 0, Mode::Messages, true);
    let ws: Vec<&str> = l.arrows.iter().filter(|a| a.opcode.is_some()).map(|a| a.label.as_str()).collect();
    assert_eq!(ws, ["Text \"one\"", "Text \"two\"", "Ping \"three\""]);
}
