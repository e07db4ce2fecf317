//! TLS: the hello messages read at the record layer (the ClientHello's SNI and ALPN, the
//! ServerHello's version, suite and random), and with a key log the records decrypted
//! ([`TlsLayer`]) for the protocol inside. Bounds-checked reads
//! only.

pub mod decrypt;
pub mod keylog;
pub mod layer;
pub mod session;

pub use layer::{MakeInner, TlsLayer};

use crate::model::TlsInfo;

/// The key log a capture is read with, shared by every TLS connection of an engine (and its
/// decoding threads): Decryption Secrets Blocks met while reading the file add to it before the
/// packets they are for are decoded.
pub type Keys = std::sync::Arc<std::sync::RwLock<keylog::KeyLog>>;

struct R<'a>(&'a [u8]);

impl<'a> R<'a> {
    fn u8(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }
    fn u16(&mut self) -> Option<u16> {
        let b = self.take(2)?;
        Some(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u24(&mut self) -> Option<usize> {
        let b = self.take(3)?;
        Some((b[0] as usize) << 16 | (b[1] as usize) << 8 | b[2] as usize)
    }
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn vec8(&mut self) -> Option<&'a [u8]> {
        let n = self.u8()? as usize;
        self.take(n)
    }
    fn vec16(&mut self) -> Option<&'a [u8]> {
        let n = self.u16()? as usize;
        self.take(n)
    }
}

pub fn version_name(v: u16) -> String {
    match v {
        0x0300 => "SSL 3.0".into(),
        0x0301 => "TLS 1.0".into(),
        0x0302 => "TLS 1.1".into(),
        0x0303 => "TLS 1.2".into(),
        0x0304 => "TLS 1.3".into(),
        other => format!("0x{other:04x}"),
    }
}

/// The first handshake message in a direction's first bytes, if it is all there.
fn handshake(b: &[u8]) -> Option<(u8, &[u8])> {
    let mut r = R(b);
    if r.u8()? != 22 {
        return None;
    }
    r.u16()?;
    let rec = r.vec16()?;
    let mut h = R(rec);
    let ty = h.u8()?;
    let len = h.u24()?;
    Some((ty, h.take(len.min(h.0.len()))?))
}

/// Reads SNI, ALPN and the offered version from a ClientHello.
pub fn client_hello(b: &[u8], info: &mut TlsInfo) -> Option<()> {
    let (ty, body) = handshake(b)?;
    if ty != 1 {
        return None;
    }
    client_hello_body(body, info).map(|_| ())
}

/// Reads SNI, ALPN and the offered version from a ClientHello's body (after the 4-byte
/// handshake header); returns its random.
pub fn client_hello_body(body: &[u8], info: &mut TlsInfo) -> Option<[u8; 32]> {
    let mut r = R(body);
    let legacy = r.u16()?;
    info.version.get_or_insert_with(|| version_name(legacy));
    let random: [u8; 32] = r.take(32)?.try_into().ok()?;
    r.vec8()?;
    r.vec16()?;
    r.vec8()?;
    let Some(exts) = r.vec16() else { return Some(random) };
    let mut exts = R(exts);
    while let (Some(ty), Some(data)) = (exts.u16(), exts.vec16()) {
        let mut e = R(data);
        match ty {
            0 => {
                let Some(list) = e.vec16() else { continue };
                let mut list = R(list);
                while let (Some(kind), Some(name)) = (list.u8(), list.vec16()) {
                    if kind == 0 {
                        info.sni = Some(String::from_utf8_lossy(name).into_owned());
                    }
                }
            }
            16 => {
                let Some(list) = e.vec16() else { continue };
                let mut list = R(list);
                while let Some(p) = list.vec8() {
                    if info.alpn.len() < 16 {
                        info.alpn.push(String::from_utf8_lossy(p).into_owned());
                    }
                }
            }
            _ => {}
        }
    }
    Some(random)
}

/// The version the server chose (supported_versions wins over the legacy field).
pub fn server_hello(b: &[u8], info: &mut TlsInfo) -> Option<()> {
    let (ty, body) = handshake(b)?;
    if ty != 2 {
        return None;
    }
    let h = server_hello_body(body)?;
    info.version = Some(version_name(h.version));
    Some(())
}

/// What a ServerHello says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHello {
    pub random: [u8; 32],
    /// supported_versions when present, else the legacy version.
    pub version: u16,
    pub cipher_suite: u16,
    /// The protocol chosen by ALPN (TLS 1.2: here; TLS 1.3: in EncryptedExtensions).
    pub alpn: Option<String>,
}

/// The random of a HelloRetryRequest (RFC 8446 §4.1.3): a ServerHello that asks for another
/// ClientHello.
pub const HELLO_RETRY_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
    0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// Reads a ServerHello's body (after the 4-byte handshake header).
pub fn server_hello_body(body: &[u8]) -> Option<ServerHello> {
    let mut r = R(body);
    let mut version = r.u16()?;
    let random: [u8; 32] = r.take(32)?.try_into().ok()?;
    r.vec8()?;
    let cipher_suite = r.u16()?;
    r.u8()?;
    let mut alpn = None;
    if let Some(exts) = r.vec16() {
        let mut exts = R(exts);
        while let (Some(ty), Some(data)) = (exts.u16(), exts.vec16()) {
            if ty == 43 && data.len() == 2 {
                version = u16::from_be_bytes([data[0], data[1]]);
            } else if ty == 16 {
                alpn = alpn_chosen(data);
            }
        }
    }
    Some(ServerHello { random, version, cipher_suite, alpn })
}

/// The type and body of a bare handshake message (no record header), if it is all there.
fn message(m: &[u8]) -> Option<(u8, &[u8])> {
    let mut r = R(m);
    let ty = r.u8()?;
    let len = r.u24()?;
    Some((ty, r.take(len)?))
}

/// [`client_hello`] from a bare handshake message (type, 3-byte length, body), as QUIC carries it
/// in CRYPTO frames (RFC 9001 §4).
pub fn client_hello_message(m: &[u8], info: &mut TlsInfo) -> Option<()> {
    match message(m)? {
        (1, body) => client_hello_body(body, info).map(|_| ()),
        _ => None,
    }
}

/// [`server_hello`] from a bare handshake message.
pub fn server_hello_message(m: &[u8], info: &mut TlsInfo) -> Option<()> {
    match message(m)? {
        (2, body) => {
            let h = server_hello_body(body)?;
            info.version = Some(version_name(h.version));
            Some(())
        }
        _ => None,
    }
}

/// The ALPN protocol an EncryptedExtensions message (TLS 1.3) names.
pub fn encrypted_extensions_alpn(body: &[u8]) -> Option<String> {
    let mut exts = R(R(body).vec16()?);
    while let (Some(ty), Some(data)) = (exts.u16(), exts.vec16()) {
        if ty == 16 {
            return alpn_chosen(data);
        }
    }
    None
}

/// The one protocol of a server's ALPN extension.
fn alpn_chosen(data: &[u8]) -> Option<String> {
    let mut list = R(R(data).vec16()?);
    list.vec8().map(|p| String::from_utf8_lossy(p).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hello() -> Vec<u8> {
        let mut ext = Vec::new();
        // SNI "example.test"
        let name = b"example.test";
        let mut sni = vec![0];
        sni.extend_from_slice(&(name.len() as u16).to_be_bytes());
        sni.extend_from_slice(name);
        let mut sni_ext = (sni.len() as u16).to_be_bytes().to_vec();
        sni_ext.extend(sni);
        ext.extend_from_slice(&0u16.to_be_bytes());
        ext.extend_from_slice(&(sni_ext.len() as u16).to_be_bytes());
        ext.extend(sni_ext);
        // ALPN h2, http/1.1
        let mut alpn = vec![2, b'h', b'2', 8];
        alpn.extend_from_slice(b"http/1.1");
        let mut alpn_ext = (alpn.len() as u16).to_be_bytes().to_vec();
        alpn_ext.extend(alpn);
        ext.extend_from_slice(&16u16.to_be_bytes());
        ext.extend_from_slice(&(alpn_ext.len() as u16).to_be_bytes());
        ext.extend(alpn_ext);
        let mut body = vec![3, 3];
        body.extend_from_slice(&[0; 32]);
        body.push(0);
        body.extend_from_slice(&[0, 2, 0x13, 0x01]);
        body.extend_from_slice(&[1, 0]);
        body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
        body.extend(ext);
        let mut hs = vec![1];
        hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        hs.extend(body);
        let mut rec = vec![22, 3, 1];
        rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
        rec.extend(hs);
        rec
    }

    #[test]
    fn reads_sni_and_alpn_and_survives_every_cut() {
        let h = hello();
        let mut info = TlsInfo::default();
        client_hello(&h, &mut info).unwrap();
        assert_eq!(info.sni.as_deref(), Some("example.test"));
        assert_eq!(info.alpn, vec!["h2".to_string(), "http/1.1".to_string()]);
        for cut in 0..h.len() {
            let mut i = TlsInfo::default();
            let _ = client_hello(&h[..cut], &mut i);
        }
    }
}
