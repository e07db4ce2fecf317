//! The scripted clients of the lab: one async function per scenario. Each narrates what it is about
//! to do (English and Chinese), does it against the lab servers, and returns measured figures.

use super::servers::{Servers, ANSWER};
use super::{Figure, Narrator, Outcome, Pin};
use crate::analysis::explain::{close_code_meaning, status_meaning, Lang};
use crate::net::http_client::{self, ws_connect, HttpConn, Reply, Tally};
use crate::proto::websocket::handshake::{accept_for, sha1_hex, GUID};
use futures_util::{SinkExt, StreamExt};
use http_body_util::BodyExt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

pub(super) const T: Duration = Duration::from_secs(5);

/// What a scenario runs against.
pub struct Ctx<'a> {
    pub servers: &'a Servers,
    pub relay: Option<&'a super::relay::Relay>,
    pub say: Narrator,
}

impl Ctx<'_> {
    /// Where to connect to reach a lab server (through the relay when recording without capture).
    pub fn addr(&self, a: SocketAddr) -> SocketAddr {
        self.relay.map_or(a, |r| r.front(a))
    }
    pub(super) fn say(&self, en: impl Into<String>, zh: impl Into<String>) {
        self.say.say(en, zh);
    }
    /// A line about one arrow: the diagram pins it there.
    pub(super) fn say_at(&self, pin: Option<super::Pin>, en: impl Into<String>, zh: impl Into<String>) {
        self.say.say_at(pin, en, zh);
    }
}

pub(super) fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

pub(super) fn fig(out: &mut Outcome, en: &str, zh: &str, value: impl Into<String>) {
    let value = value.into();
    out.figures.push(Figure { en: en.into(), zh: zh.into(), value_zh: value.clone(), value });
}

/// A connection error as the Chinese narration says it (the library's words when it is not a
/// reset).
fn error_zh(e: &str) -> String {
    if e.contains("reset") {
        "连接被对方用 RST 重置".into()
    } else if e.contains("closed") || e.contains("ended") {
        "连接已结束".into()
    } else {
        e.to_string()
    }
}

/// A figure whose value has words in it.
pub(super) fn fig2(out: &mut Outcome, en: &str, zh: &str, value: String, value_zh: String) {
    out.figures.push(Figure { en: en.into(), zh: zh.into(), value, value_zh });
}

pub(super) fn check(r: &Reply, want: u16, what: &str) -> Result<(), String> {
    if r.status == want {
        Ok(())
    } else {
        Err(format!("{what}: expected {want}, the lab server answered {}", r.status))
    }
}

pub async fn run(id: &str, cx: &Ctx<'_>) -> Result<Outcome, String> {
    match id {
        "handshake" => handshake(cx).await,
        "keep-alive" => keep_alive(cx).await,
        "status-codes" => status_codes(cx).await,
        "rest-crud" => rest_crud(cx).await,
        "push-vs-poll" => push_vs_poll(cx).await,
        "ws-upgrade" => ws_upgrade(cx).await,
        "chat" => chat(cx).await,
        "heartbeat" => heartbeat(cx).await,
        "close" => closing(cx).await,
        "webhook" => webhook(cx).await,
        "streaming" => streaming(cx).await,
        "deflate" => deflate(cx).await,
        "chunked-gzip" => chunked_gzip(cx).await,
        "https-wss" => super::tls_h2::https_wss(cx).await,
        "h1-vs-h2" => super::tls_h2::h1_vs_h2(cx).await,
        _ => Err(format!("no lab scenario \"{id}\" (see `wirescope lab list`)")),
    }
}

async fn handshake(cx: &Ctx<'_>) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    cx.say_at(
        Pin::next("SYN"),
        "The client opens a TCP connection: SYN, the server answers SYN-ACK, the client ACKs. Three packets, one round trip.",
        "客户端建立 TCP 连接：发 SYN，服务器回 SYN-ACK，客户端再回 ACK。三个数据包，一个往返。",
    );
    let mut c = HttpConn::connect(cx.addr(cx.servers.http), Arc::new(Tally::default()), T).await?;
    fig(&mut out, "TCP connect (handshake round trip)", "TCP 建连（握手往返）", ms(c.connect_time));
    cx.say_at(
        Pin::next("GET /hello"),
        "Now one request: GET /hello, asking the server to close afterwards (Connection: close).",
        "现在发一个请求：GET /hello，并要求服务器完成后关闭连接（Connection: close）。",
    );
    let r = c.request("GET", "/hello", &[("connection", "close")], Vec::new(), T).await?;
    check(&r, 200, "GET /hello")?;
    cx.say_at(Pin::last("200 OK"), 
        format!("200 OK with {} bytes of body. With Connection: close both sides now end the connection: each sends a FIN and the other acknowledges it (the diagram shows who went first).", r.body.len()),
        format!("收到 200 OK，响应体 {} 字节。由于 Connection: close，双方随即结束连接：各自发送 FIN，并由对方确认（时序图显示谁先发）。", r.body.len()),
    );
    fig(&mut out, "Time to first byte", "首字节时间", ms(r.first_byte));
    fig(&mut out, "Status", "状态码", format!("{} {}", r.status, r.reason));
    Ok(out)
}

async fn keep_alive(cx: &Ctx<'_>) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    let addr = cx.addr(cx.servers.http);
    cx.say_at(
        Pin::next("SYN"),
        "Five requests on ONE connection (keep-alive): one handshake, then request after request.",
        "在一个连接上发五个请求（长连接）：只握手一次，然后一个接一个地请求。",
    );
    let t0 = Instant::now();
    let tally = Arc::new(Tally::default());
    let mut c = HttpConn::connect(addr, tally.clone(), T).await?;
    for i in 1..=5 {
        let h = if i == 5 { vec![("connection", "close")] } else { Vec::new() };
        let r = c.request("GET", &format!("/hello?n={i}"), &h, Vec::new(), T).await?;
        check(&r, 200, "GET /hello")?;
    }
    let one = t0.elapsed();
    tokio::time::sleep(Duration::from_millis(150)).await;
    cx.say_at(
        Pin::next("SYN"),
        "Now the same five requests on FIVE connections: a handshake and a teardown each time.",
        "现在用五个连接发同样的五个请求：每次都要握手和挥手。",
    );
    let t1 = Instant::now();
    let mut bytes = 0;
    for i in 1..=5 {
        let tally5 = Arc::new(Tally::default());
        let mut c = HttpConn::connect(addr, tally5.clone(), T).await?;
        let r = c.request("GET", &format!("/hello?n={i}"), &[("connection", "close")], Vec::new(), T).await?;
        check(&r, 200, "GET /hello")?;
        bytes += tally5.total();
    }
    let five = t1.elapsed();
    cx.say(
        format!("One connection took {}, five connections {}. Count the SYNs and FINs in the diagram: on loopback a handshake costs microseconds, across the Internet each one costs a full round trip (often 20-200 ms).", ms(one), ms(five)),
        format!("一个连接用时 {}，五个连接用时 {}。在时序图里数一数 SYN 和 FIN：本机回环上握手只需几微秒，跨越互联网时每次握手都要一个完整往返（常见 20-200 毫秒）。", ms(one), ms(five)),
    );
    fig(&mut out, "5 requests, 1 connection", "5 个请求，1 个连接", format!("{} · {} B", ms(one), tally.total()));
    fig(&mut out, "5 requests, 5 connections", "5 个请求，5 个连接", format!("{} · {} B", ms(five), bytes));
    Ok(out)
}

async fn status_codes(cx: &Ctx<'_>) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    let mut c = HttpConn::connect(cx.addr(cx.servers.http), Arc::new(Tally::default()), T).await?;
    cx.say_at(Pin::next("GET /hello"), "A tour of status codes on one keep-alive connection.", "在一个长连接上逐一演示状态码。");
    let json = [("content-type", "application/json")];
    let steps: Vec<(&str, String, Vec<(&str, &str)>, &str, u16)> = vec![
        ("GET", "/hello".into(), vec![], "", 200),
        ("POST", "/items".into(), json.to_vec(), r#"{"name":"eraser","price":1}"#, 201),
        ("DELETE", "/items/2".into(), vec![], "", 204),
        ("GET", "/redirect/301".into(), vec![], "", 301),
        ("GET", "/redirect/302".into(), vec![], "", 302),
        ("GET", "/etag".into(), vec![], "", 200),
        ("GET", "/etag".into(), vec![("if-none-match", "\"v1\"")], "", 304),
        ("POST", "/validate".into(), json.to_vec(), "{not json", 400),
        ("GET", "/private".into(), vec![], "", 401),
        ("GET", "/admin".into(), vec![], "", 403),
        ("GET", "/no-such-page".into(), vec![], "", 404),
        ("DELETE", "/hello".into(), vec![], "", 405),
        ("GET", "/limited".into(), vec![], "", 429),
        ("GET", "/boom".into(), vec![], "", 500),
    ];
    for (method, target, headers, body, want) in steps {
        let r = c.request(method, &target, &headers, body.as_bytes().to_vec(), T).await?;
        check(&r, want, &format!("{method} {target}"))?;
        cx.say_at(
            Pin::last(format!("{} {}", r.status, r.reason)),
            format!("{method} {target} → {} {}: {}", r.status, r.reason, status_meaning(r.status, Lang::En)),
            format!("{method} {target} → {} {}：{}", r.status, r.reason, status_meaning(r.status, Lang::Zh)),
        );
        if let Some(loc) = r.header("location").filter(|_| matches!(r.status, 301 | 302)) {
            let loc = loc.to_string();
            let f = c.request("GET", &loc, &[], Vec::new(), T).await?;
            cx.say_at(
                Pin::last(format!("{} {}", f.status, f.reason)),
                format!("The client follows Location: {loc} → {} {}", f.status, f.reason),
                format!("客户端跟随 Location: {loc} → {} {}", f.status, f.reason),
            );
        }
        if let Some(ra) = r.header("retry-after") {
            fig(&mut out, "429 Retry-After", "429 的 Retry-After", format!("{ra} s"));
        }
        fig(&mut out, &format!("{method} {target}"), &format!("{method} {target}"), format!("{} {}", r.status, r.reason));
    }
    Ok(out)
}

async fn rest_crud(cx: &Ctx<'_>) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    let mut c = HttpConn::connect(cx.addr(cx.servers.http), Arc::new(Tally::default()), T).await?;
    let json = [("content-type", "application/json")];
    cx.say_at(Pin::next("GET /items"), "GET /items: read the collection.", "GET /items：读取资源集合。");
    let r = c.request("GET", "/items", &[], Vec::new(), T).await?;
    check(&r, 200, "GET /items")?;
    cx.say_at(
        Pin::next("POST /items"),
        "POST /items: create. The answer is 201 Created with a Location header.",
        "POST /items：创建。响应是 201 Created，并带 Location 头。",
    );
    let r = c.request("POST", "/items", &json, br#"{"name":"notebook","price":5}"#.to_vec(), T).await?;
    check(&r, 201, "POST /items")?;
    let loc = r.header("location").unwrap_or("/items/2").to_string();
    fig(&mut out, "Created at", "新资源位置", loc.clone());
    let r = c.request("GET", &loc, &[], Vec::new(), T).await?;
    check(&r, 200, "GET item")?;
    cx.say_at(
        Pin::next("PUT "),
        "PUT replaces the whole item; PATCH changes only the fields sent.",
        "PUT 整体替换；PATCH 只修改发送的字段。",
    );
    let r = c.request("PUT", &loc, &json, br#"{"name":"notebook","price":6,"color":"blue"}"#.to_vec(), T).await?;
    check(&r, 200, "PUT")?;
    let r = c.request("PATCH", &loc, &json, br#"{"price":4}"#.to_vec(), T).await?;
    check(&r, 200, "PATCH")?;
    fig(&mut out, "After PATCH", "PATCH 之后", String::from_utf8_lossy(&r.body).into_owned());
    cx.say_at(
        Pin::next("DELETE "),
        "DELETE removes it (204 No Content); a GET afterwards finds nothing (404).",
        "DELETE 删除（204 No Content）；之后再 GET 就找不到了（404）。",
    );
    let r = c.request("DELETE", &loc, &[], Vec::new(), T).await?;
    check(&r, 204, "DELETE")?;
    let r = c.request("GET", &loc, &[("connection", "close")], Vec::new(), T).await?;
    check(&r, 404, "GET after DELETE")?;
    fig(&mut out, "GET after DELETE", "删除后再 GET", format!("{} {}", r.status, r.reason));
    Ok(out)
}

#[derive(Default)]
struct Delivery {
    requests: u32,
    latencies: Vec<f64>,
    seen: u32,
}

fn note_events(body: &[u8], d: &mut Delivery, last: &mut u32) {
    let now = super::now_ns();
    let text = String::from_utf8_lossy(body);
    // Each event is a JSON object; read ids and send times out of any framing (array, SSE, message).
    for part in text.split("{\"id\":").skip(1) {
        let id: u32 = part.split(|c: char| !c.is_ascii_digit()).next().and_then(|s| s.parse().ok()).unwrap_or(0);
        let sent: i64 = part
            .split("\"sent_ns\":")
            .nth(1)
            .and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|s| s.parse().ok())
            .unwrap_or(now);
        if id > *last {
            *last = id;
            d.seen += 1;
            d.latencies.push((now - sent) as f64 / 1e6);
        }
    }
}

async fn push_vs_poll(cx: &Ctx<'_>) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    let n = cx.servers.state.hub.series;
    let http = cx.addr(cx.servers.http);
    let ws_url = format!("ws://{}/events", cx.addr(cx.servers.ws));
    cx.say(
        format!("Four clients wait for the same {n} server events (one every 250 ms): short polling every 500 ms, long polling, Server-Sent Events, WebSocket."),
        format!("四个客户端等待同样的 {n} 个服务器事件（每 250 毫秒一个）：每 500 毫秒短轮询、长轮询、SSE、WebSocket。"),
    );
    let tallies: Vec<Arc<Tally>> = (0..4).map(|_| Arc::new(Tally::default())).collect();
    let short = async {
        let mut d = Delivery::default();
        let mut last = 0;
        let mut c = HttpConn::connect(http, tallies[0].clone(), T).await?;
        while d.seen < n && d.requests < 60 {
            let r = c.request("GET", &format!("/poll?since={last}"), &[], Vec::new(), T).await?;
            d.requests += 1;
            note_events(&r.body, &mut d, &mut last);
            if d.seen < n {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
        Ok::<_, String>(d)
    };
    let long = async {
        let mut d = Delivery::default();
        let mut last = 0;
        let mut c = HttpConn::connect(http, tallies[1].clone(), T).await?;
        while d.seen < n && d.requests < 60 {
            let r = c.request("GET", &format!("/long-poll?since={last}"), &[], Vec::new(), Duration::from_secs(15)).await?;
            d.requests += 1;
            note_events(&r.body, &mut d, &mut last);
        }
        Ok::<_, String>(d)
    };
    let sse = async {
        let mut d = Delivery { requests: 1, ..Delivery::default() };
        let mut last = 0;
        let mut c = HttpConn::connect(http, tallies[2].clone(), T).await?;
        let resp = c.get_streaming("/sse", T).await?;
        let mut body = resp.into_body();
        while d.seen < n {
            match tokio::time::timeout(Duration::from_secs(10), body.frame()).await {
                Ok(Some(Ok(f))) => {
                    if let Some(b) = f.data_ref() {
                        note_events(b, &mut d, &mut last);
                    }
                }
                _ => break,
            }
        }
        Ok::<_, String>(d)
    };
    let ws = async {
        let mut d = Delivery { requests: 1, ..Delivery::default() };
        let mut last = 0;
        let (mut s, _) = ws_connect(&ws_url, &[], &[], tallies[3].clone(), T).await?;
        while d.seen < n {
            match tokio::time::timeout(Duration::from_secs(10), s.next()).await {
                Ok(Some(Ok(Message::Text(t)))) => note_events(t.as_bytes(), &mut d, &mut last),
                Ok(Some(Ok(_))) => {}
                _ => break,
            }
        }
        let _ = s.close(None).await;
        while let Ok(Some(Ok(_))) = tokio::time::timeout(Duration::from_secs(1), s.next()).await {}
        Ok::<_, String>(d)
    };
    let hub = async {
        // Give the four clients a moment to be in place before the first event.
        tokio::time::sleep(Duration::from_millis(300)).await;
        cx.servers.state.hub.emit_series(n, Duration::from_millis(250)).await;
    };
    let (s, l, e, w, ()) = tokio::join!(short, long, sse, ws, hub);
    let names = [("Short polling", "短轮询"), ("Long polling", "长轮询"), ("Server-Sent Events", "SSE"), ("WebSocket", "WebSocket")];
    let mut summary_en = Vec::new();
    let mut summary_zh = Vec::new();
    for (i, r) in [s?, l?, e?, w?].into_iter().enumerate() {
        let mean = r.latencies.iter().sum::<f64>() / r.latencies.len().max(1) as f64;
        let max = r.latencies.iter().cloned().fold(0.0, f64::max);
        let bytes = tallies[i].total();
        fig2(
            &mut out,
            names[i].0,
            names[i].1,
            format!(
                "{} {} · {} B on the wire · latency mean {:.1} ms, max {:.1} ms · {}/{} events",
                r.requests,
                if r.requests == 1 { "request" } else { "requests" },
                bytes,
                mean,
                max,
                r.seen,
                n
            ),
            format!(
                "{} 次请求 · 线上 {} B · 平均延迟 {:.1} ms，最大 {:.1} ms · 收到 {}/{} 个事件",
                r.requests, bytes, mean, max, r.seen, n
            ),
        );
        summary_en.push(format!(
            "{}: {} {}, mean latency {:.0} ms",
            names[i].0,
            r.requests,
            if r.requests == 1 { "request" } else { "requests" },
            mean
        ));
        summary_zh.push(format!("{}：{} 次请求，平均延迟 {:.0} 毫秒", names[i].1, r.requests, mean));
    }
    cx.say(summary_en.join("; "), summary_zh.join("；"));
    Ok(out)
}

async fn ws_upgrade(cx: &Ctx<'_>) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    let key = {
        use base64::Engine as _;
        let seed = super::now_ns().to_le_bytes();
        base64::engine::general_purpose::STANDARD.encode([seed, seed].concat())
    };
    let expected = accept_for(&key);
    cx.say_at(Pin::next("GET /echo"), 
        format!("Step 1: an ordinary GET with Upgrade: websocket, Connection: Upgrade, Sec-WebSocket-Version: 13 and a random Sec-WebSocket-Key: {key}"),
        format!("第 1 步：一个普通的 GET，带 Upgrade: websocket、Connection: Upgrade、Sec-WebSocket-Version: 13 和随机的 Sec-WebSocket-Key：{key}"),
    );
    cx.say_at(
        Pin::next("101 "),
        format!("Step 2: the server appends the fixed GUID {GUID}, takes SHA-1 ({}) and base64: {expected}", sha1_hex(&key)),
        format!("第 2 步：服务器在 Key 后拼接固定 GUID {GUID}，取 SHA-1（{}）再做 base64：{expected}", sha1_hex(&key)),
    );
    let url = format!("ws://{}/echo", cx.addr(cx.servers.ws));
    let (mut ws, resp) = ws_connect(&url, &[], &[("sec-websocket-key", &key)], Arc::new(Tally::default()), T).await?;
    let got = resp.headers().get("sec-websocket-accept").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let ok = got == expected;
    cx.say_at(
        Pin::last("101 "),
        format!(
            "Step 3: 101 Switching Protocols with Sec-WebSocket-Accept: {got} ({}). From here on the bytes are WebSocket frames, not HTTP.",
            if ok { "matches" } else { "DOES NOT match" }
        ),
        format!(
            "第 3 步：101 Switching Protocols，Sec-WebSocket-Accept: {got}（{}）。此后的字节是 WebSocket 帧，不再是 HTTP。",
            if ok { "一致" } else { "不一致" }
        ),
    );
    fig(&mut out, "Sec-WebSocket-Key", "Sec-WebSocket-Key", key.clone());
    fig2(
        &mut out,
        "Sec-WebSocket-Accept",
        "Sec-WebSocket-Accept",
        format!("{got} ({})", if ok { "PASS" } else { "FAIL" }),
        format!("{got}（{}）", if ok { "校验通过" } else { "校验失败" }),
    );
    cx.say_at(
        Pin::next("Text"),
        "Step 4: a masked text frame from the client, echoed unmasked by the server; then close 1000.",
        "第 4 步：客户端发送掩码文本帧，服务器不加掩码原样返回；然后以 1000 关闭。",
    );
    ws.send(Message::text("hello over WebSocket")).await.map_err(|e| e.to_string())?;
    let echo = tokio::time::timeout(T, ws.next()).await.map_err(|_| "no echo (timeout)".to_string())?;
    if let Some(Ok(Message::Text(t))) = echo {
        fig(&mut out, "Echo", "回显", t.to_string());
    }
    ws.close(Some(CloseFrame { code: CloseCode::Normal, reason: "done".into() })).await.map_err(|e| e.to_string())?;
    while let Ok(Some(Ok(_))) = tokio::time::timeout(Duration::from_secs(1), ws.next()).await {}
    if !ok {
        return Err("Sec-WebSocket-Accept did not match".into());
    }
    Ok(out)
}

async fn chat(cx: &Ctx<'_>) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    let url = format!("ws://{}/chat", cx.addr(cx.servers.ws));
    cx.say_at(
        Pin::next("GET /chat"),
        "Alice and Bob each open a WebSocket to the chat server.",
        "Alice 和 Bob 各自与聊天服务器建立 WebSocket 连接。",
    );
    let (mut alice, _) = ws_connect(&url, &[], &[], Arc::new(Tally::default()), T).await?;
    let (mut bob, _) = ws_connect(&url, &[], &[], Arc::new(Tally::default()), T).await?;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let lines = [("alice", "Alice: hi everyone!"), ("bob", "Bob: hello Alice 你好"), ("alice", "Alice: see you in class")];
    let mut delivered = 0;
    for (who, line) in lines {
        cx.say_at(
            Pin::next(line.chars().take(18).collect::<String>()),
            format!("{who} sends \"{line}\"; the server broadcasts it to both clients, unasked."),
            format!("{who} 发送 \"{line}\"；服务器主动把它广播给两个客户端。"),
        );
        let sender = if who == "alice" { &mut alice } else { &mut bob };
        sender.send(Message::text(line)).await.map_err(|e| e.to_string())?;
        for ws in [&mut alice, &mut bob] {
            if let Ok(Some(Ok(Message::Text(t)))) = tokio::time::timeout(T, ws.next()).await {
                if t.as_str() == line {
                    delivered += 1;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    for ws in [&mut alice, &mut bob] {
        let _ = ws.close(Some(CloseFrame { code: CloseCode::Away, reason: "leaving the chat".into() })).await;
        while let Ok(Some(Ok(_))) = tokio::time::timeout(Duration::from_secs(1), ws.next()).await {}
    }
    cx.say_at(Pin::next("Close 1001"), "Both leave with close code 1001 (going away).", "两人都以关闭码 1001（离开）退出。");
    fig(&mut out, "Messages delivered (3 sent × 2 clients)", "送达的消息（3 条 × 2 个客户端）", format!("{delivered}/6"));
    if delivered != 6 {
        return Err(format!("only {delivered} of 6 chat deliveries arrived"));
    }
    Ok(out)
}

async fn heartbeat(cx: &Ctx<'_>) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    let url = format!("ws://{}/echo", cx.addr(cx.servers.idle_proxy));
    let limit = super::servers::IDLE_LIMIT;
    cx.say_at(Pin::next("Ping"), 
        format!("Two WebSockets through a proxy that resets any connection idle for {:.1} s. The first pings every 0.5 s; the second stays silent.", limit.as_secs_f64()),
        format!("两个 WebSocket 都经过一个代理，它会重置空闲 {:.1} 秒的连接。第一个每 0.5 秒 ping 一次；第二个保持沉默。", limit.as_secs_f64()),
    );
    let (mut a, _) = ws_connect(&url, &[], &[], Arc::new(Tally::default()), T).await?;
    let (mut b, _) = ws_connect(&url, &[], &[], Arc::new(Tally::default()), T).await?;
    let pinger = async {
        let mut pongs = 0;
        for i in 0..8u8 {
            tokio::time::sleep(Duration::from_millis(500)).await;
            if a.send(Message::Ping(vec![b'h', b'b', b'0' + i].into())).await.is_err() {
                break;
            }
            if let Ok(Some(Ok(Message::Pong(_)))) = tokio::time::timeout(Duration::from_secs(1), a.next()).await {
                pongs += 1;
            }
        }
        let _ = a.close(Some(CloseFrame { code: CloseCode::Normal, reason: "heartbeat demo over".into() })).await;
        while let Ok(Some(Ok(_))) = tokio::time::timeout(Duration::from_secs(1), a.next()).await {}
        pongs
    };
    let silent = async {
        let t0 = Instant::now();
        let _ = b.send(Message::text("hi, then silence")).await;
        let _ = tokio::time::timeout(T, b.next()).await;
        let end = loop {
            match tokio::time::timeout(Duration::from_secs(6), b.next()).await {
                Ok(Some(Ok(Message::Close(_)))) => break ("close frame".to_string(), "关闭帧".to_string()),
                Ok(Some(Ok(_))) => continue,
                Ok(Some(Err(e))) => break (format!("{e}"), error_zh(&e.to_string())),
                Ok(None) => break ("connection ended".to_string(), "连接已结束".to_string()),
                Err(_) => break ("still open".to_string(), "仍然打开".to_string()),
            }
        };
        (t0.elapsed(), end)
    };
    let (pongs, (after, (how, how_zh))) = tokio::join!(pinger, silent);
    cx.say_at(
        Pin::last("RST"),
        format!(
            "The pinging client got {pongs} pongs and stayed up; the silent one was cut after {} without a close frame ({how}): code 1006.",
            ms(after)
        ),
        format!("ping 的客户端收到 {pongs} 个 pong，连接保持；沉默的客户端在 {} 后被切断，没有 Close 帧（{how_zh}）：即 1006。", ms(after)),
    );
    fig(&mut out, "Pongs received (8 pings)", "收到的 pong（共 8 次 ping）", pongs.to_string());
    fig2(
        &mut out,
        "Silent connection cut after",
        "沉默的连接被切断于",
        format!("{} ({how})", ms(after)),
        format!("{}（{how_zh}）", ms(after)),
    );
    Ok(out)
}

async fn closing(cx: &Ctx<'_>) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    let base = cx.addr(cx.servers.ws);
    cx.say_at(Pin::next("Close 1000"), "First connection: a clean close. The client sends close 1000 with a reason; the server answers with a close frame, then TCP closes.", "第一个连接：正常关闭。客户端发送带原因的 Close 1000；服务器回一个 Close 帧，然后 TCP 关闭。");
    let (mut ws, _) = ws_connect(&format!("ws://{base}/echo"), &[], &[], Arc::new(Tally::default()), T).await?;
    ws.send(Message::text("bye soon")).await.map_err(|e| e.to_string())?;
    let _ = tokio::time::timeout(T, ws.next()).await;
    ws.close(Some(CloseFrame { code: CloseCode::Normal, reason: "done for today".into() })).await.map_err(|e| e.to_string())?;
    let mut answered = None;
    while let Ok(Some(m)) = tokio::time::timeout(Duration::from_secs(2), ws.next()).await {
        if let Ok(Message::Close(c)) = m {
            answered = c.map(|c| u16::from(c.code));
        }
    }
    fig2(
        &mut out,
        "Clean close",
        "正常关闭",
        format!("1000 sent, server answered {}", answered.map_or("nothing".to_string(), |c| c.to_string())),
        answered.map_or("发送 1000，服务器没有回应".to_string(), |c| format!("发送 1000，服务器回 {c}")),
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    cx.say_at(
        Pin::next("GET /kill"),
        "Second connection: the server process is 'killed' after one message. No close frame at all: the TCP connection is reset.",
        "第二个连接：服务器在一条消息后被“杀死”。完全没有 Close 帧：TCP 连接被重置（RST）。",
    );
    let (mut ws, _) = ws_connect(&format!("ws://{base}/kill"), &[], &[], Arc::new(Tally::default()), T).await?;
    ws.send(Message::text("are you there?")).await.map_err(|e| e.to_string())?;
    let _ = tokio::time::timeout(T, ws.next()).await;
    let (how, how_zh) = match tokio::time::timeout(T, ws.next()).await {
        Ok(Some(Ok(Message::Close(_)))) => ("a close frame (unexpected)".to_string(), "意外收到关闭帧".to_string()),
        Ok(Some(Err(e))) => (e.to_string(), error_zh(&e.to_string())),
        Ok(None) => ("the connection ended".to_string(), "连接已结束".to_string()),
        Ok(Some(Ok(_))) => ("more data (unexpected)".to_string(), "意外收到更多数据".to_string()),
        Err(_) => ("nothing (timeout)".to_string(), "什么也没收到（超时）".to_string()),
    };
    cx.say_at(
        Pin::last("RST"),
        format!("The client saw {how}. Browsers report this as code 1006: {}", close_code_meaning(1006, Lang::En)),
        format!("客户端看到：{how_zh}。浏览器把这种情况报告为 1006：{}", close_code_meaning(1006, Lang::Zh)),
    );
    fig2(&mut out, "Killed connection", "被强制终止的连接", format!("1006 ({how})"), format!("1006（{how_zh}）"));
    Ok(out)
}

async fn webhook(cx: &Ctx<'_>) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    let listener = cx.servers.callback.as_ref().ok_or("callback listener already used")?;
    let received = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let cb_addr = cx.addr(cx.servers.callback_addr);
    cx.say_at(
        Pin::next("POST /webhooks"),
        format!("The client starts its own small server at http://{cb_addr}/hook and registers that URL with POST /webhooks."),
        format!("客户端在 http://{cb_addr}/hook 启动自己的小服务器，并用 POST /webhooks 登记这个地址。"),
    );
    let rx2 = received.clone();
    let accept = async {
        // Serve callbacks until three have arrived.
        let deadline = Instant::now() + Duration::from_secs(5);
        while rx2.lock().map(|v| v.len()).unwrap_or(3) < 3 && Instant::now() < deadline {
            let Ok(Ok((s, _))) = tokio::time::timeout(deadline - Instant::now(), listener.accept()).await else { break };
            let rx3 = rx2.clone();
            let svc = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let rx3 = rx3.clone();
                async move {
                    let body = super::servers::read_body(req).await;
                    if let Ok(mut v) = rx3.lock() {
                        v.push(String::from_utf8_lossy(&body).into_owned());
                    }
                    Ok::<_, std::convert::Infallible>(hyper::Response::new(crate::net::http_client::full("thanks\n")))
                }
            });
            tokio::spawn(hyper::server::conn::http1::Builder::new().serve_connection(hyper_util::rt::TokioIo::new(s), svc));
        }
    };
    let register = async {
        let body = format!("{{\"url\":\"http://{cb_addr}/hook\"}}");
        http_client::one_shot(cx.addr(cx.servers.http), "POST", "/webhooks", &[("content-type", "application/json")], body.into_bytes(), T)
            .await
    };
    let (_, reg) = tokio::join!(accept, register);
    let reg = reg?;
    check(&reg, 202, "POST /webhooks")?;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let got = received.lock().map(|v| v.clone()).unwrap_or_default();
    cx.say_at(Pin::last("202 "), 
        format!("202 Accepted, then the server turned client: it POSTed {} events to the callback, and the client's server answered 200 each time.", got.len()),
        format!("先得到 202 Accepted，随后服务器反过来当客户端：向回调地址 POST 了 {} 个事件，客户端的服务器每次回 200。", got.len()),
    );
    fig(&mut out, "Callbacks received", "收到的回调", got.len().to_string());
    for g in &got {
        fig(&mut out, "Callback body", "回调内容", g.clone());
    }
    if got.len() != 3 {
        return Err(format!("expected 3 webhook calls, got {}", got.len()));
    }
    Ok(out)
}

async fn streaming(cx: &Ctx<'_>) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    let words = ANSWER.split(' ').count();
    cx.say_at(
        Pin::next("GET /tokens"),
        format!("Over WebSocket, the 'agent' sends each of its {words} tokens as soon as it has it."),
        format!("通过 WebSocket，“智能体”每生成一个词（共 {words} 个）就立即发送。"),
    );
    let (mut ws, _) = ws_connect(&format!("ws://{}/tokens", cx.addr(cx.servers.ws)), &[], &[], Arc::new(Tally::default()), T).await?;
    let t0 = Instant::now();
    ws.send(Message::text("explain WebSocket in one sentence")).await.map_err(|e| e.to_string())?;
    let mut first = None;
    let mut tokens = 0;
    while let Ok(Some(Ok(m))) = tokio::time::timeout(T, ws.next()).await {
        if let Message::Text(t) = m {
            if t.as_str() == "[DONE]" {
                break;
            }
            first.get_or_insert(t0.elapsed());
            tokens += 1;
        }
    }
    let ws_total = t0.elapsed();
    let _ = ws.close(None).await;
    while let Ok(Some(Ok(_))) = tokio::time::timeout(Duration::from_secs(1), ws.next()).await {}
    cx.say_at(
        Pin::next("GET /answer"),
        "Over plain HTTP, GET /answer: the server answers only when the whole text is ready.",
        "通过普通 HTTP 的 GET /answer：服务器要等整段文字生成完才响应。",
    );
    let r = http_client::one_shot(cx.addr(cx.servers.http), "GET", "/answer", &[], Vec::new(), Duration::from_secs(15)).await?;
    check(&r, 200, "GET /answer")?;
    let first = first.unwrap_or(ws_total);
    cx.say(
        format!("First token: {} over WebSocket against {} over HTTP (same total, about {}).", ms(first), ms(r.first_byte), ms(ws_total)),
        format!("第一个词：WebSocket {}，HTTP {}（总时长相同，约 {}）。", ms(first), ms(r.first_byte), ms(ws_total)),
    );
    fig(&mut out, "WebSocket: time to first token", "WebSocket：首个词到达", ms(first));
    fig(&mut out, "WebSocket: tokens / whole answer", "WebSocket：词数 / 完整回答", format!("{tokens} / {}", ms(ws_total)));
    fig(&mut out, "HTTP: time to first byte", "HTTP：首字节时间", ms(r.first_byte));
    Ok(out)
}

async fn deflate(cx: &Ctx<'_>) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    let addr = cx.addr(cx.servers.deflate_ws);
    let messages: Vec<String> = (1..=10)
        .map(|i| {
            format!(
                "{{\"type\":\"quote\",\"symbol\":\"ACME\",\"price\":{}.{},\"currency\":\"USD\",\"exchange\":\"LAB\",\"seq\":{i}}}",
                100 + i,
                i * 7 % 10
            )
        })
        .collect();
    let mut sizes = Vec::new();
    for on in [false, true] {
        cx.say_at(
            Pin::next("GET /"),
            if on {
                "Now with permessage-deflate: the client offers it, the server accepts; each frame has RSV1 set and a compressed payload."
            } else {
                "First without compression: ten JSON quotes, echoed back."
            },
            if on {
                "现在启用 permessage-deflate：客户端提出、服务器接受；每个帧 RSV1 置位，载荷被压缩。"
            } else {
                "先不压缩：发送十条 JSON 报价，服务器回显。"
            },
        );
        let tally = Arc::new(Tally::default());
        let mut ws = crate::net::rawws::connect(addr, if on { "/deflate" } else { "/plain" }, on, tally.clone()).await?;
        if ws.deflate() != on {
            return Err("permessage-deflate was not negotiated as asked".into());
        }
        let handshake = tally.total();
        for m in &messages {
            ws.send(1, m.as_bytes()).await.map_err(|e| e.to_string())?;
            match tokio::time::timeout(T, ws.recv()).await {
                Ok(Ok(Some((1, p)))) if p == m.as_bytes() => {}
                other => return Err(format!("echo did not come back intact: {other:?}")),
            }
        }
        ws.close(1000, "done").await.map_err(|e| e.to_string())?;
        let _ = tokio::time::timeout(T, ws.recv()).await;
        sizes.push(tally.total() - handshake);
    }
    let saved = 100.0 * (1.0 - sizes[1] as f64 / sizes[0].max(1) as f64);
    cx.say(
        format!("Frames after the handshake: {} bytes without, {} bytes with compression ({saved:.0}% saved; later messages shrink most, as the context remembers earlier ones).", sizes[0], sizes[1]),
        format!("握手之后的帧：不压缩 {} 字节，压缩 {} 字节（节省 {saved:.0}%；由于上下文记住了之前的消息，后面的消息压缩得最多）。", sizes[0], sizes[1]),
    );
    fig(&mut out, "Frame bytes, deflate off", "帧字节数（不压缩）", sizes[0].to_string());
    fig(&mut out, "Frame bytes, deflate on", "帧字节数（压缩）", sizes[1].to_string());
    fig(&mut out, "Saved", "节省", format!("{saved:.0}%"));
    Ok(out)
}

async fn chunked_gzip(cx: &Ctx<'_>) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    cx.say_at(
        Pin::next("GET /chunked"),
        "GET /chunked: the server does not know the length in advance, so it sends gzip-compressed chunks as they are produced.",
        "GET /chunked：服务器事先不知道长度，于是边生成边发送 gzip 压缩的分块。",
    );
    let mut c = HttpConn::connect(cx.addr(cx.servers.http), Arc::new(Tally::default()), T).await?;
    let resp = c.get_streaming("/chunked", T).await?;
    let te = resp.headers().get("transfer-encoding").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let ce = resp.headers().get("content-encoding").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let mut body = resp.into_body();
    let mut pieces = 0;
    let mut wire = Vec::new();
    while let Ok(Some(Ok(f))) = tokio::time::timeout(T, body.frame()).await {
        if let Some(d) = f.data_ref() {
            pieces += 1;
            wire.extend_from_slice(d);
        }
    }
    let mut text = String::new();
    use std::io::Read;
    flate2::read::GzDecoder::new(&wire[..]).read_to_string(&mut text).map_err(|e| format!("the gzip body did not decode: {e}"))?;
    cx.say(
        format!(
            "{pieces} chunks, {} compressed bytes that inflate to {} bytes of text; the zero-size chunk ends the body.",
            wire.len(),
            text.len()
        ),
        format!("{pieces} 个分块，压缩后 {} 字节，解压为 {} 字节文本；大小为 0 的分块表示响应体结束。", wire.len(), text.len()),
    );
    fig(&mut out, "Transfer-Encoding / Content-Encoding", "Transfer-Encoding / Content-Encoding", format!("{te} / {ce}"));
    fig(&mut out, "Chunks received", "收到的分块", pieces.to_string());
    fig(&mut out, "Body: on the wire → decoded", "响应体：线上 → 解码后", format!("{} B → {} B", wire.len(), text.len()));
    Ok(out)
}
