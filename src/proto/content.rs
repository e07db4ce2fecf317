//! Content codings (gzip, x-gzip, deflate in zlib or raw form, br) decoded as the body streams in,
//! with the output capped: a bomb stops at the cap and becomes a finding.

use std::io::{self, Write};

/// Counts decoded bytes, keeps the first `keep` of them, refuses to go past `cap`.
pub struct CappedSink {
    pub kept: Vec<u8>,
    keep: usize,
    pub total: u64,
    cap: u64,
    pub cap_hit: bool,
}

impl CappedSink {
    pub fn new(keep: usize, cap: u64) -> Self {
        CappedSink { kept: Vec::new(), keep, total: 0, cap, cap_hit: false }
    }

    /// Takes bytes that need no decoding (identity).
    pub fn take(&mut self, b: &[u8]) {
        let room = self.keep.saturating_sub(self.kept.len());
        self.kept.extend_from_slice(&b[..room.min(b.len())]);
        self.total += b.len() as u64;
    }
}

impl Write for CappedSink {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        if self.cap_hit {
            return Err(io::Error::other("decompression limit reached"));
        }
        if self.total + b.len() as u64 > self.cap {
            let allowed = (self.cap - self.total) as usize;
            self.take(&b[..allowed]);
            self.cap_hit = true;
            return Err(io::Error::other("decompression limit reached"));
        }
        self.take(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Gzip,
    Deflate,
    Brotli,
}

impl Coding {
    /// The coding named by a Content-Encoding value, if this decoder handles it.
    pub fn from_header(v: &str) -> Option<Coding> {
        match v.trim().to_ascii_lowercase().as_str() {
            "gzip" | "x-gzip" => Some(Coding::Gzip),
            "deflate" => Some(Coding::Deflate),
            "br" => Some(Coding::Brotli),
            _ => None,
        }
    }
}

enum Inner {
    /// Deflate waits for two bytes to tell zlib from raw.
    Undecided(Vec<u8>),
    Gzip(Box<flate2::write::MultiGzDecoder<CappedSink>>),
    Zlib(Box<flate2::write::ZlibDecoder<CappedSink>>),
    Raw(Box<flate2::write::DeflateDecoder<CappedSink>>),
    Brotli(Box<brotli::DecompressorWriter<CappedSink>>),
    Failed(CappedSink, String),
}

/// A streaming decoder for one body.
pub struct Decoder {
    inner: Inner,
    keep: usize,
    cap: u64,
}

/// How decoding went.
pub struct Decoded {
    pub sink: CappedSink,
    pub error: Option<String>,
}

impl Decoder {
    pub fn new(coding: Coding, keep: usize, cap: u64) -> Self {
        let sink = CappedSink::new(keep, cap);
        let inner = match coding {
            Coding::Gzip => Inner::Gzip(Box::new(flate2::write::MultiGzDecoder::new(sink))),
            Coding::Deflate => Inner::Undecided(Vec::new()),
            Coding::Brotli => Inner::Brotli(Box::new(brotli::DecompressorWriter::new(sink, 4096))),
        };
        Decoder { inner, keep, cap }
    }

    pub fn write(&mut self, b: &[u8]) {
        if let Inner::Undecided(head) = &mut self.inner {
            head.extend_from_slice(b);
            if head.len() < 2 {
                return;
            }
            let head = std::mem::take(head);
            let sink = CappedSink::new(self.keep, self.cap);
            // RFC 9110 §8.4.1.2: "deflate" means zlib, but servers send raw deflate too.
            let zlib = head[0] & 0x0f == 8 && (u16::from(head[0]) << 8 | u16::from(head[1])) % 31 == 0;
            self.inner = if zlib {
                Inner::Zlib(Box::new(flate2::write::ZlibDecoder::new(sink)))
            } else {
                Inner::Raw(Box::new(flate2::write::DeflateDecoder::new(sink)))
            };
            return self.write(&head);
        }
        let r = match &mut self.inner {
            Inner::Gzip(d) => d.write_all(b),
            Inner::Zlib(d) => d.write_all(b),
            Inner::Raw(d) => d.write_all(b),
            Inner::Brotli(d) => d.write_all(b),
            Inner::Undecided(_) | Inner::Failed(..) => Ok(()),
        };
        if let Err(e) = r {
            self.fail(e.to_string());
        }
    }

    fn fail(&mut self, why: String) {
        let inner = std::mem::replace(&mut self.inner, Inner::Undecided(Vec::new()));
        let sink = Self::salvage(inner);
        self.inner = Inner::Failed(sink, why);
    }

    fn salvage(inner: Inner) -> CappedSink {
        match inner {
            Inner::Gzip(mut d) => std::mem::replace(d.get_mut(), CappedSink::new(0, 0)),
            Inner::Zlib(mut d) => std::mem::replace(d.get_mut(), CappedSink::new(0, 0)),
            Inner::Raw(mut d) => std::mem::replace(d.get_mut(), CappedSink::new(0, 0)),
            Inner::Brotli(mut d) => std::mem::replace(d.get_mut(), CappedSink::new(0, 0)),
            Inner::Failed(s, _) => s,
            Inner::Undecided(_) => CappedSink::new(0, 0),
        }
    }

    pub fn finish(mut self) -> Decoded {
        if let Inner::Undecided(head) = &mut self.inner {
            if !head.is_empty() {
                let head = std::mem::take(head);
                self.inner = Inner::Raw(Box::new(flate2::write::DeflateDecoder::new(CappedSink::new(self.keep, self.cap))));
                self.write(&head);
            }
        }
        let result = match &mut self.inner {
            Inner::Gzip(d) => d.try_finish(),
            Inner::Zlib(d) => d.try_finish(),
            Inner::Raw(d) => d.try_finish(),
            Inner::Brotli(d) => d.flush(),
            _ => Ok(()),
        };
        let mut error = result.err().map(|e| e.to_string());
        if let Inner::Failed(_, why) = &self.inner {
            error = Some(why.clone());
        }
        let sink = Self::salvage(self.inner);
        if sink.cap_hit {
            error = Some("decompression limit reached".into());
        }
        Decoded { sink, error }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn gz(b: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(b).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn decodes_every_coding_in_pieces() {
        let text = b"hello hello hello hello wirescope".repeat(20);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&text).unwrap();
        let zlib = z.finish().unwrap();
        let mut r = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        r.write_all(&text).unwrap();
        let raw = r.finish().unwrap();
        let mut br = Vec::new();
        {
            let mut w = brotli::CompressorWriter::new(&mut br, 4096, 5, 22);
            w.write_all(&text).unwrap();
        }
        for (coding, bytes) in [(Coding::Gzip, gz(&text)), (Coding::Deflate, zlib), (Coding::Deflate, raw), (Coding::Brotli, br)] {
            let mut d = Decoder::new(coding, 1 << 20, 1 << 20);
            for piece in bytes.chunks(1) {
                d.write(piece);
            }
            let out = d.finish();
            assert_eq!(out.error, None, "{coding:?}");
            assert_eq!(out.sink.kept, text, "{coding:?}");
        }
    }

    #[test]
    fn a_bomb_stops_at_the_cap() {
        let bomb = gz(&vec![0u8; 50 << 20]);
        let mut d = Decoder::new(Coding::Gzip, 16, 1 << 20);
        d.write(&bomb);
        let out = d.finish();
        assert_eq!(out.sink.total, 1 << 20);
        assert!(out.error.unwrap().contains("limit"));
        assert_eq!(out.sink.kept.len(), 16);
    }

    #[test]
    fn garbage_is_an_error() {
        let mut d = Decoder::new(Coding::Gzip, 100, 1000);
        d.write(b"definitely not gzip");
        assert!(d.finish().error.is_some());
    }
}
