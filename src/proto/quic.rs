//! QUIC (RFC 9000) as an eavesdropper without keys can read it: the long headers (version,
//! connection IDs, token, length, several packets coalesced in one datagram), Version Negotiation
//! and Retry, and the Initial packets, whose keys anyone can derive from the client's first
//! Destination Connection ID (RFC 9001 §5.2; QUIC v2, RFC 9369, too). Header protection is removed
//! (§5.4) and the payload decrypted (AES-128-GCM), the CRYPTO frames reassembled by offset (bounded
//! by `Limits.max_quic_crypto` and `max_quic_crypto_fragments`) into the TLS ClientHello and
//! ServerHello, read by [`super::tls`] for SNI, ALPN, version and cipher suite. Handshake and
//! 1-RTT packets are only counted by the flow; [`OneRtt`] opens 1-RTT packets with a key log's
//! traffic secrets (by the ClientHello random the flow keeps) and reads their frames (STREAM and
//! the rest); the engine does not feed it yet (the key log is the TLS work's), and HTTP/3 heads
//! are not decoded: no maintained QPACK crate builds here.
//!
//! The packet and frame layouts are read here by hand, with bounds-checked reads only: the QUIC
//! crates (quinn-proto, quiche, s2n-quic) are endpoints that own a connection's state machine and
//! do not expose a passive reader for another endpoint's packets. The cryptography (HKDF, HMAC,
//! AES header protection, AES-GCM) is ring's, never written here.

use crate::limits::Limits;
use crate::model::{Dir, PerDir, QuicInfo, Severity, TlsInfo};
use crate::proto::tls;
use ring::{aead, hkdf, hmac};

/// QUIC version 1 (RFC 9000).
pub const V1: u32 = 1;
/// QUIC version 2 (RFC 9369).
pub const V2: u32 = 0x6b33_43cf;

const SALT_V1: [u8; 20] =
    [0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a];
const SALT_V2: [u8; 20] =
    [0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93, 0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9];

/// The name of a QUIC version number.
pub fn version_name(v: u32) -> String {
    match v {
        0 => "Version Negotiation".into(),
        V1 => "QUIC v1".into(),
        V2 => "QUIC v2".into(),
        v if v >> 8 == 0xff_0000 => format!("draft-{}", v & 0xff),
        v if v & 0x0f0f_0f0f == 0x0a0a_0a0a => format!("0x{v:08x} (reserved, RFC 9000 §15)"),
        v => format!("0x{v:08x}"),
    }
}

/// Whether a UDP flow's first datagram looks like QUIC: a long header (the two high bits set),
/// and either port 443 or a client's first Initial (a known version, at most 20-byte connection
/// IDs, a datagram of at least 1200 bytes, RFC 9000 §14.1).
pub fn looks_like_quic(src_port: u16, dst_port: u16, payload: &[u8]) -> bool {
    let long = payload.first().is_some_and(|b| b & 0xc0 == 0xc0);
    long && (src_port == 443
        || dst_port == 443
        || (payload.len() >= 1200 && parse_long(payload).is_ok_and(|(p, _)| p.kind == Kind::Initial)))
}

/// The kind of a long-header packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Initial,
    ZeroRtt,
    Handshake,
    Retry,
    VersionNegotiation,
    /// A version this reader does not know: the type bits mean nothing to it.
    Unknown,
}

/// One long-header packet (RFC 9000 §17.2), still protected.
#[derive(Debug, Clone)]
pub struct Long<'a> {
    pub first: u8,
    pub version: u32,
    pub kind: Kind,
    pub dcid: &'a [u8],
    pub scid: &'a [u8],
    /// Initial: the token; Retry: the retry token (without its 16-byte integrity tag).
    pub token: &'a [u8],
    /// Version Negotiation: the versions offered (4 bytes each).
    pub versions: &'a [u8],
    /// Where the (protected) packet number starts, from the first byte.
    pub pn_offset: usize,
    /// The whole packet: the first byte to the end of its Length (the datagram's rest for Retry,
    /// Version Negotiation and unknown versions).
    pub packet: &'a [u8],
}

/// Why a long header could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    /// The datagram ends inside the header.
    Truncated,
    /// A connection ID longer than 20 bytes in a version that allows no more (RFC 9000 §17.2).
    CidTooLong,
    /// The Length field reaches past the datagram.
    LengthPastDatagram,
}

impl Malformed {
    fn text(self) -> &'static str {
        match self {
            Malformed::Truncated => "the datagram ends inside a long header",
            Malformed::CidTooLong => "a connection ID is longer than 20 bytes (RFC 9000 §17.2)",
            Malformed::LengthPastDatagram => "the Length field reaches past the end of the datagram",
        }
    }
}

/// Bounds-checked reader.
struct R<'a>(&'a [u8]);

impl<'a> R<'a> {
    fn u8(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn u32(&mut self) -> Option<u32> {
        let b = self.take(4)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// A variable-length integer (RFC 9000 §16).
    fn varint(&mut self) -> Option<u64> {
        let first = *self.0.first()?;
        let len = 1usize << (first >> 6);
        let b = self.take(len)?;
        Some(b[1..].iter().fold(u64::from(first & 0x3f), |v, &x| v << 8 | u64::from(x)))
    }
    fn vec8(&mut self) -> Option<&'a [u8]> {
        let n = self.u8()? as usize;
        self.take(n)
    }
}

/// Reads the long-header packet at the start of `d`; returns it and the datagram's rest (the next
/// coalesced packet, if any).
pub fn parse_long(d: &[u8]) -> Result<(Long<'_>, &[u8]), Malformed> {
    use Malformed::*;
    let mut r = R(d);
    let first = r.u8().ok_or(Truncated)?;
    let version = r.u32().ok_or(Truncated)?;
    let dcid = r.vec8().ok_or(Truncated)?;
    let scid = r.vec8().ok_or(Truncated)?;
    let known = version == V1 || version == V2;
    if known && (dcid.len() > 20 || scid.len() > 20) {
        return Err(CidTooLong);
    }
    let mut p = Long { first, version, kind: Kind::Unknown, dcid, scid, token: &[], versions: &[], pn_offset: 0, packet: d };
    if version == 0 {
        p.kind = Kind::VersionNegotiation;
        p.versions = r.0;
        return Ok((p, &[]));
    }
    if !known {
        return Ok((p, &[]));
    }
    let ty = (first >> 4) & 3;
    p.kind = match (version == V2, ty) {
        (false, 0) | (true, 1) => Kind::Initial,
        (false, 1) | (true, 2) => Kind::ZeroRtt,
        (false, 2) | (true, 3) => Kind::Handshake,
        _ => Kind::Retry,
    };
    if p.kind == Kind::Retry {
        p.token = r.0.get(..r.0.len().saturating_sub(16)).unwrap_or_default();
        return Ok((p, &[]));
    }
    if p.kind == Kind::Initial {
        let n = r.varint().ok_or(Truncated)?;
        p.token = r.take(usize::try_from(n).map_err(|_| LengthPastDatagram)?).ok_or(LengthPastDatagram)?;
    }
    let length = r.varint().ok_or(Truncated)?;
    p.pn_offset = d.len() - r.0.len();
    let end = usize::try_from(length).ok().and_then(|l| p.pn_offset.checked_add(l)).filter(|&e| e <= d.len()).ok_or(LengthPastDatagram)?;
    p.packet = &d[..end];
    Ok((p, &d[end..]))
}

/// One direction's Initial packet protection keys.
pub struct Keys {
    aead: aead::LessSafeKey,
    hp: aead::quic::HeaderProtectionKey,
    iv: [u8; 12],
}

/// The raw key material of one direction (for tests against RFC 9001 Appendix A).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMaterial {
    pub secret: Vec<u8>,
    pub key: Vec<u8>,
    pub iv: Vec<u8>,
    pub hp: Vec<u8>,
}

struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// HKDF-Expand-Label (RFC 8446 §7.1) with an empty context, through ring.
fn expand_label(secret: &[u8], label: &str, len: usize) -> Vec<u8> {
    expand_label_with(hkdf::HKDF_SHA256, secret, label, len)
}

fn expand_label_with(alg: hkdf::Algorithm, secret: &[u8], label: &str, len: usize) -> Vec<u8> {
    let prk = hkdf::Prk::new_less_safe(alg, secret);
    let full = [b"tls13 ", label.as_bytes()].concat();
    let info = [&(len as u16).to_be_bytes()[..], &[full.len() as u8], &full, &[0]];
    let mut out = vec![0; len];
    // Lengths here are at most 32: ring refuses only more than 255 × 32.
    if prk.expand(&info, Len(len)).and_then(|okm| okm.fill(&mut out)).is_err() {
        out.clear();
    }
    out
}

/// The initial secret (HKDF-Extract of the DCID with the version's salt) and the client's and
/// server's Initial key material, or None for a version without known Initial keys.
pub fn initial_material(version: u32, dcid: &[u8]) -> Option<(Vec<u8>, KeyMaterial, KeyMaterial)> {
    let (salt, prefix) = match version {
        V1 => (&SALT_V1, "quic"),
        V2 => (&SALT_V2, "quicv2"),
        _ => return None,
    };
    // HKDF-Extract is HMAC(salt, IKM) (RFC 5869 §2.2).
    let initial = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, salt), dcid).as_ref().to_vec();
    let side = |label: &str| {
        let secret = expand_label(&initial, label, 32);
        KeyMaterial {
            key: expand_label(&secret, &format!("{prefix} key"), 16),
            iv: expand_label(&secret, &format!("{prefix} iv"), 12),
            hp: expand_label(&secret, &format!("{prefix} hp"), 16),
            secret,
        }
    };
    let (client, server) = (side("client in"), side("server in"));
    Some((initial, client, server))
}

/// The TLS 1.3 suites QUIC uses (RFC 9001 §5.3): (IANA number, name, hash, AEAD, header
/// protection, key length).
type Suite = (u16, &'static str, hkdf::Algorithm, &'static aead::Algorithm, &'static aead::quic::Algorithm, usize);

fn suite(n: u16) -> Option<Suite> {
    match n {
        0x1301 => Some((n, "TLS_AES_128_GCM_SHA256", hkdf::HKDF_SHA256, &aead::AES_128_GCM, &aead::quic::AES_128, 16)),
        0x1302 => Some((n, "TLS_AES_256_GCM_SHA384", hkdf::HKDF_SHA384, &aead::AES_256_GCM, &aead::quic::AES_256, 32)),
        0x1303 => Some((n, "TLS_CHACHA20_POLY1305_SHA256", hkdf::HKDF_SHA256, &aead::CHACHA20_POLY1305, &aead::quic::CHACHA20, 32)),
        _ => None,
    }
}

/// The IANA name of a TLS 1.3 cipher suite QUIC can use.
pub fn suite_name(n: u16) -> Option<&'static str> {
    suite(n).map(|s| s.1)
}

/// The packet protection material of a traffic secret (a key log's CLIENT_TRAFFIC_SECRET_0, ...)
/// for cipher suite `n` (RFC 9001 §5.1, QUIC v1 labels).
pub fn secret_material(n: u16, secret: &[u8]) -> Option<KeyMaterial> {
    let (_, _, alg, _, _, len) = suite(n)?;
    Some(KeyMaterial {
        key: expand_label_with(alg, secret, "quic key", len),
        iv: expand_label_with(alg, secret, "quic iv", 12),
        hp: expand_label_with(alg, secret, "quic hp", len),
        secret: secret.to_vec(),
    })
}

impl Keys {
    /// AES-128-GCM keys from their material (Initial packets).
    pub fn new(m: &KeyMaterial) -> Option<Keys> {
        Keys::for_suite(0x1301, m)
    }

    /// The keys of cipher suite `n` from their material.
    pub fn for_suite(n: u16, m: &KeyMaterial) -> Option<Keys> {
        let (_, _, _, alg, hp_alg, _) = suite(n)?;
        let aead = aead::LessSafeKey::new(aead::UnboundKey::new(alg, &m.key).ok()?);
        let hp = aead::quic::HeaderProtectionKey::new(hp_alg, &m.hp).ok()?;
        Some(Keys { aead, hp, iv: m.iv.as_slice().try_into().ok()? })
    }
}

/// Why an Initial packet could not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenError {
    /// Too short for the header-protection sample or the AEAD tag.
    TooShort,
    /// The AEAD tag does not verify: another key (a Retry's new DCID, a version's) or corruption.
    Auth,
}

/// The full packet number from its truncated form (RFC 9000 §A.3).
fn decode_pn(largest: Option<u64>, truncated: u64, bits: u32) -> u64 {
    let expected = largest.map_or(0, |l| l.saturating_add(1));
    let win = 1u64 << bits;
    let (hwin, mask) = (win / 2, win - 1);
    let candidate = (expected & !mask) | truncated;
    if candidate.saturating_add(hwin) <= expected && candidate < (1u64 << 62) - win {
        candidate + win
    } else if candidate > expected.saturating_add(hwin) && candidate >= win {
        candidate - win
    } else {
        candidate
    }
}

/// Removes header protection from `p` and decrypts it into `scratch`: returns the packet number
/// and the plaintext frames (a part of `scratch`, which holds the unprotected header before them).
pub fn open<'s>(keys: &Keys, p: &Long<'_>, largest: Option<u64>, scratch: &'s mut Vec<u8>) -> Result<(u64, &'s [u8]), OpenError> {
    open_at(keys, p.packet, p.pn_offset, 0x0f, largest, scratch)
}

/// [`open`] for a packet whose packet number starts at `pn_offset`; `bits` are the first byte's
/// protected bits (0x0f long header, 0x1f short).
fn open_at<'s>(
    keys: &Keys,
    packet: &[u8],
    pn_offset: usize,
    bits: u8,
    largest: Option<u64>,
    scratch: &'s mut Vec<u8>,
) -> Result<(u64, &'s [u8]), OpenError> {
    let p = Long { first: 0, version: 0, kind: Kind::Unknown, dcid: &[], scid: &[], token: &[], versions: &[], pn_offset, packet };
    let sample = p.packet.get(p.pn_offset + 4..p.pn_offset + 20).ok_or(OpenError::TooShort)?;
    let mask = keys.hp.new_mask(sample).map_err(|_| OpenError::TooShort)?;
    scratch.clear();
    scratch.extend_from_slice(p.packet);
    scratch[0] ^= mask[0] & bits;
    let pn_len = usize::from(scratch[0] & 3) + 1;
    let mut truncated = 0u64;
    for i in 0..pn_len {
        let b = scratch.get_mut(p.pn_offset + i).ok_or(OpenError::TooShort)?;
        *b ^= mask[1 + i];
        truncated = truncated << 8 | u64::from(*b);
    }
    let pn = decode_pn(largest, truncated, 8 * pn_len as u32);
    let mut nonce = keys.iv;
    for (n, b) in nonce[4..].iter_mut().zip(pn.to_be_bytes()) {
        *n ^= b;
    }
    let header_len = p.pn_offset + pn_len;
    if scratch.len() < header_len + 16 {
        return Err(OpenError::TooShort);
    }
    let (header, body) = scratch.split_at_mut(header_len);
    let plain =
        keys.aead.open_in_place(aead::Nonce::assume_unique_for_key(nonce), aead::Aad::from(&*header), body).map_err(|_| OpenError::Auth)?;
    Ok((pn, plain))
}

/// One frame of an Initial packet (RFC 9000 §19; §12.4 lists those allowed in Initials).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A run of PADDING bytes.
    Padding(usize),
    Ping,
    Ack,
    Crypto {
        offset: u64,
        data: &'a [u8],
    },
    ConnectionClose {
        code: u64,
        reason: &'a [u8],
    },
    /// 1-RTT only: a STREAM frame (RFC 9000 §19.8).
    Stream {
        id: u64,
        offset: u64,
        data: &'a [u8],
        fin: bool,
    },
    /// 1-RTT only: another frame, read past (its type).
    Other(u64),
}

/// The frames of a decrypted Initial payload, in order; stops with an error text at the first
/// frame that is truncated or not allowed in an Initial packet.
pub fn frames(payload: &[u8], each: impl FnMut(Frame<'_>)) -> Result<(), String> {
    read_frames(payload, false, each)
}

/// The frames of a decrypted 1-RTT payload (every frame type of RFC 9000 §19 and DATAGRAM).
pub fn frames_1rtt(payload: &[u8], each: impl FnMut(Frame<'_>)) -> Result<(), String> {
    read_frames(payload, true, each)
}

fn read_frames(payload: &[u8], one_rtt: bool, mut each: impl FnMut(Frame<'_>)) -> Result<(), String> {
    let mut r = R(payload);
    while !r.0.is_empty() {
        let at = payload.len() - r.0.len();
        let bad = || format!("a truncated frame at byte {at} of the decrypted payload");
        let ty = r.varint().ok_or_else(bad)?;
        match ty {
            0x00 => {
                let n = r.0.iter().take_while(|&&b| b == 0).count();
                r.0 = &r.0[n..];
                each(Frame::Padding(n + 1));
            }
            0x01 => each(Frame::Ping),
            0x02 | 0x03 => {
                // Largest Acknowledged, ACK Delay, ACK Range Count, First ACK Range, then the
                // ranges (Gap, ACK Range Length) and, for 0x03, three ECN counts. Each range
                // reads at least two bytes, so the count cannot make work beyond the payload.
                r.varint().ok_or_else(bad)?;
                r.varint().ok_or_else(bad)?;
                let ranges = r.varint().ok_or_else(bad)?;
                r.varint().ok_or_else(bad)?;
                for _ in 0..ranges {
                    r.varint().ok_or_else(bad)?;
                    r.varint().ok_or_else(bad)?;
                }
                if ty == 0x03 {
                    for _ in 0..3 {
                        r.varint().ok_or_else(bad)?;
                    }
                }
                each(Frame::Ack);
            }
            0x06 => {
                let offset = r.varint().ok_or_else(bad)?;
                let len = r.varint().ok_or_else(bad)?;
                let data = usize::try_from(len).ok().and_then(|n| r.take(n)).ok_or_else(bad)?;
                each(Frame::Crypto { offset, data });
            }
            0x1c | 0x1d => {
                let code = r.varint().ok_or_else(bad)?;
                if ty == 0x1c {
                    r.varint().ok_or_else(bad)?;
                }
                let len = r.varint().ok_or_else(bad)?;
                let reason = usize::try_from(len).ok().and_then(|n| r.take(n)).ok_or_else(bad)?;
                each(Frame::ConnectionClose { code, reason });
            }
            0x08..=0x0f if one_rtt => {
                let id = r.varint().ok_or_else(bad)?;
                let offset = if ty & 0x04 != 0 { r.varint().ok_or_else(bad)? } else { 0 };
                let data = if ty & 0x02 != 0 {
                    let len = r.varint().ok_or_else(bad)?;
                    usize::try_from(len).ok().and_then(|n| r.take(n)).ok_or_else(bad)?
                } else {
                    std::mem::take(&mut r.0)
                };
                each(Frame::Stream { id, offset, data, fin: ty & 0x01 != 0 });
            }
            0x04 | 0x05 | 0x10..=0x17 | 0x19 if one_rtt => {
                // RESET_STREAM 3 integers, STOP_SENDING 2, MAX_STREAM_DATA and
                // STREAM_DATA_BLOCKED 2, the other limits and RETIRE_CONNECTION_ID 1.
                let n = match ty {
                    0x04 => 3,
                    0x05 | 0x11 | 0x15 => 2,
                    _ => 1,
                };
                for _ in 0..n {
                    r.varint().ok_or_else(bad)?;
                }
                each(Frame::Other(ty));
            }
            0x07 if one_rtt => {
                let len = r.varint().ok_or_else(bad)?;
                usize::try_from(len).ok().and_then(|n| r.take(n)).ok_or_else(bad)?;
                each(Frame::Other(ty));
            }
            0x18 if one_rtt => {
                r.varint().ok_or_else(bad)?;
                r.varint().ok_or_else(bad)?;
                r.vec8().ok_or_else(bad)?;
                r.take(16).ok_or_else(bad)?;
                each(Frame::Other(ty));
            }
            0x1a | 0x1b if one_rtt => {
                r.take(8).ok_or_else(bad)?;
                each(Frame::Other(ty));
            }
            0x1e if one_rtt => each(Frame::Other(ty)),
            0x30 | 0x31 if one_rtt => {
                if ty == 0x31 {
                    let len = r.varint().ok_or_else(bad)?;
                    usize::try_from(len).ok().and_then(|n| r.take(n)).ok_or_else(bad)?;
                } else {
                    r.0 = &[];
                }
                each(Frame::Other(ty));
            }
            other if one_rtt => return Err(format!("unknown frame type 0x{other:x} at byte {at}")),
            other => return Err(format!("frame type 0x{other:x} at byte {at}, which an Initial packet may not carry (RFC 9000 §12.4)")),
        }
    }
    Ok(())
}

/// Why CRYPTO data was not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CryptoCap {
    /// It reaches past `max_quic_crypto` bytes of the stream.
    Bytes,
    /// It would be one out-of-order fragment too many (`max_quic_crypto_fragments`).
    Fragments,
}

/// One direction's CRYPTO stream at one encryption level: the bytes contiguous from offset 0 and
/// the fragments that arrived ahead of a hole. Holds at most `max_quic_crypto` bytes in `done`
/// and as many in at most `max_quic_crypto_fragments` fragments.
#[derive(Debug, Default)]
pub struct CryptoStream {
    pub done: Vec<u8>,
    ahead: Vec<(u64, Vec<u8>)>,
    ahead_bytes: usize,
}

impl CryptoStream {
    /// Adds the data of one CRYPTO frame.
    pub fn add(&mut self, offset: u64, data: &[u8], limits: &Limits) -> Result<(), CryptoCap> {
        let end = offset.checked_add(data.len() as u64).ok_or(CryptoCap::Bytes)?;
        if end > limits.max_quic_crypto as u64 {
            return Err(CryptoCap::Bytes);
        }
        let have = self.done.len() as u64;
        if end <= have {
            return Ok(());
        }
        if offset <= have {
            self.done.extend_from_slice(data.get((have - offset) as usize..).unwrap_or_default());
            // Fragments now reached, until a hole is left.
            while let Some(i) = self.ahead.iter().position(|(o, _)| *o <= self.done.len() as u64) {
                let (o, f) = self.ahead.swap_remove(i);
                self.ahead_bytes -= f.len();
                let have = self.done.len() as u64;
                if let Some(tail) = f.get((have - o) as usize..) {
                    self.done.extend_from_slice(tail);
                }
            }
            return Ok(());
        }
        if self.ahead.len() >= limits.max_quic_crypto_fragments || self.ahead_bytes + data.len() > limits.max_quic_crypto {
            return Err(CryptoCap::Fragments);
        }
        self.ahead_bytes += data.len();
        self.ahead.push((offset, data.to_vec()));
        Ok(())
    }

    /// The first handshake message, once all its bytes are there: its type and the whole message
    /// (with its 4-byte header); `Err(len)` when its declared length is over `cap`.
    pub fn message(&self, cap: usize) -> Result<Option<(u8, &[u8])>, usize> {
        let Some(h) = self.done.get(..4) else { return Ok(None) };
        let len = (h[1] as usize) << 16 | (h[2] as usize) << 8 | h[3] as usize;
        if len + 4 > cap {
            return Err(len);
        }
        Ok(self.done.get(..len + 4).map(|m| (h[0], m)))
    }
}

/// Decryption state, dropped once both hellos are read.
struct Crypto {
    /// The DCID the keys come from and its version.
    dcid: Vec<u8>,
    version: u32,
    keys: PerDir<Keys>,
    largest: PerDir<Option<u64>>,
    streams: PerDir<CryptoStream>,
    hello: PerDir<bool>,
}

impl Crypto {
    fn new(version: u32, dcid: &[u8]) -> Option<Box<Crypto>> {
        let (_, c, s) = initial_material(version, dcid)?;
        Some(Box::new(Crypto {
            dcid: dcid.to_vec(),
            version,
            keys: PerDir::new(Keys::new(&c)?, Keys::new(&s)?),
            largest: PerDir::default(),
            streams: PerDir::default(),
            hello: PerDir::default(),
        }))
    }
}

/// What one QUIC flow showed. Made only for flows that look like QUIC; the decryption state goes
/// once the ClientHello and ServerHello are read.
#[derive(Default)]
pub struct QuicFlow {
    pub info: QuicInfo,
    pub tls: Option<TlsInfo>,
    crypto: Option<Box<Crypto>>,
    /// Keys were tried (a version without known keys, or dropped when done).
    keys_tried: bool,
    /// A Retry came and the client's next Initial (to the Retry's connection ID) brings new keys.
    retry_pending: bool,
    /// Finding codes already reported on this flow (one of each is listed).
    reported: u8,
    /// The ClientHello's random (what a key log's lines are found by) and the suite the
    /// ServerHello chose: with a key log's secrets they open the 1-RTT packets ([`OneRtt`]).
    pub client_random: Option<[u8; 32]>,
    pub cipher_suite: Option<u16>,
}

/// The finding codes of this module, each reported once per flow.
const CODES: [&str; 6] =
    ["quic.malformed", "quic.decrypt_failed", "quic.bad_frame", "quic.crypto_limit", "quic.unknown_version", "quic.bad_hello"];

impl QuicFlow {
    fn note(&mut self, code: usize, severity: Severity, message: String, emit: &mut dyn FnMut(Severity, &'static str, String)) {
        if self.reported & (1 << code) == 0 {
            self.reported |= 1 << code;
            emit(severity, CODES[code], format!("{message} (further ones on this connection are not listed)"));
        }
    }

    /// One datagram of the flow, sent in direction `dir`. Findings go to `emit`.
    pub fn datagram(&mut self, dir: Dir, d: &[u8], limits: &Limits, emit: &mut dyn FnMut(Severity, &'static str, String)) {
        let mut rest = d;
        let mut first = true;
        while let Some(&b) = rest.first() {
            if b & 0x80 == 0 {
                // A short header (1-RTT) takes the rest of the datagram; after a coalesced packet,
                // bytes without the fixed bit are padding.
                if first || b & 0x40 != 0 {
                    self.info.short_header_packets += 1;
                }
                return;
            }
            first = false;
            let (p, next) = match parse_long(rest) {
                Ok(x) => x,
                Err(e) => return self.note(0, Severity::Warning, format!("a malformed QUIC long header: {}", e.text()), emit),
            };
            rest = next;
            self.packet(dir, &p, limits, emit);
        }
    }

    fn packet(&mut self, dir: Dir, p: &Long<'_>, limits: &Limits, emit: &mut dyn FnMut(Severity, &'static str, String)) {
        let client = dir == Dir::ClientToServer;
        if self.info.version.is_empty() && p.kind != Kind::VersionNegotiation {
            self.info.version = format!("0x{:08x}", p.version);
            self.info.version_name = version_name(p.version);
        }
        match p.kind {
            Kind::VersionNegotiation => {
                let offered =
                    p.versions.chunks_exact(4).take(16).map(|v| format!("0x{:08x}", u32::from_be_bytes([v[0], v[1], v[2], v[3]])));
                self.info.offered_versions = offered.collect();
                return;
            }
            Kind::Unknown => {
                return self.note(
                    4,
                    Severity::Info,
                    format!("QUIC version {} has no known Initial keys: its packets are counted, not read", version_name(p.version)),
                    emit,
                )
            }
            Kind::Retry => {
                self.info.retry = true;
                self.retry_pending = !client;
                if !client {
                    self.info.server_cid = Some(hex(p.scid));
                }
                return;
            }
            Kind::Handshake => {
                self.info.handshake_packets += 1;
                return;
            }
            Kind::ZeroRtt => {
                self.info.zero_rtt_packets += 1;
                return;
            }
            Kind::Initial => {}
        }
        if client {
            self.info.initial_packets_client_to_server += 1;
            if self.info.dcid.is_none() {
                self.info.dcid = Some(hex(p.dcid));
                self.info.client_cid = Some(hex(p.scid));
            }
        } else {
            self.info.initial_packets_server_to_client += 1;
            if self.info.server_cid.is_none() || self.info.retry {
                self.info.server_cid = Some(hex(p.scid));
            }
        }
        // Keys from the client's first DCID; again from a later one after a Retry (RFC 9001 §5.2).
        let rekey = client && self.retry_pending && self.crypto.as_ref().is_some_and(|c| c.dcid != p.dcid);
        if client && (!self.keys_tried || rekey) {
            self.keys_tried = true;
            self.retry_pending = false;
            self.crypto = Crypto::new(p.version, p.dcid);
        }
        let Some(c) = self.crypto.as_deref_mut() else { return };
        if c.hello[dir] || p.version != c.version {
            return;
        }
        // Per packet, not kept: a flow waiting for its ServerHello holds no datagram-sized buffer.
        let mut scratch = Vec::new();
        let opened = open(&c.keys[dir], p, c.largest[dir], &mut scratch);
        let (pn, plain) = match opened {
            Ok(x) => x,
            Err(e) => {
                let why = match e {
                    OpenError::TooShort => "it is too short for its header-protection sample and AEAD tag",
                    OpenError::Auth => "its AEAD tag does not verify with the keys of the client's Destination Connection ID",
                };
                return self.note(1, Severity::Warning, format!("a QUIC Initial packet could not be decrypted: {why}"), emit);
            }
        };
        c.largest[dir] = Some(c.largest[dir].map_or(pn, |l| l.max(pn)));
        self.info.initials_decrypted += 1;
        let stream = &mut c.streams[dir];
        let mut cap = None;
        let parsed = frames(plain, |f| match f {
            Frame::Crypto { offset, data } => {
                if let Err(e) = stream.add(offset, data, limits) {
                    cap.get_or_insert((e, offset, data.len()));
                }
            }
            Frame::ConnectionClose { code, reason } => {
                self.info.close =
                    Some(format!("0x{code:x} {}", String::from_utf8_lossy(reason.get(..200.min(reason.len())).unwrap_or_default())));
            }
            _ => {}
        });
        if let Some((e, offset, len)) = cap {
            let what = match e {
                CryptoCap::Bytes => format!("CRYPTO data at offset {offset} ({len} bytes) reaches past {} bytes (limit max_quic_crypto)", limits.max_quic_crypto),
                CryptoCap::Fragments => format!(
                    "CRYPTO data at offset {offset} is one out-of-order fragment too many ({} fragments or {} bytes ahead of a hole: limits max_quic_crypto_fragments, max_quic_crypto)",
                    limits.max_quic_crypto_fragments, limits.max_quic_crypto
                ),
            };
            self.note(3, Severity::Info, format!("{what}: it is not kept"), emit);
        }
        if let Err(why) = parsed {
            self.note(2, Severity::Warning, format!("a decrypted QUIC Initial packet is malformed: {why}"), emit);
        }
        self.hello(dir, limits, emit);
    }

    /// Reads the direction's hello once its CRYPTO bytes hold it whole.
    fn hello(&mut self, dir: Dir, limits: &Limits, emit: &mut dyn FnMut(Severity, &'static str, String)) {
        let Some(c) = self.crypto.as_deref_mut() else { return };
        let msg = match c.streams[dir].message(limits.max_quic_crypto) {
            Ok(None) => return,
            Ok(Some(m)) => Some(m),
            Err(len) => {
                c.hello[dir] = true;
                c.streams[dir] = CryptoStream::default();
                let m = format!(
                    "a TLS handshake message of {len} bytes in QUIC CRYPTO frames is over {} bytes (limit max_quic_crypto): it is not read",
                    limits.max_quic_crypto
                );
                return self.note(3, Severity::Info, m, emit);
            }
        };
        let tls = self.tls.get_or_insert_with(TlsInfo::default);
        let read = match (dir, msg) {
            (Dir::ClientToServer, Some((1, m))) => {
                // Type, length, legacy_version, then the random (RFC 8446 §4.1.2).
                self.client_random = m.get(6..38).and_then(|r| r.try_into().ok());
                tls::client_hello_message(m, tls).is_some()
            }
            (Dir::ServerToClient, Some((2, m))) => {
                // Type, length, legacy_version, random, legacy_session_id_echo, cipher_suite.
                let sid = m.get(38).map_or(0, |&n| usize::from(n));
                self.cipher_suite = m.get(39 + sid..41 + sid).map(|b| u16::from_be_bytes([b[0], b[1]]));
                tls.cipher_suite = self.cipher_suite.map(|n| suite_name(n).map_or_else(|| format!("0x{n:04x}"), str::to_string));
                tls::server_hello_message(m, tls).is_some()
            }
            _ => false,
        };
        c.hello[dir] = true;
        c.streams[dir] = CryptoStream::default();
        match dir {
            Dir::ClientToServer => self.info.client_hello = read,
            Dir::ServerToClient => self.info.server_hello = read,
        }
        if c.hello[Dir::ClientToServer] && c.hello[Dir::ServerToClient] {
            self.crypto = None;
        }
        if !read {
            let side = if dir == Dir::ClientToServer {
                "client's first message is not a readable ClientHello"
            } else {
                "server's first message is not a readable ServerHello"
            };
            self.note(5, Severity::Warning, format!("in the QUIC Initial CRYPTO frames the {side}"), emit);
        }
    }
}

/// 1-RTT packet protection of one connection from its traffic secrets (a key log's
/// CLIENT_TRAFFIC_SECRET_0 and SERVER_TRAFFIC_SECRET_0): short-header packets are opened and their
/// frames handed out. A key update (the Key Phase bit flipping, RFC 9001 §6) is not followed: its
/// packets fail to open and are counted in `failed`.
pub struct OneRtt {
    keys: PerDir<Keys>,
    /// The DCID length of packets each way: the connection ID the receiver chose.
    dcid_len: PerDir<usize>,
    largest: PerDir<Option<u64>>,
    scratch: Vec<u8>,
    pub opened: u32,
    pub failed: u32,
}

impl OneRtt {
    /// For suite `suite`, the two traffic secrets and the two connection IDs' lengths.
    pub fn new(suite: u16, client_secret: &[u8], server_secret: &[u8], client_cid_len: usize, server_cid_len: usize) -> Option<OneRtt> {
        let keys = |s| Keys::for_suite(suite, &secret_material(suite, s)?);
        Some(OneRtt {
            keys: PerDir::new(keys(client_secret)?, keys(server_secret)?),
            dcid_len: PerDir::new(server_cid_len, client_cid_len),
            largest: PerDir::default(),
            scratch: Vec::new(),
            opened: 0,
            failed: 0,
        })
    }

    /// One datagram sent in direction `dir`: long-header packets are skipped, the short-header
    /// one (the datagram's rest) is opened and its frames given to `each`.
    pub fn datagram(&mut self, dir: Dir, d: &[u8], each: impl FnMut(Frame<'_>)) -> Result<(), String> {
        let mut rest = d;
        while let Some(&b) = rest.first() {
            if b & 0x80 != 0 {
                rest = parse_long(rest).map_err(|e| e.text().to_string())?.1;
                continue;
            }
            if b & 0x40 == 0 {
                return Ok(());
            }
            let opened = open_at(&self.keys[dir], rest, 1 + self.dcid_len[dir], 0x1f, self.largest[dir], &mut self.scratch);
            let Ok((pn, plain)) = opened else {
                self.failed += 1;
                return Err("a 1-RTT packet does not open with the key log's secrets".into());
            };
            self.opened += 1;
            self.largest[dir] = Some(self.largest[dir].map_or(pn, |l| l.max(pn)));
            return frames_1rtt(plain, each);
        }
        Ok(())
    }
}

/// Lowercase hex, as tshark prints connection IDs.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    const DCID: &str = "8394c8f03e515708";

    // RFC 9001 Appendix A.2: the client's CRYPTO frame (a ClientHello for example.com), padded with
    // PADDING frames to 1162 bytes, and the protected packet (packet number 2).
    const A2_CRYPTO: &str = "060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868
        04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578
        616d706c652e636f6dff01000100000a00080006001d00170018001000070005
        04616c706e000500050100000000003300260024001d00209370b2c9caa47fba
        baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400
        0d0010000e0403050306030203080408050806002d00020101001c0002400100
        3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000
        75300901100f088394c8f03e51570806048000ffff";
    const A2_HEADER: &str = "c300000001088394c8f03e5157080000449e00000002";
    const A2_PROTECTED: &str = "c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11
        d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399
        1c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c
        8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df6212
        30c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5
        457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c208
        4dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec
        4e15daf8500a6ef69ec4e3feb6b1d98e610ac8b7ec3faf6ad760b7bad1db4ba3
        485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db
        059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c
        7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f8
        9937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556
        be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c74
        68449a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663a
        c69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00
        f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632
        291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe58964
        25c5bac4aee82e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd
        14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ff
        ef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198
        e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009dd
        c324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73
        203a4a13e96f5432ec0fd4a1ee65accdd5e3904df54c1da510b0ff20dcc0c77f
        cb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450e
        fc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03ade
        a2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e724047
        90a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2
        162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f4
        40591f355e12d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca0
        6948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e
        8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0
        be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f09400
        54da48781893a7e49ad5aff4af300cd804a6b6279ab3ff3afb64491c85194aab
        760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9
        f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4
        056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd4684064
        7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241
        e221af44860018ab0856972e194cd934";
    // RFC 9001 Appendix A.3: the server's Initial (an ACK and a CRYPTO frame with the ServerHello).
    const A3_HEADER: &str = "c1000000010008f067a5502a4262b50040750001";
    const A3_PAYLOAD: &str = "02000000000600405a020000560303eefce7f7b37ba1d1632e96677825ddf739
        88cfc79825df566dc5430b9a045a1200130100002e00330024001d00209d3c94
        0d89690b84d08a60993c144eca684d1081287c834d5311bcf32bb9da1a002b00
        020304";
    const A3_PROTECTED: &str = "cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a
        5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3
        dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84
        022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc4
        2158407dd074ee";

    #[test]
    fn rfc9001_a1_initial_keys() {
        let (initial, c, s) = initial_material(V1, &unhex(DCID)).unwrap();
        assert_eq!(initial, unhex("7db5df06e7a69e432496adedb00851923595221596ae2ae9fb8115c1e9ed0a44"));
        assert_eq!(c.secret, unhex("c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea"));
        assert_eq!(c.key, unhex("1f369613dd76d5467730efcbe3b1a22d"));
        assert_eq!(c.iv, unhex("fa044b2f42a3fd3b46fb255c"));
        assert_eq!(c.hp, unhex("9f50449e04a0e810283a1e9933adedd2"));
        assert_eq!(s.secret, unhex("3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b"));
        assert_eq!(s.key, unhex("cf3a5331653c364c88f0f379b6067e37"));
        assert_eq!(s.iv, unhex("0ac1493ca1905853b0bba03e"));
        assert_eq!(s.hp, unhex("c206b8d9b9f0f37644430b490eeaa314"));
    }

    #[test]
    fn rfc9369_a1_initial_keys_v2() {
        let (initial, c, s) = initial_material(V2, &unhex(DCID)).unwrap();
        assert_eq!(initial, unhex("2062e8b3cd8d52092614b8071d0aa1fb7c2e3ac193f78b280e72d8f5751f6aba"));
        assert_eq!(c.secret, unhex("14ec9d6eb9fd7af83bf5a668bc17a7e283766aade7ecd0891f70f9ff7f4bf47b"));
        assert_eq!(
            (c.key, c.iv, c.hp),
            (unhex("8b1a0bc121284290a29e0971b5cd045d"), unhex("91f73e2351d8fa91660e909f"), unhex("45b95e15235d6f45a6b19cbcb0294ba9"))
        );
        assert_eq!(s.secret, unhex("0263db1782731bf4588e7e4d93b7463907cb8cd8200b5da55a8bd488eafc37c1"));
        assert_eq!(
            (s.key, s.iv, s.hp),
            (unhex("82db637861d55e1d011f19ea71d5d2a7"), unhex("dd13c276499c0249d3310652"), unhex("edf6d05c83121201b436e16877593c3a"))
        );
        assert!(initial_material(0xff00_001d, &unhex(DCID)).is_none());
    }

    #[test]
    fn rfc9001_a2_client_initial_opens_to_the_given_bytes() {
        let protected = unhex(A2_PROTECTED);
        assert_eq!(protected.len(), 1200);
        let (p, rest) = parse_long(&protected).unwrap();
        assert!(rest.is_empty());
        assert_eq!((p.kind, p.version, p.dcid, p.scid, p.token), (Kind::Initial, V1, &unhex(DCID)[..], &[][..], &[][..]));
        assert_eq!(p.pn_offset, 18);
        let (_, c, _) = initial_material(V1, p.dcid).unwrap();
        let mut scratch = Vec::new();
        let (pn, plain) = open(&Keys::new(&c).unwrap(), &p, None, &mut scratch).unwrap();
        assert_eq!(pn, 2);
        let mut want = unhex(A2_CRYPTO);
        want.resize(1162, 0);
        assert_eq!(plain, &want[..]);
        let header = unhex(A2_HEADER);
        assert_eq!(&scratch[..header.len()], &header[..]);
        // One flipped ciphertext bit: the tag no longer verifies.
        let mut bad = protected.clone();
        bad[600] ^= 1;
        let (p, _) = parse_long(&bad).unwrap();
        assert_eq!(open(&Keys::new(&c).unwrap(), &p, None, &mut scratch).err(), Some(OpenError::Auth));
    }

    #[test]
    fn rfc9001_a3_server_initial_opens_to_the_given_bytes() {
        let protected = unhex(A3_PROTECTED);
        let (p, _) = parse_long(&protected).unwrap();
        let (_, _, s) = initial_material(V1, &unhex(DCID)).unwrap();
        let mut scratch = Vec::new();
        let (pn, plain) = open(&Keys::new(&s).unwrap(), &p, None, &mut scratch).unwrap();
        assert_eq!(pn, 1);
        assert_eq!(plain, &unhex(A3_PAYLOAD)[..]);
        assert_eq!(&scratch[..20], &unhex(A3_HEADER)[..]);
    }

    #[test]
    fn a_flow_reads_the_client_hello_and_server_hello() {
        let mut flow = QuicFlow::default();
        let limits = Limits::default();
        let mut found = Vec::new();
        let mut emit = |s: Severity, c: &'static str, m: String| found.push((s, c, m));
        flow.datagram(Dir::ClientToServer, &unhex(A2_PROTECTED), &limits, &mut emit);
        flow.datagram(Dir::ServerToClient, &unhex(A3_PROTECTED), &limits, &mut emit);
        assert!(found.is_empty(), "{found:?}");
        let tls = flow.tls.as_ref().unwrap();
        assert_eq!(tls.sni.as_deref(), Some("example.com"));
        // RFC 9001 A.2's ClientHello offers the ALPN protocol "alpn" (0x616c706e).
        assert_eq!(tls.alpn, ["alpn"]);
        assert_eq!(tls.version.as_deref(), Some("TLS 1.3"));
        let i = &flow.info;
        assert_eq!((i.version.as_str(), i.version_name.as_str()), ("0x00000001", "QUIC v1"));
        assert_eq!(i.dcid.as_deref(), Some(DCID));
        assert_eq!(i.client_cid.as_deref(), Some(""));
        assert_eq!(i.server_cid.as_deref(), Some("f067a5502a4262b5"));
        assert_eq!((i.initial_packets_client_to_server, i.initial_packets_server_to_client, i.initials_decrypted), (1, 1, 2));
        assert!(i.client_hello && i.server_hello);
        assert!(flow.crypto.is_none(), "the keys and buffers go once both hellos are read");
    }

    #[test]
    fn coalesced_packets_version_negotiation_and_retry_are_read() {
        // RFC 9001 A.3's server Initial twice in one datagram, then zero padding.
        let one = unhex(A3_PROTECTED);
        let mut d = [one.clone(), one.clone()].concat();
        d.extend_from_slice(&[0; 30]);
        let (a, rest) = parse_long(&d).unwrap();
        assert_eq!(a.packet.len(), one.len());
        let (b, rest) = parse_long(rest).unwrap();
        assert_eq!((b.kind, b.scid), (Kind::Initial, &unhex("f067a5502a4262b5")[..]));
        assert_eq!(rest, &[0; 30][..]);
        let mut flow = QuicFlow::default();
        let mut found = Vec::new();
        flow.datagram(Dir::ServerToClient, &d, &Limits::default(), &mut |s, c, m| found.push((s, c, m)));
        assert_eq!((flow.info.initial_packets_server_to_client, flow.info.short_header_packets), (2, 0));
        // Version Negotiation (RFC 9000 §17.2.1): version 0, CIDs, the versions offered.
        let vn = unhex("c0 00000000 04 01020304 04 05060708 00000001 6b3343cf");
        let (p, _) = parse_long(&vn).unwrap();
        assert_eq!(
            (p.kind, p.dcid, p.scid, p.versions),
            (Kind::VersionNegotiation, &[1, 2, 3, 4][..], &[5, 6, 7, 8][..], &unhex("000000016b3343cf")[..])
        );
        flow.datagram(Dir::ServerToClient, &vn, &Limits::default(), &mut |s, c, m| found.push((s, c, m)));
        assert_eq!(flow.info.offered_versions, ["0x00000001", "0x6b3343cf"]);
        // Retry (§17.2.5): type 3 in v1, a token and a 16-byte integrity tag.
        let retry = unhex("f0 00000001 00 08 f067a5502a4262b5 746f6b656e 04a265ba2eff4d829058fb3f0f2496ba");
        let (p, rest) = parse_long(&retry).unwrap();
        assert_eq!((p.kind, p.token, rest.len()), (Kind::Retry, &b"token"[..], 0));
        flow.datagram(Dir::ServerToClient, &retry, &Limits::default(), &mut |s, c, m| found.push((s, c, m)));
        assert!(flow.info.retry);
        assert!(found.is_empty(), "{found:?}");
        // v2 (RFC 9369 §3.2): the Initial type is 0b01.
        let mut v2 = unhex("d0 6b3343cf 00 00 00 01 00");
        v2.push(0);
        assert_eq!(parse_long(&v2).unwrap().0.kind, Kind::Initial);
    }

    #[test]
    fn one_rtt_frames_survive_every_cut_and_garbage() {
        // STREAM with offset, length and FIN; MAX_DATA; NEW_CONNECTION_ID; PATH_CHALLENGE;
        // HANDSHAKE_DONE; ACK; a STREAM to the end.
        let payload = unhex("0f 04 10 03 616263 10 4400 18 01 00 04 01020304 00112233445566778899aabbccddeeff 1a 0001020304050607 1e 02 05 00 00 00 08 00 78797a");
        let mut seen = Vec::new();
        frames_1rtt(&payload, |f| seen.push(format!("{f:?}"))).unwrap();
        assert_eq!(seen.len(), 7, "{seen:?}");
        assert_eq!(seen[0], format!("{:?}", Frame::Stream { id: 4, offset: 16, data: b"abc", fin: true }));
        assert_eq!(seen[6], format!("{:?}", Frame::Stream { id: 0, offset: 0, data: b"xyz", fin: false }));
        for cut in 0..payload.len() {
            let _ = frames_1rtt(&payload[..cut], |_| {});
        }
        let mut one = OneRtt::new(0x1303, &[1; 32], &[2; 32], 8, 8).unwrap();
        assert!(OneRtt::new(0x1304, &[1; 32], &[2; 32], 8, 8).is_none());
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for n in 0..300 {
            let d: Vec<u8> = (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            let _ = one.datagram(Dir::ClientToServer, &d, |_| {});
        }
        assert_eq!(one.opened, 0);
    }

    #[test]
    fn packet_numbers_decode_as_rfc9000_a3() {
        // RFC 9000 A.3's example: largest 0xa82f30ea, truncated 0x9b32 in 16 bits.
        assert_eq!(decode_pn(Some(0xa82f_30ea), 0x9b32, 16), 0xa82f_9b32);
        assert_eq!(decode_pn(None, 2, 32), 2);
    }

    #[test]
    fn crypto_stream_reassembles_by_offset_and_is_bounded() {
        let limits = Limits { max_quic_crypto: 100, max_quic_crypto_fragments: 2, ..Limits::default() };
        let mut s = CryptoStream::default();
        s.add(6, b"world", &limits).unwrap();
        s.add(3, b"lo ", &limits).unwrap();
        assert!(s.done.is_empty());
        s.add(0, b"hel", &limits).unwrap();
        assert_eq!(s.done, b"hello world");
        s.add(0, b"hello", &limits).unwrap();
        assert_eq!(s.done, b"hello world");
        assert_eq!(s.add(95, b"123456", &limits), Err(CryptoCap::Bytes));
        assert_eq!(s.add(u64::MAX, b"1", &limits), Err(CryptoCap::Bytes));
        s.add(20, b"a", &limits).unwrap();
        s.add(30, b"b", &limits).unwrap();
        assert_eq!(s.add(40, b"c", &limits), Err(CryptoCap::Fragments));
    }
}
