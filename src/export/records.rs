//! The two record kinds that make up nearly all of `analyze --format json` (HTTP exchanges and
//! WebSocket messages), printed field by field.
//!
//! Why by hand: after strings, the largest cost of the generic printer was the field names, each
//! an unknown-length copy through a library call. Here every name is a literal of known length
//! (with its comma and quotes), which compiles to a few stores. The output is byte for byte what
//! serde_json prints for the same values (strings and numbers go through the same code as
//! [`super::compact`]); a test checks that on every record of every bundled capture.

use super::compact::{needs_escape, write_str};
use super::json::WsOut;
use crate::model::{Body, Dir, Headers, HttpExchange, HttpRequest, HttpResponse};
use serde_json::ser::{CompactFormatter, Formatter};

/// Appends a literal (a field name with its punctuation).
macro_rules! lit {
    ($out:expr, $s:literal) => {
        $out.extend_from_slice($s.as_bytes())
    };
}

fn uint(out: &mut Vec<u8>, v: u64) {
    let _ = CompactFormatter.write_u64(out, v);
}

fn float(out: &mut Vec<u8>, v: f64) {
    if v.is_finite() {
        let _ = CompactFormatter.write_f64(out, v);
    } else {
        lit!(out, "null");
    }
}

fn opt_float(out: &mut Vec<u8>, v: Option<f64>) {
    match v {
        Some(v) => float(out, v),
        None => lit!(out, "null"),
    }
}

fn boolean(out: &mut Vec<u8>, v: bool) {
    if v {
        lit!(out, "true")
    } else {
        lit!(out, "false")
    }
}

fn opt_str(out: &mut Vec<u8>, v: Option<&str>) {
    match v {
        Some(s) => write_str(out, s),
        None => lit!(out, "null"),
    }
}

fn headers(out: &mut Vec<u8>, h: &Headers) {
    out.push(b'[');
    for (i, (name, value)) in h.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if needs_escape(name) || needs_escape(value) {
            out.push(b'[');
            write_str(out, name);
            out.push(b',');
            write_str(out, value);
            out.push(b']');
        } else {
            // The usual field: nothing to escape, copied as it is.
            out.reserve(name.len() + value.len() + 7);
            lit!(out, "[\"");
            out.extend_from_slice(name.as_bytes());
            lit!(out, "\",\"");
            out.extend_from_slice(value.as_bytes());
            lit!(out, "\"]");
        }
    }
    out.push(b']');
}

/// The fields a request and a response share, in the order both print them: up to the end of the
/// first line, from the version to the body lengths, then the times and the body.
fn head_start(out: &mut Vec<u8>, packet: u64, first_packet: u64) {
    lit!(out, "{\"packet\":");
    uint(out, packet);
    lit!(out, ",\"first_packet\":");
    uint(out, first_packet);
}

fn head_middle(out: &mut Vec<u8>, version: &str, h: &Headers, head_len: usize, body_len: u64, wire_body_len: u64) {
    lit!(out, ",\"version\":");
    write_str(out, version);
    lit!(out, ",\"headers\":");
    headers(out, h);
    lit!(out, ",\"head_len\":");
    uint(out, head_len as u64);
    lit!(out, ",\"body_len\":");
    uint(out, body_len);
    lit!(out, ",\"wire_body_len\":");
    uint(out, wire_body_len);
}

fn head_end(out: &mut Vec<u8>, start_time: f64, end_time: f64, b: &Option<Body>) {
    lit!(out, ",\"start_time\":");
    float(out, start_time);
    lit!(out, ",\"end_time\":");
    float(out, end_time);
    if let Some(b) = b {
        lit!(out, ",\"body\":{\"truncated\":");
        boolean(out, b.truncated);
        out.push(b'}');
    }
    out.push(b'}');
}

fn request(out: &mut Vec<u8>, r: &HttpRequest) {
    head_start(out, r.packet, r.first_packet);
    lit!(out, ",\"method\":");
    write_str(out, &r.method);
    lit!(out, ",\"target\":");
    write_str(out, &r.target);
    if let Some(l) = &r.malformed_line {
        lit!(out, ",\"malformed_line\":");
        write_str(out, l);
    }
    head_middle(out, &r.version, &r.headers, r.head_len, r.body_len, r.wire_body_len);
    head_end(out, r.start_time, r.end_time, &r.body);
}

fn response(out: &mut Vec<u8>, r: &HttpResponse) {
    head_start(out, r.packet, r.first_packet);
    lit!(out, ",\"status\":");
    uint(out, u64::from(r.status));
    lit!(out, ",\"reason\":");
    write_str(out, &r.reason);
    head_middle(out, &r.version, &r.headers, r.head_len, r.body_len, r.wire_body_len);
    lit!(out, ",\"chunked\":");
    boolean(out, r.chunked);
    lit!(out, ",\"content_encoding\":");
    opt_str(out, r.content_encoding.as_deref());
    lit!(out, ",\"until_close\":");
    boolean(out, r.until_close);
    lit!(out, ",\"complete\":");
    boolean(out, r.complete);
    head_end(out, r.start_time, r.end_time, &r.body);
}

/// Appends an HTTP exchange as JSON.
pub fn exchange(out: &mut Vec<u8>, x: &HttpExchange) {
    lit!(out, "{\"connection\":");
    uint(out, u64::from(x.connection));
    lit!(out, ",\"index\":");
    uint(out, u64::from(x.index));
    lit!(out, ",\"request\":");
    match &x.request {
        Some(r) => request(out, r),
        None => lit!(out, "null"),
    }
    lit!(out, ",\"response\":");
    match &x.response {
        Some(r) => response(out, r),
        None => lit!(out, "null"),
    }
    lit!(out, ",\"interim\":[");
    for (i, r) in x.interim.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        response(out, r);
    }
    lit!(out, "],\"pipelined_behind\":");
    uint(out, u64::from(x.pipelined_behind));
    lit!(out, ",\"ttfb_ms\":");
    opt_float(out, x.ttfb_ms);
    lit!(out, ",\"duration_ms\":");
    opt_float(out, x.duration_ms);
    if x.other_reading {
        lit!(out, ",\"other_reading\":true");
    }
    if let Some(id) = x.stream {
        lit!(out, ",\"stream\":");
        uint(out, u64::from(id));
    }
    out.push(b'}');
}

/// Appends a WebSocket message, as [`WsOut`] prints it, as JSON.
pub fn ws_message(out: &mut Vec<u8>, w: &WsOut) {
    let m = w.msg;
    lit!(out, "{\"connection\":");
    uint(out, u64::from(m.connection));
    match m.direction {
        Dir::ClientToServer => lit!(out, ",\"direction\":\"client_to_server\",\"opcode\":"),
        Dir::ServerToClient => lit!(out, ",\"direction\":\"server_to_client\",\"opcode\":"),
    }
    uint(out, u64::from(m.opcode));
    lit!(out, ",\"frames\":");
    uint(out, u64::from(m.frames));
    lit!(out, ",\"compressed\":");
    boolean(out, m.compressed);
    lit!(out, ",\"len\":");
    uint(out, m.len);
    lit!(out, ",\"wire_len\":");
    uint(out, m.wire_len);
    lit!(out, ",\"packet\":");
    uint(out, m.packet);
    lit!(out, ",\"first_packet\":");
    uint(out, m.first_packet);
    lit!(out, ",\"time\":");
    float(out, m.time);
    lit!(out, ",\"close_code\":");
    match m.close_code {
        Some(c) => uint(out, u64::from(c)),
        None => lit!(out, "null"),
    }
    lit!(out, ",\"close_reason\":");
    opt_str(out, m.close_reason.as_deref());
    if let Some(t) = &w.text {
        lit!(out, ",\"text\":");
        write_str(out, t);
    }
    if let Some(b) = &w.data_base64 {
        lit!(out, ",\"data_base64\":");
        write_str(out, b);
    }
    lit!(out, ",\"payload_truncated\":");
    boolean(out, w.payload_truncated);
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::PayloadLimit;
    use crate::model::WsMessage;

    fn response() -> HttpResponse {
        HttpResponse {
            packet: 9,
            first_packet: 8,
            status: 100,
            reason: "Continue \"quoted\"\u{1}".into(),
            version: "HTTP/1.1".into(),
            headers: [("X-A", "tab\there"), ("Ünï", "中文")].into_iter().collect(),
            head_len: 25,
            body_len: u64::MAX,
            wire_body_len: 0,
            chunked: true,
            content_encoding: Some("gzip".into()),
            until_close: false,
            complete: false,
            start_time: f64::NAN,
            end_time: 1.5e300,
            body: Some(Body { bytes: vec![1], truncated: true }),
        }
    }

    #[test]
    fn odd_values_print_as_serde_json_prints_them() {
        let x = HttpExchange {
            connection: u32::MAX,
            index: 0,
            request: None,
            response: Some(response()),
            interim: vec![response(), response()],
            pipelined_behind: 3,
            ttfb_ms: Some(f64::INFINITY),
            duration_ms: None,
            other_reading: false,
            stream: None,
        };
        let mut mine = Vec::new();
        exchange(&mut mine, &x);
        assert_eq!(String::from_utf8(mine).unwrap(), serde_json::to_string(&x).unwrap());
        let alt = HttpExchange { other_reading: true, stream: Some(7), ..x.clone() };
        let mut mine = Vec::new();
        exchange(&mut mine, &alt);
        assert_eq!(String::from_utf8(mine).unwrap(), serde_json::to_string(&alt).unwrap());

        let m = WsMessage {
            connection: 1,
            direction: Dir::ServerToClient,
            opcode: 8,
            frames: 1,
            compressed: false,
            len: 4,
            wire_len: 4,
            packet: 2,
            first_packet: 2,
            time: -0.0,
            close_code: Some(1000),
            close_reason: Some("bye\n".into()),
            payload: vec![0x03, 0xe8, b'o', b'k'],
            payload_truncated: false,
        };
        // Fields of a parsed head, with nothing to escape and with a quote, a tab, a backslash.
        for head in ["Host: a\r\nAccept:  */*\r\n", "Host: a\r\nX-Q: say \"hi\"\r\n", "X-T: a\tb\r\nX-B: c:\\d\r\n"] {
            let fields = head.split("\r\n").filter(|l| !l.is_empty()).map(|l| {
                let colon = l.find(':').unwrap();
                (l[..colon].as_bytes(), l[colon + 1..].as_bytes())
            });
            let h = Headers::from_head(head, fields.collect::<Vec<_>>().into_iter()).unwrap();
            assert_eq!(h.len(), 2);
            let mut mine = Vec::new();
            headers(&mut mine, &h);
            assert_eq!(String::from_utf8(mine).unwrap(), serde_json::to_string(&h).unwrap());
        }
        for limit in [PayloadLimit::All, PayloadLimit::Bytes(0), PayloadLimit::Bytes(1)] {
            let w = WsOut::new(&m, limit);
            let mut mine = Vec::new();
            ws_message(&mut mine, &w);
            assert_eq!(String::from_utf8(mine).unwrap(), serde_json::to_string(&w).unwrap());
        }
    }
}
