//! QUIC (RFC 9000) as an eavesdropper without keys can read it: the long headers (version,
//! connection IDs, token, length, several packets coalesced in one datagram), Version Negotiation
//! and Retry, and the Initial packets, whose keys anyone can derive from the client's first
//! Destination Connection ID (RFC 9001 §5.2; QUIC v2, RFC 9369, too). Header protection is removed
//! (§5.4) and the payload decrypted (AES-128-GCM), the CRYPTO frames reassembled by offset (bounded
//! by `Limits.max_quic_crypto` and `max_quic_crypto_fragments`) into the TLS ClientHello and
//! ServerHello, read by [`super::tls`] for SNI, ALPN and version. Handshake and 1-RTT packets are
//! only counted.
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

const SALT_V1: [u8; 20] = [
    0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
];
const SALT_V2: [u8; 20] = [
    0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93, 0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9,
];

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
    long && (src_port == 443 || dst_port == 443 || (payload.len() >= 1200 && parse_long(payload).is_ok_and(|(p, _)| p.kind == Kind::Initial)))
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
    let prk = hkdf::Prk::new_less_safe(hkdf::HKDF_SHA256, secret);
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

impl Keys {
    /// AES-128-GCM keys from their material.
    pub fn new(m: &KeyMaterial) -> Option<Keys> {
        let aead = aead::LessSafeKey::new(aead::UnboundKey::new(&aead::AES_128_GCM, &m.key).ok()?);
        let hp = aead::quic::HeaderProtectionKey::new(&aead::quic::AES_128, &m.hp).ok()?;
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
    let sample = p.packet.get(p.pn_offset + 4..p.pn_offset + 20).ok_or(OpenError::TooShort)?;
    let mask = keys.hp.new_mask(sample).map_err(|_| OpenError::TooShort)?;
    scratch.clear();
    scratch.extend_from_slice(p.packet);
    scratch[0] ^= mask[0] & 0x0f;
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
    let plain = keys
        .aead
        .open_in_place(aead::Nonce::assume_unique_for_key(nonce), aead::Aad::from(&*header), body)
        .map_err(|_| OpenError::Auth)?;
    Ok((pn, plain))
}

/// One frame of an Initial packet (RFC 9000 §19; §12.4 lists those allowed in Initials).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A run of PADDING bytes.
    Padding(usize),
    Ping,
    Ack,
    Crypto { offset: u64, data: &'a [u8] },
    ConnectionClose { code: u64, reason: &'a [u8] },
}

/// The frames of a decrypted Initial payload, in order; stops with an error text at the first
/// frame that is truncated or not allowed in an Initial packet.
pub fn frames(payload: &[u8], mut each: impl FnMut(Frame<'_>)) -> Result<(), String> {
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
    scratch: Vec<u8>,
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
            scratch: Vec::new(),
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
    /// Finding codes already reported on this flow (one of each is listed).
    reported: u8,
}

/// The finding codes of this module, each reported once per flow.
const CODES: [&str; 6] = ["quic.malformed", "quic.decrypt_failed", "quic.bad_frame", "quic.crypto_limit", "quic.unknown_version", "quic.bad_hello"];

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
                let offered = p.versions.chunks_exact(4).take(16).map(|v| format!("0x{:08x}", u32::from_be_bytes([v[0], v[1], v[2], v[3]])));
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
        let rekey = client && self.info.retry && self.crypto.as_ref().is_some_and(|c| c.dcid != p.dcid);
        if client && (!self.keys_tried || rekey) {
            self.keys_tried = true;
            self.crypto = Crypto::new(p.version, p.dcid);
        }
        let Some(c) = self.crypto.as_deref_mut() else { return };
        if c.hello[dir] || p.version != c.version {
            return;
        }
        let opened = open(&c.keys[dir], p, c.largest[dir], &mut c.scratch);
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
                self.info.close = Some(format!("0x{code:x} {}", String::from_utf8_lossy(reason.get(..200.min(reason.len())).unwrap_or_default())));
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
                let m = format!("a TLS handshake message of {len} bytes in QUIC CRYPTO frames is over {} bytes (limit max_quic_crypto): it is not read", limits.max_quic_crypto);
                return self.note(3, Severity::Info, m, emit);
            }
        };
        let tls = self.tls.get_or_insert_with(TlsInfo::default);
        let read = match (dir, msg) {
            (Dir::ClientToServer, Some((1, m))) => tls::client_hello_message(m, tls).is_some(),
            (Dir::ServerToClient, Some((2, m))) => tls::server_hello_message(m, tls).is_some(),
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
            let side = if dir == Dir::ClientToServer { "client's first message is not a readable ClientHello" } else { "server's first message is not a readable ServerHello" };
            self.note(5, Severity::Warning, format!("in the QUIC Initial CRYPTO frames the {side}"), emit);
        }
    }
}

/// Lowercase hex, as tshark prints connection IDs.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
