//! HAR 1.2, with WebSocket messages in `_webSocketMessages` on the upgrade entry as Chrome does.

use crate::model::{Capture, Dir, Headers, HttpExchange};
use base64::Engine as _;
use serde_json::{json, Value};

fn headers(h: &Headers) -> Value {
    Value::Array(h.iter().map(|(n, v)| json!({"name": n, "value": v})).collect())
}

fn iso_time(secs: f64) -> String {
    let total_ms = (secs * 1000.0).round() as i64;
    let (days, ms_of_day) = (total_ms.div_euclid(86_400_000), total_ms.rem_euclid(86_400_000));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    let (h, rem) = (ms_of_day / 3_600_000, ms_of_day % 3_600_000);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{:02}:{:02}.{:03}Z", rem / 60_000, (rem % 60_000) / 1000, rem % 1000)
}

fn body_content(b: Option<&crate::model::Body>, mime: &str, size: u64) -> Value {
    let mut c = json!({"size": size, "mimeType": mime});
    if let Some(b) = b {
        match std::str::from_utf8(&b.bytes) {
            Ok(t) => c["text"] = json!(t),
            Err(_) => {
                c["text"] = json!(base64::engine::general_purpose::STANDARD.encode(&b.bytes));
                c["encoding"] = json!("base64");
            }
        }
        if b.truncated {
            c["comment"] = json!("body truncated by wirescope's keep limit");
        }
    }
    c
}

fn entry(x: &HttpExchange, cap: &Capture) -> Option<Value> {
    let req = x.request.as_ref()?;
    let conn = cap.connections.iter().find(|c| c.id == x.connection);
    let host = req.headers.value("Host").map(str::to_string).or_else(|| conn.map(|c| c.server.clone())).unwrap_or_default();
    let url = if req.target.starts_with("http://") || req.target.starts_with("https://") {
        req.target.clone()
    } else {
        format!("http://{host}{}", req.target)
    };
    let query: Vec<Value> = req
        .target
        .split_once('?')
        .map(|(_, q)| {
            q.split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (n, v) = p.split_once('=').unwrap_or((p, ""));
                    json!({"name": n, "value": v})
                })
                .collect()
        })
        .unwrap_or_default();
    let mut request = json!({
        "method": req.method, "url": url, "httpVersion": req.version, "cookies": [], "headers": headers(&req.headers),
        "queryString": query, "headersSize": req.head_len, "bodySize": req.wire_body_len,
    });
    if req.body_len > 0 {
        let mime = req.headers.value("Content-Type").unwrap_or("application/octet-stream");
        let text = req.body.as_ref().map(|b| String::from_utf8_lossy(&b.bytes).into_owned()).unwrap_or_default();
        request["postData"] = json!({"mimeType": mime, "text": text});
    }
    let (response, wait, receive) = match &x.response {
        Some(r) => {
            let mime = r.headers.value("Content-Type").unwrap_or("");
            (
                json!({
                    "status": r.status, "statusText": r.reason, "httpVersion": r.version, "cookies": [], "headers": headers(&r.headers),
                    "content": body_content(r.body.as_ref(), mime, r.body_len), "redirectURL": r.headers.value("Location").unwrap_or(""),
                    "headersSize": r.head_len, "bodySize": r.wire_body_len,
                }),
                x.ttfb_ms.unwrap_or(0.0).max(0.0),
                ((r.end_time - r.start_time) * 1000.0).max(0.0),
            )
        }
        None => (
            json!({"status": 0, "statusText": "", "httpVersion": "", "cookies": [], "headers": [], "content": {"size": 0, "mimeType": ""}, "redirectURL": "", "headersSize": -1, "bodySize": -1, "_error": "no response captured"}),
            -1.0,
            -1.0,
        ),
    };
    let send = ((req.end_time - req.start_time) * 1000.0).max(0.0);
    let mut e = json!({
        "startedDateTime": iso_time(req.start_time),
        "time": x.duration_ms.unwrap_or(0.0).max(0.0),
        "request": request, "response": response, "cache": {},
        "timings": {"blocked": -1, "dns": -1, "connect": -1, "ssl": -1, "send": send, "wait": wait, "receive": receive},
        "connection": x.connection.to_string(),
    });
    if x.response.as_ref().is_some_and(|r| r.status == 101) {
        let msgs: Vec<Value> = cap.websocket.iter().filter(|m| m.connection == x.connection).map(|m| {
            let data = if m.opcode == 1 { String::from_utf8_lossy(&m.payload).into_owned() } else { base64::engine::general_purpose::STANDARD.encode(&m.payload) };
            json!({"type": if m.direction == Dir::ClientToServer { "send" } else { "receive" }, "time": m.time, "opcode": m.opcode, "data": data})
        }).collect();
        e["_resourceType"] = json!("websocket");
        e["_webSocketMessages"] = Value::Array(msgs);
    }
    Some(e)
}

pub fn to_har(cap: &Capture) -> Value {
    let mut entries: Vec<&HttpExchange> = cap.http.iter().collect();
    entries.sort_by(|a, b| {
        let t = |x: &HttpExchange| x.request.as_ref().map(|r| r.start_time).unwrap_or(f64::MAX);
        t(a).total_cmp(&t(b))
    });
    json!({"log": {
        "version": "1.2",
        "creator": {"name": "wirescope", "version": env!("CARGO_PKG_VERSION")},
        "pages": [],
        "entries": entries.into_iter().filter_map(|x| entry(x, cap)).collect::<Vec<_>>(),
    }})
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso_dates() {
        assert_eq!(super::iso_time(0.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(super::iso_time(1_700_000_000.123), "2023-11-14T22:13:20.123Z");
    }
}
