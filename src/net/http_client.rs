//! Client side of HTTP/1.1 and WebSocket on tokio, shared by the lab scripts, the request builder
//! and `wirescope send`: hyper for HTTP, tokio-tungstenite for WebSocket, over a stream wrapper that
//! counts (and optionally keeps) the bytes each way, with connect/first-byte/total timings.

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

pub use super::tls::{Stream, TlsOptions};

/// A request or response body as the clients and the lab's servers build them.
pub type Body = BoxBody<Bytes, Infallible>;

/// A whole body from bytes.
pub fn full(b: impl Into<Bytes>) -> Body {
    Full::new(b.into()).boxed()
}

/// Bytes that went each way over one connection; the raw bytes too when asked for (capped).
#[derive(Default)]
pub struct Tally {
    pub sent: AtomicU64,
    pub received: AtomicU64,
    keep: Option<Mutex<(Vec<u8>, Vec<u8>)>>,
    pub first_byte: Mutex<Option<Instant>>,
}

/// The largest response body a client here reads into memory.
pub const MAX_BODY: usize = 64 << 20;

/// The most raw bytes a [`Tally`] keeps per direction.
pub const RAW_KEEP: usize = 1 << 20;

impl Tally {
    pub fn keeping() -> Arc<Tally> {
        Arc::new(Tally { keep: Some(Mutex::new((Vec::new(), Vec::new()))), ..Tally::default() })
    }

    pub fn raw(&self) -> (Vec<u8>, Vec<u8>) {
        self.keep.as_ref().and_then(|k| k.lock().ok().map(|k| k.clone())).unwrap_or_default()
    }

    pub fn total(&self) -> u64 {
        self.sent.load(Ordering::Relaxed) + self.received.load(Ordering::Relaxed)
    }
}

/// A stream that reports what passes through it to a [`Tally`].
pub struct Tapped<S> {
    inner: S,
    tally: Arc<Tally>,
}

impl<S> Tapped<S> {
    pub fn new(inner: S, tally: Arc<Tally>) -> Self {
        Tapped { inner, tally }
    }
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tapped<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        let got = &buf.filled()[before..];
        if !got.is_empty() {
            self.tally.received.fetch_add(got.len() as u64, Ordering::Relaxed);
            if let Ok(mut f) = self.tally.first_byte.lock() {
                f.get_or_insert_with(Instant::now);
            }
            if let Some(Ok(mut k)) = self.tally.keep.as_ref().map(|k| k.lock()) {
                let room = RAW_KEEP.saturating_sub(k.1.len());
                k.1.extend_from_slice(&got[..got.len().min(room)]);
            }
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tapped<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = &r {
            self.tally.sent.fetch_add(*n as u64, Ordering::Relaxed);
            if let Some(Ok(mut k)) = self.tally.keep.as_ref().map(|k| k.lock()) {
                let room = RAW_KEEP.saturating_sub(k.0.len());
                k.0.extend_from_slice(&buf[..(*n).min(room)]);
            }
        }
        r
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// An http:// or ws:// URL taken apart. Host names are resolved by [`resolve`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub scheme: String,
    pub host: String,
    pub port: u16,
    pub path_and_query: String,
}

#[derive(Debug, Clone)]
pub struct HttpUrl {
    pub addr: SocketAddr,
    pub host_header: String,
    pub path_and_query: String,
}

/// Parses a URL the builder accepts, with a message a person can act on when it is wrong.
pub fn parse_url(url: &str) -> Result<Url, String> {
    let url = url.trim();
    let (scheme, rest) = url.split_once("://").ok_or_else(|| format!("\"{url}\" is not a URL: it should start with http:// or ws://"))?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" | "ws" => 80,
        "https" | "wss" => 443,
        _ => return Err(format!("unsupported scheme \"{scheme}\": use http://, https://, ws:// or wss://")),
    };
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let path = if path.starts_with('?') { format!("/{path}") } else { path.to_string() };
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if authority.is_empty() {
        return Err(format!("\"{url}\" has no host"));
    }
    let (host, port) = if let Some(h) = authority.strip_prefix('[') {
        let (h, after) = h.split_once(']').ok_or_else(|| format!("\"{url}\": unclosed [ in the IPv6 address"))?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| format!("\"{url}\": bad port \"{p}\""))?,
            None => default_port,
        };
        (h.to_string(), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.parse().map_err(|_| format!("\"{url}\": bad port \"{p}\""))?),
            None => (authority.to_string(), default_port),
        }
    };
    if path.contains(' ') {
        return Err(format!("\"{url}\": spaces must be written %20 in a URL"));
    }
    Ok(Url { scheme, host, port, path_and_query: path })
}

impl Url {
    pub fn host_header(&self) -> String {
        let h = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        let default = matches!((self.scheme.as_str(), self.port), ("http" | "ws", 80) | ("https" | "wss", 443));
        if default {
            h
        } else {
            format!("{h}:{}", self.port)
        }
    }
}

/// For literal addresses only (the lab's own URLs); see [`resolve`] for names.
pub fn parse_http_url(url: &str) -> Result<HttpUrl, String> {
    let u = parse_url(url)?;
    let ip: std::net::IpAddr = u.host.parse().map_err(|_| format!("\"{}\" is not an IP address", u.host))?;
    Ok(HttpUrl { addr: SocketAddr::new(ip, u.port), host_header: u.host_header(), path_and_query: u.path_and_query })
}

pub async fn resolve(u: &Url) -> Result<SocketAddr, String> {
    let mut addrs = tokio::net::lookup_host((u.host.as_str(), u.port)).await.map_err(|e| format!("cannot resolve {}: {e}", u.host))?;
    addrs.next().ok_or_else(|| format!("{} has no address", u.host))
}

/// Says what went wrong connecting, in words.
pub fn connect_error(addr: SocketAddr, e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => format!("connection refused by {addr}: nothing is listening on that port"),
        io::ErrorKind::TimedOut => format!("connecting to {addr} timed out"),
        _ => format!("cannot connect to {addr}: {e}"),
    }
}

/// TCP connect, then TLS if asked: the stream, the connect time and the TLS handshake time.
pub async fn open_stream(
    addr: SocketAddr,
    tls: Option<(&str, &TlsOptions)>,
    timeout: Duration,
) -> Result<(Stream, Duration, Option<Duration>), String> {
    let t0 = Instant::now();
    let tcp = tokio::time::timeout(timeout, TcpStream::connect(addr))
        .await
        .map_err(|_| format!("connecting to {addr} timed out after {:.1} s", timeout.as_secs_f64()))?
        .map_err(|e| connect_error(addr, &e))?;
    let _ = tcp.set_nodelay(true);
    let connect_time = t0.elapsed();
    match tls {
        None => Ok((Stream::Plain(tcp), connect_time, None)),
        Some((host, opts)) => {
            let t1 = Instant::now();
            let left = timeout.saturating_sub(connect_time);
            let s = tokio::time::timeout(left, super::tls::handshake(tcp, host, opts))
                .await
                .map_err(|_| format!("the TLS handshake with {host} timed out"))??;
            Ok((s, connect_time, Some(t1.elapsed())))
        }
    }
}

/// One HTTP/1.1 connection (keep-alive: several requests go over it one after another).
pub struct HttpConn {
    sender: hyper::client::conn::http1::SendRequest<Body>,
    pub tally: Arc<Tally>,
    pub addr: SocketAddr,
    pub host: String,
    pub connect_time: Duration,
    /// The TLS handshake, for https://.
    pub tls_time: Option<Duration>,
}

#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub reason: String,
    pub version: String,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// From sending the request to the response head.
    pub first_byte: Duration,
    pub total: Duration,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

impl HttpConn {
    pub async fn connect(addr: SocketAddr, tally: Arc<Tally>, timeout: Duration) -> Result<HttpConn, String> {
        HttpConn::open(addr, None, tally, timeout).await
    }

    /// Connects, through TLS when `tls` gives the server name and options. The tally counts the
    /// bytes HTTP sees (inside TLS).
    pub async fn open(
        addr: SocketAddr,
        tls: Option<(&str, &TlsOptions)>,
        tally: Arc<Tally>,
        timeout: Duration,
    ) -> Result<HttpConn, String> {
        let (stream, connect_time, tls_time) = open_stream(addr, tls, timeout).await?;
        HttpConn::over(stream, addr, tally, connect_time, tls_time).await
    }

    /// HTTP/1.1 over a stream already open (TLS over a counted TCP stream, for instance); the
    /// tally counts what HTTP sees.
    pub async fn over<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(
        io: S,
        addr: SocketAddr,
        tally: Arc<Tally>,
        connect_time: Duration,
        tls_time: Option<Duration>,
    ) -> Result<HttpConn, String> {
        let (sender, conn) = hyper::client::conn::http1::Builder::new()
            .handshake(TokioIo::new(Tapped::new(io, tally.clone())))
            .await
            .map_err(|e| format!("HTTP handshake with {addr} failed: {e}"))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(HttpConn { sender, tally, addr, host: addr.to_string(), connect_time, tls_time })
    }

    /// A request with Host (and a User-Agent unless given), headers in the order given.
    fn build(&self, method: &str, target: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Result<Request<Body>, String> {
        let mut b = Request::builder().method(method).uri(target).header("host", self.host.as_str());
        for (n, v) in headers {
            b = b.header(*n, *v);
        }
        if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("user-agent")) {
            b = b.header("user-agent", concat!("wirescope/", env!("CARGO_PKG_VERSION")));
        }
        b.body(full(body)).map_err(|e| format!("cannot build the request: {e}"))
    }

    /// Sends one request and reads the whole response. Header order is kept as given.
    pub async fn request(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<Reply, String> {
        let fut = async {
            let req = self.build(method, target, headers, body)?;
            self.sender.ready().await.map_err(|e| format!("the connection to {} closed: {e}", self.addr))?;
            let t0 = Instant::now();
            let resp = self.sender.send_request(req).await.map_err(|e| format!("request to {} failed: {e}", self.addr))?;
            read_reply(resp, t0).await
        };
        tokio::time::timeout(timeout, fut)
            .await
            .map_err(|_| format!("no complete response from {} within {:.1} s (timeout)", self.addr, timeout.as_secs_f64()))?
    }
}

/// Reads a whole response (up to [`MAX_BODY`]); `t0` is when the request went.
async fn read_reply(resp: hyper::Response<hyper::body::Incoming>, t0: Instant) -> Result<Reply, String> {
    let first_byte = t0.elapsed();
    let status = resp.status();
    let version = format!("{:?}", resp.version());
    let headers =
        resp.headers().iter().map(|(n, v)| (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect();
    let body = http_body_util::Limited::new(resp.into_body(), MAX_BODY).collect().await.map_err(|e| {
        if e.is::<http_body_util::LengthLimitError>() {
            format!("the response body is larger than {} MiB; wirescope stops reading there", MAX_BODY >> 20)
        } else {
            format!("reading the response body failed: {e}")
        }
    })?;
    Ok(Reply {
        status: status.as_u16(),
        reason: status.canonical_reason().unwrap_or("").to_string(),
        version,
        headers,
        body: body.to_bytes(),
        first_byte,
        total: t0.elapsed(),
    })
}

/// One HTTP/2 connection (RFC 9113): every request is a stream of its own, and requests sent
/// together are in flight together (cloning the connection's sender shares the connection).
#[derive(Clone)]
pub struct H2Conn {
    sender: hyper::client::conn::http2::SendRequest<Body>,
    pub addr: SocketAddr,
    /// "http" (h2c, prior knowledge) or "https" (h2 chosen by ALPN).
    pub scheme: &'static str,
    /// The :authority of every request.
    pub authority: String,
}

impl H2Conn {
    /// HTTP/2 over a stream already open: a TCP stream (h2c with prior knowledge: the client
    /// starts with the connection preface, RFC 9113 §3.3) or a TLS stream that agreed on h2.
    pub async fn over<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(
        io: S,
        addr: SocketAddr,
        scheme: &'static str,
        authority: String,
    ) -> Result<H2Conn, String> {
        let (sender, conn) = hyper::client::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
            .handshake(TokioIo::new(io))
            .await
            .map_err(|e| format!("HTTP/2 handshake with {addr} failed: {e}"))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(H2Conn { sender, addr, scheme, authority })
    }

    /// Sends one request on a new stream and reads the whole response.
    pub async fn request(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<Reply, String> {
        let mut sender = self.sender.clone();
        let fut = async move {
            let uri = format!("{}://{}{target}", self.scheme, self.authority);
            let mut b = Request::builder().method(method).uri(uri).version(hyper::Version::HTTP_2);
            for (n, v) in headers {
                b = b.header(*n, *v);
            }
            let req = b.body(full(body)).map_err(|e| format!("cannot build the request: {e}"))?;
            sender.ready().await.map_err(|e| format!("the HTTP/2 connection to {} closed: {e}", self.addr))?;
            let t0 = Instant::now();
            let resp = sender.send_request(req).await.map_err(|e| format!("request to {} failed: {e}", self.addr))?;
            read_reply(resp, t0).await
        };
        tokio::time::timeout(timeout, fut)
            .await
            .map_err(|_| format!("no complete response from {} within {:.1} s (timeout)", self.addr, timeout.as_secs_f64()))?
    }
}

impl HttpConn {
    /// Sends a GET and hands back the response as it starts, so the body can be read piece by piece
    /// (Server-Sent Events, chunked responses).
    pub async fn get_streaming(&mut self, target: &str, timeout: Duration) -> Result<hyper::Response<hyper::body::Incoming>, String> {
        let req = self.build("GET", target, &[], Vec::new())?;
        self.sender.ready().await.map_err(|e| format!("the connection to {} closed: {e}", self.addr))?;
        tokio::time::timeout(timeout, self.sender.send_request(req))
            .await
            .map_err(|_| format!("no response from {} (timeout)", self.addr))?
            .map_err(|e| format!("request to {} failed: {e}", self.addr))
    }
}

/// A request on a connection of its own, closed afterwards.
pub async fn one_shot(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
    timeout: Duration,
) -> Result<Reply, String> {
    let mut c = HttpConn::connect(addr, Arc::new(Tally::default()), timeout).await?;
    let mut h = headers.to_vec();
    h.push(("connection", "close"));
    c.request(method, target, &h, body, timeout).await
}

pub type WsStream = tokio_tungstenite::WebSocketStream<Tapped<Stream>>;

/// Opens a WebSocket (ws:// or wss://) with extra handshake headers; gives the stream and the 101.
pub async fn ws_connect(
    url: &str,
    protocols: &[&str],
    headers: &[(&str, &str)],
    tally: Arc<Tally>,
    timeout: Duration,
) -> Result<(WsStream, tokio_tungstenite::tungstenite::handshake::client::Response), String> {
    ws_connect_tls(url, protocols, headers, tally, timeout, &TlsOptions::default()).await
}

/// The same with TLS options for wss://.
pub async fn ws_connect_tls(
    url: &str,
    protocols: &[&str],
    headers: &[(&str, &str)],
    tally: Arc<Tally>,
    timeout: Duration,
    tls: &TlsOptions,
) -> Result<(WsStream, tokio_tungstenite::tungstenite::handshake::client::Response), String> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let u = parse_url(url)?;
    if u.scheme != "ws" && u.scheme != "wss" {
        return Err(format!("{}:// is not a WebSocket URL: use ws:// or wss://", u.scheme));
    }
    let addr = resolve(&u).await?;
    let mut req = url.into_client_request().map_err(|e| format!("bad WebSocket URL \"{url}\": {e}"))?;
    if !protocols.is_empty() {
        req.headers_mut().insert("sec-websocket-protocol", protocols.join(", ").parse().map_err(|_| "bad subprotocol list".to_string())?);
    }
    for (n, v) in headers {
        let name = hyper::header::HeaderName::from_bytes(n.as_bytes()).map_err(|_| format!("bad header name \"{n}\""))?;
        req.headers_mut().insert(name, v.parse().map_err(|_| format!("bad value for header {n}"))?);
    }
    let fut = async {
        let tls = (u.scheme == "wss").then_some((u.host.as_str(), tls));
        let (stream, _, _) = open_stream(addr, tls, timeout).await?;
        tokio_tungstenite::client_async(req, Tapped::new(stream, tally))
            .await
            .map_err(|e| format!("WebSocket handshake with {addr} failed: {e}"))
    };
    tokio::time::timeout(timeout, fut)
        .await
        .map_err(|_| format!("opening the WebSocket to {addr} timed out after {:.1} s", timeout.as_secs_f64()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_taken_apart_or_refused_clearly() {
        let u = parse_url("http://127.0.0.1:8080/a/b?x=1").unwrap();
        assert_eq!((u.host.as_str(), u.port, u.path_and_query.as_str()), ("127.0.0.1", 8080, "/a/b?x=1"));
        assert_eq!(u.host_header(), "127.0.0.1:8080");
        let u = parse_url("ws://[::1]:9/chat").unwrap();
        assert_eq!((u.host.as_str(), u.port, u.host_header().as_str()), ("::1", 9, "[::1]:9"));
        let u = parse_url("https://example.org").unwrap();
        assert_eq!((u.port, u.path_and_query.as_str(), u.host_header().as_str()), (443, "/", "example.org"));
        let u = parse_url("http://h?q=1").unwrap();
        assert_eq!(u.path_and_query, "/?q=1");
        assert!(parse_url("localhost:80").unwrap_err().contains("should start with http://"));
        assert!(parse_url("ftp://x/").unwrap_err().contains("unsupported scheme"));
        assert!(parse_url("http://x:99999/").unwrap_err().contains("bad port"));
        assert!(parse_url("http:///x").unwrap_err().contains("no host"));
    }
}
