//! The request builder's engine, shared by the window and `wirescope send`: one HTTP/1.1 request
//! (hyper) with timings and the raw bytes each way, or a WebSocket session (tokio-tungstenite)
//! driven by commands, reporting every message. Runs on a tokio runtime; the UI talks to it over
//! channels and never waits on the network.

use crate::net::http_client::{self as client, H2Conn, HttpConn, Tally, Tapped};
use crate::net::tls::KeyLines;
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BodyKind {
    #[default]
    Raw,
    Json,
    /// `name=value` lines sent as application/x-www-form-urlencoded.
    Form,
}

#[derive(Debug, Clone)]
pub struct HttpSpec {
    pub method: String,
    pub url: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body_kind: BodyKind,
    pub body: String,
    pub timeout: Duration,
    pub tls: client::TlsOptions,
    /// Speak HTTP/2: over https:// offered by ALPN (HTTP/1.1 if the server declines), over
    /// http:// with prior knowledge (h2c, RFC 9113 §3.3).
    pub http2: bool,
}

/// The secrets of every TLS connection the builder makes (NSS key-log lines). A live capture
/// takes them as it runs and writes them into its file, so the builder's own https:// and wss://
/// traffic can be decrypted there.
pub fn key_log() -> Arc<KeyLines> {
    static KEYS: std::sync::OnceLock<Arc<KeyLines>> = std::sync::OnceLock::new();
    KEYS.get_or_init(KeyLines::new).clone()
}

/// The options with the builder's key log, unless the caller gave one.
fn logged(tls: &client::TlsOptions) -> client::TlsOptions {
    let mut t = tls.clone();
    t.key_log.get_or_insert_with(key_log);
    t
}

impl Default for HttpSpec {
    fn default() -> Self {
        HttpSpec {
            method: "GET".into(),
            url: String::new(),
            query: Vec::new(),
            headers: Vec::new(),
            body_kind: BodyKind::Raw,
            body: String::new(),
            timeout: Duration::from_secs(10),
            tls: client::TlsOptions::default(),
            http2: false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct HttpResult {
    pub reply: client::Reply,
    pub connect: Duration,
    /// The TLS handshake (https only).
    pub tls: Option<Duration>,
    pub raw_sent: Vec<u8>,
    pub raw_received: Vec<u8>,
}

/// Percent-encodes a query or form component.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The target with the query parameters appended.
pub fn target_with_query(path: &str, query: &[(String, String)]) -> String {
    let q: Vec<String> = query.iter().filter(|(k, _)| !k.is_empty()).map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
    if q.is_empty() {
        path.to_string()
    } else {
        format!("{path}{}{}", if path.contains('?') { '&' } else { '?' }, q.join("&"))
    }
}

/// The body bytes and the Content-Type it implies (unless the headers say otherwise).
pub fn body_bytes(spec: &HttpSpec) -> Result<(Vec<u8>, Option<&'static str>), String> {
    match spec.body_kind {
        BodyKind::Raw => Ok((spec.body.clone().into_bytes(), None)),
        BodyKind::Json => {
            if spec.body.trim().is_empty() {
                return Ok((Vec::new(), Some("application/json")));
            }
            serde_json::from_str::<serde_json::Value>(&spec.body).map_err(|e| format!("the JSON body is not valid: {e}"))?;
            Ok((spec.body.clone().into_bytes(), Some("application/json")))
        }
        BodyKind::Form => {
            let pairs: Vec<String> = spec
                .body
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| {
                    let (k, v) = l.split_once('=').unwrap_or((l, ""));
                    format!("{}={}", encode(k.trim()), encode(v.trim()))
                })
                .collect();
            Ok((pairs.join("&").into_bytes(), Some("application/x-www-form-urlencoded")))
        }
    }
}

/// Sends one request on a fresh connection.
pub async fn send_http(spec: &HttpSpec) -> Result<HttpResult, String> {
    let u = client::parse_url(&spec.url)?;
    if u.scheme != "http" && u.scheme != "https" {
        return Err(format!("{}:// is not an HTTP URL: use http:// or https://", u.scheme));
    }
    let method = spec.method.trim().to_ascii_uppercase();
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-') {
        return Err(format!("\"{}\" is not an HTTP method", spec.method));
    }
    let (body, implied) = body_bytes(spec)?;
    let addr = client::resolve(&u).await?;
    let tally = Tally::keeping();
    let mut opts = logged(&spec.tls);
    if spec.http2 {
        opts.alpn = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    }
    let tls = (u.scheme == "https").then_some((u.host.as_str(), &opts));
    let (stream, connect_time, tls_time) = client::open_stream(addr, tls, spec.timeout).await?;
    let agreed_h2 = match &stream {
        client::Stream::Tls(s) => s.get_ref().1.alpn_protocol() == Some(b"h2"),
        client::Stream::Plain(_) => spec.http2,
    };
    let mut headers: Vec<(&str, &str)> =
        spec.headers.iter().filter(|(n, _)| !n.trim().is_empty()).map(|(n, v)| (n.trim(), v.as_str())).collect();
    if let Some(ct) = implied {
        if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type")) {
            headers.push(("content-type", ct));
        }
    }
    headers.retain(|(n, _)| !n.eq_ignore_ascii_case("host"));
    let target = target_with_query(&u.path_and_query, &spec.query);
    let reply = if agreed_h2 {
        let scheme = if u.scheme == "https" { "https" } else { "http" };
        let conn = H2Conn::over(Tapped::new(stream, tally.clone()), addr, scheme, u.host_header()).await?;
        conn.request(&method, &target, &headers, body, spec.timeout).await?
    } else {
        let mut conn = HttpConn::over(stream, addr, tally.clone(), connect_time, tls_time).await?;
        conn.host = u.host_header();
        conn.request(&method, &target, &headers, body, spec.timeout).await?
    };
    let (raw_sent, raw_received) = tally.raw();
    Ok(HttpResult { reply, connect: connect_time, tls: tls_time, raw_sent, raw_received })
}

/// A curl command line that sends the same request (for "Copy as cURL").
pub fn curl_command(method: &str, url: &str, headers: &[(String, String)], body: &[u8]) -> String {
    let q = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    let mut parts = vec!["curl".to_string()];
    if method != "GET" || !body.is_empty() {
        if method == "HEAD" {
            parts.push("--head".into());
        } else {
            parts.push(format!("-X {method}"));
        }
    }
    parts.push(q(url));
    for (n, v) in headers {
        if ["host", "content-length", "connection", "transfer-encoding"].iter().any(|h| n.eq_ignore_ascii_case(h)) {
            continue;
        }
        parts.push(format!("-H {}", q(&format!("{n}: {v}"))));
    }
    if !body.is_empty() {
        parts.push(format!("--data-binary {}", q(&String::from_utf8_lossy(body))));
    }
    parts.join(" ")
}

#[derive(Debug, Clone)]
pub struct WsSpec {
    pub url: String,
    pub protocols: Vec<String>,
    pub headers: Vec<(String, String)>,
    /// Offer permessage-deflate (then the hand-framed client is used: tungstenite cannot compress).
    pub deflate: bool,
    pub auto_pong: bool,
    pub timeout: Duration,
    pub tls: client::TlsOptions,
}

impl Default for WsSpec {
    fn default() -> Self {
        WsSpec {
            url: String::new(),
            protocols: Vec::new(),
            headers: Vec::new(),
            deflate: false,
            auto_pong: true,
            timeout: Duration::from_secs(10),
            tls: client::TlsOptions::default(),
        }
    }
}

#[derive(Debug, Clone)]
pub enum WsCommand {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(u16, String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Me,
    Peer,
}

#[derive(Debug, Clone)]
pub enum WsEvent {
    Opened {
        status: u16,
        headers: Vec<(String, String)>,
        connect: Duration,
    },
    /// A message sent (`Me`) or received (`Peer`): opcode, payload, time since opening.
    Message {
        who: Who,
        opcode: u8,
        payload: Vec<u8>,
        at: Duration,
    },
    Closed {
        code: Option<u16>,
        reason: String,
        clean: bool,
    },
    Error(String),
}

/// Opens the WebSocket and runs it until it closes; `cmds` drives it, `events` reports.
pub async fn run_ws(spec: WsSpec, mut cmds: mpsc::UnboundedReceiver<WsCommand>, events: impl Fn(WsEvent) + Send) {
    // tungstenite can neither compress nor leave a ping unanswered: those sessions use the
    // hand-framed client.
    if spec.deflate || !spec.auto_pong {
        return run_ws_raw(spec, cmds, events).await;
    }
    let t0 = Instant::now();
    let protocols: Vec<&str> = spec.protocols.iter().map(String::as_str).filter(|p| !p.is_empty()).collect();
    let headers: Vec<(&str, &str)> =
        spec.headers.iter().filter(|(n, _)| !n.trim().is_empty()).map(|(n, v)| (n.trim(), v.as_str())).collect();
    let (mut ws, resp) =
        match client::ws_connect_tls(&spec.url, &protocols, &headers, Arc::new(Tally::default()), spec.timeout, &logged(&spec.tls)).await {
            Ok(x) => x,
            Err(e) => {
                events(WsEvent::Error(e));
                return;
            }
        };
    let opened = Instant::now();
    events(WsEvent::Opened {
        status: resp.status().as_u16(),
        headers: resp.headers().iter().map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect(),
        connect: t0.elapsed(),
    });
    let mine = |opcode: u8, payload: &[u8]| WsEvent::Message { who: Who::Me, opcode, payload: payload.to_vec(), at: opened.elapsed() };
    loop {
        tokio::select! {
            c = cmds.recv() => {
                let Some(c) = c else {
                    let _ = ws.close(None).await;
                    break;
                };
                let (msg, ev) = match c {
                    WsCommand::Text(t) => (Message::text(t.clone()), mine(1, t.as_bytes())),
                    WsCommand::Binary(b) => (Message::binary(b.clone()), mine(2, &b)),
                    WsCommand::Ping(p) => (Message::Ping(p.clone().into()), mine(9, &p)),
                    WsCommand::Pong(p) => (Message::Pong(p.clone().into()), mine(10, &p)),
                    WsCommand::Close(code, reason) => {
                        let mut p = code.to_be_bytes().to_vec();
                        p.extend_from_slice(reason.as_bytes());
                        (Message::Close(Some(CloseFrame { code: CloseCode::from(code), reason: reason.into() })), mine(8, &p))
                    }
                };
                if let Err(e) = ws.send(msg).await {
                    events(WsEvent::Error(format!("sending failed: {e}")));
                    break;
                }
                events(ev);
            }
            m = ws.next() => {
                let at = opened.elapsed();
                match m {
                    Some(Ok(Message::Text(t))) => events(WsEvent::Message { who: Who::Peer, opcode: 1, payload: t.as_bytes().to_vec(), at }),
                    Some(Ok(Message::Binary(b))) => events(WsEvent::Message { who: Who::Peer, opcode: 2, payload: b.to_vec(), at }),
                    Some(Ok(Message::Ping(p))) => {
                        events(WsEvent::Message { who: Who::Peer, opcode: 9, payload: p.to_vec(), at });
                        // tungstenite answers pings by itself (auto-pong off uses the other client).
                        events(WsEvent::Message { who: Who::Me, opcode: 10, payload: p.to_vec(), at });
                    }
                    Some(Ok(Message::Pong(p))) => events(WsEvent::Message { who: Who::Peer, opcode: 10, payload: p.to_vec(), at }),
                    Some(Ok(Message::Close(c))) => {
                        let (code, reason) = c.map(|c| (Some(u16::from(c.code)), c.reason.to_string())).unwrap_or((None, String::new()));
                        let mut p = code.map(|c| c.to_be_bytes().to_vec()).unwrap_or_default();
                        p.extend_from_slice(reason.as_bytes());
                        events(WsEvent::Message { who: Who::Peer, opcode: 8, payload: p, at });
                        // Let tungstenite finish the closing handshake.
                        while let Ok(Some(Ok(_))) = tokio::time::timeout(Duration::from_secs(1), ws.next()).await {}
                        events(WsEvent::Closed { code, reason, clean: true });
                        return;
                    }
                    Some(Ok(Message::Frame(_))) => {}
                    Some(Err(e)) => {
                        events(WsEvent::Closed { code: Some(1006), reason: format!("{e}"), clean: false });
                        return;
                    }
                    None => {
                        events(WsEvent::Closed { code: Some(1006), reason: "the connection ended without a close frame".into(), clean: false });
                        return;
                    }
                }
            }
        }
    }
    events(WsEvent::Closed { code: None, reason: "closed by the builder".into(), clean: true });
}

/// The same session over the hand-framed WebSocket, which can compress and can leave pings
/// unanswered.
async fn run_ws_raw(spec: WsSpec, mut cmds: mpsc::UnboundedReceiver<WsCommand>, events: impl Fn(WsEvent) + Send) {
    let t0 = Instant::now();
    let opened = async {
        let u = client::parse_url(&spec.url)?;
        if u.scheme != "ws" {
            return Err(format!("{}:// with permessage-deflate or without auto-pong is not supported yet: use ws://", u.scheme));
        }
        let addr = client::resolve(&u).await?;
        let protocols: Vec<&str> = spec.protocols.iter().map(String::as_str).filter(|p| !p.is_empty()).collect();
        let headers: Vec<(&str, &str)> =
            spec.headers.iter().filter(|(n, _)| !n.trim().is_empty()).map(|(n, v)| (n.trim(), v.as_str())).collect();
        let host = u.host_header();
        let fut =
            crate::net::rawws::connect_with(addr, &host, &u.path_and_query, spec.deflate, &protocols, &headers, Arc::new(Tally::default()));
        tokio::time::timeout(spec.timeout, fut).await.map_err(|_| format!("opening the WebSocket to {addr} timed out"))?
    };
    let (mut ws, headers) = match opened.await {
        Ok(x) => x,
        Err(e) => {
            events(WsEvent::Error(e));
            return;
        }
    };
    let opened = Instant::now();
    if spec.deflate && !ws.deflate() {
        events(WsEvent::Error("the server did not accept permessage-deflate; messages go uncompressed".into()));
    }
    events(WsEvent::Opened { status: 101, headers, connect: t0.elapsed() });
    loop {
        tokio::select! {
            c = cmds.recv() => {
                let (op, payload) = match c {
                    None => {
                        // The builder went away: close politely and stop.
                        let _ = ws.close(1000, "").await;
                        let _ = tokio::time::timeout(Duration::from_secs(1), ws.recv()).await;
                        return;
                    }
                    Some(WsCommand::Text(t)) => (1, t.into_bytes()),
                    Some(WsCommand::Binary(b)) => (2, b),
                    Some(WsCommand::Ping(p)) => (9, p),
                    Some(WsCommand::Pong(p)) => (10, p),
                    Some(WsCommand::Close(code, reason)) => {
                        let mut p = code.to_be_bytes().to_vec();
                        p.extend_from_slice(reason.as_bytes());
                        (8, p)
                    }
                };
                if let Err(e) = ws.send(op, &payload).await {
                    events(WsEvent::Error(format!("sending failed: {e}")));
                    return;
                }
                events(WsEvent::Message { who: Who::Me, opcode: op, payload, at: opened.elapsed() });
            }
            m = ws.recv() => {
                let at = opened.elapsed();
                match m {
                    Ok(Some((op, p))) => {
                        events(WsEvent::Message { who: Who::Peer, opcode: op, payload: p.clone(), at });
                        if op == 9 && spec.auto_pong {
                            let _ = ws.send(10, &p).await;
                            events(WsEvent::Message { who: Who::Me, opcode: 10, payload: p, at });
                        } else if op == 8 {
                            let code = (p.len() >= 2).then(|| u16::from_be_bytes([p[0], p[1]]));
                            events(WsEvent::Closed { code, reason: String::from_utf8_lossy(p.get(2..).unwrap_or(&[])).into_owned(), clean: true });
                            return;
                        }
                    }
                    Ok(None) => {
                        events(WsEvent::Closed { code: Some(1006), reason: "the connection ended without a close frame".into(), clean: false });
                        return;
                    }
                    Err(e) => {
                        events(WsEvent::Closed { code: Some(1006), reason: e, clean: false });
                        return;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_form_and_curl() {
        assert_eq!(target_with_query("/a", &[("q".into(), "x y&z".into()), ("".into(), "skip".into())]), "/a?q=x%20y%26z");
        assert_eq!(target_with_query("/a?b=1", &[("c".into(), "2".into())]), "/a?b=1&c=2");
        let spec = HttpSpec { body_kind: BodyKind::Form, body: "name=Ann Lee\ncity=上海".into(), ..HttpSpec::default() };
        assert_eq!(body_bytes(&spec).unwrap().0, b"name=Ann%20Lee&city=%E4%B8%8A%E6%B5%B7");
        let bad = HttpSpec { body_kind: BodyKind::Json, body: "{oops".into(), ..HttpSpec::default() };
        assert!(body_bytes(&bad).unwrap_err().contains("not valid"));
        let c = curl_command("POST", "http://h/x", &[("Host".into(), "h".into()), ("X-A".into(), "it's".into())], b"{\"a\":1}");
        assert_eq!(c, "curl -X POST 'http://h/x' -H 'X-A: it'\\''s' --data-binary '{\"a\":1}'");
        assert_eq!(curl_command("GET", "http://h/", &[], b""), "curl 'http://h/'");
    }
}
