//! The request builder's engine against the lab's real servers on loopback: every method, a JSON
//! body, form and query encoding, a WebSocket session with text, binary, ping and a close code (with
//! and without permessage-deflate), and the errors a user must get for a refused connection, a
//! server that never answers, and bad input. Every test ends within seconds.

use std::time::Duration;
use wirescope::builder::{run_ws, send_http, BodyKind, HttpSpec, Who, WsCommand, WsEvent, WsSpec};
use wirescope::lab::servers::Servers;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

fn spec(method: &str, url: String) -> HttpSpec {
    HttpSpec { method: method.into(), url, timeout: Duration::from_secs(5), ..HttpSpec::default() }
}

#[test]
fn every_method_against_the_lab_server() {
    let rt = rt();
    rt.block_on(async {
        let s = Servers::start().await.unwrap();
        let base = format!("http://{}", s.http);
        let r = send_http(&spec("GET", format!("{base}/items"))).await.unwrap();
        assert_eq!(r.reply.status, 200);
        assert!(r.raw_sent.starts_with(b"GET /items HTTP/1.1\r\n"), "{}", String::from_utf8_lossy(&r.raw_sent));
        assert!(r.raw_received.starts_with(b"HTTP/1.1 200 OK\r\n"));

        let mut post = spec("post", format!("{base}/items"));
        post.body_kind = BodyKind::Json;
        post.body = r#"{"name":"lamp","price":12}"#.into();
        let r = send_http(&post).await.unwrap();
        assert_eq!((r.reply.status, r.reply.header("location")), (201, Some("/items/2")));
        assert!(String::from_utf8_lossy(&r.raw_sent).contains("content-type: application/json"));

        let mut put = spec("PUT", format!("{base}/items/2"));
        put.body_kind = BodyKind::Json;
        put.body = r#"{"name":"lamp","price":10}"#.into();
        assert_eq!(send_http(&put).await.unwrap().reply.status, 200);
        let mut patch = spec("PATCH", format!("{base}/items/2"));
        patch.body_kind = BodyKind::Json;
        patch.body = r#"{"price":9}"#.into();
        let r = send_http(&patch).await.unwrap();
        assert_eq!(serde_json::from_slice::<serde_json::Value>(&r.reply.body).unwrap()["price"], 9);
        assert_eq!(send_http(&spec("DELETE", format!("{base}/items/2"))).await.unwrap().reply.status, 204);
        assert_eq!(send_http(&spec("GET", format!("{base}/items/2"))).await.unwrap().reply.status, 404);
        let head = send_http(&spec("HEAD", format!("{base}/hello"))).await.unwrap();
        assert_eq!((head.reply.status, head.reply.body.len()), (200, 0));
        assert_eq!(send_http(&spec("OPTIONS", format!("{base}/hello"))).await.unwrap().reply.status, 405);

        // Query parameters are encoded and appended; headers go out as given.
        let mut q = spec("GET", format!("{base}/poll"));
        q.query = vec![("since".into(), "0".into()), ("note".into(), "a b".into())];
        q.headers = vec![("X-Lesson".into(), "query".into())];
        let r = send_http(&q).await.unwrap();
        let sent = String::from_utf8_lossy(&r.raw_sent);
        assert!(sent.starts_with("GET /poll?since=0&note=a%20b HTTP/1.1") && sent.contains("x-lesson: query"), "{sent}");
        assert!(r.reply.first_byte <= r.reply.total);
    });
}

#[test]
fn refused_timeout_and_bad_input_are_clear_errors() {
    let rt = rt();
    rt.block_on(async {
        // A port that was just free: nothing listens there.
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let e = send_http(&spec("GET", format!("http://{free}/"))).await.unwrap_err();
        assert!(e.contains("connection refused") && e.contains("nothing is listening"), "{e}");
        // A server that accepts and never answers.
        let mute = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = mute.local_addr().unwrap();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((s, _)) = mute.accept().await {
                held.push(s);
            }
        });
        let mut slow = spec("GET", format!("http://{addr}/"));
        slow.timeout = Duration::from_millis(400);
        let t0 = std::time::Instant::now();
        let e = send_http(&slow).await.unwrap_err();
        assert!(e.contains("timeout") && t0.elapsed() < Duration::from_secs(3), "{e}");
        assert!(send_http(&spec("GET", "127.0.0.1:80/".into())).await.unwrap_err().contains("should start with http://"));
        assert!(send_http(&spec("G ET", "http://127.0.0.1:1/".into())).await.unwrap_err().contains("not an HTTP method"));
        let mut bad_json = spec("POST", "http://127.0.0.1:1/".into());
        bad_json.body_kind = BodyKind::Json;
        bad_json.body = "{".into();
        assert!(send_http(&bad_json).await.unwrap_err().contains("JSON body is not valid"));
        assert!(send_http(&spec("GET", "ws://127.0.0.1:1/".into())).await.unwrap_err().contains("not an HTTP URL"));
        // https to a server that never speaks TLS: a timeout on the handshake, said as such.
        let mut tls_mute = spec("GET", format!("https://{addr}/"));
        tls_mute.timeout = Duration::from_millis(400);
        let e = send_http(&tls_mute).await.unwrap_err();
        assert!(e.contains("TLS handshake") && e.contains("timed out"), "{e}");
    });
}

/// Runs a WebSocket session: the commands go out 50 ms apart, then the session is awaited.
fn ws_session(url: String, deflate: bool, cmds: Vec<WsCommand>) -> Vec<WsEvent> {
    let rt = rt();
    rt.block_on(async move {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let (etx, erx) = std::sync::mpsc::channel();
        let spec = WsSpec { url, deflate, timeout: Duration::from_secs(5), ..WsSpec::default() };
        let session = tokio::spawn(run_ws(spec, rx, move |e| {
            let _ = etx.send(e);
        }));
        for c in cmds {
            tokio::time::sleep(Duration::from_millis(50)).await;
            tx.send(c).unwrap();
        }
        tokio::time::timeout(Duration::from_secs(5), session).await.expect("the session ended").unwrap();
        erx.try_iter().collect()
    })
}

fn peer(events: &[WsEvent]) -> Vec<(u8, Vec<u8>)> {
    events
        .iter()
        .filter_map(|e| match e {
            WsEvent::Message { who: Who::Peer, opcode, payload, .. } => Some((*opcode, payload.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn websocket_session_with_ping_binary_and_close_code() {
    // The servers live on their own runtime for the whole test; each session gets a runtime of its own.
    let rt = rt();
    let s = rt.block_on(Servers::start()).unwrap();
    for (url, deflate) in [(format!("ws://{}/echo", s.ws), false), (format!("ws://{}/", s.deflate_ws), true)] {
        let events = ws_session(
            url.clone(),
            deflate,
            vec![
                WsCommand::Text("hello 你好".into()),
                WsCommand::Binary(vec![0xde, 0xad, 0xbe, 0xef]),
                WsCommand::Ping(b"hb".to_vec()),
                WsCommand::Close(4000, "lesson over".into()),
            ],
        );
        assert!(matches!(events.first(), Some(WsEvent::Opened { status: 101, .. })), "{url}: {events:?}");
        if deflate {
            let WsEvent::Opened { headers, .. } = &events[0] else { unreachable!() };
            assert!(headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("sec-websocket-extensions") && v.contains("permessage-deflate")));
        }
        let got = peer(&events);
        assert_eq!(got[0], (1, "hello 你好".as_bytes().to_vec()), "{url}");
        assert_eq!(got[1], (2, vec![0xde, 0xad, 0xbe, 0xef]));
        assert_eq!(got[2], (10, b"hb".to_vec()), "the pong carries the ping's payload");
        assert_eq!(got[3].0, 8);
        assert_eq!(u16::from_be_bytes([got[3].1[0], got[3].1[1]]), 4000, "the server echoes the close code");
        assert!(matches!(events.last(), Some(WsEvent::Closed { code: Some(4000), clean: true, .. })), "{events:?}");
    }
    // A killed connection ends as 1006, and a refused one is an error.
    let events = ws_session(format!("ws://{}/kill", s.ws), false, vec![WsCommand::Text("hi".into())]);
    assert!(matches!(events.last(), Some(WsEvent::Closed { code: Some(1006), clean: false, .. })), "{events:?}");
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let events = ws_session(format!("ws://{free}/"), false, vec![]);
    assert!(matches!(&events[..], [WsEvent::Error(e)] if e.contains("connection refused")), "{events:?}");
    drop(rt);
}

/// A TLS server on 127.0.0.1 with the test certificate (signed by tests/fixtures/tls/ca.pem):
/// HTTP "hello over TLS" on every request, or a WebSocket echo when the request asks to upgrade.
async fn tls_server() -> std::net::SocketAddr {
    use tokio_rustls::rustls::{self, pki_types::pem::PemObject, pki_types::CertificateDer, pki_types::PrivateKeyDer};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls");
    let certs: Vec<CertificateDer> = CertificateDer::pem_file_iter(dir.join("server.pem")).unwrap().map(|c| c.unwrap()).collect();
    let key = PrivateKeyDer::from_pem_file(dir.join("server.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else { return };
                // tungstenite answers the upgrade; anything else gets a plain HTTP reply.
                let mut buf = tokio::io::BufReader::new(tls);
                use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
                let head = buf.fill_buf().await.map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default();
                if head.to_ascii_lowercase().contains("upgrade: websocket") {
                    use futures_util::{SinkExt, StreamExt};
                    let Ok(mut ws) = tokio_tungstenite::accept_async(buf).await else { return };
                    while let Some(Ok(m)) = ws.next().await {
                        if m.is_text() || m.is_binary() {
                            let _ = ws.send(m).await;
                        } else if m.is_close() {
                            break;
                        }
                    }
                    let _ = ws.flush().await;
                } else {
                    let body = "hello over TLS";
                    let resp = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
                    let _ = buf.get_mut().write_all(resp.as_bytes()).await;
                    let _ = buf.get_mut().shutdown().await;
                }
            });
        }
    });
    addr
}

#[test]
fn https_and_wss_verify_certificates_by_default() {
    let rt = rt();
    rt.block_on(async {
        let addr = tls_server().await;
        let url = format!("https://127.0.0.1:{}/", addr.port());
        let ca = std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls/ca.pem")).unwrap();
        // Not signed by a public root: refused, with a message that says why and what to do.
        let e = send_http(&spec("GET", url.clone())).await.unwrap_err();
        assert!(e.contains("not signed by a trusted authority"), "{e}");
        // Trusting the test CA: the request goes through, with a TLS time.
        let mut trusted = spec("GET", url.clone());
        trusted.tls.extra_roots_pem = Some(ca.clone());
        let r = send_http(&trusted).await.unwrap();
        assert_eq!((r.reply.status, &r.reply.body[..]), (200, &b"hello over TLS"[..]));
        assert!(r.tls.is_some());
        assert!(r.raw_sent.starts_with(b"GET / HTTP/1.1"), "raw bytes are the plaintext inside TLS");
        // Verification off (curl -k): accepted too.
        let mut insecure = spec("GET", url.clone());
        insecure.tls.verify = false;
        assert_eq!(send_http(&insecure).await.unwrap().reply.status, 200);
        // The name must match: "localhost" is in the certificate, "example.invalid" would not be.
        let mut by_name = spec("GET", format!("https://localhost:{}/", addr.port()));
        by_name.tls.extra_roots_pem = Some(ca.clone());
        assert_eq!(send_http(&by_name).await.unwrap().reply.status, 200);
        // wss:// with the CA: a text message comes back.
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let (etx, erx) = std::sync::mpsc::channel();
        let ws = WsSpec {
            url: format!("wss://127.0.0.1:{}/echo", addr.port()),
            tls: wirescope::net::tls::TlsOptions { verify: true, extra_roots_pem: Some(ca), ..Default::default() },
            timeout: Duration::from_secs(5),
            ..WsSpec::default()
        };
        let session = tokio::spawn(run_ws(ws, rx, move |e| {
            let _ = etx.send(e);
        }));
        tokio::time::sleep(Duration::from_millis(100)).await;
        tx.send(WsCommand::Text("secure hello".into())).unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        tx.send(WsCommand::Close(1000, "done".into())).unwrap();
        tokio::time::timeout(Duration::from_secs(5), session).await.unwrap().unwrap();
        let events: Vec<WsEvent> = erx.try_iter().collect();
        assert!(peer(&events).contains(&(1, b"secure hello".to_vec())), "{events:?}");
    });
}

#[test]
fn a_huge_response_body_is_refused_not_buffered() {
    let rt = rt();
    rt.block_on(async {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let Ok((mut s, _)) = l.accept().await else { return };
            let mut req = [0u8; 1024];
            let _ = s.read(&mut req).await;
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 200000000\r\n\r\n").await;
            let chunk = vec![b'x'; 1 << 20];
            for _ in 0..100 {
                if s.write_all(&chunk).await.is_err() {
                    return;
                }
            }
        });
        let e = send_http(&spec("GET", format!("http://{addr}/"))).await.unwrap_err();
        assert!(e.contains("larger than 64 MiB"), "{e}");
    });
}

#[test]
fn running_lab_servers_are_known_until_dropped() {
    let rt = rt();
    let s = rt.block_on(Servers::start()).unwrap();
    let me = s.addresses();
    assert!(wirescope::lab::servers::running().is_some());
    // Reachable where it says: the HTTP server answers at its address.
    let r = rt.block_on(send_http(&spec("GET", format!("http://{}/hello", me.http)))).unwrap();
    assert_eq!(r.reply.status, 200);
    drop(s);
    assert_ne!(wirescope::lab::servers::running(), Some(me), "dropped servers are no longer offered");
}

#[test]
fn http2_by_alpn_and_h2c_and_the_keys_are_logged() {
    let rt = rt();
    rt.block_on(async {
        let s = Servers::start().await.unwrap();
        // h2c with prior knowledge: the lab's h2c server answers only HTTP/2.
        let mut h2c = spec("GET", format!("http://{}/hello", s.h2c));
        h2c.http2 = true;
        let r = send_http(&h2c).await.unwrap();
        assert_eq!((r.reply.status, r.reply.version.as_str(), &r.reply.body[..]), (200, "HTTP/2.0", &b"hello, world\n"[..]));
        assert!(r.raw_sent.starts_with(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), "the connection preface goes first");
        // Over TLS the server picks h2 by ALPN; without the toggle the same server speaks HTTP/1.1.
        let url = format!("https://localhost:{}/hello", s.https.port());
        let mut h2 = spec("GET", url.clone());
        h2.tls.extra_roots_pem = Some(s.cert.pem().into_bytes());
        let before = wirescope::builder::key_log().all().len();
        let h1 = h2.clone();
        h2.http2 = true;
        assert_eq!(send_http(&h2).await.unwrap().reply.version, "HTTP/2.0");
        assert_eq!(send_http(&h1).await.unwrap().reply.version, "HTTP/1.1");
        // The builder logged the secrets of both connections, the same lines the server's rustls
        // logged for them (the server is the independent witness).
        // (Other tests' connections may log lines of their own meanwhile.)
        let logged = wirescope::builder::key_log().all();
        let server = s.keys.all();
        assert_eq!(server.len(), 10, "two TLS 1.3 connections, five secrets each: {server:?}");
        for line in &server {
            assert!(logged[before..].contains(line), "{line} not logged by the builder");
        }
    });
}

/// What the window's live capture does (src/app/loader.rs): record on loopback, asking the
/// builder's key log before each packet. The builder's own https:// request, HTTP/2 by ALPN, is
/// then readable in the file: tshark decrypts it with the keys the capture embedded.
#[test]
fn a_live_capture_embeds_the_builders_tls_keys() {
    let root = std::process::Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let tshark = std::process::Command::new("tshark").arg("-v").output().is_ok_and(|o| o.status.success());
    if !root || !tshark {
        eprintln!("needs root (to capture) and tshark (to decrypt): skipped");
        return;
    }
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let rt = rt();
    let s = rt.block_on(Servers::start()).unwrap();
    let file = std::env::temp_dir().join(format!("wirescope-builder-keys-{}.pcapng", std::process::id()));
    let opts = wirescope::source::live::LiveOptions {
        interface: "lo".into(),
        filter: Some(format!("tcp port {}", s.https.port())),
        snaplen: 262_144,
        promiscuous: false,
        count: None,
        duration: Some(Duration::from_secs(30)),
    };
    let stop = Arc::new(AtomicBool::new(false));
    let (started_tx, started) = std::sync::mpsc::channel();
    let (f2, stop2) = (file.clone(), stop.clone());
    let capture = std::thread::spawn(move || {
        wirescope::source::recorder::record_with_secrets(
            &opts,
            &f2,
            &stop2,
            &AtomicBool::new(false),
            || None,
            || wirescope::builder::key_log().take_new(),
            |ev| {
                if let wirescope::source::recorder::RecordEvent::Started { .. } = ev {
                    let _ = started_tx.send(());
                }
                true
            },
        )
    });
    started.recv_timeout(Duration::from_secs(10)).expect("the capture started");
    let mut h2 = spec("GET", format!("https://localhost:{}/items", s.https.port()));
    h2.tls.extra_roots_pem = Some(s.cert.pem().into_bytes());
    h2.http2 = true;
    let r = rt.block_on(send_http(&h2)).unwrap();
    assert_eq!((r.reply.status, r.reply.version.as_str()), (200, "HTTP/2.0"));
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::Relaxed);
    capture.join().unwrap().unwrap();
    let out = std::process::Command::new("tshark")
        .arg("-r")
        .arg(&file)
        .args(["-Y", "http2.headers.path", "-T", "fields", "-e", "http2.headers.method", "-e", "http2.headers.path"])
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().any(|l| l == "GET\t/items"), "tshark did not decrypt the builder's request: {text:?}");
}
