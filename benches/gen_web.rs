//! The same web traffic three ways, for the TLS and HTTP/2 benchmark (benches/secure.sh): HTTP/1.1
//! in the clear, the same HTTP/1.1 inside TLS 1.3 (TLS_AES_128_GCM_SHA256) with its key log
//! written beside the capture, and HTTP/2 with prior knowledge (h2c), several streams interleaved
//! on each connection.
//!
//! The TLS records are sealed with ring under secrets made up here and written to OUT.keys in the
//! NSS format, so a decoder given the key log can open them. The handshake is the shape of a real
//! one (ClientHello, ServerHello, encrypted EncryptedExtensions and Finished, the client's
//! Finished) without the certificate and the key exchange: no decoder can check those from a
//! capture anyway. HPACK is written as literal fields without indexing (RFC 7541 §6.2.2), which
//! every decoder must read.

use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::hkdf;
use std::io::{BufWriter, Write};
use wirescope::source::PcapWriter;
use wirescope::synth::TcpConversation;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Web {
    Clear,
    Tls13,
    H2,
}

use super::{body, Rng, PATHS};

/// `N` pseudo-random bytes.
fn random<const N: usize>(rng: &mut Rng) -> [u8; N] {
    let mut b = [0u8; N];
    for c in b.chunks_mut(8) {
        let r = rng.next().to_le_bytes();
        c.copy_from_slice(&r[..c.len()]);
    }
    b
}

/// HKDF-Expand-Label (RFC 8446 §7.1) with SHA-256 and an empty context.
fn expand_label(secret: &[u8], label: &str, len: usize) -> Vec<u8> {
    struct Len(usize);
    impl hkdf::KeyType for Len {
        fn len(&self) -> usize {
            self.0
        }
    }
    let full = format!("tls13 {label}");
    let mut info = Vec::new();
    info.extend_from_slice(&(len as u16).to_be_bytes());
    info.push(full.len() as u8);
    info.extend_from_slice(full.as_bytes());
    info.push(0);
    let prk = hkdf::Prk::new_less_safe(hkdf::HKDF_SHA256, secret);
    let mut out = vec![0u8; len];
    let infos = [&info[..]];
    if let Ok(okm) = prk.expand(&infos, Len(len)) {
        let _ = okm.fill(&mut out);
    }
    out
}

/// One direction's record protection under a traffic secret.
struct Sealer {
    key: LessSafeKey,
    iv: [u8; 12],
    seq: u64,
}

impl Sealer {
    fn new(secret: &[u8]) -> Sealer {
        let key = expand_label(secret, "key", 16);
        let iv = expand_label(secret, "iv", 12);
        let key = LessSafeKey::new(UnboundKey::new(&aead::AES_128_GCM, &key).expect("a 16-byte key"));
        Sealer { key, iv: iv.try_into().expect("a 12-byte iv"), seq: 0 }
    }

    /// TLSCiphertext records (RFC 8446 §5.2) carrying `data` of inner type `ty`, at most 2^14 each.
    fn seal(&mut self, ty: u8, data: &[u8], out: &mut Vec<u8>) {
        for piece in data.chunks(1 << 14) {
            let mut inner = piece.to_vec();
            inner.push(ty);
            let len = inner.len() + 16;
            let header = [23, 3, 3, (len >> 8) as u8, len as u8];
            let mut nonce = self.iv;
            for (n, s) in nonce[4..].iter_mut().zip(self.seq.to_be_bytes()) {
                *n ^= s;
            }
            self.seq += 1;
            self.key
                .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(header), &mut inner)
                .expect("sealing never fails for a record this size");
            out.extend_from_slice(&header);
            out.extend_from_slice(&inner);
        }
    }
}

fn record(ty: u8, body: &[u8]) -> Vec<u8> {
    let mut r = vec![ty, 3, 1, (body.len() >> 8) as u8, body.len() as u8];
    r.extend_from_slice(body);
    r
}

fn handshake_msg(ty: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![ty];
    m.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    m.extend_from_slice(body);
    m
}

fn ext(ty: u16, data: &[u8]) -> Vec<u8> {
    let mut e = ty.to_be_bytes().to_vec();
    e.extend_from_slice(&(data.len() as u16).to_be_bytes());
    e.extend_from_slice(data);
    e
}

fn client_hello(random: &[u8; 32], sni: &str) -> Vec<u8> {
    let mut exts = Vec::new();
    let mut name = vec![0];
    name.extend_from_slice(&(sni.len() as u16).to_be_bytes());
    name.extend_from_slice(sni.as_bytes());
    let mut list = (name.len() as u16).to_be_bytes().to_vec();
    list.extend(name);
    exts.extend(ext(0, &list));
    exts.extend(ext(16, &[0, 9, 8, b'h', b't', b't', b'p', b'/', b'1', b'.', b'1']));
    exts.extend(ext(43, &[2, 3, 4]));
    let mut b = vec![3, 3];
    b.extend_from_slice(random);
    b.push(0);
    b.extend_from_slice(&[0, 2, 0x13, 0x01, 1, 0]);
    b.extend_from_slice(&(exts.len() as u16).to_be_bytes());
    b.extend(exts);
    record(22, &handshake_msg(1, &b))
}

fn server_hello(random: &[u8; 32]) -> Vec<u8> {
    let mut b = vec![3, 3];
    b.extend_from_slice(random);
    b.push(0);
    b.extend_from_slice(&[0x13, 0x01, 0]);
    let exts = ext(43, &[3, 4]);
    b.extend_from_slice(&(exts.len() as u16).to_be_bytes());
    b.extend(exts);
    record(22, &handshake_msg(2, &b))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// An HPACK integer with an `n`-bit prefix (RFC 7541 §5.1) after the flag bits `first`.
fn hpack_int(out: &mut Vec<u8>, first: u8, n: u32, mut v: usize) {
    let max = (1usize << n) - 1;
    if v < max {
        out.push(first | v as u8);
        return;
    }
    out.push(first | max as u8);
    v -= max;
    while v >= 128 {
        out.push((v % 128) as u8 | 0x80);
        v /= 128;
    }
    out.push(v as u8);
}

/// A header block of literal fields without indexing, new names, no Huffman.
fn hpack(fields: &[(&str, &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in fields {
        out.push(0);
        hpack_int(&mut out, 0, 7, name.len());
        out.extend_from_slice(name.as_bytes());
        hpack_int(&mut out, 0, 7, value.len());
        out.extend_from_slice(value.as_bytes());
    }
    out
}

fn h2_frame(out: &mut Vec<u8>, ty: u8, flags: u8, stream: u32, payload: &[u8]) {
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes()[1..]);
    out.push(ty);
    out.push(flags);
    out.extend_from_slice(&stream.to_be_bytes());
    out.extend_from_slice(payload);
}

fn response_body(rng: &mut Rng) -> (u16, &'static str, Vec<u8>) {
    match rng.next() % 10 {
        0 => (404, "text/html", b"not found".to_vec()),
        1 => (304, "text/html", Vec::new()),
        2..=4 => {
            let n = rng.range(100, 3000) as usize;
            (200, "application/json", body(rng, n))
        }
        _ => {
            let n = rng.range(200, 12_000) as usize;
            (200, "text/html; charset=utf-8", body(rng, n))
        }
    }
}

/// Writes `kind` traffic of about `target` bytes of payload to `out` (and, for TLS, its key log
/// to `out`.keys).
pub fn generate(kind: Web, out: &str, target: u64) -> std::io::Result<()> {
    let file = std::fs::File::create(out)?;
    let mut w = PcapWriter::new(BufWriter::with_capacity(1 << 20, file), 1)?;
    let mut keys = String::new();
    let mut err = None;
    let mut emit = |t: i64, d: &[u8]| {
        if let Err(e) = w.packet(t, d) {
            err = Some(e);
        }
    };
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    // The TLS randoms and secrets come from their own generator, so that the clear and the TLS
    // capture carry the same HTTP.
    let mut crng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut ts = 1_700_000_000_000_000_000i64;
    let port = if kind == Web::Tls13 { 443 } else { 80 };
    let mut sent = 0u64;
    let mut n = 0u32;
    while sent < target {
        n += 1;
        let cport = 20000 + (n % 45000) as u16;
        let mut conv = TcpConversation::new(([10, 2, (n >> 8) as u8, n as u8], cport), ([10, 3, 0, 1], port), ts);
        conv.step = 7_000;
        conv.handshake(&mut emit);
        let exchanges = rng.range(5, 40) as u32;
        match kind {
            Web::Clear | Web::Tls13 => {
                let mut tls = None;
                if kind == Web::Tls13 {
                    let (cr, sr) = (random::<32>(&mut crng), random::<32>(&mut crng));
                    let secrets: [[u8; 32]; 4] = [random(&mut crng), random(&mut crng), random(&mut crng), random(&mut crng)];
                    for (label, s) in [
                        "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                        "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                        "CLIENT_TRAFFIC_SECRET_0",
                        "SERVER_TRAFFIC_SECRET_0",
                    ]
                    .iter()
                    .zip(&secrets)
                    {
                        keys.push_str(&format!("{label} {} {}\n", hex(&cr), hex(s)));
                    }
                    conv.send(true, &client_hello(&cr, "example.test"), &mut emit);
                    let mut flight = server_hello(&sr);
                    flight.extend_from_slice(&[20, 3, 3, 0, 1, 1]);
                    let mut shs = Sealer::new(&secrets[1]);
                    let mut hs = handshake_msg(8, &[0, 0]);
                    hs.extend(handshake_msg(20, &random::<32>(&mut crng)));
                    shs.seal(22, &hs, &mut flight);
                    conv.send(false, &flight, &mut emit);
                    let mut chs = Sealer::new(&secrets[0]);
                    let mut fin = vec![20, 3, 3, 0, 1, 1];
                    chs.seal(22, &handshake_msg(20, &random::<32>(&mut crng)), &mut fin);
                    conv.send(true, &fin, &mut emit);
                    tls = Some((Sealer::new(&secrets[2]), Sealer::new(&secrets[3])));
                }
                for _ in 0..exchanges {
                    let path = PATHS[rng.next() as usize % PATHS.len()];
                    let req = format!("GET {path} HTTP/1.1\r\nHost: example.test\r\nUser-Agent: Mozilla/5.0 wirescope-bench\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n");
                    let (status, ctype, b) = response_body(&mut rng);
                    let mut resp =
                        format!("HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\r\n", b.len()).into_bytes();
                    resp.extend_from_slice(&b);
                    sent += (req.len() + resp.len()) as u64;
                    ts += rng.range(1_000, 50_000) as i64;
                    conv.ts = conv.ts.max(ts);
                    match &mut tls {
                        Some((c, s)) => {
                            let (mut r1, mut r2) = (Vec::new(), Vec::new());
                            c.seal(23, req.as_bytes(), &mut r1);
                            s.seal(23, &resp, &mut r2);
                            conv.send(true, &r1, &mut emit);
                            conv.send(false, &r2, &mut emit);
                        }
                        None => {
                            conv.send(true, req.as_bytes(), &mut emit);
                            conv.send(false, &resp, &mut emit);
                        }
                    }
                }
            }
            Web::H2 => {
                let mut c = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
                h2_frame(&mut c, 4, 0, 0, &[0, 3, 0, 0, 0, 100]);
                conv.send(true, &c, &mut emit);
                let mut s = Vec::new();
                h2_frame(&mut s, 4, 0, 0, &[0, 3, 0, 0, 0, 128]);
                h2_frame(&mut s, 4, 1, 0, &[]);
                conv.send(false, &s, &mut emit);
                let mut ack = Vec::new();
                h2_frame(&mut ack, 4, 1, 0, &[]);
                conv.send(true, &ack, &mut emit);
                let mut stream = 1u32;
                let mut left = exchanges;
                while left > 0 {
                    // A burst of up to four requests, answered interleaved frame by frame.
                    let burst = left.min(rng.range(1, 5) as u32);
                    left -= burst;
                    let mut reqs = Vec::new();
                    let mut answers = Vec::new();
                    for i in 0..burst {
                        let id = stream + 2 * i;
                        let path = PATHS[rng.next() as usize % PATHS.len()];
                        let block = hpack(&[
                            (":method", "GET"),
                            (":scheme", "http"),
                            (":authority", "example.test"),
                            (":path", path),
                            ("user-agent", "wirescope-bench"),
                            ("accept", "*/*"),
                        ]);
                        h2_frame(&mut reqs, 1, 0x5, id, &block);
                        let (status, ctype, b) = response_body(&mut rng);
                        sent += (block.len() + b.len() + 40) as u64;
                        answers.push((id, status, ctype, b, 0usize));
                    }
                    stream += 2 * burst;
                    ts += rng.range(1_000, 50_000) as i64;
                    conv.ts = conv.ts.max(ts);
                    conv.send(true, &reqs, &mut emit);
                    let mut out = Vec::new();
                    for (id, status, ctype, b, _) in &answers {
                        let len = b.len().to_string();
                        let block = hpack(&[(":status", &status.to_string()), ("content-type", ctype), ("content-length", &len)]);
                        h2_frame(&mut out, 1, if b.is_empty() { 0x5 } else { 0x4 }, *id, &block);
                    }
                    // DATA frames of at most 4096 bytes, round robin over the streams.
                    loop {
                        let mut any = false;
                        for (id, _, _, b, at) in answers.iter_mut() {
                            if *at >= b.len() {
                                continue;
                            }
                            any = true;
                            let end = (*at + 4096).min(b.len());
                            h2_frame(&mut out, 0, if end == b.len() { 1 } else { 0 }, *id, &b[*at..end]);
                            *at = end;
                        }
                        if !any {
                            break;
                        }
                    }
                    conv.send(false, &out, &mut emit);
                }
            }
        }
        conv.close(&mut emit);
        ts += 20_000;
    }
    drop(emit);
    if let Some(e) = err {
        return Err(e);
    }
    w.into_inner().flush()?;
    if kind == Web::Tls13 {
        std::fs::write(format!("{out}.keys"), keys)?;
    }
    eprintln!("wrote {out}: {n} connections, {:.1} MB of HTTP", sent as f64 / 1048576.0);
    Ok(())
}
