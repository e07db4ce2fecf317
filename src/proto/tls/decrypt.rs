//! The TLS record layer as an observer reads it (RFC 8446 §5, RFC 5246 §6.2): record headers
//! and handshake messages put back together across records. Hand-written: it is a few lines of
//! framing, and the crates that parse TLS do it as an endpoint (they refuse what breaks a rule,
//! an observer records it and goes on).

/// Longest record body allowed: 2^14 + 256 (RFC 8446 §5.2; TLS 1.2's AEAD records stay below it).
pub const MAX_CIPHERTEXT: usize = (1 << 14) + 256;

pub const CHANGE_CIPHER_SPEC: u8 = 20;
pub const ALERT: u8 = 21;
pub const HANDSHAKE: u8 = 22;
pub const APPLICATION_DATA: u8 = 23;
pub const HEARTBEAT: u8 = 24;

/// A record's 5-byte header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHeader {
    pub content_type: u8,
    pub version: u16,
    pub len: usize,
    pub raw: [u8; 5],
}

impl RecordHeader {
    /// The header at the start of `b`, if its 5 bytes are there.
    pub fn parse(b: &[u8]) -> Option<Self> {
        let raw: [u8; 5] = b.get(..5)?.try_into().ok()?;
        Some(RecordHeader {
            content_type: raw[0],
            version: u16::from_be_bytes([raw[1], raw[2]]),
            len: usize::from(u16::from_be_bytes([raw[3], raw[4]])),
            raw,
        })
    }

    /// A content type of TLS (20..=24) and a version byte of 3 (SSL 3.0 to TLS 1.3).
    pub fn plausible(&self) -> bool {
        (CHANGE_CIPHER_SPEC..=HEARTBEAT).contains(&self.content_type) && self.raw[1] == 3
    }
}

/// One handshake message, whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub msg_type: u8,
    /// The body, for the types read (see [`kept`]); None for the others and for one longer than
    /// the limit (`too_long`).
    pub body: Option<Vec<u8>>,
    pub too_long: bool,
    pub len: usize,
}

/// The handshake types whose body is read: ClientHello, ServerHello, EncryptedExtensions.
pub fn kept(msg_type: u8) -> bool {
    matches!(msg_type, 1 | 2 | 8)
}

/// Handshake messages of one direction put back together from the records' fragments (a
/// message may span records, a record may hold several). Bodies are kept only for the types
/// read, up to a limit; the rest are counted through.
#[derive(Debug, Default)]
pub struct HandshakeReader {
    head: [u8; 4],
    head_len: usize,
    /// Body bytes still to come of the current message.
    remaining: usize,
    body: Option<Vec<u8>>,
    too_long: bool,
}

impl HandshakeReader {
    /// Reads `data` (a handshake record's content), appending the messages it completes.
    pub fn feed(&mut self, mut data: &[u8], max_kept: usize, out: &mut Vec<Message>) {
        while !data.is_empty() || (self.head_len == 4 && self.remaining == 0) {
            if self.head_len < 4 {
                let n = (4 - self.head_len).min(data.len());
                let (a, rest) = data.split_at(n);
                if let Some(dst) = self.head.get_mut(self.head_len..self.head_len + n) {
                    dst.copy_from_slice(a);
                }
                self.head_len += n;
                data = rest;
                if self.head_len < 4 {
                    return;
                }
                let len = usize::from(self.head[1]) << 16 | usize::from(self.head[2]) << 8 | usize::from(self.head[3]);
                self.remaining = len;
                self.too_long = kept(self.head[0]) && len > max_kept;
                self.body = (kept(self.head[0]) && !self.too_long).then(|| Vec::with_capacity(len.min(4096)));
            }
            let n = self.remaining.min(data.len());
            let (a, rest) = data.split_at(n);
            if let Some(b) = &mut self.body {
                b.extend_from_slice(a);
            }
            self.remaining -= n;
            data = rest;
            if self.remaining > 0 {
                return;
            }
            let len = usize::from(self.head[1]) << 16 | usize::from(self.head[2]) << 8 | usize::from(self.head[3]);
            out.push(Message { msg_type: self.head[0], body: self.body.take(), too_long: self.too_long, len });
            self.head_len = 0;
            self.too_long = false;
        }
    }

    /// A message is part way through.
    pub fn partial(&self) -> bool {
        self.head_len > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(ty: u8, body: &[u8]) -> Vec<u8> {
        let mut m = vec![ty];
        m.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        m.extend_from_slice(body);
        m
    }

    #[test]
    fn messages_across_records_and_several_in_one() {
        let mut all = msg(1, &[7; 300]);
        all.extend(msg(11, &[9; 5000]));
        all.extend(msg(20, &[1; 32]));
        all.extend(msg(2, &[]));
        // Every way of cutting the bytes into two records gives the same messages.
        for cut in [0, 1, 3, 4, 5, 303, 304, 305, 2000, all.len()] {
            let mut r = HandshakeReader::default();
            let mut out = Vec::new();
            r.feed(&all[..cut], 1000, &mut out);
            r.feed(&all[cut..], 1000, &mut out);
            let types: Vec<u8> = out.iter().map(|m| m.msg_type).collect();
            assert_eq!(types, vec![1, 11, 20, 2], "cut {cut}");
            assert_eq!(out[0].body.as_deref(), Some(&[7u8; 300][..]));
            assert_eq!((out[1].body.is_none(), out[1].len), (true, 5000));
            assert_eq!(out[3].body.as_deref(), Some(&[][..]));
            assert!(!r.partial());
        }
        // A hello longer than the limit is not kept.
        let mut r = HandshakeReader::default();
        let mut out = Vec::new();
        r.feed(&msg(1, &[0; 2000]), 1000, &mut out);
        assert!(out[0].too_long && out[0].body.is_none());
    }

    #[test]
    fn headers() {
        let h = RecordHeader::parse(&[23, 3, 3, 0x40, 0x01, 9]).unwrap();
        assert_eq!((h.content_type, h.version, h.len, h.plausible()), (23, 0x0303, 0x4001, true));
        assert!(RecordHeader::parse(&[23, 3, 3, 0]).is_none());
        assert!(!RecordHeader::parse(b"GET /").unwrap().plausible());
    }
}
