//! Message heads through httparse, with the leniency an observer needs: obs-fold unfolded and
//! reported, HTTP/0.9 requests recognised.

use crate::model::{Headers, Severity};
use std::borrow::Cow;

pub struct Head {
    pub len: usize,
    pub version: Cow<'static, str>,
    pub headers: Headers,
    pub kind: HeadKind,
    /// Rule breaks found while parsing (severity, code, message).
    pub notes: Vec<(Severity, &'static str, String)>,
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
    Invalid(String),
}

const MAX_HEADERS: usize = 256;

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

/// Where the head ends (after CRLFCRLF or LFLF), if it is all here.
fn head_end(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(p) = b[i..].iter().position(|&c| c == b'\n') {
        let at = i + p;
        let next = b.get(at + 1..);
        match next {
            Some([b'\n', ..]) => return Some(at + 2),
            Some([b'\r', b'\n', ..]) => return Some(at + 3),
            _ => {}
        }
        i = at + 1;
    }
    None
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

/// "GET /path" alone on the first line: an HTTP/0.9 request.
fn http09(b: &[u8]) -> Option<Parsed> {
    let nl = b.iter().position(|&c| c == b'\n')?;
    let line = String::from_utf8_lossy(&b[..nl]);
    let parts: Vec<&str> = line.trim_end().split(' ').collect();
    (parts.len() == 2 && parts[0] == "GET" && parts[1].starts_with('/'))
        .then(|| Parsed::Http09 { len: nl + 1, target: parts[1].to_string() })
}

/// Header slots tried first, on the stack; heads with more fields are parsed again with MAX_HEADERS.
const FEW_HEADERS: usize = 64;

pub fn parse_request(b: &[u8]) -> Parsed {
    let mut few = [httparse::EMPTY_HEADER; FEW_HEADERS];
    match request_with(b, &mut few) {
        Some(p) => p,
        None => request_with(b, &mut vec![httparse::EMPTY_HEADER; MAX_HEADERS])
            .unwrap_or_else(|| retry_unfolded(b, httparse::Error::TooManyHeaders, true)),
    }
}

/// `None` when the head has more fields than `headers` holds.
fn request_with<'b>(b: &'b [u8], headers: &mut [httparse::Header<'b>]) -> Option<Parsed> {
    let mut req = httparse::Request::new(headers);
    Some(match req.parse(b) {
        Ok(httparse::Status::Complete(len)) => Parsed::Complete(Head {
            len,
            version: version_str(req.version),
            headers: collect(&b[..len], req.headers),
            kind: HeadKind::Request { method: method_str(req.method.unwrap_or("")), target: req.path.unwrap_or("").to_string() },
            notes: Vec::new(),
        }),
        // "GET /old\r\n" is Partial to httparse (it waits for a version): only then look for HTTP/0.9.
        Ok(httparse::Status::Partial) => http09(b).unwrap_or(Parsed::Partial),
        Err(httparse::Error::TooManyHeaders) => return None,
        Err(e) => http09(b).unwrap_or_else(|| retry_unfolded(b, e, true)),
    })
}

pub fn parse_response(b: &[u8]) -> Parsed {
    let mut few = [httparse::EMPTY_HEADER; FEW_HEADERS];
    match response_with(b, &mut few) {
        Some(p) => p,
        None => response_with(b, &mut vec![httparse::EMPTY_HEADER; MAX_HEADERS])
            .unwrap_or_else(|| retry_unfolded(b, httparse::Error::TooManyHeaders, false)),
    }
}

fn response_with<'b>(b: &'b [u8], headers: &mut [httparse::Header<'b>]) -> Option<Parsed> {
    let mut resp = httparse::Response::new(headers);
    Some(match resp.parse(b) {
        Ok(httparse::Status::Complete(len)) => Parsed::Complete(Head {
            len,
            version: version_str(resp.version),
            headers: collect(&b[..len], resp.headers),
            kind: HeadKind::Response { status: resp.code.unwrap_or(0), reason: resp.reason.unwrap_or("").to_string() },
            notes: Vec::new(),
        }),
        Ok(httparse::Status::Partial) => Parsed::Partial,
        Err(httparse::Error::TooManyHeaders) => return None,
        Err(e) => retry_unfolded(b, e, false),
    })
}

fn retry_unfolded(b: &[u8], e: httparse::Error, request: bool) -> Parsed {
    let Some(end) = head_end(b) else {
        return if e == httparse::Error::TooManyHeaders {
            Parsed::Invalid(format!("more than {MAX_HEADERS} header fields"))
        } else {
            Parsed::Invalid(e.to_string())
        };
    };
    let Some(unfolded) = unfold(&b[..end]) else {
        return Parsed::Invalid(e.to_string());
    };
    let again = if request { parse_request(&unfolded) } else { parse_response(&unfolded) };
    match again {
        Parsed::Complete(mut h) => {
            h.len = end;
            h.notes.push((
                Severity::Warning,
                "http.obs_fold",
                "a header field value is folded over several lines (obs-fold), which RFC 9112 §5.2 deprecates; unfolded with spaces".into(),
            ));
            Parsed::Complete(h)
        }
        _ => Parsed::Invalid(e.to_string()),
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
        assert!(matches!(parse_request(&too_many), Parsed::Invalid(_)));
    }

    #[test]
    fn http09_request() {
        assert!(matches!(parse_request(b"GET /old\r\n"), Parsed::Http09 { len: 10, .. }));
    }
}
