//! TLS record protection from key-log secrets: the cipher suites read, the traffic keys of TLS
//! 1.3 (RFC 8446 §7: HKDF-Expand-Label, key updates) and TLS 1.2 (RFC 5246 §5 PRF and §6.3 key
//! expansion; AES-GCM per RFC 5288, ChaCha20-Poly1305 per RFC 7905), and the decryption of one
//! record. Every primitive (AES-GCM, ChaCha20-Poly1305, HKDF, HMAC) is ring's; what is written here
//! is only the TLS framing around them (labels, nonces, additional data), which no crate exposes
//! to an observer: rustls keeps its key schedule private to its endpoints.

use super::keylog::Secret;
use ring::{aead, hkdf, hmac};

/// The hash of a suite's key schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    Sha256,
    Sha384,
}

impl Hash {
    fn hkdf(self) -> hkdf::Algorithm {
        match self {
            Hash::Sha256 => hkdf::HKDF_SHA256,
            Hash::Sha384 => hkdf::HKDF_SHA384,
        }
    }
    fn hmac(self) -> hmac::Algorithm {
        match self {
            Hash::Sha256 => hmac::HMAC_SHA256,
            Hash::Sha384 => hmac::HMAC_SHA384,
        }
    }
    pub fn output_len(self) -> usize {
        match self {
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
        }
    }
}

/// How a suite protects records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aead {
    Aes128Gcm,
    Aes256Gcm,
    Chacha20Poly1305,
}

impl Aead {
    fn algorithm(self) -> &'static aead::Algorithm {
        match self {
            Aead::Aes128Gcm => &aead::AES_128_GCM,
            Aead::Aes256Gcm => &aead::AES_256_GCM,
            Aead::Chacha20Poly1305 => &aead::CHACHA20_POLY1305,
        }
    }
    fn key_len(self) -> usize {
        match self {
            Aead::Aes128Gcm => 16,
            Aead::Aes256Gcm | Aead::Chacha20Poly1305 => 32,
        }
    }
}

/// A cipher suite this module can decrypt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suite {
    pub id: u16,
    pub name: &'static str,
    /// A TLS 1.3 suite (else TLS 1.2).
    pub tls13: bool,
    pub aead: Aead,
    pub hash: Hash,
}

const fn s(id: u16, name: &'static str, tls13: bool, aead: Aead, hash: Hash) -> Suite {
    Suite { id, name, tls13, aead, hash }
}

/// The suites decrypted: TLS 1.3's three and TLS 1.2's AEAD suites.
pub const SUITES: &[Suite] = &[
    s(0x1301, "TLS_AES_128_GCM_SHA256", true, Aead::Aes128Gcm, Hash::Sha256),
    s(0x1302, "TLS_AES_256_GCM_SHA384", true, Aead::Aes256Gcm, Hash::Sha384),
    s(0x1303, "TLS_CHACHA20_POLY1305_SHA256", true, Aead::Chacha20Poly1305, Hash::Sha256),
    s(0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", false, Aead::Aes128Gcm, Hash::Sha256),
    s(0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", false, Aead::Aes256Gcm, Hash::Sha384),
    s(0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", false, Aead::Aes128Gcm, Hash::Sha256),
    s(0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", false, Aead::Aes256Gcm, Hash::Sha384),
    s(0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", false, Aead::Chacha20Poly1305, Hash::Sha256),
    s(0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", false, Aead::Chacha20Poly1305, Hash::Sha256),
    s(0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256", false, Aead::Aes128Gcm, Hash::Sha256),
    s(0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384", false, Aead::Aes256Gcm, Hash::Sha384),
    s(0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", false, Aead::Aes128Gcm, Hash::Sha256),
    s(0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", false, Aead::Aes256Gcm, Hash::Sha384),
    s(0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", false, Aead::Chacha20Poly1305, Hash::Sha256),
];

/// Names of suites seen but not decrypted (CBC, CCM, old ones), for `TlsInfo.cipher_suite`.
const OTHER_NAMES: &[(u16, &str)] = &[
    (0x1304, "TLS_AES_128_CCM_SHA256"),
    (0x1305, "TLS_AES_128_CCM_8_SHA256"),
    (0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA"),
    (0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"),
    (0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256"),
    (0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"),
    (0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"),
    (0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"),
    (0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
    (0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"),
    (0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"),
    (0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"),
];

pub fn suite(id: u16) -> Option<&'static Suite> {
    SUITES.iter().find(|s| s.id == id)
}

/// The IANA name of a suite, or its number in hex.
pub fn suite_name(id: u16) -> String {
    if let Some(s) = suite(id) {
        return s.name.to_string();
    }
    OTHER_NAMES.iter().find(|(i, _)| *i == id).map_or_else(|| format!("0x{id:04X}"), |(_, n)| n.to_string())
}

struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// HKDF-Expand-Label(secret, label, context, len) of RFC 8446 §7.1 (into `out`).
pub fn expand_label(hash: Hash, secret: &[u8], label: &[u8], context: &[u8], out: &mut [u8]) -> Option<()> {
    let prk = hkdf::Prk::new_less_safe(hash.hkdf(), secret);
    let len = u16::try_from(out.len()).ok()?.to_be_bytes();
    let label_len = [u8::try_from(6 + label.len()).ok()?];
    let ctx_len = [u8::try_from(context.len()).ok()?];
    let info: [&[u8]; 6] = [&len, &label_len, b"tls13 ", label, &ctx_len, context];
    prk.expand(&info, Len(out.len())).ok()?.fill(out).ok()
}

/// P_hash of RFC 5246 §5 (the TLS 1.2 PRF) into `out`.
pub fn prf(hash: Hash, secret: &[u8], label: &[u8], seed: &[u8], out: &mut [u8]) {
    let key = hmac::Key::new(hash.hmac(), secret);
    let mut a = {
        let mut c = hmac::Context::with_key(&key);
        c.update(label);
        c.update(seed);
        c.sign()
    };
    let mut filled = 0;
    while filled < out.len() {
        let mut c = hmac::Context::with_key(&key);
        c.update(a.as_ref());
        c.update(label);
        c.update(seed);
        let block = c.sign();
        let n = block.as_ref().len().min(out.len() - filled);
        if let (Some(dst), Some(src)) = (out.get_mut(filled..filled + n), block.as_ref().get(..n)) {
            dst.copy_from_slice(src);
        }
        filled += n;
        a = hmac::sign(&key, a.as_ref());
    }
}

/// How the nonce and the additional data are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// TLS 1.3: nonce = iv XOR seq, additional data = the record header.
    Tls13,
    /// TLS 1.2 AES-GCM: nonce = 4-byte salt ‖ the record's 8-byte explicit nonce.
    Tls12ExplicitNonce,
    /// TLS 1.2 ChaCha20-Poly1305: nonce = iv XOR seq.
    Tls12XorNonce,
}

/// Why a record could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenError {
    /// Shorter than its nonce and tag.
    TooShort,
    /// The tag did not check out: another key, or a damaged record.
    BadTag,
    /// TLS 1.3: the plaintext is all padding, no content type.
    NoContentType,
}

/// One direction's record protection: key, iv and sequence number.
pub struct RecordKey {
    key: aead::LessSafeKey,
    iv: [u8; 12],
    seq: u64,
    framing: Framing,
    suite: &'static Suite,
    /// TLS 1.3: the traffic secret, for the next one at a KeyUpdate.
    secret: Option<Secret>,
}

impl RecordKey {
    fn new(suite: &'static Suite, key: &[u8], iv: [u8; 12], framing: Framing, secret: Option<Secret>) -> Option<Self> {
        let key = aead::LessSafeKey::new(aead::UnboundKey::new(suite.aead.algorithm(), key).ok()?);
        Some(RecordKey { key, iv, seq: 0, framing, suite, secret })
    }

    /// TLS 1.3 keys of a traffic secret (RFC 8446 §7.3).
    pub fn tls13(suite: &'static Suite, secret: Secret) -> Option<Self> {
        let s = secret.bytes();
        if s.len() != suite.hash.output_len() {
            return None;
        }
        let mut key = [0u8; 32];
        let key = key.get_mut(..suite.aead.key_len())?;
        expand_label(suite.hash, s, b"key", b"", key)?;
        let mut iv = [0u8; 12];
        expand_label(suite.hash, s, b"iv", b"", &mut iv)?;
        Self::new(suite, key, iv, Framing::Tls13, Some(secret))
    }

    /// TLS 1.3 KeyUpdate (RFC 8446 §7.2): the next traffic secret, sequence number 0.
    pub fn update(&mut self) -> Option<()> {
        let old = self.secret?;
        let mut next = old;
        expand_label(self.suite.hash, old.bytes(), b"traffic upd", b"", next.bytes_mut())?;
        *self = Self::tls13(self.suite, next)?;
        Some(())
    }

    /// TLS 1.2 keys of one direction from the master secret (RFC 5246 §6.3).
    pub fn tls12(suite: &'static Suite, master: &[u8], client_random: &[u8; 32], server_random: &[u8; 32], client: bool) -> Option<Self> {
        let mut seed = [0u8; 64];
        seed.get_mut(..32)?.copy_from_slice(server_random);
        seed.get_mut(32..)?.copy_from_slice(client_random);
        let key_len = suite.aead.key_len();
        let iv_len = if suite.aead == Aead::Chacha20Poly1305 { 12 } else { 4 };
        let mut block = [0u8; 2 * (32 + 12)];
        let block = block.get_mut(..2 * (key_len + iv_len))?;
        prf(suite.hash, master, b"key expansion", &seed, block);
        let (keys, ivs) = block.split_at(2 * key_len);
        let (ck, sk) = keys.split_at(key_len);
        let (civ, siv) = ivs.split_at(iv_len);
        let (key, iv_part) = if client { (ck, civ) } else { (sk, siv) };
        let mut iv = [0u8; 12];
        iv.get_mut(..iv_len)?.copy_from_slice(iv_part);
        let framing = if iv_len == 12 { Framing::Tls12XorNonce } else { Framing::Tls12ExplicitNonce };
        Self::new(suite, key, iv, framing, None)
    }

    fn xor_nonce(&self) -> [u8; 12] {
        let mut n = self.iv;
        for (b, s) in n.iter_mut().skip(4).zip(self.seq.to_be_bytes()) {
            *b ^= s;
        }
        n
    }

    /// Decrypts one record in place: `header` is its 5 bytes, `body` what follows. Returns the
    /// content type (TLS 1.3: the inner one) and the plaintext's range in `body`.
    pub fn open(&mut self, header: [u8; 5], body: &mut [u8]) -> Result<(u8, std::ops::Range<usize>), OpenError> {
        const TAG: usize = 16;
        let (nonce, aad, start): ([u8; 12], Vec<u8>, usize) = match self.framing {
            Framing::Tls13 => {
                if body.len() < TAG {
                    return Err(OpenError::TooShort);
                }
                (self.xor_nonce(), header.to_vec(), 0)
            }
            Framing::Tls12ExplicitNonce | Framing::Tls12XorNonce => {
                let explicit = if self.framing == Framing::Tls12ExplicitNonce { 8 } else { 0 };
                let Some(plain_len) = body.len().checked_sub(explicit + TAG) else { return Err(OpenError::TooShort) };
                let nonce = if explicit > 0 {
                    let mut n = self.iv;
                    if let (Some(dst), Some(src)) = (n.get_mut(4..), body.get(..8)) {
                        dst.copy_from_slice(src);
                    }
                    n
                } else {
                    self.xor_nonce()
                };
                let mut aad = Vec::with_capacity(13);
                aad.extend_from_slice(&self.seq.to_be_bytes());
                aad.extend_from_slice(&header[..3]);
                aad.extend_from_slice(&(plain_len as u16).to_be_bytes());
                (nonce, aad, explicit)
            }
        };
        let sealed = body.get_mut(start..).ok_or(OpenError::TooShort)?;
        let plain = self
            .key
            .open_in_place(aead::Nonce::assume_unique_for_key(nonce), aead::Aad::from(&aad[..]), sealed)
            .map_err(|_| OpenError::BadTag)?;
        let mut len = plain.len();
        self.seq = self.seq.wrapping_add(1);
        if self.framing != Framing::Tls13 {
            return Ok((header[0], start..start + len));
        }
        // TLS 1.3 (RFC 8446 §5.2): zeros of padding, then the real content type.
        while len > 0 && plain.get(len - 1) == Some(&0) {
            len -= 1;
        }
        let Some(&ty) = plain.get(len.wrapping_sub(1)) else { return Err(OpenError::NoContentType) };
        Ok((ty, 0..len - 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    fn secret(s: &str) -> Secret {
        Secret::from_bytes(&hex(s)).unwrap()
    }

    fn keys(hash: Hash, secret: &str) -> (Vec<u8>, Vec<u8>) {
        let (mut k, mut iv) = ([0u8; 16], [0u8; 12]);
        expand_label(hash, &hex(secret), b"key", b"", &mut k).unwrap();
        expand_label(hash, &hex(secret), b"iv", b"", &mut iv).unwrap();
        (k.to_vec(), iv.to_vec())
    }

    // RFC 8448 §3 (Simple 1-RTT Handshake): the four traffic secrets and the keys and IVs derived.
    const S_HS: &str = "b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38";
    const C_HS: &str = "b3 ed db 12 6e 06 7f 35 a7 80 b3 ab f4 5e 2d 8f 3b 1a 95 07 38 f5 2e 96 00 74 6a 0e 27 a5 5a 21";
    const S_AP: &str = "a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f cb 63 16 43";
    const C_AP: &str = "9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce 65 52 87 5a fa 0b 06 df 00 87 f7 92 eb b7 c1 75 04 a5";

    #[test]
    fn rfc8448_traffic_keys() {
        for (secret, key, iv) in [
            (S_HS, "3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc", "5d 31 3e b2 67 12 76 ee 13 00 0b 30"),
            (C_HS, "db fa a6 93 d1 76 2c 5b 66 6a f5 d9 50 25 8d 01", "5b d3 c7 1b 83 6e 0b 76 bb 73 26 5f"),
            (S_AP, "9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56", "cf 78 2b 88 dd 83 54 9a ad f1 e9 84"),
            (C_AP, "17 42 2d da 59 6e d5 d9 ac d8 90 e3 c6 3f 50 51", "5b 78 92 3d ee 08 57 90 33 e5 23 d9"),
        ] {
            assert_eq!(keys(Hash::Sha256, secret), (hex(key), hex(iv)));
        }
    }

    fn open(k: &mut RecordKey, record: &str) -> Result<(u8, Vec<u8>), OpenError> {
        let r = hex(record);
        let header: [u8; 5] = r[..5].try_into().unwrap();
        let mut body = r[5..].to_vec();
        k.open(header, &mut body).map(|(ty, range)| (ty, body[range].to_vec()))
    }

    // RFC 8448 §3: "{client} send application_data record" (sequence 0 of the client's
    // application keys), "{server} send handshake record" (the NewSessionTicket, sequence 0 of the
    // server's) and "{server} send application_data record" (sequence 1); both payloads are the
    // 50 octets 00 01 .. 31.
    const C_APP_RECORD: &str = "17 03 03 00 43 a2 3f 70 54 b6 2c 94 d0 af fa fe 82 28 ba 55 cb ef ac ea
        42 f9 14 aa 66 bc ab 3f 2b 98 19 a8 a5 b4 6b 39 5b d5 4a 9a 20 44 1e 2b
        62 97 4e 1f 5a 62 92 a2 97 70 14 bd 1e 3d ea e6 3a ee bb 21 69 49 15 e4";
    const S_NST_RECORD: &str = "17 03 03 00 de 3a 6b 8f 90 41 4a 97 d6 95 9c 34 87 68 0d e5 13 4a 2b 24
        0e 6c ff ac 11 6e 95 d4 1d 6a f8 f6 b5 80 dc f3 d1 1d 63 c7 58 db 28 9a
        01 59 40 25 2f 55 71 3e 06 1d c1 3e 07 88 91 a3 8e fb cf 57 53 ad 8e f1
        70 ad 3c 73 53 d1 6d 9d a7 73 b9 ca 7f 2b 9f a1 b6 c0 d4 a3 d0 3f 75 e0
        9c 30 ba 1e 62 97 2a c4 6f 75 f7 b9 81 be 63 43 9b 29 99 ce 13 06 46 15
        13 98 91 d5 e4 c5 b4 06 f1 6e 3f c1 81 a7 7c a4 75 84 00 25 db 2f 0a 77
        f8 1b 5a b0 5b 94 c0 13 46 75 5f 69 23 2c 86 51 9d 86 cb ee ac 87 aa c3
        47 d1 43 f9 60 5d 64 f6 50 db 4d 02 3e 70 e9 52 ca 49 fe 51 37 12 1c 74
        bc 26 97 68 7e 24 87 46 d6 df 35 30 05 f3 bc e1 86 96 12 9c 81 53 55 6b
        3b 6c 67 79 b3 7b f1 59 85 68 4f";
    const S_APP_RECORD: &str = "17 03 03 00 43 2e 93 7e 11 ef 4a c7 40 e5 38 ad 36 00 5f c4 a4 69 32 fc
        32 25 d0 5f 82 aa 1b 36 e3 0e fa f9 7d 90 e6 df fc 60 2d cb 50 1a 59 a8
        fc c4 9c 4b f2 e5 f0 a2 1c 00 47 c2 ab f3 32 54 0d d0 32 e1 67 c2 95 5d";

    #[test]
    fn rfc8448_application_records() {
        let suite = suite(0x1301).unwrap();
        let payload: Vec<u8> = (0..50).collect();
        let mut c = RecordKey::tls13(suite, secret(C_AP)).unwrap();
        assert_eq!(open(&mut c, C_APP_RECORD), Ok((23, payload.clone())));
        let mut s = RecordKey::tls13(suite, secret(S_AP)).unwrap();
        let (ty, nst) = open(&mut s, S_NST_RECORD).unwrap();
        // A NewSessionTicket (type 4) of 201 octets.
        assert_eq!((ty, nst[0], nst.len()), (22, 4, 205));
        assert_eq!(open(&mut s, S_APP_RECORD), Ok((23, payload)));
        // The client's record under the server's keys: the tag does not check out.
        let mut wrong = RecordKey::tls13(suite, secret(S_AP)).unwrap();
        assert_eq!(open(&mut wrong, C_APP_RECORD), Err(OpenError::BadTag));
    }

    #[test]
    fn key_update_changes_the_keys_and_restarts_the_sequence() {
        let suite = suite(0x1301).unwrap();
        let mut k = RecordKey::tls13(suite, secret(C_AP)).unwrap();
        k.seq = 5;
        k.update().unwrap();
        let mut next = [0u8; 32];
        expand_label(Hash::Sha256, &hex(C_AP), b"traffic upd", b"", &mut next).unwrap();
        assert_eq!(k.seq, 0);
        assert_eq!(k.secret.unwrap().bytes(), &next[..]);
        assert_ne!(&next[..], &hex(C_AP)[..]);
    }

    #[test]
    fn names() {
        assert_eq!(suite_name(0xcca8), "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
        assert_eq!(suite_name(0xc013), "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
        assert_eq!(suite_name(0xabcd), "0xABCD");
    }
}
