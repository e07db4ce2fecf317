//! A small hand-framed WebSocket for the permessage-deflate scenario (RFC 7692): tungstenite has no
//! compression, so both ends here frame by hand (headers parsed by the engine's own
//! `proto::websocket::frame`) and compress with flate2: raw deflate, sync flush, the trailing
//! 00 00 FF FF removed (§7.2.1), one shared context per direction (context takeover).

use super::http_client::{connect_error, Tally, Tapped};
use crate::proto::websocket::frame::{parse_header, unmask};
use crate::proto::websocket::handshake::accept_for;
use base64::Engine as _;
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The largest message either end accepts here (the lab sends small ones).
const MAX_MESSAGE: u64 = 1 << 20;

struct Codec {
    out: Compress,
    inp: Decompress,
}

impl Codec {
    fn new() -> Codec {
        Codec { out: Compress::new(Compression::default(), false), inp: Decompress::new(false) }
    }

    fn compress(&mut self, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(data.len() / 2 + 64);
        let mut at = 0;
        loop {
            out.reserve(256);
            let before = self.out.total_in();
            let _ = self.out.compress_vec(&data[at..], &mut out, FlushCompress::Sync);
            at += (self.out.total_in() - before) as usize;
            if at >= data.len() && out.len() < out.capacity() {
                break;
            }
        }
        if out.ends_with(&[0, 0, 0xff, 0xff]) {
            out.truncate(out.len() - 4);
        }
        out
    }

    fn decompress(&mut self, data: &[u8]) -> Result<Vec<u8>, String> {
        let mut input = data.to_vec();
        input.extend_from_slice(&[0, 0, 0xff, 0xff]);
        let mut out = Vec::with_capacity(data.len() * 3 + 64);
        let mut at = 0;
        loop {
            out.reserve(1024);
            let before = self.inp.total_in();
            self.inp.decompress_vec(&input[at..], &mut out, FlushDecompress::Sync).map_err(|e| format!("inflate failed: {e}"))?;
            at += (self.inp.total_in() - before) as usize;
            if out.len() as u64 > MAX_MESSAGE {
                return Err("inflated message too large".into());
            }
            if at >= input.len() && out.len() < out.capacity() {
                return Ok(out);
            }
        }
    }
}

/// One end of a hand-framed WebSocket.
pub struct RawWs<S> {
    stream: S,
    client: bool,
    codec: Option<Codec>,
    buf: Vec<u8>,
    mask_seed: u32,
}

impl<S: AsyncRead + AsyncWrite + Unpin> RawWs<S> {
    pub fn deflate(&self) -> bool {
        self.codec.is_some()
    }

    /// Sends one unfragmented message (compressed when negotiated and `opcode` is data).
    pub async fn send(&mut self, opcode: u8, payload: &[u8]) -> std::io::Result<()> {
        let (rsv1, body) = match (&mut self.codec, opcode < 8) {
            (Some(c), true) => (true, c.compress(payload)),
            _ => (false, payload.to_vec()),
        };
        let mask = self.client.then(|| {
            // Any key will do for the lab; a fresh one per frame as RFC 6455 §5.3 asks.
            self.mask_seed = self.mask_seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            self.mask_seed.to_be_bytes()
        });
        let f = crate::synth::ws_frame_rsv(true, if rsv1 { 0b100 } else { 0 }, opcode, mask, &body);
        self.stream.write_all(&f).await
    }

    /// The next message as (opcode, payload after inflating); `None` when the peer is gone.
    pub async fn recv(&mut self) -> Result<Option<(u8, Vec<u8>)>, String> {
        loop {
            if let Some(h) = parse_header(&self.buf) {
                if h.payload_len > MAX_MESSAGE {
                    return Err(format!("frame of {} bytes is over the lab's limit", h.payload_len));
                }
                let end = h.header_len as usize + h.payload_len as usize;
                if self.buf.len() >= end {
                    let mut p = self.buf[h.header_len as usize..end].to_vec();
                    self.buf.drain(..end);
                    if let Some(k) = h.mask {
                        unmask(&mut p, k, 0);
                    }
                    if h.rsv & 0b100 != 0 {
                        let c = self.codec.as_mut().ok_or("RSV1 set without permessage-deflate")?;
                        p = c.decompress(&p)?;
                    }
                    return Ok(Some((h.opcode, p)));
                }
            }
            let mut chunk = [0u8; 8192];
            let n = self.stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
            if n == 0 {
                return Ok(None);
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    pub async fn close(&mut self, code: u16, reason: &str) -> std::io::Result<()> {
        let mut p = code.to_be_bytes().to_vec();
        p.extend_from_slice(reason.as_bytes());
        self.send(8, &p).await
    }
}

async fn read_head<S: AsyncRead + Unpin>(s: &mut S) -> Result<(Vec<u8>, Vec<u8>), String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 2048];
    loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let rest = buf.split_off(i + 4);
            return Ok((buf, rest));
        }
        if buf.len() > 16 * 1024 {
            return Err("handshake head too long".into());
        }
        let n = s.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed during the handshake".into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn header<'a>(headers: &'a [httparse::Header], name: &str) -> Option<&'a str> {
    headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).and_then(|h| std::str::from_utf8(h.value).ok())
}

/// The server: accepts permessage-deflate when offered, echoes every data message, answers close.
pub async fn serve(listener: TcpListener) {
    loop {
        let Ok((s, _)) = listener.accept().await else { continue };
        tokio::spawn(async move {
            let _ = serve_one(s).await;
        });
    }
}

async fn serve_one(mut s: TcpStream) -> Result<(), String> {
    let _ = s.set_nodelay(true);
    let (head, rest) = read_head(&mut s).await?;
    let mut hs = [httparse::EMPTY_HEADER; 32];
    let mut req = httparse::Request::new(&mut hs);
    req.parse(&head).map_err(|e| e.to_string())?;
    let key = header(req.headers, "sec-websocket-key").ok_or("no Sec-WebSocket-Key")?.to_string();
    let offered = header(req.headers, "sec-websocket-extensions").is_some_and(|e| e.contains("permessage-deflate"));
    let mut resp = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n",
        accept_for(&key)
    );
    if offered {
        resp.push_str("Sec-WebSocket-Extensions: permessage-deflate\r\n");
    }
    resp.push_str("\r\n");
    s.write_all(resp.as_bytes()).await.map_err(|e| e.to_string())?;
    let mut ws = RawWs { stream: s, client: false, codec: offered.then(Codec::new), buf: rest, mask_seed: 0 };
    while let Some((op, p)) = ws.recv().await? {
        match op {
            1 | 2 => ws.send(op, &p).await.map_err(|e| e.to_string())?,
            9 => ws.send(10, &p).await.map_err(|e| e.to_string())?,
            8 => {
                let _ = ws.send(8, &p[..p.len().min(2)]).await;
                break;
            }
            _ => {}
        }
    }
    Ok(())
}

/// The client: offers permessage-deflate when `deflate`, checks the Accept value.
pub async fn connect(addr: SocketAddr, path: &str, deflate: bool, tally: Arc<Tally>) -> Result<RawWs<Tapped<TcpStream>>, String> {
    connect_with(addr, &addr.to_string(), path, deflate, &[], &[], tally).await.map(|(ws, _)| ws)
}

/// The same with the Host header, subprotocols and extra handshake headers given; also returns
/// the 101's headers.
pub async fn connect_with(
    addr: SocketAddr,
    host: &str,
    path: &str,
    deflate: bool,
    protocols: &[&str],
    extra: &[(&str, &str)],
    tally: Arc<Tally>,
) -> Result<(RawWs<Tapped<TcpStream>>, Vec<(String, String)>), String> {
    let s = TcpStream::connect(addr).await.map_err(|e| connect_error(addr, &e))?;
    let _ = s.set_nodelay(true);
    let mut s = Tapped::new(s, tally);
    let seed = (super::now_ns() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let key = base64::engine::general_purpose::STANDARD.encode(seed.to_le_bytes().repeat(2));
    let mut req = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
    );
    if !protocols.is_empty() {
        req.push_str(&format!("Sec-WebSocket-Protocol: {}\r\n", protocols.join(", ")));
    }
    for (n, v) in extra {
        if n.contains(['\r', '\n', ':']) || v.contains(['\r', '\n']) {
            return Err(format!("bad header \"{n}\""));
        }
        req.push_str(&format!("{n}: {v}\r\n"));
    }
    if deflate {
        req.push_str("Sec-WebSocket-Extensions: permessage-deflate\r\n");
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.map_err(|e| e.to_string())?;
    let (head, rest) = read_head(&mut s).await?;
    let mut hs = [httparse::EMPTY_HEADER; 32];
    let mut resp = httparse::Response::new(&mut hs);
    resp.parse(&head).map_err(|e| e.to_string())?;
    if resp.code != Some(101) {
        return Err(format!("expected 101, got {:?}", resp.code));
    }
    if header(resp.headers, "sec-websocket-accept") != Some(accept_for(&key).as_str()) {
        return Err("wrong Sec-WebSocket-Accept".into());
    }
    let agreed = header(resp.headers, "sec-websocket-extensions").is_some_and(|e| e.contains("permessage-deflate"));
    let headers = resp.headers.iter().map(|h| (h.name.to_string(), String::from_utf8_lossy(h.value).into_owned())).collect();
    Ok((RawWs { stream: s, client: true, codec: agreed.then(Codec::new), buf: rest, mask_seed: seed as u32 }, headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codec_round_trips_with_shared_context() {
        let (mut a, mut b) = (Codec::new(), Codec::new());
        let msg = br#"{"type":"price","symbol":"ACME","value":101.5}"#;
        let first = a.compress(msg);
        let second = a.compress(msg);
        // The second copy refers back into the shared window: much smaller.
        assert!(second.len() < first.len() / 2, "{} vs {}", second.len(), first.len());
        assert_eq!(b.decompress(&first).unwrap(), msg);
        assert_eq!(b.decompress(&second).unwrap(), msg);
    }
}
