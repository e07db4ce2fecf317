//! A streaming reader for .pcap and .pcapng files.
//!
//! Why not libpcap for files: libpcap refuses pcapng files whose interfaces have different link
//! types, drops packet and section comments, gives no file offsets (needed to read payloads back on
//! demand) and reports a cut-off file as a bare error. This reader streams with a fixed buffer,
//! checks every length before it allocates, and says which packet the file ends in.
//! Measured against libpcap in `benches/bench.sh` (see README).

use std::io::{self, Read};

use crate::limits::{MAX_BLOCK, MAX_RECORD};
/// Bytes asked of the source at a time. Packets are handed out as slices of this window, so a
/// record's bytes are copied once (by the read) instead of twice (read, then into a packet buffer).
const WINDOW: usize = 1 << 20;

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read: {0}")]
    Io(#[from] io::Error),
    #[error("not a capture file (starts with {0}); expected .pcap or .pcapng")]
    NotCapture(String),
    #[error("empty file: no capture header")]
    Empty,
    #[error("corrupt capture: {0}")]
    Corrupt(String),
    #[error("the file ends in the middle of packet {packet}")]
    Truncated { packet: u64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Pcap,
    PcapNg,
}

/// One packet as read: bytes borrowed from the reader's buffer until the next call.
#[derive(Debug)]
pub struct RawPacket<'a> {
    /// From 1, in file order.
    pub number: u64,
    pub ts_ns: i64,
    pub link_type: u32,
    pub interface: u32,
    pub data: &'a [u8],
    pub orig_len: u32,
    /// Offset in the file of `data[0]`, to read the bytes back later.
    pub file_offset: u64,
    pub comment: Option<String>,
}

#[derive(Debug, Clone)]
struct Interface {
    link_type: u32,
    snaplen: u32,
    /// Timestamp units: value = ticks * mul / div nanoseconds (or a power of two).
    ts_res: TsRes,
    ts_offset_s: i64,
    name: Option<String>,
}

#[derive(Debug, Clone, Copy)]
enum TsRes {
    /// ticks are 10^-n seconds
    Dec(u8),
    /// ticks are 2^-n seconds
    Bin(u8),
}

impl TsRes {
    fn to_ns(self, ticks: u64) -> i64 {
        match self {
            TsRes::Dec(n) if n <= 9 => (ticks as i128 * 10i128.pow(9 - n as u32)) as i64,
            TsRes::Dec(n) => (ticks as i128 / 10i128.pow((n.min(38) - 9) as u32)) as i64,
            TsRes::Bin(n) => ((ticks as u128 * 1_000_000_000u128) >> n.min(127)) as i64,
        }
    }
}

enum Kind {
    Pcap { swapped: bool, nanos: bool, link_type: u32 },
    PcapNg { big_endian: bool, interfaces: Vec<Interface> },
}

/// Reads packets one at a time from any byte source.
pub struct CaptureReader<R: Read> {
    src: R,
    kind: Kind,
    /// Bodies of the rare non-packet pcapng blocks.
    buf: Vec<u8>,
    /// Read-ahead: unconsumed bytes are `win[lo..hi]`.
    win: Vec<u8>,
    lo: usize,
    hi: usize,
    eof: bool,
    /// Bytes consumed so far: the file offset of `win[lo]`.
    offset: u64,
    next_number: u64,
    /// Comments on the file (pcapng section header).
    pub file_comments: Vec<String>,
    /// Where the TLS key log text of Decryption Secrets Blocks goes, as each block is read (so
    /// before the packets after it).
    on_tls_secrets: Option<SecretsSink>,
}

/// Takes the contents of a Decryption Secrets Block of TLS key log text.
pub type SecretsSink = Box<dyn FnMut(&[u8]) + Send>;

/// pcapng Decryption Secrets Block (pcapng §4.7) and its secrets type for a TLS key log ("TLSK").
const DSB: u32 = 0x0000_000a;
const SECRETS_TLS_KEY_LOG: u32 = 0x544c_534b;

impl<R: Read> CaptureReader<R> {
    pub fn new(mut src: R) -> Result<Self, ReadError> {
        let mut magic = [0u8; 4];
        let got = read_full(&mut src, &mut magic)?;
        if got == 0 {
            return Err(ReadError::Empty);
        }
        if got < 4 {
            return Err(ReadError::NotCapture(hex_prefix(&magic[..got])));
        }
        let mut r = CaptureReader {
            src,
            kind: Kind::Pcap { swapped: false, nanos: false, link_type: 0 },
            buf: Vec::new(),
            win: Vec::new(),
            lo: 0,
            hi: 0,
            eof: false,
            offset: 4,
            next_number: 1,
            file_comments: Vec::new(),
            on_tls_secrets: None,
        };
        match magic {
            [0xd4, 0xc3, 0xb2, 0xa1] | [0xa1, 0xb2, 0xc3, 0xd4] | [0x4d, 0x3c, 0xb2, 0xa1] | [0xa1, 0xb2, 0x3c, 0x4d] => {
                let le = u32::from_le_bytes(magic);
                let swapped = !(le == 0xa1b2c3d4 || le == 0xa1b23c4d);
                let nanos = magic == [0x4d, 0x3c, 0xb2, 0xa1] || magic == [0xa1, 0xb2, 0x3c, 0x4d];
                let mut hdr = [0u8; 20];
                if r.read_exact_or_trunc(&mut hdr)? < 20 {
                    return Err(ReadError::Corrupt("pcap header cut short".into()));
                }
                let rd = |b: &[u8]| {
                    if swapped {
                        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
                    } else {
                        u32::from_le_bytes([b[0], b[1], b[2], b[3]])
                    }
                };
                // The upper bits of the link-type field may carry FCS information.
                let link_type = rd(&hdr[16..20]) & 0x0fff_ffff;
                r.kind = Kind::Pcap { swapped, nanos, link_type };
            }
            [0x0a, 0x0d, 0x0d, 0x0a] => {
                r.kind = Kind::PcapNg { big_endian: false, interfaces: Vec::new() };
                r.read_shb_rest()?;
            }
            _ => {
                return Err(ReadError::NotCapture(hex_prefix(&magic)));
            }
        }
        Ok(r)
    }

    /// Hands the TLS key log text of every Decryption Secrets Block to `sink` as the block is read.
    pub fn on_tls_secrets(&mut self, sink: SecretsSink) {
        self.on_tls_secrets = Some(sink);
    }

    pub fn format(&self) -> FileFormat {
        match self.kind {
            Kind::Pcap { .. } => FileFormat::Pcap,
            Kind::PcapNg { .. } => FileFormat::PcapNg,
        }
    }

    /// Link types of the interfaces seen so far.
    pub fn link_types(&self) -> Vec<u32> {
        match &self.kind {
            Kind::Pcap { link_type, .. } => vec![*link_type],
            Kind::PcapNg { interfaces, .. } => interfaces.iter().map(|i| i.link_type).collect(),
        }
    }

    pub fn interface_names(&self) -> Vec<Option<String>> {
        match &self.kind {
            Kind::Pcap { .. } => vec![None],
            Kind::PcapNg { interfaces, .. } => interfaces.iter().map(|i| i.name.clone()).collect(),
        }
    }

    /// Bytes consumed so far (for progress).
    pub fn position(&self) -> u64 {
        self.offset
    }

    /// The next packet, `Ok(None)` at a clean end of file.
    pub fn next_packet(&mut self) -> Result<Option<RawPacket<'_>>, ReadError> {
        match self.kind {
            Kind::Pcap { swapped, nanos, link_type, .. } => self.next_pcap(swapped, nanos, link_type),
            Kind::PcapNg { .. } => self.next_pcapng(),
        }
    }

    fn next_pcap(&mut self, swapped: bool, nanos: bool, link_type: u32) -> Result<Option<RawPacket<'_>>, ReadError> {
        let mut hdr = [0u8; 16];
        let got = self.read_exact_or_trunc(&mut hdr)?;
        if got == 0 {
            return Ok(None);
        }
        let number = self.next_number;
        if got < 16 {
            return Err(ReadError::Truncated { packet: number });
        }
        let rd = |b: &[u8]| {
            if swapped {
                u32::from_be_bytes([b[0], b[1], b[2], b[3]])
            } else {
                u32::from_le_bytes([b[0], b[1], b[2], b[3]])
            }
        };
        let sec = rd(&hdr[0..4]) as i64;
        let frac = rd(&hdr[4..8]) as i64;
        let incl = rd(&hdr[8..12]) as usize;
        let orig = rd(&hdr[12..16]);
        if incl > MAX_RECORD {
            return Err(ReadError::Corrupt(format!("packet {number} claims {incl} captured bytes (limit {MAX_RECORD})")));
        }
        let file_offset = self.offset;
        if self.fill(incl)? < incl {
            return Err(ReadError::Truncated { packet: number });
        }
        let at = self.lo;
        self.advance(incl);
        self.next_number += 1;
        let ts_ns = sec * 1_000_000_000 + if nanos { frac } else { frac * 1000 };
        let data = &self.win[at..at + incl];
        Ok(Some(RawPacket { number, ts_ns, link_type, interface: 0, data, orig_len: orig, file_offset, comment: None }))
    }

    fn next_pcapng(&mut self) -> Result<Option<RawPacket<'_>>, ReadError> {
        loop {
            let mut hdr = [0u8; 8];
            let got = self.read_exact_or_trunc(&mut hdr)?;
            if got == 0 {
                return Ok(None);
            }
            let number = self.next_number;
            if got < 8 {
                return Err(ReadError::Truncated { packet: number });
            }
            let block_start = self.offset - 8;
            if hdr[..4] == [0x0a, 0x0d, 0x0d, 0x0a] {
                // A new section: byte order and interfaces start over.
                if let Kind::PcapNg { interfaces, .. } = &mut self.kind {
                    interfaces.clear();
                }
                self.read_shb_after_type(hdr[4..8].try_into().unwrap_or([0; 4]))?;
                continue;
            }
            let be = matches!(self.kind, Kind::PcapNg { big_endian: true, .. });
            let btype = u32_at(&hdr, 0, be);
            let blen = u32_at(&hdr, 4, be) as usize;
            if blen < 12 || !blen.is_multiple_of(4) || blen > MAX_BLOCK {
                return Err(ReadError::Corrupt(format!("pcapng block at byte {block_start} has impossible length {blen}")));
            }
            let body_len = blen - 8;
            // Packet blocks are read in place from the window; other blocks are copied out.
            let at = if matches!(btype, 2 | 3 | 6) {
                if self.fill(body_len)? < body_len {
                    return Err(ReadError::Truncated { packet: number });
                }
                let at = self.lo;
                self.advance(body_len);
                at
            } else {
                self.buf.resize(body_len, 0);
                let mut buf = std::mem::take(&mut self.buf);
                let got = self.read_exact_or_trunc(&mut buf)?;
                self.buf = buf;
                if got < body_len {
                    return Err(ReadError::Truncated { packet: number });
                }
                0
            };
            let body_start = block_start + 8;
            // The body ends with the repeated total length.
            let body_end = body_len - 4;
            match btype {
                1 => self.parse_idb(be, body_end)?,
                6 | 2 => {
                    let body = &self.win[at..at + body_len];
                    let (iface, ts_hi, ts_lo, cap, orig, data_at) = if btype == 6 {
                        if body_end < 20 {
                            return Err(ReadError::Corrupt(format!("packet {number}: enhanced packet block too short")));
                        }
                        let b = body;
                        (u32_at(b, 0, be), u32_at(b, 4, be), u32_at(b, 8, be), u32_at(b, 12, be) as usize, u32_at(b, 16, be), 20)
                    } else {
                        if body_end < 20 {
                            return Err(ReadError::Corrupt(format!("packet {number}: packet block too short")));
                        }
                        let b = body;
                        (u16_at(b, 0, be) as u32, u32_at(b, 4, be), u32_at(b, 8, be), u32_at(b, 12, be) as usize, u32_at(b, 16, be), 20)
                    };
                    if data_at + cap > body_end {
                        return Err(ReadError::Corrupt(format!("packet {number}: captured length {cap} exceeds its block")));
                    }
                    let Kind::PcapNg { interfaces, .. } = &self.kind else { unreachable!() };
                    let Some(ifc) = interfaces.get(iface as usize) else {
                        return Err(ReadError::Corrupt(format!("packet {number} names interface {iface}, which was never described")));
                    };
                    let ticks = ((ts_hi as u64) << 32) | ts_lo as u64;
                    let ts_ns = ifc.ts_res.to_ns(ticks).saturating_add(ifc.ts_offset_s.saturating_mul(1_000_000_000));
                    let link_type = ifc.link_type;
                    let opts_at = data_at + pad4(cap);
                    let comment = if opts_at < body_end { find_comment(&body[opts_at.min(body_end)..body_end], be) } else { None };
                    self.next_number += 1;
                    return Ok(Some(RawPacket {
                        number,
                        ts_ns,
                        link_type,
                        interface: iface,
                        data: &body[data_at..data_at + cap],
                        orig_len: orig,
                        file_offset: body_start + data_at as u64,
                        comment,
                    }));
                }
                3 => {
                    // Simple packet block: interface 0, no timestamp.
                    let body = &self.win[at..at + body_len];
                    if body_end < 4 {
                        return Err(ReadError::Corrupt(format!("packet {number}: simple packet block too short")));
                    }
                    let orig = u32_at(body, 0, be);
                    let Kind::PcapNg { interfaces, .. } = &self.kind else { unreachable!() };
                    let Some(ifc) = interfaces.first() else {
                        return Err(ReadError::Corrupt(format!("packet {number} comes before any interface description")));
                    };
                    let mut cap = (orig as usize).min(body_end - 4);
                    if ifc.snaplen > 0 {
                        cap = cap.min(ifc.snaplen as usize);
                    }
                    let link_type = ifc.link_type;
                    self.next_number += 1;
                    return Ok(Some(RawPacket {
                        number,
                        ts_ns: 0,
                        link_type,
                        interface: 0,
                        data: &body[4..4 + cap],
                        orig_len: orig,
                        file_offset: body_start + 4,
                        comment: None,
                    }));
                }
                DSB => {
                    let body = self.buf.get(..body_end).unwrap_or(&[]);
                    if body.len() >= 8 && u32_at(body, 0, be) == SECRETS_TLS_KEY_LOG {
                        let len = (u32_at(body, 4, be) as usize).min(body.len() - 8);
                        if let (Some(sink), Some(text)) = (self.on_tls_secrets.as_mut(), body.get(8..8 + len)) {
                            sink(text);
                        }
                    }
                }
                _ => continue, // statistics, name resolution, custom blocks: not needed
            }
        }
    }

    fn parse_idb(&mut self, be: bool, body_end: usize) -> Result<(), ReadError> {
        if body_end < 8 {
            return Err(ReadError::Corrupt("interface description block too short".into()));
        }
        let link_type = u16_at(&self.buf, 0, be) as u32;
        let snaplen = u32_at(&self.buf, 4, be);
        let mut ifc = Interface { link_type, snaplen, ts_res: TsRes::Dec(6), ts_offset_s: 0, name: None };
        for (code, val) in Options::new(&self.buf[8..body_end], be) {
            match code {
                2 => ifc.name = Some(String::from_utf8_lossy(val).into_owned()),
                9 if !val.is_empty() => {
                    let v = val[0];
                    ifc.ts_res = if v & 0x80 != 0 { TsRes::Bin(v & 0x7f) } else { TsRes::Dec(v) };
                }
                14 if val.len() == 8 => {
                    ifc.ts_offset_s = if be {
                        i64::from_be_bytes(val.try_into().unwrap_or([0; 8]))
                    } else {
                        i64::from_le_bytes(val.try_into().unwrap_or([0; 8]))
                    };
                }
                _ => {}
            }
        }
        if let Kind::PcapNg { interfaces, .. } = &mut self.kind {
            if interfaces.len() >= 4096 {
                return Err(ReadError::Corrupt("more than 4096 interfaces described".into()));
            }
            interfaces.push(ifc);
        }
        Ok(())
    }

    /// After the 4-byte block type of a section header block.
    fn read_shb_rest(&mut self) -> Result<(), ReadError> {
        let mut len = [0u8; 4];
        if self.read_exact_or_trunc(&mut len)? < 4 {
            return Err(ReadError::Corrupt("pcapng section header cut short".into()));
        }
        self.read_shb_after_type(len)
    }

    fn read_shb_after_type(&mut self, len_bytes: [u8; 4]) -> Result<(), ReadError> {
        let mut bom = [0u8; 4];
        if self.read_exact_or_trunc(&mut bom)? < 4 {
            return Err(ReadError::Corrupt("pcapng section header cut short".into()));
        }
        let be = match bom {
            [0x1a, 0x2b, 0x3c, 0x4d] => true,
            [0x4d, 0x3c, 0x2b, 0x1a] => false,
            _ => return Err(ReadError::Corrupt("pcapng section header has no byte-order magic".into())),
        };
        let blen = if be { u32::from_be_bytes(len_bytes) } else { u32::from_le_bytes(len_bytes) } as usize;
        if blen < 28 || !blen.is_multiple_of(4) || blen > MAX_BLOCK {
            return Err(ReadError::Corrupt(format!("pcapng section header has impossible length {blen}")));
        }
        let rest = blen - 12;
        self.buf.resize(rest, 0);
        let mut buf = std::mem::take(&mut self.buf);
        let got = self.read_exact_or_trunc(&mut buf)?;
        self.buf = buf;
        if got < rest {
            return Err(ReadError::Corrupt("pcapng section header cut short".into()));
        }
        // version (4) + section length (8), then options, then the trailing length (4).
        let opts_end = rest - 4;
        if opts_end > 12 {
            for (code, val) in Options::new(&self.buf[12..opts_end], be) {
                if code == 1 {
                    self.file_comments.push(String::from_utf8_lossy(val).into_owned());
                }
            }
        }
        self.kind = Kind::PcapNg { big_endian: be, interfaces: Vec::new() };
        Ok(())
    }

    /// Makes `n` bytes available at `win[lo..]`, reading ahead; fewer only at the end of the
    /// source. Callers check `n` against MAX_RECORD / MAX_BLOCK first, so the window stays bounded.
    fn fill(&mut self, n: usize) -> io::Result<usize> {
        if self.hi - self.lo >= n || self.eof {
            return Ok((self.hi - self.lo).min(n));
        }
        if self.lo + n > self.win.len() {
            self.win.copy_within(self.lo..self.hi, 0);
            self.hi -= self.lo;
            self.lo = 0;
            let want = n.max(WINDOW);
            if self.win.len() < want {
                self.win.resize(want, 0);
            }
        }
        while self.hi - self.lo < n {
            match self.src.read(&mut self.win[self.hi..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(k) => self.hi += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok((self.hi - self.lo).min(n))
    }

    fn advance(&mut self, n: usize) {
        self.lo += n;
        self.offset += n as u64;
    }

    /// Reads as much as possible into `buf`; returns how many bytes were read (less at EOF).
    fn read_exact_or_trunc(&mut self, buf: &mut [u8]) -> Result<usize, ReadError> {
        let n = self.fill(buf.len())?;
        buf[..n].copy_from_slice(&self.win[self.lo..self.lo + n]);
        self.advance(n);
        Ok(n)
    }
}

fn read_full<R: Read>(src: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match src.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

fn hex_prefix(b: &[u8]) -> String {
    let printable = b.iter().all(|c| c.is_ascii_graphic() || *c == b' ');
    if printable && !b.is_empty() {
        format!("\"{}\"", String::from_utf8_lossy(b))
    } else {
        b.iter().map(|c| format!("{c:02x}")).collect::<Vec<_>>().join(" ")
    }
}

fn pad4(n: usize) -> usize {
    (n + 3) & !3
}

fn u32_at(b: &[u8], at: usize, be: bool) -> u32 {
    let Some(s) = b.get(at..at + 4) else { return 0 };
    let a = [s[0], s[1], s[2], s[3]];
    if be {
        u32::from_be_bytes(a)
    } else {
        u32::from_le_bytes(a)
    }
}

fn u16_at(b: &[u8], at: usize, be: bool) -> u16 {
    let Some(s) = b.get(at..at + 2) else { return 0 };
    if be {
        u16::from_be_bytes([s[0], s[1]])
    } else {
        u16::from_le_bytes([s[0], s[1]])
    }
}

fn find_comment(opts: &[u8], be: bool) -> Option<String> {
    Options::new(opts, be).find(|(c, _)| *c == 1).map(|(_, v)| String::from_utf8_lossy(v).into_owned())
}

/// pcapng options: (code, value) pairs until opt_endofopt or the end of the bytes.
struct Options<'a> {
    b: &'a [u8],
    be: bool,
}

impl<'a> Options<'a> {
    fn new(b: &'a [u8], be: bool) -> Self {
        Options { b, be }
    }
}

impl<'a> Iterator for Options<'a> {
    type Item = (u16, &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        if self.b.len() < 4 {
            return None;
        }
        let code = u16_at(self.b, 0, self.be);
        let len = u16_at(self.b, 2, self.be) as usize;
        if code == 0 || 4 + len > self.b.len() {
            return None;
        }
        let val = &self.b[4..4 + len];
        self.b = &self.b[(4 + pad4(len)).min(self.b.len())..];
        Some((code, val))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pcap_le(nanos: bool, packets: &[(u32, u32, &[u8])]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&(if nanos { 0xa1b23c4du32 } else { 0xa1b2c3d4 }).to_le_bytes());
        v.extend_from_slice(&2u16.to_le_bytes());
        v.extend_from_slice(&4u16.to_le_bytes());
        v.extend_from_slice(&[0; 8]);
        v.extend_from_slice(&65535u32.to_le_bytes());
        v.extend_from_slice(&1u32.to_le_bytes());
        for (s, f, d) in packets {
            v.extend_from_slice(&s.to_le_bytes());
            v.extend_from_slice(&f.to_le_bytes());
            v.extend_from_slice(&(d.len() as u32).to_le_bytes());
            v.extend_from_slice(&(d.len() as u32).to_le_bytes());
            v.extend_from_slice(d);
        }
        v
    }

    /// A source that hands out a few bytes per read, as a pipe or a slow disk may.
    struct Trickle<'a>(&'a [u8], usize);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn records_split_across_reads_and_the_window_edge() {
        // Records up to the largest allowed, read 7 bytes at a time and all at once.
        let big = vec![0xabu8; MAX_RECORD];
        let sizes = [60usize, 1514, 0, 70_000, MAX_RECORD, 3, WINDOW - 40, 99];
        let bodies: Vec<Vec<u8>> = sizes.iter().enumerate().map(|(i, &n)| big[..n].iter().map(|b| b ^ i as u8).collect()).collect();
        let recs: Vec<(u32, u32, &[u8])> = bodies.iter().enumerate().map(|(i, b)| (i as u32, 0, b.as_slice())).collect();
        let bytes = pcap_le(false, &recs);
        for step in [7usize, 4096, usize::MAX] {
            let mut r = CaptureReader::new(Trickle(&bytes, step)).unwrap();
            let mut offset = 24u64;
            for (i, b) in bodies.iter().enumerate() {
                let p = r.next_packet().unwrap().unwrap();
                assert_eq!((p.number, p.data), (i as u64 + 1, b.as_slice()), "packet {i}, {step} bytes per read");
                assert_eq!(p.file_offset, offset + 16);
                offset += 16 + b.len() as u64;
            }
            assert!(r.next_packet().unwrap().is_none());
            assert_eq!(r.position(), bytes.len() as u64);
        }
    }

    fn swap_pcap(le: &[u8]) -> Vec<u8> {
        // Byte-swap every 32-bit field of header and records (the version fields are 16-bit).
        let mut v = le.to_vec();
        v[0..4].reverse();
        v[4..6].reverse();
        v[6..8].reverse();
        for r in [8..12, 12..16, 16..20, 20..24] {
            v[r].reverse();
        }
        let mut at = 24;
        while at + 16 <= v.len() {
            let len = u32::from_le_bytes(le[at + 8..at + 12].try_into().unwrap()) as usize;
            for k in 0..4 {
                v[at + 4 * k..at + 4 * k + 4].reverse();
            }
            at += 16 + len;
        }
        v
    }

    #[test]
    fn pcap_both_byte_orders_and_resolutions() {
        let le = pcap_le(false, &[(10, 5, b"abc"), (11, 0, b"")]);
        for bytes in [le.clone(), swap_pcap(&le)] {
            let mut r = CaptureReader::new(&bytes[..]).unwrap();
            let p = r.next_packet().unwrap().unwrap();
            assert_eq!((p.number, p.ts_ns, p.data, p.link_type), (1, 10_000_005_000, &b"abc"[..], 1));
            assert_eq!(p.file_offset, 40);
            let p = r.next_packet().unwrap().unwrap();
            assert_eq!(p.number, 2);
            assert!(r.next_packet().unwrap().is_none());
        }
        let ns = pcap_le(true, &[(1, 7, b"x")]);
        let mut r = CaptureReader::new(&ns[..]).unwrap();
        assert_eq!(r.next_packet().unwrap().unwrap().ts_ns, 1_000_000_007);
    }

    #[test]
    fn truncated_pcap_names_the_packet() {
        let bytes = pcap_le(false, &[(1, 0, b"hello"), (2, 0, b"world")]);
        for cut in (24 + 21 + 1)..bytes.len() {
            let mut r = CaptureReader::new(&bytes[..cut]).unwrap();
            assert!(r.next_packet().unwrap().is_some());
            match r.next_packet() {
                Err(ReadError::Truncated { packet: 2 }) => {}
                other => panic!("cut at {cut}: {other:?}"),
            }
        }
    }

    #[test]
    fn bad_files_are_clear_errors() {
        assert!(matches!(CaptureReader::new(&b""[..]), Err(ReadError::Empty)));
        let e = CaptureReader::new(&b"hello world, not a capture"[..]).err().unwrap();
        assert!(e.to_string().contains("not a capture file"), "{e}");
        let mut huge = pcap_le(false, &[]);
        huge.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0]);
        let mut r = CaptureReader::new(&huge[..]).unwrap();
        assert!(matches!(r.next_packet(), Err(ReadError::Corrupt(_))));
    }

    fn block(t: u32, body: &[u8]) -> Vec<u8> {
        let len = 12 + body.len() as u32;
        let mut v = t.to_le_bytes().to_vec();
        v.extend_from_slice(&len.to_le_bytes());
        v.extend_from_slice(body);
        v.extend_from_slice(&len.to_le_bytes());
        v
    }

    fn opt(code: u16, val: &[u8]) -> Vec<u8> {
        let mut v = code.to_le_bytes().to_vec();
        v.extend_from_slice(&(val.len() as u16).to_le_bytes());
        v.extend_from_slice(val);
        while !v.len().is_multiple_of(4) {
            v.push(0);
        }
        v
    }

    #[test]
    fn pcapng_interfaces_with_different_link_types_and_comments() {
        let mut shb = vec![0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0];
        shb.extend_from_slice(&(-1i64).to_le_bytes());
        shb.extend(opt(1, b"file note"));
        shb.extend(opt(0, b""));
        let mut f = block(0x0a0d0d0a, &shb);
        let mut idb0 = vec![1, 0, 0, 0, 0, 0, 1, 0];
        idb0.extend(opt(2, b"eth0"));
        idb0.extend(opt(0, b""));
        f.extend(block(1, &idb0));
        let mut idb1 = vec![113, 0, 0, 0, 0, 0, 1, 0];
        idb1.extend(opt(9, &[9])); // nanoseconds
        idb1.extend(opt(0, b""));
        f.extend(block(1, &idb1));
        let epb = |iface: u32, ts: u64, data: &[u8], comment: Option<&[u8]>| {
            let mut b = iface.to_le_bytes().to_vec();
            b.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
            b.extend_from_slice(&(ts as u32).to_le_bytes());
            b.extend_from_slice(&(data.len() as u32).to_le_bytes());
            b.extend_from_slice(&(data.len() as u32).to_le_bytes());
            b.extend_from_slice(data);
            while !b.len().is_multiple_of(4) {
                b.push(0);
            }
            if let Some(c) = comment {
                b.extend(opt(1, c));
                b.extend(opt(0, b""));
            }
            block(6, &b)
        };
        f.extend(epb(0, 1_500_000, b"abcde", Some(b"first")));
        f.extend(block(5, &[0; 8])); // an interface statistics block is skipped
        f.extend(epb(1, 2_000_000_001, b"xyz", None));
        let mut r = CaptureReader::new(&f[..]).unwrap();
        assert_eq!(r.file_comments, vec!["file note".to_string()]);
        let p = r.next_packet().unwrap().unwrap();
        assert_eq!((p.number, p.link_type, p.ts_ns, p.data, p.comment.as_deref()), (1, 1, 1_500_000_000, &b"abcde"[..], Some("first")));
        let p = r.next_packet().unwrap().unwrap();
        assert_eq!((p.number, p.link_type, p.ts_ns, p.data), (2, 113, 2_000_000_001, &b"xyz"[..]));
        assert!(r.next_packet().unwrap().is_none());
        assert_eq!(r.interface_names()[0].as_deref(), Some("eth0"));
        // Cut anywhere inside the last block: truncated at packet 2.
        let last = epb(1, 2_000_000_001, b"xyz", None).len();
        for cut in (f.len() - last + 1)..f.len() {
            let mut r = CaptureReader::new(&f[..cut]).unwrap();
            r.next_packet().unwrap();
            assert!(matches!(r.next_packet(), Err(ReadError::Truncated { packet: 2 })), "cut {cut}");
        }
    }
}
