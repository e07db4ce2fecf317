//! Figures for the breakdown charts: status codes, methods, header frequency, header against body
//! bytes (the overhead the seed notes talk about), time to first byte, WebSocket rates, and bytes
//! spent per delivered message by HTTP against WebSocket.

use crate::model::{Capture, Dir, HttpExchange, Protocol};
use std::collections::BTreeMap;

/// One exchange's bytes on the wire, labelled by its request ("GET /api").
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ExchangeBytes {
    pub label: String,
    /// Request and response heads together.
    pub head: u64,
    /// Request and response bodies as sent (before content decoding).
    pub body: u64,
    pub status: Option<u16>,
    pub ttfb_ms: Option<f64>,
}

/// "GET /api/items", the target cut to `max` characters; "→ 200" when the request was not captured.
pub fn exchange_label(x: &HttpExchange, max: usize) -> String {
    match &x.request {
        Some(r) => {
            let target: String = r.target.chars().take(max).collect();
            let more = if r.target.chars().count() > max { "…" } else { "" };
            format!("{} {target}{more}", r.method)
        }
        None => format!("→ {}", x.response.as_ref().map_or(0, |r| r.status)),
    }
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Breakdown {
    /// Responses per class 1xx..5xx.
    pub status_by_class: [u32; 5],
    pub status_by_code: Vec<(u16, u32)>,
    pub methods: Vec<(String, u32)>,
    /// The most frequent header names (requests and responses), at most 15.
    pub headers: Vec<(String, u32)>,
    /// Per exchange: head bytes against body bytes on the wire, request and response together.
    pub overhead: Vec<ExchangeBytes>,
    pub ttfb_ms: Vec<f64>,
    /// Per second since the first packet, per direction: (second, messages, payload bytes).
    pub ws_rate: [Vec<(f64, u32, u64)>; 2],
    /// WebSocket messages per opcode: (opcode, [client → server, server → client]).
    pub ws_opcodes: Vec<(u8, [u32; 2])>,
    /// Reassembled bytes of HTTP connections per exchange, and of WebSocket connections per data
    /// message: what one delivered message costs.
    pub http_bytes_per_exchange: Option<f64>,
    pub ws_bytes_per_message: Option<f64>,
}

pub fn breakdown(cap: &Capture) -> Breakdown {
    let mut b = Breakdown::default();
    let mut codes = BTreeMap::new();
    let mut methods: BTreeMap<String, u32> = BTreeMap::new();
    let mut headers: BTreeMap<String, u32> = BTreeMap::new();
    for x in &cap.http {
        let mut head = 0;
        let mut body = 0;
        if let Some(r) = &x.request {
            *methods.entry(r.method.to_string()).or_default() += 1;
            head += r.head_len as u64;
            body += r.wire_body_len;
            for (n, _) in &r.headers {
                *headers.entry(n.to_ascii_lowercase()).or_default() += 1;
            }
        }
        if let Some(r) = &x.response {
            if (100..600).contains(&r.status) {
                b.status_by_class[(r.status / 100 - 1) as usize] += 1;
            }
            *codes.entry(r.status).or_default() += 1;
            head += r.head_len as u64;
            body += r.wire_body_len;
            for (n, _) in &r.headers {
                *headers.entry(n.to_ascii_lowercase()).or_default() += 1;
            }
        }
        b.overhead.push(ExchangeBytes {
            label: exchange_label(x, 24),
            head,
            body,
            status: x.response.as_ref().map(|r| r.status),
            ttfb_ms: x.ttfb_ms,
        });
        if let Some(t) = x.ttfb_ms {
            b.ttfb_ms.push(t);
        }
    }
    b.status_by_code = codes.into_iter().collect();
    b.methods = methods.into_iter().collect();
    let mut hv: Vec<(String, u32)> = headers.into_iter().collect();
    hv.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    hv.truncate(15);
    b.headers = hv;
    let mut ops: BTreeMap<u8, [u32; 2]> = BTreeMap::new();
    for m in &cap.websocket {
        ops.entry(m.opcode).or_default()[usize::from(m.direction != Dir::ClientToServer)] += 1;
    }
    b.ws_opcodes = ops.into_iter().collect();
    let t0 = cap.packets.first_time.unwrap_or(0.0);
    for (k, dir) in Dir::BOTH.iter().enumerate() {
        let mut per: BTreeMap<i64, (u32, u64)> = BTreeMap::new();
        for m in cap.websocket.iter().filter(|m| m.direction == *dir) {
            let e = per.entry((m.time - t0).floor() as i64).or_default();
            e.0 += 1;
            e.1 += m.len;
        }
        b.ws_rate[k] = per.into_iter().map(|(s, (n, bytes))| (s as f64, n, bytes)).collect();
    }
    let (mut http_bytes, mut http_n) = (0u64, 0u64);
    let (mut ws_bytes, mut ws_n) = (0u64, 0u64);
    for c in &cap.connections {
        let bytes = c.bytes_client_to_server + c.bytes_server_to_client;
        match c.protocol {
            Protocol::Http if c.http_exchanges > 0 => {
                http_bytes += bytes;
                http_n += c.http_exchanges as u64;
            }
            Protocol::Websocket => {
                let data = cap.websocket.iter().filter(|m| m.connection == c.id && m.opcode < 8).count() as u64;
                if data > 0 {
                    ws_bytes += bytes;
                    ws_n += data;
                }
            }
            _ => {}
        }
    }
    b.http_bytes_per_exchange = (http_n > 0).then(|| http_bytes as f64 / http_n as f64);
    b.ws_bytes_per_message = (ws_n > 0).then(|| ws_bytes as f64 / ws_n as f64);
    b
}
