//! The lab's servers, all on 127.0.0.1 with ports the OS picks: an HTTP server (hyper), a
//! WebSocket server (tokio-tungstenite), a hand-framed WebSocket server that speaks
//! permessage-deflate (tungstenite has no compression), a proxy that kills idle connections, and
//! the same HTTP routes over TLS (HTTP/1.1 or HTTP/2 by ALPN), as h2c (HTTP/2 with prior
//! knowledge) and a WebSocket echo over TLS. TLS uses a certificate made when the servers start
//! and logs every connection's secrets to [`Servers::keys`], which the recording embeds.

use crate::net::http_client::{self, full, Body};
use crate::net::rawws;
use crate::net::tls::{KeyLines, ServerCert};
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, watch};
use tokio_tungstenite::tungstenite::Message;

/// How long a long-poll request waits for an event before answering empty.
pub const LONG_POLL_WAIT: Duration = Duration::from_secs(10);
/// The idle proxy's limit.
pub const IDLE_LIMIT: Duration = Duration::from_millis(1500);
/// The text the streaming scenario "generates", one word at a time.
pub const ANSWER: &str = "WebSocket lets the server push each token the moment it is ready, so the reader sees the answer grow \
                          instead of waiting for the whole reply";
pub const TOKEN_DELAY: Duration = Duration::from_millis(60);
/// The longest a `/slow?ms=N` request is held.
pub const SLOW_MAX: Duration = Duration::from_secs(5);

/// A server-side event of the push-vs-poll scenario.
#[derive(Debug, Clone)]
pub struct LabEvent {
    pub id: u32,
    pub ts_ns: i64,
}

impl LabEvent {
    pub fn json(&self) -> String {
        format!("{{\"id\":{},\"sent_ns\":{},\"text\":\"event {}\"}}", self.id, self.ts_ns, self.id)
    }
}

/// The event source shared by all four delivery methods.
pub struct Hub {
    pub events: Mutex<Vec<LabEvent>>,
    pub latest: watch::Sender<u32>,
    pub tx: broadcast::Sender<LabEvent>,
    /// How many events make a full series (SSE ends after this many).
    pub series: u32,
}

impl Hub {
    fn since(&self, after: u32) -> Vec<LabEvent> {
        self.events.lock().map(|e| e.iter().filter(|e| e.id > after).cloned().collect()).unwrap_or_default()
    }

    /// Emits `n` events, `every` apart.
    pub async fn emit_series(&self, n: u32, every: Duration) {
        for id in 1..=n {
            tokio::time::sleep(every).await;
            let e = LabEvent { id, ts_ns: super::now_ns() };
            if let Ok(mut v) = self.events.lock() {
                v.push(e.clone());
            }
            let _ = self.latest.send(id);
            let _ = self.tx.send(e);
        }
    }
}

pub struct State {
    pub items: Mutex<BTreeMap<u32, String>>,
    next_item: Mutex<u32>,
    pub hub: Hub,
    chat: broadcast::Sender<String>,
    /// Webhook deliveries the server made: (callback URL, status it got back).
    pub webhook_log: Mutex<Vec<(String, u16)>>,
}

/// The running servers. Dropping it leaves the tasks to die with the runtime.
pub struct Servers {
    pub http: SocketAddr,
    pub ws: SocketAddr,
    pub deflate_ws: SocketAddr,
    /// A proxy in front of `ws` that resets connections idle longer than [`IDLE_LIMIT`].
    pub idle_proxy: SocketAddr,
    /// Bound early for the webhook scenario's callback receiver (the lab client's own server).
    pub callback: Option<TcpListener>,
    pub callback_addr: SocketAddr,
    /// The HTTP routes over TLS: HTTP/2 when the client offers h2 (ALPN), else HTTP/1.1.
    pub https: SocketAddr,
    /// The WebSocket echo over TLS.
    pub wss: SocketAddr,
    /// The HTTP routes as HTTP/2 over plain TCP, prior knowledge (h2c, RFC 9113 §3.3).
    pub h2c: SocketAddr,
    /// The certificate `https` and `wss` present (for `localhost` and `127.0.0.1`).
    pub cert: Arc<ServerCert>,
    /// The secrets of every TLS connection to `https` and `wss`, in NSS key-log format.
    pub keys: Arc<KeyLines>,
    pub state: Arc<State>,
}

/// Where running lab servers listen (the request builder's default URLs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Addresses {
    pub http: SocketAddr,
    pub ws: SocketAddr,
    pub deflate_ws: SocketAddr,
}

/// The lab servers running in this process, newest last; each removes itself when dropped.
static RUNNING: Mutex<Vec<Addresses>> = Mutex::new(Vec::new());

/// The newest lab servers still running in this process, if any.
pub fn running() -> Option<Addresses> {
    RUNNING.lock().ok().and_then(|r| r.last().copied())
}

impl Drop for Servers {
    fn drop(&mut self) {
        let me = self.addresses();
        if let Ok(mut r) = RUNNING.lock() {
            r.retain(|a| *a != me);
        }
    }
}

impl Servers {
    pub fn addresses(&self) -> Addresses {
        Addresses { http: self.http, ws: self.ws, deflate_ws: self.deflate_ws }
    }

    pub fn ports(&self) -> Vec<u16> {
        self.targets().iter().map(SocketAddr::port).collect()
    }

    /// Every address a client may connect to (what the recording relay stands in front of).
    pub fn targets(&self) -> Vec<SocketAddr> {
        vec![self.http, self.ws, self.deflate_ws, self.idle_proxy, self.callback_addr, self.https, self.wss, self.h2c]
    }

    pub async fn start() -> std::io::Result<Servers> {
        let (latest, _) = watch::channel(0);
        let (tx, _) = broadcast::channel(64);
        let (chat, _) = broadcast::channel(64);
        let state = Arc::new(State {
            items: Mutex::new(BTreeMap::from([(1, "{\"id\":1,\"name\":\"pen\",\"price\":2}".to_string())])),
            next_item: Mutex::new(2),
            hub: Hub { events: Mutex::new(Vec::new()), latest, tx, series: 10 },
            chat,
            webhook_log: Mutex::new(Vec::new()),
        });
        let http = TcpListener::bind("127.0.0.1:0").await?;
        let ws = TcpListener::bind("127.0.0.1:0").await?;
        let dws = TcpListener::bind("127.0.0.1:0").await?;
        let proxy = TcpListener::bind("127.0.0.1:0").await?;
        let callback = TcpListener::bind("127.0.0.1:0").await?;
        let https = TcpListener::bind("127.0.0.1:0").await?;
        let wss = TcpListener::bind("127.0.0.1:0").await?;
        let h2c = TcpListener::bind("127.0.0.1:0").await?;
        let cert = Arc::new(ServerCert::generate().map_err(std::io::Error::other)?);
        let keys = KeyLines::new();
        let https_config = cert.server_config(&[b"h2", b"http/1.1"], Some(keys.clone())).map_err(std::io::Error::other)?;
        let wss_config = cert.server_config(&[b"http/1.1"], Some(keys.clone())).map_err(std::io::Error::other)?;
        let s = Servers {
            http: http.local_addr()?,
            ws: ws.local_addr()?,
            deflate_ws: dws.local_addr()?,
            idle_proxy: proxy.local_addr()?,
            callback_addr: callback.local_addr()?,
            callback: Some(callback),
            https: https.local_addr()?,
            wss: wss.local_addr()?,
            h2c: h2c.local_addr()?,
            cert,
            keys,
            state: state.clone(),
        };
        tokio::spawn(serve_http(http, state.clone()));
        tokio::spawn(serve_ws(ws, state.clone()));
        tokio::spawn(rawws::serve(dws));
        tokio::spawn(idle_proxy(proxy, s.ws));
        tokio::spawn(serve_https(https, https_config, state.clone()));
        tokio::spawn(serve_wss(wss, wss_config));
        tokio::spawn(serve_h2c(h2c, state.clone()));
        if let Ok(mut r) = RUNNING.lock() {
            r.push(s.addresses());
        }
        Ok(s)
    }
}

fn text(status: u16, body: &str) -> Response<Body> {
    let mut r = Response::new(full(body.to_string()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert("content-type", "text/plain; charset=utf-8".parse().expect("header"));
    r
}

fn json(status: u16, body: String) -> Response<Body> {
    let mut r = text(status, "");
    *r.body_mut() = full(body);
    r.headers_mut().insert("content-type", "application/json".parse().expect("header"));
    r
}

fn with(mut r: Response<Body>, name: &'static str, value: &str) -> Response<Body> {
    if let Ok(v) = value.parse() {
        r.headers_mut().insert(name, v);
    }
    r
}

fn empty(status: u16) -> Response<Body> {
    let mut r = Response::new(full(Bytes::new()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r
}

/// A response body fed from a channel, sent with chunked transfer coding.
fn streamed(rx: tokio::sync::mpsc::Receiver<Bytes>) -> Body {
    let s = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|b| (Ok::<_, Infallible>(Frame::data(b)), rx)) });
    BodyExt::boxed(StreamBody::new(s))
}

/// A request body, at most 1 MiB (the lab's clients send a few hundred bytes; anything larger is
/// cut, so no client can make the server hold more).
pub async fn read_body(req: Request<Incoming>) -> Bytes {
    http_body_util::Limited::new(req.into_body(), 1 << 20).collect().await.map(|b| b.to_bytes()).unwrap_or_default()
}

fn query_u32(req: &Request<Incoming>, key: &str) -> u32 {
    req.uri()
        .query()
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
}

async fn serve_http(listener: TcpListener, state: Arc<State>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let st = state.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| {
                let st = st.clone();
                async move { Ok::<_, Infallible>(route(req, st).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(stream), svc).await;
        });
    }
}

/// The HTTP routes over TLS: HTTP/2 when ALPN chose h2, HTTP/1.1 otherwise.
async fn serve_https(listener: TcpListener, config: Arc<tokio_rustls::rustls::ServerConfig>, state: Arc<State>) {
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let _ = stream.set_nodelay(true);
        let (st, acceptor) = (state.clone(), acceptor.clone());
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(stream).await else { return };
            let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
            let svc = hyper::service::service_fn(move |req| {
                let st = st.clone();
                async move { Ok::<_, Infallible>(route(req, st).await) }
            });
            if h2 {
                let _ = hyper::server::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), svc)
                    .await;
            } else {
                let _ = hyper::server::conn::http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(tls), svc).await;
            }
        });
    }
}

/// The HTTP routes as h2c: HTTP/2 from the first byte (the client sends the preface).
async fn serve_h2c(listener: TcpListener, state: Arc<State>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let _ = stream.set_nodelay(true);
        let st = state.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| {
                let st = st.clone();
                async move { Ok::<_, Infallible>(route(req, st).await) }
            });
            let _ = hyper::server::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

/// A WebSocket echo over TLS (text and binary come back; tungstenite answers pings and closes).
async fn serve_wss(listener: TcpListener, config: Arc<tokio_rustls::rustls::ServerConfig>) {
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let _ = stream.set_nodelay(true);
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(stream).await else { return };
            let Ok(mut ws) = tokio_tungstenite::accept_async(tls).await else { return };
            while let Some(Ok(m)) = ws.next().await {
                let go_on = match m {
                    Message::Text(_) | Message::Binary(_) => ws.send(m).await.is_ok(),
                    Message::Close(_) => false,
                    _ => true,
                };
                if !go_on {
                    break;
                }
            }
            let _ = ws.flush().await;
        });
    }
}

async fn route(req: Request<Incoming>, st: Arc<State>) -> Response<Body> {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method.as_str(), segs.as_slice()) {
        ("GET", [""]) => with(
            text(200, "<!doctype html><title>wirescope lab</title><h1>Hello from the lab server</h1>"),
            "content-type",
            "text/html; charset=utf-8",
        ),
        ("GET" | "HEAD", ["hello"]) => text(200, "hello, world\n"),
        (_, ["hello"]) => with(text(405, "only GET and HEAD here\n"), "allow", "GET, HEAD"),
        ("GET", ["redirect", code]) => {
            let c = if *code == "301" { 301 } else { 302 };
            with(empty(c), "location", "/hello")
        }
        ("GET", ["etag"]) => {
            let tag = "\"v1\"";
            let hit = req.headers().get("if-none-match").and_then(|v| v.to_str().ok()) == Some(tag);
            let r = if hit { empty(304) } else { text(200, "this page has not changed since you last saw it\n") };
            with(with(r, "etag", tag), "cache-control", "max-age=0, must-revalidate")
        }
        ("POST", ["validate"]) => {
            let body = read_body(req).await;
            match serde_json::from_slice::<serde_json::Value>(&body) {
                Ok(_) => json(200, "{\"valid\":true}".into()),
                Err(e) => json(400, format!("{{\"error\":\"body is not JSON: {}\"}}", e.to_string().replace('"', "'"))),
            }
        }
        ("GET", ["private"]) => with(text(401, "log in first\n"), "www-authenticate", "Basic realm=\"lab\""),
        ("GET", ["admin"]) => text(403, "you are logged in, but not allowed here\n"),
        ("GET", ["limited"]) => with(text(429, "too many requests; try again later\n"), "retry-after", "5"),
        ("GET", ["slow"]) => {
            // Held as long as asked (a slow query, say), at most SLOW_MAX.
            let ms = Duration::from_millis(u64::from(query_u32(&req, "ms"))).min(SLOW_MAX);
            tokio::time::sleep(ms).await;
            text(200, &format!("answered after {} ms\n", ms.as_millis()))
        }
        ("GET", ["boom"]) => text(500, "the server failed while handling this request\n"),
        ("GET", ["items"]) => {
            let list = st.items.lock().map(|m| m.values().cloned().collect::<Vec<_>>().join(",")).unwrap_or_default();
            json(200, format!("[{list}]"))
        }
        ("POST", ["items"]) => {
            let body = read_body(req).await;
            let Ok(serde_json::Value::Object(mut obj)) = serde_json::from_slice::<serde_json::Value>(&body) else {
                return json(400, "{\"error\":\"expected a JSON object\"}".into());
            };
            let id = st.next_item.lock().map(|mut n| {
                *n += 1;
                *n - 1
            });
            let id = id.unwrap_or(0);
            obj.insert("id".into(), id.into());
            let item = serde_json::Value::Object(obj).to_string();
            if let Ok(mut m) = st.items.lock() {
                m.insert(id, item.clone());
            }
            with(json(201, item), "location", &format!("/items/{id}"))
        }
        (m, ["items", id]) => {
            let Ok(id) = id.parse::<u32>() else { return json(404, "{\"error\":\"no such item\"}".into()) };
            let current = st.items.lock().ok().and_then(|m| m.get(&id).cloned());
            match (m, current) {
                (_, None) => json(404, "{\"error\":\"no such item\"}".into()),
                ("GET", Some(item)) => json(200, item),
                ("DELETE", Some(_)) => {
                    if let Ok(mut map) = st.items.lock() {
                        map.remove(&id);
                    }
                    empty(204)
                }
                ("PUT" | "PATCH", Some(item)) => {
                    let body = read_body(req).await;
                    let Ok(serde_json::Value::Object(new)) = serde_json::from_slice::<serde_json::Value>(&body) else {
                        return json(400, "{\"error\":\"expected a JSON object\"}".into());
                    };
                    let mut obj = if m == "PATCH" {
                        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&item).unwrap_or_default()
                    } else {
                        serde_json::Map::new()
                    };
                    obj.extend(new);
                    obj.insert("id".into(), id.into());
                    let item = serde_json::Value::Object(obj).to_string();
                    if let Ok(mut map) = st.items.lock() {
                        map.insert(id, item.clone());
                    }
                    json(200, item)
                }
                _ => with(json(405, "{\"error\":\"method not allowed\"}".into()), "allow", "GET, PUT, PATCH, DELETE"),
            }
        }
        ("GET", ["poll"]) => {
            let ev = st.hub.since(query_u32(&req, "since"));
            json(200, format!("[{}]", ev.iter().map(LabEvent::json).collect::<Vec<_>>().join(",")))
        }
        ("GET", ["long-poll"]) => {
            let since = query_u32(&req, "since");
            let mut rx = st.hub.latest.subscribe();
            let wait = async {
                loop {
                    if *rx.borrow_and_update() > since {
                        return;
                    }
                    if rx.changed().await.is_err() {
                        return;
                    }
                }
            };
            let _ = tokio::time::timeout(LONG_POLL_WAIT, wait).await;
            let ev = st.hub.since(since);
            json(200, format!("[{}]", ev.iter().map(LabEvent::json).collect::<Vec<_>>().join(",")))
        }
        ("GET", ["sse"]) => {
            let (tx, rx) = tokio::sync::mpsc::channel(16);
            let mut events = st.hub.tx.subscribe();
            let series = st.hub.series;
            tokio::spawn(async move {
                while let Ok(e) = events.recv().await {
                    if tx.send(Bytes::from(format!("id: {}\nevent: tick\ndata: {}\n\n", e.id, e.json()))).await.is_err() || e.id >= series {
                        break;
                    }
                }
            });
            let r = Response::new(streamed(rx));
            with(with(r, "content-type", "text/event-stream"), "cache-control", "no-cache")
        }
        ("GET", ["answer"]) => {
            // The whole answer, sent once it is fully "generated".
            let words = ANSWER.split(' ').count() as u32;
            tokio::time::sleep(TOKEN_DELAY * words).await;
            text(200, ANSWER)
        }
        ("GET", ["chunked"]) => {
            let (tx, rx) = tokio::sync::mpsc::channel(16);
            tokio::spawn(async move {
                let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                for i in 1..=8 {
                    use std::io::Write;
                    let line = format!("line {i}: the server does not know the total length yet, so it sends the body in chunks\n");
                    let _ = gz.write_all(line.repeat(4).as_bytes());
                    let _ = gz.flush();
                    let piece = std::mem::take(gz.get_mut());
                    if tx.send(Bytes::from(piece)).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(40)).await;
                }
                if let Ok(rest) = gz.finish() {
                    let _ = tx.send(Bytes::from(rest)).await;
                }
            });
            let r = Response::new(streamed(rx));
            with(with(r, "content-type", "text/plain; charset=utf-8"), "content-encoding", "gzip")
        }
        ("POST", ["webhooks"]) => {
            let body = read_body(req).await;
            let url = serde_json::from_slice::<serde_json::Value>(&body).ok().and_then(|v| v["url"].as_str().map(str::to_string));
            let Some(url) = url else { return json(400, "{\"error\":\"give a callback as {\\\"url\\\": ...}\"}".into()) };
            let Some(addr) = http_client::parse_http_url(&url).ok().filter(|u| u.addr.ip().is_loopback()) else {
                return json(400, "{\"error\":\"the lab only calls back to http://127.0.0.1\"}".into());
            };
            let st2 = st.clone();
            tokio::spawn(async move {
                for (i, what) in ["order.created", "order.paid", "order.shipped"].iter().enumerate() {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                    let body = format!("{{\"event\":\"{what}\",\"order\":42,\"seq\":{}}}", i + 1);
                    let status = match http_client::one_shot(
                        addr.addr,
                        "POST",
                        &addr.path_and_query,
                        &[("content-type", "application/json"), ("x-lab-event", what)],
                        body.into_bytes(),
                        Duration::from_secs(3),
                    )
                    .await
                    {
                        Ok(r) => r.status,
                        Err(_) => 0,
                    };
                    if let Ok(mut log) = st2.webhook_log.lock() {
                        log.push((url.clone(), status));
                    }
                }
            });
            json(202, "{\"registered\":true,\"events\":3}".into())
        }
        _ if method == Method::GET => text(404, "no such page in the lab\n"),
        _ => text(404, "no such resource in the lab\n"),
    }
}

async fn serve_ws(listener: TcpListener, st: Arc<State>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let st = st.clone();
        tokio::spawn(async move {
            let path = Arc::new(Mutex::new(String::new()));
            let p2 = path.clone();
            #[allow(clippy::result_large_err)]
            let cb = move |req: &tokio_tungstenite::tungstenite::handshake::server::Request,
                           resp: tokio_tungstenite::tungstenite::handshake::server::Response| {
                if let Ok(mut p) = p2.lock() {
                    *p = req.uri().path().to_string();
                }
                Ok(resp)
            };
            let Ok(ws) = tokio_tungstenite::accept_hdr_async(stream, cb).await else { return };
            let path = path.lock().map(|p| p.clone()).unwrap_or_default();
            let _ = ws_session(ws, &path, st).await;
        });
    }
}

type Ws = tokio_tungstenite::WebSocketStream<TcpStream>;

async fn ws_session(mut ws: Ws, path: &str, st: Arc<State>) -> Result<(), tokio_tungstenite::tungstenite::Error> {
    if path == "/kill" {
        // Answers one message, then dies without a close frame: the socket is reset.
        if let Some(Ok(Message::Text(t))) = ws.next().await {
            ws.send(Message::text(format!("echo: {t}"))).await?;
            tokio::time::sleep(Duration::from_millis(100)).await;
            let _ = ws.get_ref().set_zero_linger();
            drop(ws);
        }
        return Ok(());
    }
    let r = ws_talk(&mut ws, path, st).await;
    // tungstenite queues the answer to a close frame; flushing sends it before the socket goes.
    let _ = ws.flush().await;
    r
}

async fn ws_talk(ws: &mut Ws, path: &str, st: Arc<State>) -> Result<(), tokio_tungstenite::tungstenite::Error> {
    match path {
        "/chat" => {
            let mut rx = st.chat.subscribe();
            loop {
                tokio::select! {
                    m = ws.next() => match m {
                        Some(Ok(Message::Text(t))) => { let _ = st.chat.send(t.to_string()); }
                        Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                        _ => {}
                    },
                    b = rx.recv() => match b {
                        Ok(t) => ws.send(Message::text(t)).await?,
                        Err(broadcast::error::RecvError::Lagged(_)) => {}
                        Err(_) => break,
                    },
                }
            }
        }
        "/events" => {
            let mut rx = st.hub.tx.subscribe();
            loop {
                tokio::select! {
                    m = ws.next() => match m {
                        Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                        _ => {}
                    },
                    e = rx.recv() => match e {
                        Ok(e) => ws.send(Message::text(e.json())).await?,
                        Err(broadcast::error::RecvError::Lagged(_)) => {}
                        Err(_) => break,
                    },
                }
            }
        }
        "/tokens" => {
            while let Some(m) = ws.next().await {
                match m? {
                    Message::Text(_) => {
                        for w in ANSWER.split(' ') {
                            tokio::time::sleep(TOKEN_DELAY).await;
                            ws.send(Message::text(format!("{w} "))).await?;
                        }
                        ws.send(Message::text("[DONE]")).await?;
                    }
                    Message::Close(_) => break,
                    _ => {}
                }
            }
        }
        _ => {
            // Echo: text and binary come back as they were; tungstenite answers pings itself.
            while let Some(m) = ws.next().await {
                match m? {
                    m @ (Message::Text(_) | Message::Binary(_)) => ws.send(m).await?,
                    Message::Close(_) => break,
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

/// Forwards to `target`; a connection with no bytes either way for [`IDLE_LIMIT`] is reset on both
/// sides, as idle-timeout load balancers do.
async fn idle_proxy(listener: TcpListener, target: SocketAddr) {
    loop {
        let Ok((mut down, _)) = listener.accept().await else { continue };
        tokio::spawn(async move {
            let Ok(mut up) = TcpStream::connect(target).await else { return };
            let (mut a, mut b) = ([0u8; 8192], [0u8; 8192]);
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            loop {
                tokio::select! {
                    r = down.read(&mut a) => match r {
                        Ok(0) | Err(_) => { let _ = up.shutdown().await; break; }
                        Ok(n) => if up.write_all(&a[..n]).await.is_err() { break },
                    },
                    r = up.read(&mut b) => match r {
                        Ok(0) | Err(_) => { let _ = down.shutdown().await; break; }
                        Ok(n) => if down.write_all(&b[..n]).await.is_err() { break },
                    },
                    _ = tokio::time::sleep(IDLE_LIMIT) => {
                        let _ = down.set_zero_linger();
                        let _ = up.set_zero_linger();
                        break;
                    }
                }
            }
        });
    }
}
