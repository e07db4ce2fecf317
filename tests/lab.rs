//! Every lab scenario, run for real on loopback, decodes to exactly what its script did: as a packet
//! capture (CI runs as root) and again through the recording relay. Each scenario ends by itself in
//! a few seconds; all traffic stays on 127.0.0.1.

mod common;

use serde_json::Value;
use std::process::Command;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_wirescope")
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

/// Runs a scenario and decodes its recording with `analyze --format json`.
fn run(id: &str, relay: bool) -> (Value, String) {
    let (v, out, file) = run_keep(id, relay);
    let _ = std::fs::remove_file(&file);
    (v, out)
}

/// As [`run`], keeping the recording (the caller removes it).
fn run_keep(id: &str, relay: bool) -> (Value, String, std::path::PathBuf) {
    let file = std::env::temp_dir().join(format!("wirescope-labtest-{id}-{relay}-{}.pcapng", std::process::id()));
    let mut cmd = Command::new(bin());
    cmd.args(["lab", id, "-q", "-w"]).arg(&file);
    if relay {
        cmd.arg("--relay");
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "lab {id} failed:\n{stdout}\n{stderr}");
    if !relay && is_root() {
        assert!(stderr.contains("captured") && !stderr.contains("relay"), "as root the lab must capture packets: {stderr}");
    }
    let json = Command::new(bin()).args(["analyze", "--format", "json", "--payload-limit", "all"]).arg(&file).output().unwrap();
    assert!(json.status.success(), "{}", String::from_utf8_lossy(&json.stderr));
    let v: Value = serde_json::from_slice(&json.stdout).unwrap();
    // The sequence diagram of every connection, in both modes, keeps cause before effect (the pairs
    // come from the decoded handshakes, exchanges and messages, not from the diagram code).
    let pairs = common::causal::analysis_pairs(&v);
    for mode in ["messages", "packets"] {
        let d = Command::new(bin()).args(["diagram", "--all", "--mode", mode]).arg(&file).output().unwrap();
        assert!(d.status.success(), "{}", String::from_utf8_lossy(&d.stderr));
        let d: Value = serde_json::from_slice(&d.stdout).unwrap();
        let n = common::causal::check(&format!("lab {id}"), d.as_array().unwrap(), &pairs);
        assert!(n > 0 || pairs.is_empty(), "lab {id} ({mode}): no causal pair checked of {}", pairs.len());
    }
    (v, stdout, file)
}

fn exchanges(v: &Value) -> Vec<String> {
    let mut x: Vec<String> = v["http"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let r = &e["request"];
            let status = e["response"]["status"].as_u64().map_or("none".to_string(), |s| s.to_string());
            format!("{} {} {status}", r["method"].as_str().unwrap(), r["target"].as_str().unwrap())
        })
        .collect();
    x.sort();
    x
}

fn messages(v: &Value, dir: &str, opcode: u64) -> Vec<Value> {
    v["websocket"].as_array().unwrap().iter().filter(|m| m["direction"] == dir && m["opcode"] == opcode).cloned().collect()
}

fn texts(v: &Value, dir: &str) -> Vec<String> {
    messages(v, dir, 1).iter().map(|m| m["text"].as_str().unwrap_or("").to_string()).collect()
}

fn closes(v: &Value, dir: &str) -> Vec<u64> {
    messages(v, dir, 8).iter().map(|m| m["close_code"].as_u64().unwrap_or(0)).collect()
}

fn findings(v: &Value, code: &str) -> usize {
    v["findings"].as_array().unwrap().iter().filter(|f| f["code"] == code).count()
}

fn s(v: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// The same checks on the packet capture and on the relay's recording.
fn both(id: &str, check: impl Fn(&Value, &str)) {
    both_modes(id, |v, out, _| check(v, out));
}

/// As [`both`], telling the check which recording it has: a capture sees every hop on loopback,
/// the relay only the client's.
fn both_modes(id: &str, check: impl Fn(&Value, &str, bool)) {
    for relay in [false, true] {
        let (v, out) = run(id, relay);
        let captured = !relay && is_root();
        check(&v, &out, captured);
    }
}

#[test]
fn handshake_one_get_and_close() {
    both("handshake", |v, out| {
        assert_eq!(exchanges(v), s(&["GET /hello 200"]));
        let c = &v["connections"][0];
        assert_eq!(v["connections"].as_array().unwrap().len(), 1);
        assert_eq!(c["end"], "fin", "{c}");
        assert!(out.contains("200 OK"), "{out}");
    });
}

#[test]
fn keep_alive_one_connection_against_five() {
    both("keep-alive", |v, _| {
        let want: Vec<String> = (1..=5).flat_map(|i| [format!("GET /hello?n={i} 200"), format!("GET /hello?n={i} 200")]).collect();
        let mut want = want;
        want.sort();
        assert_eq!(exchanges(v), want);
        assert_eq!(v["connections"].as_array().unwrap().len(), 6);
    });
}

#[test]
fn status_code_gallery() {
    both("status-codes", |v, _| {
        assert_eq!(
            exchanges(v),
            s(&[
                "GET /hello 200",
                "POST /items 201",
                "DELETE /items/2 204",
                "GET /redirect/301 301",
                "GET /hello 200",
                "GET /redirect/302 302",
                "GET /hello 200",
                "GET /etag 200",
                "GET /etag 304",
                "POST /validate 400",
                "GET /private 401",
                "GET /admin 403",
                "GET /no-such-page 404",
                "DELETE /hello 405",
                "GET /limited 429",
                "GET /boom 500",
            ])
        );
        let e429 = v["http"].as_array().unwrap().iter().find(|e| e["response"]["status"] == 429).unwrap();
        assert!(e429["response"]["headers"].as_array().unwrap().iter().any(|h| h[0] == "retry-after" && h[1] == "5"));
    });
}

#[test]
fn rest_crud() {
    both("rest-crud", |v, _| {
        assert_eq!(
            exchanges(v),
            s(&[
                "GET /items 200",
                "POST /items 201",
                "GET /items/2 200",
                "PUT /items/2 200",
                "PATCH /items/2 200",
                "DELETE /items/2 204",
                "GET /items/2 404"
            ])
        );
    });
}

#[test]
fn push_against_polling() {
    both("push-vs-poll", |v, out| {
        let x = exchanges(v);
        assert!(x.contains(&"GET /sse 200".to_string()), "{x:?}");
        assert!(x.contains(&"GET /events 101".to_string()), "{x:?}");
        let polls = x.iter().filter(|e| e.starts_with("GET /poll?since=")).count();
        let longs = x.iter().filter(|e| e.starts_with("GET /long-poll?since=")).count();
        assert!((5..=20).contains(&polls) && (1..=10).contains(&longs), "{polls} polls, {longs} long polls");
        let events: Vec<String> = texts(v, "server_to_client");
        assert_eq!(events.len(), 10);
        for (i, e) in events.iter().enumerate() {
            assert!(e.contains(&format!("\"event {}\"", i + 1)), "{e}");
        }
        assert_eq!(out.matches("10/10 events").count(), 4, "{out}");
    });
}

#[test]
fn websocket_upgrade_step_by_step() {
    both("ws-upgrade", |v, out| {
        assert_eq!(exchanges(v), s(&["GET /echo 101"]));
        assert_eq!(texts(v, "client_to_server"), ["hello over WebSocket"]);
        assert_eq!(texts(v, "server_to_client"), ["hello over WebSocket"]);
        assert_eq!((closes(v, "client_to_server"), closes(v, "server_to_client")), (vec![1000], vec![1000]));
        assert!(messages(v, "client_to_server", 1)[0]["frames"] == 1);
        assert!(out.contains("(PASS)"), "{out}");
        assert_eq!(findings(v, "ws.bad_accept"), 0);
    });
}

#[test]
fn chat_broadcast() {
    both("chat", |v, _| {
        assert_eq!(exchanges(v), s(&["GET /chat 101", "GET /chat 101"]));
        let mut sent = texts(v, "client_to_server");
        sent.sort();
        assert_eq!(sent, s(&["Alice: hi everyone!", "Bob: hello Alice 你好", "Alice: see you in class"]));
        let got = texts(v, "server_to_client");
        assert_eq!(got.len(), 6);
        assert_eq!(got.iter().filter(|t| t.as_str() == "Bob: hello Alice 你好").count(), 2);
        assert_eq!((closes(v, "client_to_server"), closes(v, "server_to_client")), (vec![1001, 1001], vec![1001, 1001]));
    });
}

#[test]
fn heartbeat_against_idle_proxy() {
    both_modes("heartbeat", |v, _, captured| {
        // A capture sees both legs through the proxy (client → proxy, proxy → server).
        let legs = if captured { 2 } else { 1 };
        assert_eq!(messages(v, "client_to_server", 9).len(), 8 * legs);
        assert_eq!(messages(v, "server_to_client", 10).len(), 8 * legs);
        assert_eq!(messages(v, "server_to_client", 10)[0]["data_base64"], "aGIw", "pong carries the ping's payload \"hb0\"");
        // The silent connection is reset by the proxy: no close frame.
        assert_eq!(findings(v, "ws.no_close_frame"), legs);
        assert_eq!(closes(v, "client_to_server"), vec![1000; legs]);
    });
}

#[test]
fn clean_close_against_killed_connection() {
    both("close", |v, _| {
        let c = messages(v, "client_to_server", 8);
        assert_eq!((c.len(), c[0]["close_code"].as_u64(), c[0]["close_reason"].as_str()), (1, Some(1000), Some("done for today")));
        assert_eq!(closes(v, "server_to_client"), [1000]);
        assert_eq!(texts(v, "server_to_client"), ["bye soon", "echo: are you there?"]);
        assert_eq!(findings(v, "ws.no_close_frame"), 1);
    });
}

#[test]
fn webhook_calls_back() {
    both("webhook", |v, _| {
        assert_eq!(exchanges(v), s(&["POST /webhooks 202", "POST /hook 200", "POST /hook 200", "POST /hook 200"]));
    });
}

#[test]
fn streaming_tokens_against_one_response() {
    both("streaming", |v, _| {
        assert_eq!(exchanges(v), s(&["GET /tokens 101", "GET /answer 200"]));
        let tokens = texts(v, "server_to_client");
        assert_eq!(tokens.last().map(String::as_str), Some("[DONE]"));
        let streamed: String = tokens[..tokens.len() - 1].concat();
        let answer = v["http"].as_array().unwrap().iter().find(|e| e["request"]["target"] == "/answer").unwrap();
        assert_eq!(streamed.trim_end().len() as u64, answer["response"]["body_len"].as_u64().unwrap());
    });
}

#[test]
fn permessage_deflate_on_against_off() {
    both("deflate", |v, out| {
        assert_eq!(exchanges(v), s(&["GET /plain 101", "GET /deflate 101"]));
        let all = messages(v, "server_to_client", 1);
        assert_eq!(all.len(), 20);
        assert_eq!(all.iter().filter(|m| m["compressed"] == true).count(), 10);
        assert_eq!(messages(v, "client_to_server", 1).iter().filter(|m| m["compressed"] == true).count(), 10);
        // Inflated with context takeover, every compressed message reads as the plain one did.
        let (plain, packed): (Vec<_>, Vec<_>) = all.iter().partition(|m| m["compressed"] == false);
        for (a, b) in plain.iter().zip(&packed) {
            assert_eq!(a["text"], b["text"]);
        }
        assert!(out.contains("% saved"), "{out}");
        assert_eq!(findings(v, "ws.inflate_failed"), 0);
    });
}

#[test]
fn chunked_and_gzip() {
    both("chunked-gzip", |v, _| {
        assert_eq!(exchanges(v), s(&["GET /chunked 200"]));
        let r = &v["http"][0]["response"];
        assert_eq!(r["body_len"], 2752);
        assert!(r["wire_body_len"].as_u64().unwrap() < 1000, "{r}");
    });
}

#[test]
fn lab_list_and_unknown_scenario() {
    let out = Command::new(bin()).args(["lab", "list"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let ids: Vec<&str> = text.lines().filter_map(|l| l.split_whitespace().collect::<Vec<_>>().get(..2).map(|w| w[1])).collect();
    for id in [
        "handshake",
        "keep-alive",
        "status-codes",
        "rest-crud",
        "push-vs-poll",
        "ws-upgrade",
        "chat",
        "heartbeat",
        "close",
        "webhook",
        "streaming",
        "deflate",
        "chunked-gzip",
        "https-wss",
        "h1-vs-h2",
    ] {
        assert!(ids.contains(&id), "{id} missing from:\n{text}");
    }
    let zh = Command::new(bin()).args(["lab", "list", "--lang", "zh"]).output().unwrap();
    assert!(String::from_utf8_lossy(&zh.stdout).contains("三次握手"));
    let bad = Command::new(bin()).args(["lab", "no-such"]).output().unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no lab scenario \"no-such\""));
}

fn has_tshark() -> bool {
    Command::new("tshark").arg("-v").output().is_ok_and(|o| o.status.success())
}

/// tshark's fields (tab-separated) of the packets matching `filter`.
fn tshark(file: &std::path::Path, extra: &[&str], filter: &str, fields: &[&str]) -> Vec<Vec<String>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(file).args(extra).args(["-Y", filter, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "tshark: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(|l| l.split('\t').map(str::to_string).collect()).collect()
}

/// The Decryption Secrets Blocks of a little-endian pcapng file, read by the format's own framing
/// (block type, total length; draft-ietf-opsawg-pcapng §3.1, §4.7): for each, how many packets
/// (Enhanced Packet Blocks) came before it, its secrets type and its text.
fn secrets_blocks(bytes: &[u8]) -> Vec<(usize, u32, String)> {
    let (mut at, mut packets, mut out) = (0usize, 0usize, Vec::new());
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap());
    while at + 12 <= bytes.len() {
        let (kind, len) = (u32_at(at), u32_at(at + 4) as usize);
        assert!(len >= 12 && at + len <= bytes.len(), "bad block at {at}");
        match kind {
            6 => packets += 1,
            0x0a => {
                let n = u32_at(at + 12) as usize;
                out.push((packets, u32_at(at + 8), String::from_utf8_lossy(&bytes[at + 16..at + 16 + n]).into_owned()));
            }
            _ => {}
        }
        at += len;
    }
    out
}

/// A figure's value as the CLI prints it ("  label      value").
fn figure<'a>(out: &'a str, label: &str) -> &'a str {
    out.lines().find_map(|l| l.trim_start().strip_prefix(label)).map(str::trim).unwrap_or_else(|| panic!("no figure {label:?} in:\n{out}"))
}

#[test]
fn https_and_wss_recording_embeds_its_keys() {
    for relay in [false, true] {
        let (v, out, file) = run_keep("https-wss", relay);
        // In the clear: the POST and the WebSocket message as the client sent them.
        let x = exchanges(&v);
        assert!(x.contains(&"POST /validate 200".to_string()) && x.contains(&"GET /echo 101".to_string()), "{x:?}");
        assert!(texts(&v, "client_to_server").contains(&"meet me at the library at noon".to_string()));
        // The client's own count of the plaintext POST's bytes is what the recording holds.
        let plain = v["connections"].as_array().unwrap().iter().find(|c| c["protocol"] == "http").unwrap();
        assert_eq!(
            figure(&out, "http:// request / response bytes"),
            format!("{} / {}", plain["bytes_client_to_server"], plain["bytes_server_to_client"])
        );
        // Two TLS connections, each naming localhost in its SNI; the ciphertext is larger.
        let tls: Vec<&Value> = v["connections"].as_array().unwrap().iter().filter(|c| c["tls"]["sni"] == "localhost").collect();
        assert_eq!(tls.len(), 2, "{}", v["connections"]);
        assert!(tls.iter().all(|c| c["end"] == "fin"), "each TLS connection ends with FIN, not a reset: {}", v["connections"]);
        let sizes: Vec<u64> = figure(&out, "https:// plaintext → TLS request bytes").split(" → ").map(|n| n.parse().unwrap()).collect();
        assert!(sizes[1] > sizes[0], "{sizes:?}");
        // The keys: one or more DSBs of NSS key-log lines (TLSK), five per TLS 1.3 connection.
        let blocks = secrets_blocks(&std::fs::read(&file).unwrap());
        assert!(!blocks.is_empty(), "no Decryption Secrets Block");
        let lines: Vec<(usize, String)> = blocks
            .iter()
            .flat_map(|(k, kind, text)| {
                assert_eq!(*kind, 0x544c534b, "secrets type TLSK");
                text.lines().map(|l| (*k, l.to_string())).collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(lines.len(), 10, "{lines:?}");
        assert_eq!(figure(&out, "TLS key-log lines embedded"), "10");
        for (_, l) in &lines {
            let f: Vec<&str> = l.split(' ').collect();
            assert!(f.len() == 3 && f[1].len() == 64 && f[2].len() >= 64, "{l}");
            assert!(
                [
                    "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                    "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                    "CLIENT_TRAFFIC_SECRET_0",
                    "SERVER_TRAFFIC_SECRET_0",
                    "EXPORTER_SECRET"
                ]
                .contains(&f[0]),
                "{l}"
            );
        }
        if has_tshark() {
            // Each ClientHello's random has its keys, in a block before the connection's first
            // encrypted application record.
            let hellos = tshark(&file, &[], "tls.handshake.type == 1", &["tcp.stream", "tls.handshake.random"]);
            assert_eq!(hellos.len(), 2, "{hellos:?}");
            for h in &hellos {
                let first_app: usize =
                    tshark(&file, &[], &format!("tcp.stream == {} && tls.record.content_type == 23", h[0]), &["frame.number"])[0][0]
                        .parse()
                        .unwrap();
                let before = lines
                    .iter()
                    .filter(|(_, l)| l.contains(&h[1]))
                    .map(|(k, _)| *k)
                    .max()
                    .unwrap_or_else(|| panic!("no keys for {}", h[1]));
                assert!(before < first_app, "keys after packet {before}, first application data in packet {first_app}");
            }
            // tshark decrypts with the embedded keys: both POSTs and both messages, TLS ones included.
            let tls_streams: Vec<&str> = hellos.iter().map(|h| h[0].as_str()).collect();
            let posts = tshark(&file, &[], "http.request.method == \"POST\"", &["tcp.stream", "http.file_data"]);
            assert_eq!(posts.len(), 2, "{posts:?}");
            assert!(posts.iter().any(|p| tls_streams.contains(&p[0].as_str()) && p[1].contains("correct horse")), "{posts:?}");
            let msgs = tshark(&file, &[], "websocket.payload.text", &["tcp.stream", "websocket.payload.text"]);
            assert!(msgs.iter().any(|m| tls_streams.contains(&m[0].as_str()) && m[1] == "meet me at the library at noon"), "{msgs:?}");
        }
        let _ = std::fs::remove_file(&file);
    }
}

#[test]
fn http2_multiplexing_against_head_of_line_blocking() {
    for relay in [false, true] {
        let (v, out, file) = run_keep("h1-vs-h2", relay);
        // One HTTP/1.1 connection with the six requests, one after another, and one HTTP/2 one.
        let conns = v["connections"].as_array().unwrap();
        assert_eq!(conns.len(), 2, "{}", v["connections"]);
        let h1: Vec<String> = v["http"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["request"]["version"] == "HTTP/1.1")
            .map(|e| {
                assert_eq!(e["connection"], 0);
                format!("{} {}", e["request"]["target"].as_str().unwrap(), e["response"]["status"])
            })
            .collect();
        let want: Vec<String> = [(1, 1000), (2, 200), (3, 200), (4, 200), (5, 200), (6, 200)]
            .iter()
            .map(|(n, ms)| format!("/slow?ms={ms}&n={n} 200"))
            .collect();
        assert_eq!(h1, want);
        // (Which protocol the analyzer names for the h2c connection is its own matter: hyper's
        // server sends its SETTINGS at once, so the relay may record them before the preface.)
        let secs = |label: &str| figure(&out, label).trim_end_matches(" s").parse::<f64>().unwrap();
        let (h1_last, h2_last) = (secs("HTTP/1.1: time to the last response"), secs("HTTP/2: time to the last response"));
        if has_tshark() {
            let port = conns[1]["server"].as_str().unwrap().rsplit(':').next().unwrap().to_string();
            let decode = format!("tcp.port=={port},http2");
            let d = ["-d", decode.as_str()];
            // tshark's decode: six requests, each on a stream of its own, all on one TCP connection.
            let reqs = tshark(&file, &d, "http2.headers.method", &["tcp.stream", "http2.streamid", "http2.headers.path"]);
            let streams: std::collections::BTreeSet<&str> = reqs.iter().map(|r| r[0].as_str()).collect();
            assert_eq!(streams.len(), 1, "{reqs:?}");
            let ids: std::collections::BTreeSet<String> =
                reqs.iter().flat_map(|r| r[1].split(',').filter(|id| *id != "0").map(str::to_string).collect::<Vec<_>>()).collect();
            assert_eq!(ids.len(), 6, "{reqs:?}");
            // The last response of each, timed from its connection's SYN in the recording.
            let syn = |stream: &str| -> f64 {
                tshark(&file, &d, &format!("tcp.stream == {stream} && tcp.flags.syn == 1 && tcp.flags.ack == 0"), &["frame.time_epoch"])[0]
                    [0]
                .parse()
                .unwrap()
            };
            let last = |rows: Vec<Vec<String>>| -> f64 { rows.iter().map(|r| r[0].parse::<f64>().unwrap()).fold(0.0, f64::max) };
            let h2_stream = streams.iter().next().unwrap().to_string();
            let h2_end = last(tshark(&file, &d, "http2.headers.status", &["frame.time_epoch"])) - syn(&h2_stream);
            let h1_stream = if h2_stream == "0" { "1" } else { "0" };
            let h1_end = last(tshark(&file, &d, "http.response.code", &["frame.time_epoch"])) - syn(h1_stream);
            assert!(h2_end < h1_end, "HTTP/2's last response at {h2_end:.3} s, HTTP/1.1's at {h1_end:.3} s");
            // The narration's numbers are the run's: they match the recording's times.
            assert!(
                (h1_end - h1_last).abs() < 0.25 && (h2_end - h2_last).abs() < 0.25,
                "said {h1_last}/{h2_last}, recorded {h1_end:.3}/{h2_end:.3}"
            );
        } else {
            assert!(h2_last < h1_last, "{out}");
        }
        let _ = std::fs::remove_file(&file);
    }
}
