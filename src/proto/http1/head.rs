//! Message heads through httparse, with the leniency an observer needs: obs-fold unfolded and
//! reported, HTTP/0.9 requests recognised, a request line that httparse refuses still read as far
//! as it goes (RFC 9112 §3).
//!
//! A head that arrives in pieces is never parsed again from its start: [`Scan`] keeps how far the
//! search for the head's end has got, and httparse runs once, when the whole head is there.

use crate::model::{Headers, Severity};
use std::borrow::Cow;
use std::cell::Cell;

pub struct Head {
    pub len: usize,
    pub version: Cow<'static, str>,
    pub headers: Headers,
    pub kind: HeadKind,
    /// The raw request line, when it does not follow RFC 9112 §3 and was read leniently.
    pub malformed_line: Option<String>,
    /// Rule breaks found while parsing (severity, code, message).
    pub notes: Vec<(Severity, &'static str, String)>,
    /// Framing fields (Transfer-Encoding, Content-Length) on lines refused as malformed, as
    /// (name, value) with the whitespace trimmed: a lenient implementation reads them.
    pub refused_framing: Vec<(String, String)>,
}

pub enum HeadKind {
    Request { method: Cow<'static, str>, target: String },
    Response { status: u16, reason: String },
}

pub enum Parsed {
    Complete(Head),
    Partial,
    /// An HTTP/0.9 request line ("GET /path" and nothing else): `len` bytes.
    Http09 {
        len: usize,
        target: String,
    },
    /// Not a message head; `len` bytes (the whole head when its end was found, else 0) are known
    /// to be rejected.
    Invalid {
        why: String,
        len: usize,
    },
}

thread_local! {
    static HTTPARSE_CALLS: Cell<u64> = const { Cell::new(0) };
    static BYTES_SCANNED: Cell<u64> = const { Cell::new(0) };
    static QUEUE_STEPS: Cell<u64> = const { Cell::new(0) };
}

/// Work done by the HTTP/1 decoder on this thread, counted for cost tests.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Work {
    /// httparse calls (each on a whole head).
    pub httparse_calls: u64,
    /// Bytes examined while looking for the end of a head or for the next message start.
    pub bytes_scanned: u64,
    /// Queued requests looked at while pairing and emitting exchanges.
    pub queue_steps: u64,
}

#[doc(hidden)]
pub fn work() -> Work {
    Work {
        httparse_calls: HTTPARSE_CALLS.with(Cell::get),
        bytes_scanned: BYTES_SCANNED.with(Cell::get),
        queue_steps: QUEUE_STEPS.with(Cell::get),
    }
}

pub(crate) fn count_queue(n: usize) {
    QUEUE_STEPS.with(|c| c.set(c.get() + n as u64));
}

fn count_call() {
    HTTPARSE_CALLS.with(|c| c.set(c.get() + 1));
}

pub(crate) fn count_scanned(n: usize) {
    BYTES_SCANNED.with(|c| c.set(c.get() + n as u64));
}

/// How far the search for a head's end has got (offsets from the head's first byte).
#[derive(Debug, Default, Clone, Copy)]
pub struct Scan {
    /// Where the next search starts: every line break before it has been looked at.
    from: usize,
    /// End of the first line (one past its LF), once seen.
    first_nl: Option<usize>,
    /// httparse has had its one try on what first arrived (a head that came whole, the usual
    /// case, costs no search of its own).
    tried: bool,
}

impl Scan {
    /// Bytes looked at so far.
    pub fn scanned(&self) -> usize {
        self.from
    }

    /// One past the first line's line feed, once seen.
    pub fn first_line_end(&self) -> Option<usize> {
        self.first_nl
    }

    /// Where the head ends (after CRLFCRLF or LFLF, or LFCRLF), looking only at bytes not seen
    /// before.
    fn head_end(&mut self, b: &[u8]) -> Option<usize> {
        let mut i = self.from.min(b.len());
        let start = i;
        let found = loop {
            let Some(p) = b[i..].iter().position(|&c| c == b'\n') else {
                i = b.len();
                break None;
            };
            let at = i + p;
            self.first_nl.get_or_insert(at + 1);
            match b.get(at + 1..) {
                Some([b'\n', ..]) => break Some(at + 2),
                Some([b'\r', b'\n', ..]) => break Some(at + 3),
                // Not enough bytes to tell: look at this line break again next time.
                Some([]) | Some([b'\r']) => {
                    i = at;
                    break None;
                }
                _ => i = at + 1,
            }
        };
        count_scanned(found.unwrap_or(i).saturating_sub(start));
        if found.is_none() {
            self.from = i;
        }
        found
    }
}

fn version_str(v: Option<u8>) -> Cow<'static, str> {
    Cow::Borrowed(match v {
        Some(0) => "HTTP/1.0",
        Some(1) => "HTTP/1.1",
        _ => "HTTP/1.?",
    })
}

/// The method as sent; the known ones without an allocation.
fn method_str(m: &str) -> Cow<'static, str> {
    match crate::proto::detect::KNOWN_METHODS.iter().find(|k| **k == m) {
        Some(k) => Cow::Borrowed(k),
        None => Cow::Owned(m.to_string()),
    }
}

/// The fields of a parsed head (`head`: its bytes, which the fields point into).
fn collect(head: &[u8], h: &[httparse::Header]) -> Headers {
    // A head is nearly always valid UTF-8 as a whole, and then so is every value in it: one check
    // instead of one per field.
    let text = simdutf8::basic::from_utf8(head).ok();
    if let Some(t) = text {
        // The usual case: the fields' text in one copy, the values pointing into it.
        if let Some(headers) = Headers::from_head(t, h.iter().map(|f| (f.name.as_bytes(), f.value))) {
            return headers;
        }
    }
    let bytes = h.iter().map(|h| h.name.len() + h.value.len()).sum();
    let mut out = Headers::with_capacity(h.len(), bytes);
    for f in h {
        let whole = text.and_then(|t| {
            let at = (f.value.as_ptr() as usize).checked_sub(head.as_ptr() as usize)?;
            t.get(at..at + f.value.len())
        });
        match whole.map(Ok).unwrap_or_else(|| std::str::from_utf8(f.value)) {
            Ok(v) => out.push(f.name, trim_ows(v)),
            Err(_) => out.push(f.name, trim_ows(&String::from_utf8_lossy(f.value))),
        }
    }
    out
}

/// Without the spaces and tabs at either end (RFC 9110 §5.5: optional whitespace around a value
/// is not part of it).
fn trim_ows(v: &str) -> &str {
    v.trim_matches([' ', '\t'])
}

/// Replaces obs-fold line breaks (CRLF followed by SP/HT) with spaces (RFC 9112 §5.2).
fn unfold(head: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(head.len());
    let mut folded = false;
    let mut i = 0;
    while i < head.len() {
        let c = head[i];
        let crlf_len = if c == b'\r' && head.get(i + 1) == Some(&b'\n') {
            2
        } else if c == b'\n' {
            1
        } else {
            0
        };
        if crlf_len > 0 && matches!(head.get(i + crlf_len), Some(b' ' | b'\t')) && i + crlf_len + 1 < head.len() {
            out.push(b' ');
            i += crlf_len;
            folded = true;
            continue;
        }
        out.push(c);
        i += 1;
    }
    folded.then_some(out)
}

/// tchar (RFC 9110 §5.6.2).
fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

/// A version token such as "HTTP/1.1" at the end of `s`: where it starts.
fn version_suffix(s: &str) -> Option<usize> {
    let at = s.rfind("HTTP/")?;
    let rest = &s.as_bytes()[at + 5..];
    (rest.len() == 3 && rest[0].is_ascii_digit() && rest[1] == b'.' && rest[2].is_ascii_digit()).then_some(at)
}

/// "GET /path" alone on the first line (`line`, without its line break): an HTTP/0.9 request.
/// "GET /HTTP/1.1" is a request line missing a space, not HTTP/0.9.
fn http09(line: &[u8]) -> Option<String> {
    let line = std::str::from_utf8(line).ok()?.trim_end_matches('\r');
    let (m, target) = line.split_once(' ')?;
    (m == "GET" && target.starts_with('/') && !target.contains([' ', '\t']) && version_suffix(target).is_none()).then(|| target.to_string())
}

/// The first line's bytes so far cannot start a request line: its first token has a byte that is
/// not a tchar. Decided from at most the first 32 bytes, so it costs nothing on growing input.
fn surely_not_request(b: &[u8]) -> bool {
    for &c in b.iter().take(32) {
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => return false,
            c if is_tchar(c) => {}
            _ => return true,
        }
    }
    false
}

/// Limits the head parser applies.
#[derive(Debug, Clone, Copy)]
pub struct HeadLimits {
    /// Most header fields in one head.
    pub max_fields: usize,
}

impl Default for HeadLimits {
    fn default() -> Self {
        HeadLimits { max_fields: crate::limits::Limits::default().max_header_fields }
    }
}

/// Header slots tried first, on the stack; heads with more fields are parsed again with more.
const FEW_HEADERS: usize = 64;

/// A request head from its first byte, `b` holding what has arrived. Resumes the search where
/// `scan` left it.
pub fn parse_request_from(b: &[u8], scan: &mut Scan, lim: HeadLimits) -> Parsed {
    if !scan.tried {
        scan.tried = true;
        count_call();
        let mut few = [httparse::EMPTY_HEADER; FEW_HEADERS];
        let mut req = httparse::Request::new(&mut few);
        if let Ok(httparse::Status::Complete(len)) = req.parse(b) {
            if req.headers.len() > lim.max_fields {
                return capped_fields(&b[..len], lim);
            }
            return Parsed::Complete(Head::of_request(&req, &b[..len]));
        }
    }
    let Some(end) = scan.head_end(b) else {
        if let Some(nl) = scan.first_nl {
            if let Some(target) = http09(&b[..nl - 1]) {
                return Parsed::Http09 { len: nl, target };
            }
        }
        if surely_not_request(b) {
            return Parsed::Invalid { why: "the request line does not start with a method token".into(), len: 0 };
        }
        return Parsed::Partial;
    };
    let nl = scan.first_nl.unwrap_or(end);
    if let Some(target) = http09(&b[..nl - 1]) {
        return Parsed::Http09 { len: nl, target };
    }
    let b = &b[..end];
    let mut few = [httparse::EMPTY_HEADER; FEW_HEADERS];
    match request_with(b, &mut few) {
        Some(p) => p,
        None => request_with(b, &mut vec![httparse::EMPTY_HEADER; lim.max_fields])
            .unwrap_or_else(|| retry_unfolded(b, httparse::Error::TooManyHeaders, true, lim)),
    }
    .or_lenient(b, nl, lim)
    .or_capped(b, lim)
}

/// A whole request head with more fields than Limits.max_header_fields: read leniently, the
/// first fields kept.
fn capped_fields(b: &[u8], lim: HeadLimits) -> Parsed {
    let nl = b.iter().position(|&c| c == b'\n').map_or(b.len(), |p| p + 1);
    lenient_request(b, nl, "too many fields", true, lim).unwrap_or(Parsed::Invalid { why: "too many fields".into(), len: b.len() })
}

/// Whole lines of a request head without its empty line (`b` ends with a line feed), taken as
/// the head because the server answered them.
pub fn parse_unfinished_request(b: &[u8], lim: HeadLimits) -> Parsed {
    let mut whole = Vec::with_capacity(b.len() + 2);
    whole.extend_from_slice(b);
    whole.extend_from_slice(b"\r\n");
    match parse_request_from(&whole, &mut Scan::default(), lim) {
        Parsed::Complete(mut h) => {
            h.len = b.len();
            h.notes.push((
                Severity::Warning,
                "http.unfinished_head",
                "the request head has no empty line at its end (RFC 9112 §2.1) but the server answered it: taken as the request".into(),
            ));
            Parsed::Complete(h)
        }
        Parsed::Invalid { why, .. } => Parsed::Invalid { why, len: b.len() },
        Parsed::Http09 { len, target } => Parsed::Http09 { len: len.min(b.len()), target },
        Parsed::Partial => Parsed::Partial,
    }
}

/// A request head in `b` from its first byte (one search from the start).
pub fn parse_request(b: &[u8]) -> Parsed {
    parse_request_from(b, &mut Scan::default(), HeadLimits::default())
}

/// `None` when the head has more fields than `headers` holds. `b` is the whole head.
fn request_with<'b>(b: &'b [u8], headers: &mut [httparse::Header<'b>]) -> Option<Parsed> {
    count_call();
    let mut req = httparse::Request::new(headers);
    Some(match req.parse(b) {
        Ok(httparse::Status::Complete(len)) => Parsed::Complete(Head::of_request(&req, &b[..len])),
        Ok(httparse::Status::Partial) => Parsed::Invalid { why: "the head does not parse".into(), len: b.len() },
        Err(httparse::Error::TooManyHeaders) => return None,
        Err(e) => retry_unfolded(b, e, true, HeadLimits { max_fields: headers.len().max(FEW_HEADERS) }),
    })
}

impl Parsed {
    fn or_capped(self, b: &[u8], lim: HeadLimits) -> Parsed {
        match self {
            Parsed::Complete(h) if h.headers.len() > lim.max_fields && h.malformed_line.is_none() => {
                capped_fields(&b[..h.len.min(b.len())], lim)
            }
            p => p,
        }
    }

    /// When httparse refused a request head: the request line and the fields read as far as they
    /// go (RFC 9112 §3, §5).
    fn or_lenient(self, b: &[u8], nl: usize, lim: HeadLimits) -> Parsed {
        match self {
            Parsed::Invalid { why, .. } => {
                let line_ok = line_is_valid(&b[..nl]);
                lenient_request(b, nl, &why, line_ok, lim).unwrap_or(Parsed::Invalid { why, len: b.len() })
            }
            p => p,
        }
    }
}

/// httparse accepts the request line alone (`line`, with its line break): then what it refused is
/// in the fields.
fn line_is_valid(line: &[u8]) -> bool {
    let mut alone = Vec::with_capacity(line.len() + 2);
    alone.extend_from_slice(line);
    alone.extend_from_slice(b"\r\n");
    count_call();
    matches!(httparse::Request::new(&mut []).parse(&alone), Ok(httparse::Status::Complete(_)))
}

/// A field line as RFC 9110 §5 and RFC 9112 §5.1 have it: a token, a colon with no whitespace
/// before it, a value without control characters other than HT (obs-text allowed).
fn field_line_ok(l: &[u8]) -> Option<(&[u8], &[u8])> {
    let colon = l.iter().position(|&c| c == b':')?;
    let (name, value) = (&l[..colon], &l[colon + 1..]);
    (!name.is_empty() && name.iter().all(|&c| is_tchar(c)) && value.iter().all(|&c| c == b'\t' || (c >= 0x20 && c != 0x7f)))
        .then_some((name, value))
}

/// Field lines (`fields`: the head after its first line) read one at a time: those that follow
/// the rules are kept (up to Limits.max_header_fields), the others skipped with a finding quoting
/// them; refused Transfer-Encoding and Content-Length lines are returned trimmed.
#[allow(clippy::type_complexity)]
fn lenient_fields(fields: &[u8], lim: HeadLimits) -> (Headers, Vec<(Severity, &'static str, String)>, Vec<(String, String)>) {
    let mut notes = Vec::new();
    let mut refused_framing = Vec::new();
    // The fields after the line, one line at a time (obs-fold lines joined to the one before).
    let mut lines: Vec<Vec<u8>> = Vec::new();
    for l in fields.split(|&c| c == b'\n') {
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        if l.is_empty() {
            continue;
        }
        match lines.last_mut() {
            Some(prev) if matches!(l[0], b' ' | b'\t') => {
                prev.push(b' ');
                prev.extend_from_slice(l.trim_ascii_start());
            }
            _ => lines.push(l.to_vec()),
        }
    }
    let mut h = Headers::new();
    let (mut kept, mut over, mut refused) = (0usize, 0usize, 0usize);
    for l in &lines {
        match field_line_ok(l) {
            Some((n, v)) if kept < lim.max_fields => {
                kept += 1;
                h.push(&String::from_utf8_lossy(n), trim_ows(&String::from_utf8_lossy(v)));
            }
            Some(_) => over += 1,
            None => {
                refused += 1;
                let text = String::from_utf8_lossy(l);
                if let Some((n, v)) = text.split_once(':') {
                    let n = n.trim_matches([' ', '\t']);
                    if (n.eq_ignore_ascii_case("Transfer-Encoding") || n.eq_ignore_ascii_case("Content-Length"))
                        && refused_framing.len() < 4
                    {
                        refused_framing.push((n.to_string(), v.trim_matches([' ', '\t', '\0']).to_string()));
                    }
                }
                if refused <= 4 {
                    let shown: String = text.chars().take(200).collect();
                    notes.push((
                        Severity::Warning,
                        "http.malformed_field_line",
                        format!(
                            "header field line \"{}\" is not name \":\" value (RFC 9112 §5.1: no whitespace between the name and the colon, and a server must answer 400; RFC 9110 §5.5: no control characters in a value): skipped, the rest of the head is read",
                            shown.escape_debug()
                        ),
                    ));
                }
            }
        }
    }
    if refused > 4 {
        notes.push((Severity::Warning, "http.malformed_field_line", format!("{} more malformed header field lines skipped", refused - 4)));
    }
    if over > 0 {
        notes.push((
            Severity::Warning,
            "http.too_many_fields",
            format!(
                "more than {} header fields (Limits.max_header_fields): the first {} are kept, {over} more are counted and dropped (reported once per connection)",
                lim.max_fields, lim.max_fields
            ),
        ));
    }
    (h, notes, refused_framing)
}

/// A request head httparse refuses (a request line such as "OPTIONS HTTP/1.1", a bare "OPTIONS",
/// "GET /HTTP/1.1", odd whitespace, a lowercase version; or field lines it does not accept, or
/// too many of them): method, target and version as far as they can be read, the fields that
/// follow the rules, each refused line skipped with a finding quoting it. `None` when the line
/// does not start with a method. `line_ok`: httparse accepts the request line itself.
fn lenient_request(b: &[u8], nl: usize, why: &str, line_ok: bool, lim: HeadLimits) -> Option<Parsed> {
    let raw = String::from_utf8_lossy(&b[..nl]).trim_end_matches(['\r', '\n']).to_string();
    let mut parts = raw.split([' ', '\t', '\x0b', '\x0c']).filter(|p| !p.is_empty());
    let method = parts.next()?;
    if !method.bytes().all(is_tchar) {
        return None;
    }
    let rest: Vec<&str> = parts.collect();
    let known = crate::proto::detect::KNOWN_METHODS.contains(&method.to_ascii_uppercase().as_str());
    let (mut target, mut version) = (String::new(), None);
    match rest.as_slice() {
        [] => {}
        // One word after the method is the target, as Wireshark reads it ("OPTIONS HTTP/1.1":
        // target "HTTP/1.1"; "GET /HTTP/1.1": target "/HTTP/1.1"), with no version.
        [one] => target = one.to_string(),
        [.., last] if last.get(..5).is_some_and(|v| v.eq_ignore_ascii_case("HTTP/")) => {
            version = Some(last.to_string());
            target = rest[..rest.len() - 1].join(" ");
        }
        _ => target = rest.join(" "),
    }
    if !known && version.is_none() {
        return None;
    }
    let version: Cow<'static, str> = match version.as_deref() {
        Some("HTTP/1.1") => Cow::Borrowed("HTTP/1.1"),
        Some("HTTP/1.0") => Cow::Borrowed("HTTP/1.0"),
        Some(v) => Cow::Owned(v.to_string()),
        None => Cow::Borrowed(""),
    };
    let (h, mut notes, refused_framing) = lenient_fields(&b[nl..], lim);
    if !line_ok {
        let shape = if rest.is_empty() {
            "a method alone, without target or version"
        } else if version.is_empty() {
            "no HTTP version"
        } else if target.is_empty() {
            "no request target"
        } else {
            "not method SP request-target SP HTTP-version"
        };
        notes.push((
            Severity::Warning,
            "http.malformed_request_line",
            format!(
                "malformed request line \"{}\" ({shape}; {why}): RFC 9112 §3 requires method SP request-target SP HTTP-version, read as far as it goes",
                raw.escape_debug()
            ),
        ));
    }
    Some(Parsed::Complete(Head {
        len: b.len(),
        version,
        headers: h,
        kind: HeadKind::Request { method: method_str(method), target },
        malformed_line: (!line_ok).then_some(raw),
        notes,
        refused_framing,
    }))
}

/// A response head from its first byte, resuming the search where `scan` left it.
pub fn parse_response_from(b: &[u8], scan: &mut Scan, lim: HeadLimits) -> Parsed {
    let n = b.len().min(5);
    if b[..n] != b"HTTP/"[..n] {
        return Parsed::Invalid { why: "the status line does not start with HTTP/".into(), len: 0 };
    }
    if !scan.tried {
        scan.tried = true;
        count_call();
        let mut few = [httparse::EMPTY_HEADER; FEW_HEADERS];
        let mut resp = httparse::Response::new(&mut few);
        if let Ok(httparse::Status::Complete(len)) = resp.parse(b) {
            return Parsed::Complete(Head::of_response(&resp, &b[..len]));
        }
    }
    let Some(end) = scan.head_end(b) else { return Parsed::Partial };
    let b = &b[..end];
    let mut few = [httparse::EMPTY_HEADER; FEW_HEADERS];
    match response_with(b, &mut few) {
        Some(p) => p,
        None => response_with(b, &mut vec![httparse::EMPTY_HEADER; lim.max_fields])
            .unwrap_or_else(|| retry_unfolded(b, httparse::Error::TooManyHeaders, false, lim)),
    }
    .or_lenient_response(b, lim)
}

impl Parsed {
    /// A response head httparse refused for its fields (the status line alone parses): the
    /// fields read as far as they go, as for a request.
    fn or_lenient_response(self, b: &[u8], lim: HeadLimits) -> Parsed {
        let Parsed::Invalid { why, len } = self else { return self };
        let nl = b.iter().position(|&c| c == b'\n').map_or(b.len(), |p| p + 1);
        let mut alone = Vec::with_capacity(nl + 2);
        alone.extend_from_slice(&b[..nl]);
        alone.extend_from_slice(b"\r\n");
        count_call();
        let mut resp = httparse::Response::new(&mut []);
        if !matches!(resp.parse(&alone), Ok(httparse::Status::Complete(_))) {
            return Parsed::Invalid { why, len };
        }
        let (headers, notes, refused_framing) = lenient_fields(&b[nl..], lim);
        Parsed::Complete(Head {
            len: b.len(),
            version: version_str(resp.version),
            headers,
            kind: HeadKind::Response { status: resp.code.unwrap_or(0), reason: resp.reason.unwrap_or("").to_string() },
            malformed_line: None,
            notes,
            refused_framing,
        })
    }
}

impl Head {
    /// The head httparse read whole from `head` (its bytes).
    fn of_request(req: &httparse::Request<'_, '_>, head: &[u8]) -> Head {
        Head {
            len: head.len(),
            version: version_str(req.version),
            headers: collect(head, req.headers),
            kind: HeadKind::Request { method: method_str(req.method.unwrap_or("")), target: req.path.unwrap_or("").to_string() },
            malformed_line: None,
            notes: Vec::new(),
            refused_framing: Vec::new(),
        }
    }

    /// The head httparse read whole from `head` (its bytes).
    fn of_response(resp: &httparse::Response<'_, '_>, head: &[u8]) -> Head {
        Head {
            len: head.len(),
            version: version_str(resp.version),
            headers: collect(head, resp.headers),
            kind: HeadKind::Response { status: resp.code.unwrap_or(0), reason: resp.reason.unwrap_or("").to_string() },
            malformed_line: None,
            notes: Vec::new(),
            refused_framing: Vec::new(),
        }
    }
}

/// A response head in `b` from its first byte (one search from the start).
pub fn parse_response(b: &[u8]) -> Parsed {
    parse_response_from(b, &mut Scan::default(), HeadLimits::default())
}

fn response_with<'b>(b: &'b [u8], headers: &mut [httparse::Header<'b>]) -> Option<Parsed> {
    count_call();
    let mut resp = httparse::Response::new(headers);
    Some(match resp.parse(b) {
        Ok(httparse::Status::Complete(len)) => Parsed::Complete(Head::of_response(&resp, &b[..len])),
        Ok(httparse::Status::Partial) => Parsed::Invalid { why: "the head does not parse".into(), len: b.len() },
        Err(httparse::Error::TooManyHeaders) => return None,
        Err(e) => retry_unfolded(b, e, false, HeadLimits { max_fields: headers.len().max(FEW_HEADERS) }),
    })
}

/// `b` is a whole head that httparse refused: parsed again with obs-fold unfolded.
fn retry_unfolded(b: &[u8], e: httparse::Error, request: bool, lim: HeadLimits) -> Parsed {
    let why = if e == httparse::Error::TooManyHeaders { format!("more than {} header fields", lim.max_fields) } else { e.to_string() };
    let Some(unfolded) = unfold(b) else {
        return Parsed::Invalid { why, len: b.len() };
    };
    let mut few = [httparse::EMPTY_HEADER; FEW_HEADERS];
    let mut many;
    let slots: &mut [httparse::Header] = if e == httparse::Error::TooManyHeaders {
        many = vec![httparse::EMPTY_HEADER; lim.max_fields];
        &mut many
    } else {
        &mut few
    };
    count_call();
    let again = if request {
        let mut req = httparse::Request::new(slots);
        match req.parse(&unfolded) {
            Ok(httparse::Status::Complete(len)) => Some(Head::of_request(&req, &unfolded[..len])),
            _ => None,
        }
    } else {
        let mut resp = httparse::Response::new(slots);
        match resp.parse(&unfolded) {
            Ok(httparse::Status::Complete(len)) => Some(Head::of_response(&resp, &unfolded[..len])),
            _ => None,
        }
    };
    match again {
        Some(mut h) => {
            h.len = b.len();
            h.notes.push((
                Severity::Warning,
                "http.obs_fold",
                "a header field value is folded over several lines (obs-fold), which RFC 9112 §5.2 deprecates; unfolded with spaces".into(),
            ));
            Parsed::Complete(h)
        }
        None => Parsed::Invalid { why, len: b.len() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_prefix_of_a_head_is_partial() {
        let req = b"GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nAccept: text/html\r\n\r\n";
        for cut in 0..req.len() {
            assert!(matches!(parse_request(&req[..cut]), Parsed::Partial), "cut {cut}");
        }
        let Parsed::Complete(h) = parse_request(req) else { panic!() };
        assert_eq!(h.len, req.len());
        let resp = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
        for cut in 0..resp.len() {
            assert!(matches!(parse_response(&resp[..cut]), Parsed::Partial), "cut {cut}");
        }
    }

    #[test]
    fn a_head_fed_byte_by_byte_is_scanned_once() {
        let req = b"GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nAccept: text/html\r\n\r\n";
        let mut scan = Scan::default();
        let calls0 = work().httparse_calls;
        for cut in 0..req.len() {
            assert!(matches!(parse_request_from(&req[..cut], &mut scan, HeadLimits::default()), Parsed::Partial), "cut {cut}");
        }
        assert!(matches!(parse_request_from(req, &mut scan, HeadLimits::default()), Parsed::Complete(_)));
        // httparse ran twice: on the first bytes, and when the head was whole.
        assert_eq!(work().httparse_calls - calls0, 2);
        assert!(scan.scanned() <= req.len());
    }

    #[test]
    fn obs_fold_is_unfolded_and_reported() {
        let req = b"GET / HTTP/1.1\r\nX-Long: a\r\n  b\r\nHost: x\r\n\r\n";
        let Parsed::Complete(h) = parse_request(req) else { panic!("not parsed") };
        assert_eq!(h.headers.get(0).unwrap().1, "a   b");
        assert_eq!(h.notes[0].1, "http.obs_fold");
        assert_eq!(h.len, req.len());
    }

    #[test]
    fn many_header_fields() {
        let mut req = b"GET / HTTP/1.1\r\n".to_vec();
        for i in 0..100 {
            req.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
        }
        req.extend_from_slice(b"\r\n");
        let Parsed::Complete(h) = parse_request(&req) else { panic!("100 fields") };
        assert_eq!(h.headers.len(), 100);
        let mut too_many = b"GET / HTTP/1.1\r\n".to_vec();
        for i in 0..300 {
            too_many.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
        }
        too_many.extend_from_slice(b"\r\n");
        // More than Limits.max_header_fields (256): the request, its first 256 fields, a finding.
        let Parsed::Complete(h) = parse_request(&too_many) else { panic!("300 fields") };
        assert_eq!(h.headers.len(), 256);
        assert!(h.notes.iter().any(|n| n.1 == "http.too_many_fields"));
    }

    /// RFC 9112 §5.1 in a response: the field line with whitespace before its colon is skipped,
    /// the response and its other fields kept.
    #[test]
    fn a_response_with_a_malformed_field_line_is_kept() {
        let Parsed::Complete(h) = parse_response(b"HTTP/1.1 200 OK\r\nContent-Length : 9\r\nX: y\r\n\r\n") else { panic!("not kept") };
        assert!(matches!(h.kind, HeadKind::Response { status: 200, .. }));
        assert_eq!((h.headers.value("X"), h.headers.value("Content-Length")), (Some("y"), None));
        assert_eq!(h.notes.iter().map(|n| n.1).collect::<Vec<_>>(), ["http.malformed_field_line"]);
        assert_eq!(h.refused_framing, [("Content-Length".to_string(), "9".to_string())]);
    }

    #[test]
    fn http09_request() {
        assert!(matches!(parse_request(b"GET /old\r\n"), Parsed::Http09 { len: 10, .. }));
        // A missing space before the version is not HTTP/0.9.
        assert!(matches!(parse_request(b"GET /HTTP/1.1\r\n"), Parsed::Partial));
    }

    /// RFC 9112 §3: request-line = method SP request-target SP HTTP-version. Lines that break it
    /// are still read, as far as they go.
    #[test]
    fn malformed_request_lines_are_read_leniently() {
        for (line, method, target, version) in [
            // Method and target as tshark 4.0 reads them.
            ("OPTIONS HTTP/1.1", "OPTIONS", "HTTP/1.1", ""),
            ("OPTIONS", "OPTIONS", "", ""),
            ("GET /HTTP/1.1", "GET", "/HTTP/1.1", ""),
            ("GET  /a  HTTP/1.1", "GET", "/a", "HTTP/1.1"),
            ("GET /a b HTTP/1.1", "GET", "/a b", "HTTP/1.1"),
        ] {
            let head = format!("{line}\r\nHost: x\r\n\r\n");
            let Parsed::Complete(h) = parse_request(head.as_bytes()) else { panic!("{line}: not read") };
            let HeadKind::Request { method: m, target: t } = &h.kind else { panic!() };
            assert_eq!((m.as_ref(), t.as_str(), h.version.as_ref()), (method, target, version), "{line}");
            assert_eq!(h.malformed_line.as_deref(), Some(line));
            assert_eq!(h.headers.value("Host"), Some("x"), "{line}");
            assert_eq!(h.len, head.len());
            assert_eq!(h.notes[0].1, "http.malformed_request_line");
        }
        // Not a request at all.
        assert!(matches!(parse_request(b"\x16\x03\x01\x02\x00"), Parsed::Invalid { .. }));
        assert!(matches!(parse_request(b"hello there\r\n\r\n"), Parsed::Invalid { .. }));
        // A valid line with a broken field is not a malformed request line: the field is skipped
        // (RFC 9112 §5.1), the request kept.
        let Parsed::Complete(h) = parse_request(b"GET / HTTP/1.1\r\nBad Field\r\nHost: x\r\n\r\n") else { panic!("bad field") };
        assert_eq!((h.malformed_line.as_deref(), h.headers.value("Host")), (None, Some("x")));
        assert_eq!(h.notes.iter().map(|n| n.1).collect::<Vec<_>>(), ["http.malformed_field_line"]);
    }
}
