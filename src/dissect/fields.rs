//! Field byte spans inside a TCP payload, for the packet view: the lines of an HTTP message head
//! and the header fields of WebSocket frames. Tolerant of anything: arbitrary bytes give fewer
//! fields, never a panic. Spans are `[start, end)` offsets into the payload given.

/// A byte range `[start, end)`.
pub type Span = (usize, usize);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadLine {
    /// `METHOD target HTTP/x.y`
    Request {
        method: String,
        target: String,
        version: String,
    },
    /// `HTTP/x.y code reason`
    Status {
        version: String,
        code: u16,
        reason: String,
    },
    Header {
        name: String,
        value: String,
    },
    /// The empty line that ends the head.
    End,
    /// A line that is none of the above (folded continuation, garbage).
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpHeadPart {
    /// Each line with its span (line ending included).
    pub lines: Vec<(HeadLine, Span)>,
    /// The payload does not start with a request or status line: it continues a head begun in an
    /// earlier packet.
    pub continued: bool,
    /// Where the body starts, when the empty line ending the head is in this payload.
    pub body_start: Option<usize>,
    /// The last line is cut at the end of the payload (the head goes on in the next packet).
    pub cut: bool,
}

fn is_token(b: &[u8]) -> bool {
    !b.is_empty() && b.iter().all(|c| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(c))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).trim().to_string()
}

fn start_line(line: &[u8]) -> Option<HeadLine> {
    let mut parts = line.splitn(3, |&c| c == b' ');
    let (a, b, c) = (parts.next()?, parts.next()?, parts.next().unwrap_or(b""));
    if a.starts_with(b"HTTP/") && b.len() == 3 && b.iter().all(u8::is_ascii_digit) {
        let code = std::str::from_utf8(b).ok()?.parse().ok()?;
        return Some(HeadLine::Status { version: text(a), code, reason: text(c) });
    }
    if is_token(a) && a.iter().all(u8::is_ascii_uppercase) && !b.is_empty() && c.starts_with(b"HTTP/") {
        return Some(HeadLine::Request { method: text(a), target: text(b), version: text(c) });
    }
    None
}

fn header_line(line: &[u8]) -> Option<HeadLine> {
    let colon = line.iter().position(|&c| c == b':')?;
    let (name, value) = (line.get(..colon)?, line.get(colon + 1..)?);
    is_token(name).then(|| HeadLine::Header { name: text(name), value: text(value) })
}

/// At most this many lines are listed (a head is rarely longer; garbage can be).
const MAX_LINES: usize = 300;

/// The HTTP head lines in `payload`. `continuing`: the packet carries the middle of a head
/// begun earlier (its first line may be the rest of a line cut there). `None` when the payload
/// is not an HTTP head (nor its continuation).
pub fn http_head(payload: &[u8], continuing: bool) -> Option<HttpHeadPart> {
    let first_end = payload.iter().position(|&c| c == b'\n').unwrap_or(payload.len());
    let first = payload.get(..first_end)?;
    let first = first.strip_suffix(b"\r").unwrap_or(first);
    let starts = start_line(first).is_some();
    if !starts && !continuing {
        return None;
    }
    let mut out = HttpHeadPart { lines: Vec::new(), continued: !starts, body_start: None, cut: false };
    let mut at = 0;
    while at < payload.len() && out.lines.len() < MAX_LINES {
        let rest = payload.get(at..).unwrap_or_default();
        let (line, end, cut) = match rest.iter().position(|&c| c == b'\n') {
            Some(i) => (rest.get(..i).unwrap_or_default(), at + i + 1, false),
            None => (rest, payload.len(), true),
        };
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let kind = if line.is_empty() && !cut {
            HeadLine::End
        } else if at == 0 && starts {
            start_line(line).unwrap_or_else(|| HeadLine::Other(text(line)))
        } else {
            header_line(line).unwrap_or_else(|| HeadLine::Other(text(line)))
        };
        let end_of_head = kind == HeadLine::End;
        out.lines.push((kind, (at, end)));
        at = end;
        if end_of_head {
            out.body_start = Some(at);
            break;
        }
        out.cut = cut;
    }
    Some(out)
}

/// One WebSocket frame header read from the wire, with the span of each field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsFrameHeader {
    pub fin: bool,
    pub rsv: u8,
    pub opcode: u8,
    pub masked: bool,
    /// 7, 16 or 64.
    pub length_form: u8,
    pub payload_len: u64,
    pub mask_key: Option<[u8; 4]>,
    /// The whole frame as far as this payload holds it.
    pub span: Span,
    /// Byte 0: FIN, RSV1-3, opcode.
    pub first_byte: Span,
    /// Byte 1: MASK and the 7-bit length.
    pub second_byte: Span,
    /// The 16- or 64-bit extended length.
    pub ext_len: Option<Span>,
    pub key_span: Option<Span>,
    /// The payload bytes present here (may be fewer than `payload_len`: the frame goes on).
    pub payload: Span,
}

impl WsFrameHeader {
    /// The frame's payload continues past the end of the bytes given.
    pub fn cut(&self) -> bool {
        ((self.payload.1 - self.payload.0) as u64) < self.payload_len
    }
}

/// One frame header at `at`, or `None` when fewer bytes than the header remain.
pub fn ws_frame_at(b: &[u8], at: usize) -> Option<WsFrameHeader> {
    let (b0, b1) = (*b.get(at)?, *b.get(at + 1)?);
    let masked = b1 & 0x80 != 0;
    let len7 = b1 & 0x7f;
    let (length_form, ext, payload_len) = match len7 {
        126 => (16, 2, u64::from(u16::from_be_bytes(b.get(at + 2..at + 4)?.try_into().ok()?))),
        127 => (64, 8, u64::from_be_bytes(b.get(at + 2..at + 10)?.try_into().ok()?)),
        n => (7, 0, u64::from(n)),
    };
    let key_at = at + 2 + ext;
    let mask_key: Option<[u8; 4]> = if masked { Some(b.get(key_at..key_at + 4)?.try_into().ok()?) } else { None };
    let data = key_at + if masked { 4 } else { 0 };
    let end = usize::try_from(payload_len).ok().and_then(|n| data.checked_add(n)).map_or(b.len(), |e| e.min(b.len()));
    Some(WsFrameHeader {
        fin: b0 & 0x80 != 0,
        rsv: (b0 >> 4) & 0x07,
        opcode: b0 & 0x0f,
        masked,
        length_form,
        payload_len,
        mask_key,
        span: (at, end),
        first_byte: (at, at + 1),
        second_byte: (at + 1, at + 2),
        ext_len: (ext > 0).then_some((at + 2, key_at)),
        key_span: masked.then_some((key_at, data)),
        payload: (data, end),
    })
}

/// The frames of `b` from offset `at` on, one after another, until the bytes end or a header is
/// cut (at most 1000).
pub fn ws_frames_from(b: &[u8], mut at: usize) -> Vec<WsFrameHeader> {
    let mut out = Vec::new();
    while at < b.len() && out.len() < 1000 {
        let Some(f) = ws_frame_at(b, at) else { break };
        at = f.span.1;
        out.push(f);
    }
    out
}

/// The payload bytes of a frame, unmasked.
pub fn unmasked(b: &[u8], f: &WsFrameHeader) -> Vec<u8> {
    let data = b.get(f.payload.0..f.payload.1).unwrap_or_default();
    match f.mask_key {
        Some(k) => data.iter().enumerate().map(|(i, x)| x ^ k[i % 4]).collect(),
        None => data.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_head_line_by_line() {
        let p = b"GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade:  websocket \r\n\r\nbody";
        let h = http_head(p, false).unwrap();
        assert!(!h.continued && !h.cut);
        assert_eq!(h.lines[0], (HeadLine::Request { method: "GET".into(), target: "/chat".into(), version: "HTTP/1.1".into() }, (0, 20)));
        assert_eq!(h.lines[1], (HeadLine::Header { name: "Host".into(), value: "a".into() }, (20, 29)));
        assert_eq!(h.lines[2].0, HeadLine::Header { name: "Upgrade".into(), value: "websocket".into() });
        assert_eq!(h.lines[3].0, HeadLine::End);
        assert_eq!(h.body_start, Some(p.len() - 4));
        assert_eq!(&p[h.lines[2].1 .0..h.lines[2].1 .1], b"Upgrade:  websocket \r\n");
    }

    #[test]
    fn status_lines_split_heads_and_garbage() {
        let h = http_head(b"HTTP/1.1 404 Not Found\r\nContent-Le", false).unwrap();
        assert_eq!(h.lines[0].0, HeadLine::Status { version: "HTTP/1.1".into(), code: 404, reason: "Not Found".into() });
        assert!(h.cut && h.body_start.is_none());
        // The rest of that head, in the next packet.
        assert!(http_head(b"ngth: 3\r\n\r\nabc", false).is_none(), "not a head without knowing it continues");
        let h = http_head(b"Accept: */*\r\n\r\nabc", true).unwrap();
        assert!(h.continued && h.body_start == Some(15));
        let h = http_head(b"ngth: 3\r\n\r\nabc", true).unwrap();
        assert_eq!(h.lines[0].0, HeadLine::Header { name: "ngth".into(), value: "3".into() });
        let h = http_head(b"mple\r\nX: y\r\n", true).unwrap();
        assert_eq!(
            (h.lines[0].0.clone(), h.lines[1].0.clone()),
            (HeadLine::Other("mple".into()), HeadLine::Header { name: "X".into(), value: "y".into() })
        );
        assert!(http_head(b"\x16\x03\x01\x02\x00", false).is_none());
        assert!(http_head(b"", true).is_none() || http_head(b"", true).unwrap().lines.is_empty());
        for n in 0..400usize {
            let junk: Vec<u8> = (0..n).map(|i| ((i * 131 + n * 7) % 256) as u8).collect();
            let _ = http_head(&junk, true);
            let mut j = b"GET / HTTP/1.1\r\n".to_vec();
            j.extend_from_slice(&junk);
            let h = http_head(&j, false).unwrap();
            assert!(h.lines.iter().all(|(_, (a, z))| a < z && *z <= j.len()));
        }
    }

    #[test]
    fn websocket_frame_fields() {
        // A masked text frame "Hi" (RFC 6455 §5.7 style), then an unmasked 16-bit-length binary frame, cut.
        let key = [0x37, 0xfa, 0x21, 0x3d];
        let mut b = vec![0x81, 0x82];
        b.extend_from_slice(&key);
        b.extend([b'H' ^ key[0], b'i' ^ key[1]]);
        b.extend([0x82, 126, 0x01, 0x00, 1, 2, 3]);
        let fs = ws_frames_from(&b, 0);
        assert_eq!(fs.len(), 2);
        assert!(fs[0].fin && fs[0].masked && fs[0].opcode == 1 && fs[0].length_form == 7 && fs[0].payload_len == 2);
        assert_eq!((fs[0].key_span, fs[0].payload, fs[0].span), (Some((2, 6)), (6, 8), (0, 8)));
        assert_eq!(unmasked(&b, &fs[0]), b"Hi");
        assert!(!fs[0].cut());
        assert_eq!((fs[1].length_form, fs[1].payload_len, fs[1].ext_len, fs[1].payload), (16, 256, Some((10, 12)), (12, 15)));
        assert!(fs[1].cut() && fs[1].key_span.is_none());
        for n in 0..300usize {
            let junk: Vec<u8> = (0..n).map(|i| ((i * 97 + 13) % 256) as u8).collect();
            for f in ws_frames_from(&junk, 0) {
                assert!(f.span.0 <= f.payload.0 && f.payload.0 <= f.payload.1 && f.payload.1 <= junk.len());
                let _ = unmasked(&junk, &f);
            }
        }
    }
}
