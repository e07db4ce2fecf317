//! Key logs in the NSS format (SSLKEYLOGFILE): the secrets a TLS endpoint wrote out, by client
//! random. One line is `LABEL <client random hex> <secret hex>`; `#` starts a comment. The labels
//! read are CLIENT_RANDOM (TLS 1.2's master secret) and the four TLS 1.3 traffic secrets; other
//! labels (early traffic, exporter secrets) are skipped. A line that is not hex of the right
//! length is counted in [`KeyLog::bad_lines`] and skipped: a key log is read whole, never refused.
//! Parsing is this small and fixed-format that a crate would add nothing.

use std::collections::HashMap;

/// A ClientHello's random, the key of every entry.
pub type ClientRandom = [u8; 32];

/// A secret of a key log: 48 bytes (a TLS 1.2 master secret, a SHA-384 traffic secret) or 32
/// (a SHA-256 traffic secret), kept inline.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Secret {
    len: u8,
    bytes: [u8; 48],
}

impl Secret {
    fn from_hex(hex: &str) -> Option<Self> {
        let n = hex.len() / 2;
        if !hex.len().is_multiple_of(2) || !(n == 32 || n == 48) {
            return None;
        }
        let mut bytes = [0u8; 48];
        decode_hex(hex, &mut bytes[..n])?;
        Some(Secret { len: n as u8, bytes })
    }

    /// A secret of 32 or 48 bytes.
    pub fn from_bytes(b: &[u8]) -> Option<Self> {
        if !(b.len() == 32 || b.len() == 48) {
            return None;
        }
        let mut bytes = [0u8; 48];
        bytes.get_mut(..b.len())?.copy_from_slice(b);
        Some(Secret { len: b.len() as u8, bytes })
    }

    pub fn bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }

    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    pub(super) fn bytes_mut(&mut self) -> &mut [u8] {
        let n = usize::from(self.len);
        self.bytes.get_mut(..n).unwrap_or(&mut [])
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret({} bytes)", self.len)
    }
}

/// What the key log knows of one connection (by its client random).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Secrets {
    /// TLS 1.2: CLIENT_RANDOM's master secret.
    pub master: Option<Secret>,
    /// TLS 1.3: CLIENT_HANDSHAKE_TRAFFIC_SECRET and SERVER_HANDSHAKE_TRAFFIC_SECRET.
    pub client_handshake: Option<Secret>,
    pub server_handshake: Option<Secret>,
    /// TLS 1.3: CLIENT_TRAFFIC_SECRET_0 and SERVER_TRAFFIC_SECRET_0.
    pub client_traffic: Option<Secret>,
    pub server_traffic: Option<Secret>,
}

/// The secrets known for a capture, by the ClientHello's random.
#[derive(Debug, Default, Clone)]
pub struct KeyLog {
    entries: HashMap<ClientRandom, Secrets>,
    /// Lines that were neither a comment, blank, a known label with good hex, nor another label.
    pub bad_lines: u64,
    /// Lines with a label that is read (good ones).
    pub lines: u64,
}

fn decode_hex(hex: &str, out: &mut [u8]) -> Option<()> {
    let h = hex.as_bytes();
    if h.len() != out.len() * 2 {
        return None;
    }
    for (o, pair) in out.iter_mut().zip(h.chunks_exact(2)) {
        let hi = (pair.first()?.to_ascii_lowercase() as char).to_digit(16)?;
        let lo = (pair.get(1)?.to_ascii_lowercase() as char).to_digit(16)?;
        *o = (hi << 4 | lo) as u8;
    }
    Some(())
}

impl KeyLog {
    /// Adds every line of `text` (a key log file, or a Decryption Secrets Block's contents).
    pub fn add_text(&mut self, text: &str) {
        for line in text.lines() {
            self.add_line(line);
        }
    }

    /// Adds one line; returns whether it was a good line of a label that is read.
    pub fn add_line(&mut self, line: &str) -> bool {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return false;
        }
        let mut parts = line.split_ascii_whitespace();
        let (Some(label), Some(random), Some(secret), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            self.bad_lines += 1;
            return false;
        };
        let slot: fn(&mut Secrets) -> &mut Option<Secret> = match label {
            "CLIENT_RANDOM" => |s| &mut s.master,
            "CLIENT_HANDSHAKE_TRAFFIC_SECRET" => |s| &mut s.client_handshake,
            "SERVER_HANDSHAKE_TRAFFIC_SECRET" => |s| &mut s.server_handshake,
            "CLIENT_TRAFFIC_SECRET_0" => |s| &mut s.client_traffic,
            "SERVER_TRAFFIC_SECRET_0" => |s| &mut s.server_traffic,
            // Early traffic and exporter secrets, RSA pre-master secrets: not needed here.
            l if l.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_') => return false,
            _ => {
                self.bad_lines += 1;
                return false;
            }
        };
        let mut cr = [0u8; 32];
        let secret = Secret::from_hex(secret).filter(|s| label != "CLIENT_RANDOM" || s.len == 48);
        let (Some(()), Some(secret)) = (decode_hex(random, &mut cr), secret) else {
            self.bad_lines += 1;
            return false;
        };
        *slot(self.entries.entry(cr).or_default()) = Some(secret);
        self.lines += 1;
        true
    }

    /// The secrets for the connection whose ClientHello carried `random`.
    pub fn get(&self, random: &ClientRandom) -> Option<&Secrets> {
        self.entries.get(random)
    }

    /// Connections with at least one secret.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_labels_and_counts_bad_lines() {
        let cr = "aa".repeat(32);
        let text = format!(
            "# a comment\n\nCLIENT_RANDOM {cr} {}\nSERVER_TRAFFIC_SECRET_0 {cr} {}\nEXPORTER_SECRET {cr} {}\n\
             CLIENT_RANDOM {cr} 12\nCLIENT_RANDOM zz{} {}\nCLIENT_RANDOM {cr} {}\ngarbage\nlower_case x y\n",
            "01".repeat(48),
            "02".repeat(32),
            "03".repeat(32),
            &cr[2..],
            "01".repeat(48),
            "04".repeat(32)
        );
        let mut k = KeyLog::default();
        k.add_text(&text);
        let s = k.get(&[0xaa; 32]).unwrap();
        assert_eq!(s.master.unwrap().bytes(), &[1u8; 48][..]);
        assert_eq!(s.server_traffic.unwrap().bytes(), &[2u8; 32][..]);
        assert!(s.client_traffic.is_none());
        // 12 is too short, zz is not hex, a 32-byte master secret, garbage, lower_case.
        assert_eq!(k.bad_lines, 5);
        assert_eq!(k.lines, 2);
        assert_eq!(k.len(), 1);
    }
}
