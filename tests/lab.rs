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
    let _ = std::fs::remove_file(&file);
    (v, stdout)
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
    ] {
        assert!(ids.contains(&id), "{id} missing from:\n{text}");
    }
    let zh = Command::new(bin()).args(["lab", "list", "--lang", "zh"]).output().unwrap();
    assert!(String::from_utf8_lossy(&zh.stdout).contains("三次握手"));
    let bad = Command::new(bin()).args(["lab", "no-such"]).output().unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no lab scenario \"no-such\""));
}
