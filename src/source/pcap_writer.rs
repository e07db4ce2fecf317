//! Writing captures: classic .pcap (nanosecond timestamps) and .pcapng, and copying a capture
//! from one format to the other.

use std::io::{self, Write};
use std::path::Path;

pub struct PcapWriter<W: Write> {
    w: W,
}

impl<W: Write> PcapWriter<W> {
    pub fn new(mut w: W, link_type: u32) -> io::Result<Self> {
        w.write_all(&0xa1b2_3c4du32.to_le_bytes())?;
        w.write_all(&2u16.to_le_bytes())?;
        w.write_all(&4u16.to_le_bytes())?;
        w.write_all(&[0; 8])?;
        w.write_all(&262_144u32.to_le_bytes())?;
        w.write_all(&link_type.to_le_bytes())?;
        Ok(PcapWriter { w })
    }

    pub fn packet(&mut self, ts_ns: i64, data: &[u8]) -> io::Result<()> {
        let sec = (ts_ns.div_euclid(1_000_000_000)) as u32;
        let ns = (ts_ns.rem_euclid(1_000_000_000)) as u32;
        self.w.write_all(&sec.to_le_bytes())?;
        self.w.write_all(&ns.to_le_bytes())?;
        self.w.write_all(&(data.len() as u32).to_le_bytes())?;
        self.w.write_all(&(data.len() as u32).to_le_bytes())?;
        self.w.write_all(data)
    }

    pub fn into_inner(self) -> W {
        self.w
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

/// pcapng block type of a Decryption Secrets Block.
pub const DECRYPTION_SECRETS_BLOCK: u32 = 0x0000_000a;
/// The DSB secrets type of a TLS key log ("TLSK").
pub const TLS_KEY_LOG: u32 = 0x544c_534b;

/// Writing .pcapng: one section, one interface (nanosecond timestamps), enhanced packet blocks.
pub struct PcapNgWriter<W: Write> {
    w: W,
}

fn block<W: Write>(w: &mut W, kind: u32, body: &[u8]) -> io::Result<()> {
    let padded = (body.len() + 3) & !3;
    let total = (12 + padded) as u32;
    w.write_all(&kind.to_le_bytes())?;
    w.write_all(&total.to_le_bytes())?;
    w.write_all(body)?;
    w.write_all(&[0u8; 3][..padded - body.len()])?;
    w.write_all(&total.to_le_bytes())
}

impl<W: Write> PcapNgWriter<W> {
    /// `interface`: the name recorded in the interface description (if_name).
    pub fn new(mut w: W, link_type: u32, interface: &str) -> io::Result<Self> {
        let mut shb = 0x1a2b_3c4du32.to_le_bytes().to_vec();
        shb.extend_from_slice(&1u16.to_le_bytes());
        shb.extend_from_slice(&0u16.to_le_bytes());
        shb.extend_from_slice(&(-1i64).to_le_bytes());
        let app = b"wirescope";
        shb.extend_from_slice(&4u16.to_le_bytes()); // shb_userappl
        shb.extend_from_slice(&(app.len() as u16).to_le_bytes());
        shb.extend_from_slice(app);
        shb.resize((shb.len() + 3) & !3, 0);
        shb.extend_from_slice(&[0, 0, 0, 0]); // opt_endofopt
        block(&mut w, 0x0a0d_0d0a, &shb)?;
        let mut idb = (link_type as u16).to_le_bytes().to_vec();
        idb.extend_from_slice(&0u16.to_le_bytes());
        idb.extend_from_slice(&262_144u32.to_le_bytes());
        let name = interface.as_bytes();
        idb.extend_from_slice(&2u16.to_le_bytes()); // if_name
        idb.extend_from_slice(&(name.len() as u16).to_le_bytes());
        idb.extend_from_slice(name);
        idb.resize((idb.len() + 3) & !3, 0);
        idb.extend_from_slice(&[9, 0, 1, 0, 9, 0, 0, 0]); // if_tsresol = 10^-9
        idb.extend_from_slice(&[0, 0, 0, 0]);
        block(&mut w, 1, &idb)?;
        Ok(PcapNgWriter { w })
    }

    pub fn packet(&mut self, ts_ns: i64, data: &[u8], orig_len: u32) -> io::Result<()> {
        self.packet_with_comment(ts_ns, data, orig_len, None)
    }

    /// A packet with an opt_comment (Wireshark shows it as the packet's comment).
    pub fn packet_with_comment(&mut self, ts_ns: i64, data: &[u8], orig_len: u32, comment: Option<&str>) -> io::Result<()> {
        let ts = ts_ns.max(0) as u64;
        let mut b = Vec::with_capacity(24 + data.len() + comment.map_or(0, |c| c.len() + 8));
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
        b.extend_from_slice(&(ts as u32).to_le_bytes());
        b.extend_from_slice(&(data.len() as u32).to_le_bytes());
        b.extend_from_slice(&orig_len.max(data.len() as u32).to_le_bytes());
        b.extend_from_slice(data);
        if let Some(c) = comment {
            b.resize((b.len() + 3) & !3, 0);
            let c = &c.as_bytes()[..c.len().min(60_000)];
            b.extend_from_slice(&1u16.to_le_bytes());
            b.extend_from_slice(&(c.len() as u16).to_le_bytes());
            b.extend_from_slice(c);
            b.resize((b.len() + 3) & !3, 0);
            b.extend_from_slice(&[0, 0, 0, 0]);
        }
        block(&mut self.w, 6, &b)
    }

    /// A Decryption Secrets Block (pcapng block type 0x0000000A, draft-ietf-opsawg-pcapng §4.7) of
    /// TLS key-log lines (secrets type 0x544c534b "TLSK", NSS key-log format, one per line), as
    /// `editcap --inject-secrets tls,KEYS` writes it. It belongs before the packets it decrypts.
    pub fn tls_secrets(&mut self, keylog: &str) -> io::Result<()> {
        let mut text = keylog.as_bytes().to_vec();
        if !text.ends_with(b"\n") {
            text.push(b'\n');
        }
        let mut b = Vec::with_capacity(8 + text.len());
        b.extend_from_slice(&TLS_KEY_LOG.to_le_bytes());
        b.extend_from_slice(&(text.len() as u32).to_le_bytes());
        b.extend_from_slice(&text);
        block(&mut self.w, DECRYPTION_SECRETS_BLOCK, &b)
    }

    pub fn get_ref(&self) -> &W {
        &self.w
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }

    pub fn into_inner(self) -> W {
        self.w
    }
}

/// Either format, chosen at run time (for instance by the file name's extension).
pub enum CaptureWriter<W: Write> {
    Pcap(PcapWriter<W>),
    PcapNg(PcapNgWriter<W>),
}

impl<W: Write> CaptureWriter<W> {
    pub fn new(w: W, link_type: u32, interface: &str, pcapng: bool) -> io::Result<Self> {
        Ok(if pcapng {
            CaptureWriter::PcapNg(PcapNgWriter::new(w, link_type, interface)?)
        } else {
            CaptureWriter::Pcap(PcapWriter::new(w, link_type)?)
        })
    }

    pub fn packet(&mut self, ts_ns: i64, data: &[u8], orig_len: u32) -> io::Result<()> {
        self.packet_with_comment(ts_ns, data, orig_len, None)
    }

    /// The comment is kept in .pcapng and dropped in .pcap (which has no place for it).
    pub fn packet_with_comment(&mut self, ts_ns: i64, data: &[u8], orig_len: u32, comment: Option<&str>) -> io::Result<()> {
        match self {
            CaptureWriter::Pcap(w) => w.packet(ts_ns, data),
            CaptureWriter::PcapNg(w) => w.packet_with_comment(ts_ns, data, orig_len, comment),
        }
    }

    /// Embeds TLS key-log lines (.pcapng only; a .pcap has no place for them): false when dropped.
    pub fn tls_secrets(&mut self, keylog: &str) -> io::Result<bool> {
        match self {
            CaptureWriter::Pcap(_) => Ok(false),
            CaptureWriter::PcapNg(w) => w.tls_secrets(keylog).map(|()| true),
        }
    }

    /// Bytes between the start of a packet record and its data: 16 in .pcap, 28 in .pcapng.
    pub fn data_offset(&self) -> u64 {
        match self {
            CaptureWriter::Pcap(_) => 16,
            CaptureWriter::PcapNg(_) => 28,
        }
    }

    pub fn get_ref(&self) -> &W {
        match self {
            CaptureWriter::Pcap(w) => &w.w,
            CaptureWriter::PcapNg(w) => w.get_ref(),
        }
    }

    pub fn flush(&mut self) -> io::Result<()> {
        match self {
            CaptureWriter::Pcap(w) => w.flush(),
            CaptureWriter::PcapNg(w) => w.flush(),
        }
    }

    pub fn into_inner(self) -> W {
        match self {
            CaptureWriter::Pcap(w) => w.into_inner(),
            CaptureWriter::PcapNg(w) => w.into_inner(),
        }
    }
}

/// Copies a capture to `to` (atomically) as .pcapng or .pcap by the extension, packet comments kept
/// in .pcapng. A source that ends mid-packet (a capture still being written) is copied up to there.
/// Gives the number of packets written.
pub fn save_capture(from: impl std::io::Read, to: &Path) -> std::io::Result<u64> {
    use super::{CaptureReader, ReadError};
    let bad = |e: String| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
    let mut r = CaptureReader::new(from).map_err(|e| bad(e.to_string()))?;
    let pcapng = super::recorder::wants_pcapng(to);
    let mut n = 0;
    crate::fs::write_atomic(to, |w| {
        let mut out: Option<CaptureWriter<&mut dyn Write>> = None;
        loop {
            let p = match r.next_packet() {
                Ok(Some(p)) => p,
                Ok(None) | Err(ReadError::Truncated { .. }) => break,
                Err(e) => return Err(bad(e.to_string())),
            };
            if out.is_none() {
                out = Some(CaptureWriter::new(&mut *w, p.link_type, "wirescope", pcapng)?);
            }
            if let Some(o) = out.as_mut() {
                o.packet_with_comment(p.ts_ns, p.data, p.orig_len, p.comment.as_deref())?;
            }
            n += 1;
        }
        if out.is_none() {
            CaptureWriter::new(&mut *w, 1, "wirescope", pcapng)?;
        }
        Ok(())
    })?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::CaptureReader;

    #[test]
    fn both_formats_read_back_identically() {
        let packets: [(i64, &[u8]); 3] =
            [(1_700_000_000_123_456_789, b"abc"), (1_700_000_001_000_000_001, b"hello!"), (1_700_000_002_000_000_000, b"")];
        let mut pcap = PcapWriter::new(Vec::new(), 1).unwrap();
        let mut ng = PcapNgWriter::new(Vec::new(), 113, "lo").unwrap();
        for (ts, d) in packets {
            pcap.packet(ts, d).unwrap();
            ng.packet(ts, d, d.len() as u32).unwrap();
        }
        for (bytes, link) in [(pcap.into_inner(), 1), (ng.into_inner(), 113)] {
            let mut r = CaptureReader::new(&bytes[..]).unwrap();
            for (n, (ts, d)) in packets.iter().enumerate() {
                let p = r.next_packet().unwrap().unwrap();
                assert_eq!((p.number, p.ts_ns, p.data, p.link_type), (n as u64 + 1, *ts, *d, link));
            }
            assert!(r.next_packet().unwrap().is_none());
            if link == 113 {
                assert_eq!(r.interface_names()[0].as_deref(), Some("lo"));
            }
        }
    }

    #[test]
    fn pcapng_packet_comments_read_back() {
        let mut ng = PcapNgWriter::new(Vec::new(), 1, "lo").unwrap();
        ng.packet_with_comment(5, b"abcde", 5, Some("step 1: 三次握手")).unwrap();
        ng.packet(6, b"x", 1).unwrap();
        let bytes = ng.into_inner();
        let mut r = CaptureReader::new(&bytes[..]).unwrap();
        let p = r.next_packet().unwrap().unwrap();
        assert_eq!((p.data, p.comment.as_deref()), (&b"abcde"[..], Some("step 1: 三次握手")));
        let p = r.next_packet().unwrap().unwrap();
        assert_eq!((p.data, p.comment), (&b"x"[..], None));
    }

    #[test]
    fn decryption_secrets_block_is_laid_out_as_the_pcapng_draft_says() {
        let mut ng = PcapNgWriter::new(Vec::new(), 1, "lo").unwrap();
        let start = ng.get_ref().len();
        ng.tls_secrets("CLIENT_RANDOM 00 11").unwrap();
        ng.packet(7, b"after", 5).unwrap();
        let bytes = ng.into_inner();
        // draft-ietf-opsawg-pcapng §4.7: type 0x0000000A, total length, secrets type "TLSK",
        // secrets length, the secrets padded to 32 bits, total length again.
        let text = b"CLIENT_RANDOM 00 11\n";
        let mut want = Vec::new();
        want.extend_from_slice(&0x0au32.to_le_bytes());
        want.extend_from_slice(&40u32.to_le_bytes());
        want.extend_from_slice(&0x544c534bu32.to_le_bytes());
        want.extend_from_slice(&(text.len() as u32).to_le_bytes());
        want.extend_from_slice(text);
        want.extend_from_slice(&40u32.to_le_bytes());
        assert_eq!(&bytes[start..start + 40], &want[..]);
        // Readers that do not know the block skip it: the packet after it reads back.
        let mut r = CaptureReader::new(&bytes[..]).unwrap();
        assert_eq!(r.next_packet().unwrap().unwrap().data, b"after");
    }
}
