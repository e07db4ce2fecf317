//! The `wirescope` command line as a script would use it.

mod common;

use std::process::Command;

fn ws(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_wirescope")).args(args).output().unwrap();
    (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn cap(name: &str) -> String {
    common::captures_dir().join(name).display().to_string()
}

#[test]
fn errors_are_one_clear_line_and_non_zero() {
    let (code, out, err) = ws(&["analyze", "/no/such/file.pcap"]);
    assert_ne!(code, 0);
    assert!(out.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("cannot open /no/such/file.pcap: no such file"), "{err}");
    let (code, _, err) = ws(&["analyze", &cap("README.md")]);
    assert_ne!(code, 0);
    assert!(err.contains("not a capture file"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn text_summary_reads_like_a_report() {
    let (code, out, _) = ws(&["analyze", &cap("websocket-close.pcapng")]);
    assert_eq!(code, 0);
    for want in [
        "23 packets, 2 connections (2 WebSocket), 2 HTTP exchanges, 5 WebSocket messages, 1 finding\n",
        "server → client: 1 message (1 close), 22 B",
        "client → server: 2 messages (1 text, 1 close), 26 B",
        "101 Switching Protocols",
        "Sec-WebSocket-Accept verified",
        "1001 Going Away \"server shutting down\"",
        "1006 Abnormal Closure",
        "ws.no_close_frame",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
}

#[test]
fn truncated_capture_prints_results_then_a_warning() {
    let full = std::fs::read(common::captures_dir().join("http-keepalive.pcap")).unwrap();
    let p = std::env::temp_dir().join(format!("wirescope-cli-{}.pcap", std::process::id()));
    std::fs::write(&p, &full[..full.len() - 10]).unwrap();
    let (code, out, err) = ws(&["analyze", p.to_str().unwrap()]);
    let _ = std::fs::remove_file(&p);
    assert_eq!(code, 0);
    assert!(out.contains("HTTP exchanges"), "{out}");
    assert!(err.contains("warning") && err.contains("ends in the middle of packet"), "{err}");
}

#[test]
fn json_follows_the_contract() {
    let (code, out, _) = ws(&["analyze", &cap("websocket-basics.pcapng"), "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    for k in ["packets", "connections", "http", "websocket", "findings"] {
        assert!(v.get(k).is_some(), "missing {k}");
    }
    let c = &v["connections"][0];
    for k in
        ["id", "client", "server", "protocol", "first_packet", "last_packet", "bytes_client_to_server", "bytes_server_to_client", "end"]
    {
        assert!(c.get(k).is_some(), "connection lacks {k}");
    }
    assert_eq!(c["protocol"], "websocket");
    assert_eq!(c["end"], "fin");
    let h = &v["http"][0];
    assert_eq!(h["request"]["method"], "GET");
    assert_eq!(h["response"]["status"], 101);
    assert!(h["request"]["headers"].as_array().unwrap().iter().any(|p| p[0] == "Upgrade" && p[1] == "websocket"));
    let m = &v["websocket"][0];
    assert_eq!(
        (m["direction"].as_str(), m["opcode"].as_u64(), m["text"].as_str()),
        (Some("client_to_server"), Some(1), Some("Hello, WebSocket!"))
    );
    let bin = v["websocket"].as_array().unwrap().iter().find(|m| m["opcode"] == 2).unwrap();
    assert!(bin["data_base64"].as_str().unwrap().starts_with("AAECAwQF"));
    let close = v["websocket"].as_array().unwrap().iter().find(|m| m["opcode"] == 8).unwrap();
    assert_eq!((close["close_code"].as_u64(), close["close_reason"].as_str()), (Some(1000), Some("done")));
    let big = v["websocket"].as_array().unwrap().iter().find(|m| m["len"] == 70000).unwrap();
    assert_eq!(big["text"].as_str().unwrap().len(), 4096, "default payload limit");
    assert_eq!(big["payload_truncated"], true);
    // Each key once per record (a flattened struct once printed `payload_truncated` twice).
    let records = out.split("\"websocket\":[").nth(1).unwrap().split("],\"findings\"").next().unwrap();
    let n = v["websocket"].as_array().unwrap().len();
    assert_eq!(records.matches("\"payload_truncated\":").count(), n);
    assert_eq!(records.matches("\"connection\":").count(), n);
}

#[test]
fn payload_limit_none_and_all() {
    let (_, out, _) = ws(&["analyze", &cap("websocket-basics.pcapng"), "--format", "json", "--payload-limit", "0"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["websocket"].as_array().unwrap().iter().all(|m| m.get("text").is_none() && m.get("data_base64").is_none()));
    let (_, out, _) = ws(&["analyze", &cap("websocket-basics.pcapng"), "--format", "json", "--payload-limit", "all"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let big = v["websocket"].as_array().unwrap().iter().find(|m| m["len"] == 70000).unwrap();
    assert_eq!(big["text"].as_str().unwrap().len(), 70000);
    let (code, _, err) = ws(&["analyze", &cap("websocket-basics.pcapng"), "--payload-limit", "lots"]);
    assert_ne!(code, 0);
    assert!(err.contains("\"all\""), "{err}");
}

#[test]
fn har_has_websocket_messages_like_chrome() {
    let out_path = std::env::temp_dir().join(format!("wirescope-{}.har", std::process::id()));
    let (code, _, _) = ws(&["analyze", &cap("websocket-deflate.pcapng"), "--format", "har", "-o", out_path.to_str().unwrap()]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out_path).unwrap()).unwrap();
    let _ = std::fs::remove_file(&out_path);
    assert_eq!(v["log"]["version"], "1.2");
    let e = &v["log"]["entries"][0];
    assert_eq!(e["response"]["status"], 101);
    let msgs = e["_webSocketMessages"].as_array().unwrap();
    assert_eq!(msgs[0]["type"], "send");
    assert_eq!(msgs[0]["data"], "Hello, WebSocket!");
    assert_eq!(msgs[1]["type"], "receive");
    let (_, out, _) = ws(&["analyze", &cap("http-chunked-gzip.pcapng"), "--format", "har"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let text = v["log"]["entries"][0]["response"]["content"]["text"].as_str().unwrap();
    assert!(text.starts_with("line 0: the quick brown fox"), "gzip body decoded for HAR");
}

#[test]
fn help_everywhere() {
    let (code, out, _) = ws(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("analyze"));
    let (code, out, _) = ws(&["analyze", "--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("--payload-limit") && out.contains("--format"));
}

/// `--lang zh` prints the same summary in Chinese: its first line's counts agree with tshark
/// (packets, TCP streams) and with the JSON (exchanges, messages, findings), with Chinese measure
/// words; a finding reads in Chinese; the JSON does not change with the language.
#[test]
fn text_summary_in_chinese_counts_what_the_capture_holds() {
    for name in ["websocket-close.pcapng", "http-status-codes.pcapng", "websocket-basics.pcapng"] {
        let path = cap(name);
        // tshark's packet facts, saved by captures/expected.sh (every packet of these files is TCP):
        // one row per packet, tcp.stream in column 3.
        let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
        let tsv = std::fs::read_to_string(format!("{}/captures/expected/{stem}.tcp.tsv", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let streams: Vec<&str> = tsv.lines().map(|l| l.split('\t').nth(2).unwrap_or("")).collect();
        let packets = streams.len();
        let conns = streams.iter().collect::<std::collections::BTreeSet<_>>().len();
        let (_, json, _) = ws(&["analyze", &path, "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let n = |k: &str| v[k].as_array().map_or(0, Vec::len);
        let findings = match n("findings") {
            0 => "无发现".to_string(),
            f => format!("{f} 个发现"),
        };
        let (code, out, _) = ws(&["analyze", &path, "--lang", "zh"]);
        assert_eq!(code, 0);
        let first = out.lines().next().unwrap_or("");
        assert!(first.starts_with(&format!("{path}：{packets} 个数据包，{conns} 个连接（")), "{first}");
        let rest = format!("，{} 个 HTTP 交换，{} 条 WebSocket 消息，{findings}", n("http"), n("websocket"));
        assert!(first.ends_with(&rest), "{first}\nwanted the end {rest}");
        for section in ["\n连接\n", "\nHTTP 交换\n"] {
            assert!(out.contains(section), "{out}");
        }
        let (_, json_zh, _) = ws(&["analyze", &path, "--format", "json", "--lang", "zh"]);
        assert_eq!(json, json_zh);
    }
    // websocket-close ends its second connection with RST and no close frame (README, tshark shows
    // the RST): the finding and the close line say so in Chinese.
    let (_, out, _) = ws(&["analyze", &cap("websocket-close.pcapng"), "--lang", "zh"]);
    assert!(out.contains("\n发现的问题\n"), "{out}");
    assert!(out.lines().any(|l| l.contains("ws.no_close_frame：") && l.contains("1006 异常关闭") && l.starts_with("  警告")), "{out}");
    assert!(out.contains("关闭：TCP 连接结束前没有关闭帧"), "{out}");
}
