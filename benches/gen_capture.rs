//! Writes a large, deterministic, realistic capture for benchmarks: many interleaved keep-alive HTTP
//! connections (Content-Length, chunked and gzip bodies) and WebSocket sessions (masked client
//! frames, pings, close), all on port 80 so tshark decodes them as well.
//!
//! Usage: wirescope-gen OUT.pcap [SIZE_MB]   (default 200)
//!        wirescope-gen --attack KIND N OUT.pcap
//!        wirescope-gen --web clear|tls13|h2 OUT.pcap [SIZE_MB]   (benches/secure.sh; see gen_web.rs)
//!
//! The attacks (issue 15; benches/attacks.sh times them at N and 4N): `head` (a request head
//! growing by N segments of header lines, never ended), `pipeline` (N pipelined requests never
//! answered), `synscan` (N SYN-only connections), `pings` (N empty ping frames on one WebSocket),
//! `gzip0` (N gzip bodies whose trailer claims 0 bytes of output).

#[path = "gen_web.rs"]
mod web;

use std::io::{BufWriter, Write};
use wirescope::source::PcapWriter;
use wirescope::synth::{ws_frame, TcpConversation};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }
}

enum Kind {
    Http { left: u32 },
    Ws { left: u32 },
}

struct Session {
    conv: TcpConversation,
    kind: Kind,
}

const PATHS: &[&str] = &["/api/items", "/api/users/42", "/static/app.js", "/index.html", "/api/search?q=wirescope", "/img/logo.png"];

fn body(rng: &mut Rng, n: usize) -> Vec<u8> {
    let words = [&b"lorem "[..], b"ipsum ", b"packet ", b"socket ", b"stream ", b"header ", b"frame "];
    let mut v = Vec::with_capacity(n);
    while v.len() < n {
        v.extend_from_slice(words[rng.next() as usize % words.len()]);
    }
    v.truncate(n);
    v
}

/// Writes attack `kind` at size `n` to `out`.
fn attack(kind: &str, n: u64, out: &str) -> std::io::Result<()> {
    let file = std::fs::File::create(out)?;
    let mut w = PcapWriter::new(BufWriter::with_capacity(1 << 20, file), 1)?;
    let mut err = None;
    let mut emit = |t: i64, d: &[u8]| {
        if let Err(e) = w.packet(t, d) {
            err = Some(e);
        }
    };
    let ts = 1_700_000_000_000_000_000i64;
    let mut conv = TcpConversation::new(([10, 0, 0, 1], 40000), ([10, 1, 0, 1], 80), ts);
    conv.step = 1_000;
    match kind {
        "head" => {
            conv.handshake(&mut emit);
            conv.send(true, b"GET / HTTP/1.1\r\nHost: example.test\r\n", &mut emit);
            let line = format!("X-Filler: {}\r\n", "a".repeat(1400 - 12));
            for _ in 0..n {
                conv.send(true, line.as_bytes(), &mut emit);
            }
        }
        "pipeline" => {
            conv.handshake(&mut emit);
            let mut batch = Vec::new();
            for i in 0..n {
                batch.extend_from_slice(format!("GET /item/{i} HTTP/1.1\r\nHost: example.test\r\n\r\n").as_bytes());
                if batch.len() > 1300 || i + 1 == n {
                    conv.send(true, &batch, &mut emit);
                    batch.clear();
                }
            }
        }
        "synscan" => {
            for i in 0..n {
                let port = 1024 + (i % 60000) as u16;
                let host = (i / 60000) as u8;
                let mut c = TcpConversation::new(([10, 2, host, 1], 50000), ([10, 1, 0, 1], port), ts + i as i64 * 1000);
                c.syn(&mut emit);
            }
        }
        "pings" => {
            conv.handshake(&mut emit);
            let req = "GET /chat HTTP/1.1\r\nHost: example.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
            conv.send(true, req.as_bytes(), &mut emit);
            conv.send(false, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", &mut emit);
            let ping = ws_frame(true, 9, Some([1, 2, 3, 4]), b"");
            let batch: Vec<u8> = ping.iter().copied().cycle().take(ping.len() * 200).collect();
            for _ in 0..n / 200 {
                conv.send(true, &batch, &mut emit);
            }
        }
        "gzip0" => {
            conv.handshake(&mut emit);
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(&b"a small text that compresses ".repeat(20))?;
            let mut gz = e.finish()?;
            let len = gz.len();
            gz[len - 4..].copy_from_slice(&0u32.to_le_bytes());
            for _ in 0..n {
                conv.send(true, b"GET /z HTTP/1.1\r\nHost: example.test\r\n\r\n", &mut emit);
                let head = format!("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n", gz.len());
                conv.send(false, &[head.as_bytes(), &gz].concat(), &mut emit);
            }
        }
        _ => {
            eprintln!("unknown attack {kind}: head, pipeline, synscan, pings or gzip0");
            std::process::exit(2);
        }
    }
    if let Some(e) = err {
        return Err(e);
    }
    w.into_inner().flush()
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--attack") {
        let (Some(kind), Some(n), Some(out)) = (args.get(2), args.get(3).and_then(|s| s.parse().ok()), args.get(4)) else {
            eprintln!("usage: wirescope-gen --attack KIND N OUT.pcap");
            std::process::exit(2);
        };
        return attack(kind, n, out);
    }
    if args.get(1).map(String::as_str) == Some("--web") {
        let kind = match args.get(2).map(String::as_str) {
            Some("clear") => web::Web::Clear,
            Some("tls13") => web::Web::Tls13,
            Some("h2") => web::Web::H2,
            _ => {
                eprintln!("usage: wirescope-gen --web clear|tls13|h2 OUT.pcap [SIZE_MB]");
                std::process::exit(2);
            }
        };
        let Some(out) = args.get(3) else {
            eprintln!("usage: wirescope-gen --web clear|tls13|h2 OUT.pcap [SIZE_MB]");
            std::process::exit(2);
        };
        let mb: u64 = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(100);
        return web::generate(kind, out, mb << 20);
    }
    let Some(out) = args.get(1).filter(|a| !a.starts_with('-')) else {
        eprintln!("usage: wirescope-gen OUT.pcap [SIZE_MB]");
        std::process::exit(2);
    };
    let target: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(200) << 20;
    let file = std::fs::File::create(out)?;
    let mut w = PcapWriter::new(BufWriter::with_capacity(1 << 20, file), 1)?;
    let mut written = 24u64;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let gz = {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&body(&mut rng, 6000))?;
        e.finish()?
    };
    let mut sessions: Vec<Session> = Vec::new();
    let mut next_port = 20000u16;
    let mut ts = 1_700_000_000_000_000_000i64;
    let mut err = None;
    let mut emit = |t: i64, d: &[u8]| {
        written += 16 + d.len() as u64;
        if let Err(e) = w.packet(t, d) {
            err = Some(e);
        }
    };
    let mut sent_bytes = 0u64;
    while sent_bytes < target {
        // Keep about 300 connections open at once, a quarter of them WebSocket.
        while sessions.len() < 300 {
            let port = next_port;
            next_port = if next_port >= 65000 { 20000 } else { next_port + 1 };
            let client = ([10, 0, (port >> 8) as u8, port as u8], port);
            let mut conv = TcpConversation::new(client, ([10, 1, 0, 1], 80), ts);
            conv.step = 7_000;
            conv.handshake(&mut emit);
            let kind = if rng.next().is_multiple_of(4) {
                let key = "dGhlIHNhbXBsZSBub25jZQ==";
                let req = format!("GET /chat HTTP/1.1\r\nHost: example.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: http://example.test\r\n\r\n");
                conv.send(true, req.as_bytes(), &mut emit);
                conv.send(false, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", &mut emit);
                Kind::Ws { left: rng.range(50, 400) as u32 }
            } else {
                Kind::Http { left: rng.range(5, 60) as u32 }
            };
            sessions.push(Session { conv, kind });
        }
        let i = rng.next() as usize % sessions.len();
        let s = &mut sessions[i];
        ts += rng.range(1_000, 50_000) as i64;
        s.conv.ts = s.conv.ts.max(ts);
        let done = match &mut s.kind {
            Kind::Http { left } => {
                let path = PATHS[rng.next() as usize % PATHS.len()];
                let req = format!("GET {path} HTTP/1.1\r\nHost: example.test\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) wirescope-bench\r\nAccept: */*\r\nAccept-Encoding: gzip, deflate, br\r\nCookie: session=abc123; theme=dark\r\nConnection: keep-alive\r\n\r\n");
                s.conv.send(true, req.as_bytes(), &mut emit);
                let resp = match rng.next() % 10 {
                    0 => {
                        let mut r = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
                            gz.len()
                        )
                        .into_bytes();
                        r.extend_from_slice(&gz);
                        r
                    }
                    1 | 2 => {
                        let mut r = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
                        for _ in 0..rng.range(2, 6) {
                            let n = rng.range(100, 3000) as usize;
                            let c = body(&mut rng, n);
                            r.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
                            r.extend_from_slice(&c);
                            r.extend_from_slice(b"\r\n");
                        }
                        r.extend_from_slice(b"0\r\n\r\n");
                        r
                    }
                    3 => b"HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n\r\n".to_vec(),
                    4 => b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 9\r\n\r\nnot found".to_vec(),
                    _ => {
                        let n = rng.range(200, 12_000) as usize;
                        let b = body(&mut rng, n);
                        let mut r = format!("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: max-age=60\r\nContent-Length: {}\r\n\r\n", b.len()).into_bytes();
                        r.extend_from_slice(&b);
                        r
                    }
                };
                s.conv.send(false, &resp, &mut emit);
                sent_bytes += (req.len() + resp.len()) as u64;
                *left -= 1;
                *left == 0
            }
            Kind::Ws { left } => {
                let n = rng.range(20, 600) as usize;
                let text = format!("{{\"seq\":{left},\"data\":\"{}\"}}", String::from_utf8_lossy(&body(&mut rng, n)));
                let from_client = rng.next().is_multiple_of(2);
                let key = (rng.next() as u32).to_be_bytes();
                let frame = match rng.next() % 20 {
                    0 => ws_frame(true, 9, if from_client { Some(key) } else { None }, b"hb"),
                    _ => ws_frame(true, 1, if from_client { Some(key) } else { None }, text.as_bytes()),
                };
                s.conv.send(from_client, &frame, &mut emit);
                sent_bytes += frame.len() as u64;
                *left -= 1;
                if *left == 0 {
                    let mut close = 1000u16.to_be_bytes().to_vec();
                    close.extend_from_slice(b"bye");
                    s.conv.send(true, &ws_frame(true, 8, Some([1, 2, 3, 4]), &close), &mut emit);
                    s.conv.send(false, &ws_frame(true, 8, None, &close), &mut emit);
                }
                *left == 0
            }
        };
        if done {
            let mut s = sessions.swap_remove(i);
            s.conv.close(&mut emit);
        }
    }
    for mut s in sessions {
        ts += 5_000;
        s.conv.ts = s.conv.ts.max(ts);
        s.conv.close(&mut emit);
    }
    drop(emit);
    if let Some(e) = err {
        return Err(e);
    }
    w.into_inner().flush()?;
    eprintln!("wrote {out}: {:.1} MB", written as f64 / 1048576.0);
    Ok(())
}
