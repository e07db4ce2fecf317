//! The chunked transfer coding (RFC 9112 §7.1) as a resumable state machine.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkError {
    /// The size does not fit in 64 bits.
    SizeOverflow,
    BadSize(u8),
    /// Chunk data not followed by CRLF.
    MissingCrlf,
    /// A line longer than the limit (given).
    LineTooLong(usize),
}

impl std::fmt::Display for ChunkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChunkError::SizeOverflow => write!(f, "chunk size does not fit in 64 bits"),
            ChunkError::BadSize(c) => write!(f, "chunk size has a non-hex character 0x{c:02x}"),
            ChunkError::MissingCrlf => write!(f, "chunk data is not followed by CRLF"),
            ChunkError::LineTooLong(max) => {
                write!(f, "chunk-size line or trailer line longer than {max} bytes (Limits.max_chunk_line)")
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Size {
        digits: u8,
    },
    /// After the size: extensions (ignored but length-limited) up to LF.
    Ext {
        len: usize,
    },
    Data {
        left: u64,
    },
    DataCr,
    DataLf,
    /// Trailer section: `len` bytes on the current line.
    Trailer {
        len: usize,
    },
    Done,
}

#[derive(Debug)]
pub struct Chunked {
    state: State,
    size: u64,
    /// Longest size or trailer line (Limits.max_chunk_line).
    max_line: usize,
    /// Trailer bytes kept (Limits.keep_chunk_trailer).
    keep_trailer: usize,
    pub chunks: u32,
    pub extensions: u32,
    /// Trailer field lines, raw.
    pub trailer: Vec<u8>,
}

impl Default for Chunked {
    fn default() -> Self {
        let l = crate::limits::Limits::default();
        Chunked::new(l.max_chunk_line, l.keep_chunk_trailer)
    }
}

impl Chunked {
    pub fn new(max_line: usize, keep_trailer: usize) -> Self {
        Chunked { state: State::Size { digits: 0 }, size: 0, max_line, keep_trailer, chunks: 0, extensions: 0, trailer: Vec::new() }
    }

    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Bytes of chunk data still expected in the current chunk (for gap handling).
    pub fn data_left(&self) -> Option<u64> {
        match self.state {
            State::Data { left } => Some(left),
            _ => None,
        }
    }

    pub fn skip_data(&mut self, n: u64) {
        if let State::Data { left } = &mut self.state {
            *left -= n.min(*left);
            if *left == 0 {
                self.state = State::DataCr;
            }
        }
    }

    /// Consumes from `input`, handing chunk data to `data`. Returns bytes consumed; stops early when
    /// the body ends. Short input is never an error: it is consumed and parsing resumes next time.
    pub fn feed(&mut self, input: &[u8], data: &mut dyn FnMut(&[u8])) -> Result<usize, ChunkError> {
        let (n, r) = self.feed_at(input, data);
        r.map(|()| n)
    }

    /// As [`Self::feed`], and on an error also how many bytes come before the offending one
    /// (those are consumed; the rest is left for a search of the next message start).
    pub fn feed_at(&mut self, input: &[u8], data: &mut dyn FnMut(&[u8])) -> (usize, Result<(), ChunkError>) {
        let mut i = 0;
        let r = self.feed_inner(input, data, &mut i);
        (i, r)
    }

    fn feed_inner(&mut self, input: &[u8], data: &mut dyn FnMut(&[u8]), at: &mut usize) -> Result<(), ChunkError> {
        let i = at;
        while *i < input.len() {
            match self.state {
                State::Done => break,
                State::Size { digits } => {
                    let c = input[*i];
                    let v = match c {
                        b'0'..=b'9' => c - b'0',
                        b'a'..=b'f' => c - b'a' + 10,
                        b'A'..=b'F' => c - b'A' + 10,
                        b';' | b' ' | b'\t' | b'\r' | b'\n' if digits > 0 => {
                            if c == b';' {
                                self.extensions += 1;
                            }
                            self.state = State::Ext { len: 0 };
                            continue;
                        }
                        _ => return Err(ChunkError::BadSize(c)),
                    };
                    if self.size >> 60 != 0 {
                        return Err(ChunkError::SizeOverflow);
                    }
                    self.size = self.size << 4 | v as u64;
                    self.state = State::Size { digits: digits.saturating_add(1) };
                    *i += 1;
                }
                State::Ext { len } => {
                    let c = input[*i];
                    *i += 1;
                    if c == b'\n' {
                        self.chunks += 1;
                        self.state = if self.size == 0 { State::Trailer { len: 0 } } else { State::Data { left: self.size } };
                        self.size = 0;
                    } else if len >= self.max_line {
                        return Err(ChunkError::LineTooLong(self.max_line));
                    } else {
                        if c == b';' && len > 0 {
                            self.extensions += 1;
                        }
                        self.state = State::Ext { len: len + 1 };
                    }
                }
                State::Data { left } => {
                    let n = (left.min((input.len() - *i) as u64)) as usize;
                    data(&input[*i..*i + n]);
                    *i += n;
                    let left = left - n as u64;
                    self.state = if left == 0 { State::DataCr } else { State::Data { left } };
                }
                State::DataCr => {
                    match input[*i] {
                        b'\r' => self.state = State::DataLf,
                        b'\n' => self.state = State::Size { digits: 0 },
                        _ => return Err(ChunkError::MissingCrlf),
                    }
                    *i += 1;
                }
                State::DataLf => {
                    if input[*i] != b'\n' {
                        return Err(ChunkError::MissingCrlf);
                    }
                    *i += 1;
                    self.state = State::Size { digits: 0 };
                }
                State::Trailer { len } => {
                    let c = input[*i];
                    *i += 1;
                    match c {
                        b'\n' if len == 0 => {
                            self.state = State::Done;
                            break;
                        }
                        b'\n' => {
                            if self.trailer.len() < self.keep_trailer {
                                self.trailer.push(b'\n');
                            }
                            self.state = State::Trailer { len: 0 };
                        }
                        b'\r' => {}
                        _ => {
                            if len >= self.max_line {
                                return Err(ChunkError::LineTooLong(self.max_line));
                            }
                            if self.trailer.len() < self.keep_trailer {
                                self.trailer.push(c);
                            }
                            self.state = State::Trailer { len: len + 1 };
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Trailer fields as (name, value) pairs.
    pub fn trailer_fields(&self) -> Vec<(String, String)> {
        String::from_utf8_lossy(&self.trailer)
            .lines()
            .filter_map(|l| l.trim_end_matches('\r').split_once(':'))
            .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(input: &[u8], piece: usize) -> Result<(Vec<u8>, usize, Chunked), ChunkError> {
        let mut c = Chunked::default();
        let mut out = Vec::new();
        let mut used = 0;
        for p in input.chunks(piece.max(1)) {
            let n = c.feed(p, &mut |d| out.extend_from_slice(d))?;
            used += n;
            if c.is_done() {
                break;
            }
        }
        Ok((out, used, c))
    }

    #[test]
    fn rfc9112_example_with_extensions_and_trailer() {
        let body = b"4\r\nWiki\r\n6;name=value\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\nExpires: never\r\n\r\nNEXT";
        for piece in [1, 2, 3, 7, 100] {
            let (out, used, c) = run(body, piece).unwrap();
            assert_eq!(out, b"Wikipedia in \r\n\r\nchunks.");
            assert_eq!(used, body.len() - 4);
            assert_eq!(c.chunks, 4);
            assert_eq!(c.extensions, 1);
            assert_eq!(c.trailer_fields(), vec![("Expires".to_string(), "never".to_string())]);
        }
    }

    #[test]
    fn every_prefix_needs_more() {
        let body = b"5\r\nhello\r\n0\r\n\r\n";
        for cut in 0..body.len() {
            let (_, used, c) = run(&body[..cut], 1000).unwrap();
            assert!(!c.is_done(), "prefix {cut}");
            assert_eq!(used, cut);
        }
    }

    #[test]
    fn size_overflowing_64_bits_is_an_error() {
        assert_eq!(run(b"10000000000000000\r\n", 1000).err(), Some(ChunkError::SizeOverflow));
        assert_eq!(run(b"ffffffffffffffff\r\n", 1000).err(), None);
        assert_eq!(run(b"zz\r\n", 1000).err(), Some(ChunkError::BadSize(b'z')));
        assert_eq!(run(b"2\r\nabX", 1000).err(), Some(ChunkError::MissingCrlf));
    }
}
