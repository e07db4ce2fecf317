//! The lab's TLS and HTTP/2 scenarios: "HTTPS and WSS: what an eavesdropper sees" (the same
//! exchange in the clear and inside TLS, with the byte counts measured on both sides of the TLS
//! layer) and "HTTP/1.1 head-of-line blocking against HTTP/2 multiplexing" (six requests, one
//! slow, on one connection of each; the times are the ones the run measured).

use super::scenarios::{check, fig, fig2, ms, Ctx, T};
use super::{Outcome, Pin};
use crate::net::http_client::{ws_connect, H2Conn, HttpConn, Tally, Tapped};
use crate::net::tls::{handshake_over, TlsOptions};
use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

/// The body the client posts: something an eavesdropper should not read.
pub const SECRET_BODY: &str = r#"{"user":"alice","password":"correct horse battery staple"}"#;
/// The WebSocket message sent each way.
pub const SECRET_MESSAGE: &str = "meet me at the library at noon";
/// The server name the client asks for (in the ClientHello's SNI; the certificate covers it).
const SNI: &str = "localhost";

/// The sizes (header included) of the whole TLS records in `bytes`.
fn record_sizes(bytes: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(h) = bytes.get(at..at + 5) {
        let n = 5 + usize::from(u16::from_be_bytes([h[3], h[4]]));
        if at + n > bytes.len() {
            break;
        }
        out.push(n);
        at += n;
    }
    out
}

fn sizes_text(v: &[usize]) -> String {
    v.iter().map(usize::to_string).collect::<Vec<_>>().join(" + ")
}

fn sent(t: &Tally) -> u64 {
    t.sent.load(Ordering::Relaxed)
}
fn received(t: &Tally) -> u64 {
    t.received.load(Ordering::Relaxed)
}

/// A client TLS stream that ends with a TCP FIN alone, no close_notify alert. The lab server
/// closes first (the request says Connection: close: close_notify, then FIN) and has let go of its
/// socket by the time the client closes, so a close_notify from the client would be data arriving
/// at a closed socket, answered with a reset; browsers often just close the TCP connection too.
struct FinOnly(tokio_rustls::client::TlsStream<Tapped<TcpStream>>);

impl tokio::io::AsyncRead for FinOnly {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.get_mut().0).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for FinOnly {
    fn poll_write(self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>, buf: &[u8]) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.get_mut().0).poll_write(cx, buf)
    }
    fn poll_flush(self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.get_mut().0).poll_flush(cx)
    }
    fn poll_shutdown(self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<std::io::Result<()>> {
        let tls = &mut self.get_mut().0;
        std::task::ready!(std::pin::Pin::new(&mut *tls).poll_flush(cx))?;
        std::pin::Pin::new(tls.get_mut().0).poll_shutdown(cx)
    }
}

/// What one TLS connection showed: the handshake and the version and suite agreed.
struct TlsShown {
    handshake: Duration,
    hello_bytes: u64,
    server_bytes: u64,
    version: String,
    suite: String,
    alpn: String,
}

async fn tls_connect(
    addr: SocketAddr,
    opts: &TlsOptions,
    wire: Arc<Tally>,
) -> Result<(tokio_rustls::client::TlsStream<Tapped<TcpStream>>, TlsShown), String> {
    let tcp = TcpStream::connect(addr).await.map_err(|e| crate::net::http_client::connect_error(addr, &e))?;
    let _ = tcp.set_nodelay(true);
    let t0 = Instant::now();
    let tls = tokio::time::timeout(T, handshake_over(Tapped::new(tcp, wire.clone()), SNI, opts))
        .await
        .map_err(|_| "the TLS handshake timed out".to_string())??;
    let c = tls.get_ref().1;
    let shown = TlsShown {
        handshake: t0.elapsed(),
        hello_bytes: sent(&wire),
        server_bytes: received(&wire),
        version: c.protocol_version().map_or("?".into(), |v| format!("{v:?}").replace("TLSv1_", "TLS 1.")),
        suite: c.negotiated_cipher_suite().map_or("?".into(), |s| crate::proto::tls::session::suite_name(u16::from(s.suite()))),
        alpn: c.alpn_protocol().map_or("none".into(), |p| String::from_utf8_lossy(p).into_owned()),
    };
    Ok((tls, shown))
}

pub async fn https_wss(cx: &Ctx<'_>) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    let s = cx.servers;
    // ---- in the clear ----
    cx.say_at(
        Pin::next("POST /validate"),
        "First in the clear, over http://: POST /validate with a password in its JSON body. Every router, Wi-Fi neighbour or proxy on the path reads every byte.",
        "先用明文 http://：POST /validate，JSON 请求体里带着密码。路径上的每个路由器、同一 Wi-Fi 的邻居或代理都能读到每一个字节。",
    );
    let plain = Arc::new(Tally::default());
    let mut c = HttpConn::connect(cx.addr(s.http), plain.clone(), T).await?;
    let r = c.request("POST", "/validate", &[("content-type", "application/json"), ("connection", "close")], SECRET_BODY.into(), T).await?;
    check(&r, 200, "POST /validate")?;
    let (plain_req, plain_resp) = (sent(&plain), received(&plain));
    cx.say_at(
        Pin::last("200"),
        format!(
            "The request was {plain_req} bytes and the response {plain_resp}: on the wire they are exactly those bytes, password included."
        ),
        format!("请求 {plain_req} 字节，响应 {plain_resp} 字节：线上传的就是这些字节，密码原样可见。"),
    );
    cx.say_at(
        Pin::next("GET /echo"),
        format!(
            "The same over ws://: the text message \"{SECRET_MESSAGE}\" goes in a frame anyone can unmask (the mask key travels with it)."
        ),
        format!("同样用 ws://：文本消息“{SECRET_MESSAGE}”装在一个帧里，谁都能去掉掩码读出（掩码密钥就在帧里）。"),
    );
    let (mut ws, _) = ws_connect(&format!("ws://{}/echo", cx.addr(s.ws)), &[], &[], Arc::new(Tally::default()), T).await?;
    ws.send(Message::text(SECRET_MESSAGE)).await.map_err(|e| e.to_string())?;
    let _ = tokio::time::timeout(T, ws.next()).await.map_err(|_| "no echo over ws:// (timeout)".to_string())?;
    let _ = ws.close(None).await;
    while let Ok(Some(Ok(_))) = tokio::time::timeout(Duration::from_secs(1), ws.next()).await {}

    // ---- inside TLS ----
    let opts = TlsOptions { extra_roots_pem: Some(s.cert.pem().into_bytes()), ..TlsOptions::default() };
    cx.say(
        format!("Now the same over https://. The TLS handshake starts in the clear: the ClientHello names the server it wants in SNI (\"{SNI}\") and offers ALPN http/1.1; anyone on the path sees that name."),
        format!("现在用 https:// 做同样的事。TLS 握手开头是明文：ClientHello 在 SNI 里写明要访问的服务器（“{SNI}”），并通过 ALPN 提议 http/1.1；路径上的人都能看到这个名字。"),
    );
    let wire = Tally::keeping();
    let (tls, hs) = tls_connect(cx.addr(s.https), &opts, wire.clone()).await?;
    cx.say(
        format!(
            "{} handshake done in {}: the client sent {} bytes (ClientHello, then its Finished), the server {} (ServerHello in the clear; its certificate and Finished already encrypted). Agreed: {}, ALPN {}. The client trusted the lab's certificate, made when the servers started.",
            hs.version, ms(hs.handshake), hs.hello_bytes, hs.server_bytes, hs.suite, hs.alpn
        ),
        format!(
            "{} 握手用时 {}：客户端发送 {} 字节（ClientHello，之后是它的 Finished），服务器发送 {} 字节（ServerHello 是明文，证书和 Finished 已经加密）。协商结果：{}，ALPN {}。客户端信任的是实验服务器启动时生成的证书。",
            hs.version, ms(hs.handshake), hs.hello_bytes, hs.server_bytes, hs.suite, hs.alpn
        ),
    );
    let inner = Arc::new(Tally::default());
    let mut c = HttpConn::over(FinOnly(tls), s.https, inner.clone(), Duration::ZERO, Some(hs.handshake)).await?;
    let (w0s, w0r) = (sent(&wire), received(&wire));
    let r = c.request("POST", "/validate", &[("content-type", "application/json"), ("connection", "close")], SECRET_BODY.into(), T).await?;
    check(&r, 200, "POST /validate over TLS")?;
    let (tls_req, tls_resp) = (sent(&wire) - w0s, received(&wire) - w0r);
    let (in_req, in_resp) = (sent(&inner), received(&inner));
    let (raw_out, raw_in) = wire.raw();
    let resp_records = sizes_text(&record_sizes(raw_in.get(w0r as usize..).unwrap_or_default()));
    let req_records = sizes_text(&record_sizes(raw_out.get(w0s as usize..).unwrap_or_default()));
    cx.say(
        format!(
            "The same POST: {in_req} bytes of HTTP left as {tls_req} bytes of TLS application data (records of {req_records} bytes); the response's {in_resp} bytes came back as {tls_resp} (records of {resp_records} bytes: after the response, the server's close_notify alert, which TLS 1.3 encrypts too). The ciphertext is larger: each record adds a 5-byte header, a 16-byte authentication tag and (TLS 1.3) a content-type byte. An eavesdropper sees these sizes and times, the SNI and the addresses; not the method, the path, the headers or the password."
        ),
        format!(
            "同样的 POST：{in_req} 字节的 HTTP 变成 {tls_req} 字节的 TLS 应用数据发出（记录大小 {req_records} 字节）；响应的 {in_resp} 字节以 {tls_resp} 字节返回（记录大小 {resp_records} 字节：响应之后是服务器的 close_notify 告警，TLS 1.3 也把它加密）。密文比明文大：每条记录多 5 字节记录头、16 字节认证标签，以及（TLS 1.3）1 字节内容类型。窃听者只能看到这些大小和时间、SNI 和地址；看不到方法、路径、头部和密码。"
        ),
    );
    fig(&mut out, "http:// request / response bytes", "http:// 请求 / 响应字节", format!("{plain_req} / {plain_resp}"));
    fig(&mut out, "https:// plaintext → TLS request bytes", "https:// 请求：明文 → TLS", format!("{in_req} → {tls_req}"));
    fig(&mut out, "https:// plaintext → TLS response records", "https:// 响应：明文 → TLS 记录", format!("{in_resp} → {resp_records}"));
    fig(&mut out, "TLS handshake", "TLS 握手", format!("{} ({}, {})", ms(hs.handshake), hs.version, hs.suite));
    drop(c);

    // ---- wss ----
    let wire = Arc::new(Tally::default());
    let (tls, hs) = tls_connect(cx.addr(s.wss), &opts, wire.clone()).await?;
    let inner = Arc::new(Tally::default());
    let url = format!("wss://{SNI}:{}/echo", s.wss.port());
    let (mut ws, _) = tokio_tungstenite::client_async(url.as_str(), Tapped::new(tls, inner.clone()))
        .await
        .map_err(|e| format!("WebSocket handshake over TLS failed: {e}"))?;
    let (w0s, i0s) = (sent(&wire), sent(&inner));
    ws.send(Message::text(SECRET_MESSAGE)).await.map_err(|e| e.to_string())?;
    let echo = tokio::time::timeout(T, ws.next()).await.map_err(|_| "no echo over wss:// (timeout)".to_string())?;
    if !matches!(&echo, Some(Ok(Message::Text(t))) if t.as_str() == SECRET_MESSAGE) {
        return Err(format!("the wss:// echo was not the message sent: {echo:?}"));
    }
    let (frame, record) = (sent(&inner) - i0s, sent(&wire) - w0s);
    let _ = ws.close(None).await;
    while let Ok(Some(Ok(_))) = tokio::time::timeout(Duration::from_secs(1), ws.next()).await {}
    cx.say(
        format!(
            "wss:// is WebSocket inside TLS ({} again, handshake {}): the {}-byte text became a {frame}-byte masked frame, sent as {record} bytes of TLS. The upgrade GET, the 101 and every frame are inside the records.",
            hs.version,
            ms(hs.handshake),
            SECRET_MESSAGE.len()
        ),
        format!(
            "wss:// 就是 TLS 里的 WebSocket（同样是 {}，握手 {}）：{} 字节的文本变成 {frame} 字节的带掩码帧，再以 {record} 字节的 TLS 发出。升级用的 GET、101 和每个帧都在加密记录里。",
            hs.version,
            ms(hs.handshake),
            SECRET_MESSAGE.len()
        ),
    );
    fig(
        &mut out,
        "wss:// text → frame → TLS bytes",
        "wss:// 文本 → 帧 → TLS 字节",
        format!("{} → {frame} → {record}", SECRET_MESSAGE.len()),
    );
    let keys = s.keys.all().len();
    cx.say(
        format!(
            "With the keys the view changes: the lab server's rustls logged {keys} secrets (NSS key-log lines, as SSLKEYLOGFILE writes them), and this recording carries them in a Decryption Secrets Block. Wireshark, and wirescope's TLS decryption, read them and show the POST, the password and the WebSocket message inside TLS, byte for byte as in the clear run."
        ),
        format!(
            "有了密钥，看到的就不一样了：实验服务器的 rustls 记录了 {keys} 条密钥（NSS 密钥日志格式，即 SSLKEYLOGFILE 的格式），本录制把它们放在一个解密密钥块（Decryption Secrets Block）里。Wireshark 和 wirescope 的 TLS 解密读取它们后，能看到 TLS 里的 POST、密码和 WebSocket 消息，和明文那一轮一字不差。"
        ),
    );
    fig(&mut out, "TLS key-log lines embedded", "嵌入的 TLS 密钥行", keys.to_string());
    Ok(out)
}

/// The six requests: the first is slow, the other five quick, each answered after its delay.
pub const HOL_REQUESTS: [(u32, u32); 6] = [(1, 1000), (2, 200), (3, 200), (4, 200), (5, 200), (6, 200)];

fn hol_target(n: u32, delay: u32) -> String {
    format!("/slow?ms={delay}&n={n}")
}

fn list(times: &[Duration]) -> String {
    times.iter().map(|t| format!("{:.2}", t.as_secs_f64())).collect::<Vec<_>>().join(", ")
}

pub async fn h1_vs_h2(cx: &Ctx<'_>) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    let s = cx.servers;
    cx.say_at(
        Pin::next("GET /slow"),
        "Six requests on ONE HTTP/1.1 connection. The first is slow (the server takes 1 s), the other five take 0.2 s each. HTTP/1.1 answers in order, one response at a time, so the client sends each request after the previous answer, as browsers do (pipelining is switched off in all of them, and it would not help: the responses must still come back in order).",
        "在一个 HTTP/1.1 连接上发六个请求。第一个很慢（服务器要 1 秒），其余五个各要 0.2 秒。HTTP/1.1 按顺序一次回一个响应，所以客户端等上一个响应到了才发下一个请求，浏览器也是这样做的（所有浏览器都关闭了管线化，况且它也无济于事：响应仍须按顺序返回）。",
    );
    let t0 = Instant::now();
    let mut c = HttpConn::connect(cx.addr(s.http), Arc::new(Tally::default()), T).await?;
    let mut h1_times = Vec::new();
    for (i, (n, delay)) in HOL_REQUESTS.iter().enumerate() {
        let h = if i + 1 == HOL_REQUESTS.len() { vec![("connection", "close")] } else { Vec::new() };
        let r = c.request("GET", &hol_target(*n, *delay), &h, Vec::new(), T).await?;
        check(&r, 200, "GET /slow")?;
        h1_times.push(t0.elapsed());
    }
    drop(c);
    let h1_last = h1_times.last().copied().unwrap_or_default();
    let h1_quick_first = h1_times.get(1).copied().unwrap_or_default();
    cx.say_at(
        Pin::last("200 OK"),
        format!(
            "HTTP/1.1: the last response came {:.2} s after the start. The responses arrived at {} s: the five quick ones waited behind the slow one, which is head-of-line blocking; the first quick answer came only at {:.2} s.",
            h1_last.as_secs_f64(),
            list(&h1_times),
            h1_quick_first.as_secs_f64()
        ),
        format!(
            "HTTP/1.1：最后一个响应在开始后 {:.2} 秒到达。各响应到达时间为 {} 秒：五个快请求都排在慢请求后面，这就是队头阻塞；第一个快请求的响应直到 {:.2} 秒才到。",
            h1_last.as_secs_f64(),
            list(&h1_times),
            h1_quick_first.as_secs_f64()
        ),
    );
    tokio::time::sleep(Duration::from_millis(150)).await;
    cx.say(
        "The same six requests on ONE HTTP/2 connection (h2c, prior knowledge: the client starts with the connection preface). Each request is a stream of its own; all six are sent at once and their frames interleave on the connection.",
        "同样六个请求，放在一个 HTTP/2 连接上（h2c，事先知道对方支持：客户端一开始就发送连接前言）。每个请求是一条独立的流；六个同时发出，它们的帧在连接上交错传输。",
    );
    let addr = cx.addr(s.h2c);
    let t0 = Instant::now();
    let tcp = TcpStream::connect(addr).await.map_err(|e| crate::net::http_client::connect_error(addr, &e))?;
    let _ = tcp.set_nodelay(true);
    let h2 = H2Conn::over(tcp, addr, "http", format!("127.0.0.1:{}", s.h2c.port())).await?;
    let jobs = HOL_REQUESTS.iter().map(|(n, delay)| {
        let h2 = h2.clone();
        async move {
            let r = h2.request("GET", &hol_target(*n, *delay), &[], Vec::new(), T).await?;
            check(&r, 200, "GET /slow over HTTP/2")?;
            Ok::<_, String>(t0.elapsed())
        }
    });
    let h2_times: Vec<Duration> = futures_util::future::join_all(jobs).await.into_iter().collect::<Result<_, _>>()?;
    drop(h2);
    let h2_last = h2_times.iter().max().copied().unwrap_or_default();
    let h2_quick_last = h2_times.iter().skip(1).max().copied().unwrap_or_default();
    cx.say(
        format!(
            "HTTP/2: the last response came {:.2} s after the start, against {:.2} s on HTTP/1.1. The five quick answers were all in by {:.2} s, while the slow stream was still open: one slow response no longer holds up the others (head-of-line blocking remains one layer down, in TCP, when a packet is lost; HTTP/3 over QUIC removes that too).",
            h2_last.as_secs_f64(),
            h1_last.as_secs_f64(),
            h2_quick_last.as_secs_f64()
        ),
        format!(
            "HTTP/2：最后一个响应在开始后 {:.2} 秒到达，HTTP/1.1 则是 {:.2} 秒。五个快请求的响应在 {:.2} 秒内全部到达，而慢的那条流还没结束：一个慢响应不再拖住其他响应（丢包时，下一层的 TCP 仍有队头阻塞；基于 QUIC 的 HTTP/3 连这个也消除了）。",
            h2_last.as_secs_f64(),
            h1_last.as_secs_f64(),
            h2_quick_last.as_secs_f64()
        ),
    );
    fig(&mut out, "HTTP/1.1: time to the last response", "HTTP/1.1：最后一个响应", format!("{:.2} s", h1_last.as_secs_f64()));
    fig(&mut out, "HTTP/2: time to the last response", "HTTP/2：最后一个响应", format!("{:.2} s", h2_last.as_secs_f64()));
    fig2(
        &mut out,
        "Responses arrived (HTTP/1.1)",
        "各响应到达（HTTP/1.1）",
        format!("{} s", list(&h1_times)),
        format!("{} 秒", list(&h1_times)),
    );
    fig2(
        &mut out,
        "Responses arrived (HTTP/2)",
        "各响应到达（HTTP/2）",
        format!("{} s", list(&h2_times)),
        format!("{} 秒", list(&h2_times)),
    );
    fig(&mut out, "Connections used", "使用的连接数", "1 + 1");
    Ok(out)
}
