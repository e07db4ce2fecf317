//! Engine.IO (v3/v4) and Socket.IO (v4/v5) packets inside WebSocket messages and polling bodies,
//! decoded for display. Flask-SocketIO (seed note 000) speaks this.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EioPacket {
    /// open, close, ping, pong, message, upgrade, noop
    pub kind: &'static str,
    pub socketio: Option<SioPacket>,
    /// The packet's data when it is not a Socket.IO packet (e.g. the open handshake JSON).
    pub data: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SioPacket {
    /// CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR, BINARY_EVENT, BINARY_ACK
    pub kind: &'static str,
    pub namespace: String,
    pub ack_id: Option<u64>,
    pub attachments: u32,
    /// Event name for EVENT/BINARY_EVENT.
    pub event: Option<String>,
    /// The JSON arguments (without the event name).
    pub args: Option<serde_json::Value>,
}

fn eio_kind(c: u8) -> Option<&'static str> {
    Some(match c {
        b'0' => "open",
        b'1' => "close",
        b'2' => "ping",
        b'3' => "pong",
        b'4' => "message",
        b'5' => "upgrade",
        b'6' => "noop",
        _ => return None,
    })
}

/// One Engine.IO packet as text (a WebSocket text message, or one packet of a polling body).
pub fn parse_packet(s: &str) -> Option<EioPacket> {
    let b = s.as_bytes();
    let kind = eio_kind(*b.first()?)?;
    let rest = &s[1..];
    let socketio = if kind == "message" { parse_socketio(rest) } else { None };
    Some(EioPacket { kind, socketio, data: rest.to_string() })
}

/// A polling body, at most [`Limits::max_socketio_packets`](crate::limits::Limits) packets of it.
pub fn parse_payload(body: &str) -> Vec<EioPacket> {
    parse_payload_capped(body, crate::limits::Limits::default().max_socketio_packets).0
}

/// A polling body: v4 separates packets with 0x1e; v3 prefixes each with "<length>:" (a length
/// in characters, never trusted to size anything: a packet is at most what the body holds). At
/// most `most` packets are read; the flag says whether more were left unread.
pub fn parse_payload_capped(body: &str, most: usize) -> (Vec<EioPacket>, bool) {
    if body.contains('\u{1e}') || !body.contains(':') || body.starts_with(|c: char| !c.is_ascii_digit()) {
        let mut parts = body.split('\u{1e}');
        let out: Vec<EioPacket> = parts.by_ref().take(most).filter_map(parse_packet).collect();
        return (out, parts.next().is_some());
    }
    let mut out = Vec::new();
    let mut rest = body;
    let mut more = false;
    while let Some((len, tail)) = rest.split_once(':') {
        if out.len() >= most {
            more = true;
            break;
        }
        let Ok(n) = len.parse::<usize>() else { break };
        // The first `n` characters, as far as the body goes.
        let end = tail.char_indices().nth(n).map_or(tail.len(), |(i, _)| i);
        if let Some(p) = parse_packet(&tail[..end]) {
            out.push(p);
        }
        rest = &tail[end..];
    }
    if out.is_empty() && !more {
        return (parse_packet(body).into_iter().collect(), false);
    }
    (out, more)
}

fn parse_socketio(s: &str) -> Option<SioPacket> {
    let b = s.as_bytes();
    let kind = match b.first()? {
        b'0' => "CONNECT",
        b'1' => "DISCONNECT",
        b'2' => "EVENT",
        b'3' => "ACK",
        b'4' => "CONNECT_ERROR",
        b'5' => "BINARY_EVENT",
        b'6' => "BINARY_ACK",
        _ => return None,
    };
    let mut i = 1;
    let mut attachments = 0;
    if kind.starts_with("BINARY") {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        attachments = s[start..i].parse().ok()?;
        if b.get(i) != Some(&b'-') {
            return None;
        }
        i += 1;
    }
    let mut namespace = "/".to_string();
    if b.get(i) == Some(&b'/') {
        let end = s[i..].find(',').map(|e| i + e).unwrap_or(b.len());
        namespace = s[i..end].to_string();
        i = (end + 1).min(b.len());
    }
    let start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let ack_id = s[start..i].parse().ok();
    let json: Option<serde_json::Value> = if i < b.len() { serde_json::from_str(&s[i..]).ok() } else { None };
    let (event, args) = match (kind, json) {
        ("EVENT" | "BINARY_EVENT", Some(serde_json::Value::Array(mut a))) if !a.is_empty() => {
            let name = a.remove(0);
            (name.as_str().map(str::to_string), Some(serde_json::Value::Array(a)))
        }
        (_, j) => (None, j),
    };
    Some(SioPacket { kind, namespace, ack_id, attachments, event, args })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_with_namespace_and_ack() {
        let p = parse_packet(r#"42/chat,7["message",{"text":"hi"}]"#).unwrap();
        assert_eq!(p.kind, "message");
        let s = p.socketio.unwrap();
        assert_eq!((s.kind, s.namespace.as_str(), s.ack_id, s.event.as_deref()), ("EVENT", "/chat", Some(7), Some("message")));
        assert_eq!(s.args.unwrap()[0]["text"], "hi");
    }

    #[test]
    fn binary_event_and_polling_bodies() {
        let s = parse_packet(r#"451-["upload",{"_placeholder":true,"num":0}]"#).unwrap().socketio.unwrap();
        assert_eq!((s.kind, s.attachments, s.event.as_deref()), ("BINARY_EVENT", 1, Some("upload")));
        let (v4, more) = parse_payload_capped("40\u{1e}42[\"a\",1]\u{1e}2", 100);
        assert_eq!(v4.iter().map(|p| p.kind).collect::<Vec<_>>(), vec!["message", "message", "ping"]);
        assert!(!more);
        let (v3, _) = parse_payload_capped("2:40\u{0}".trim_end_matches('\u{0}'), 100);
        assert_eq!(v3[0].socketio.as_ref().unwrap().kind, "CONNECT");
        // v3 lengths that claim more than the body holds, or far more: the packet is what is there.
        let (v3, _) = parse_payload_capped("2:4099999999999:42[\"é\"]", 100);
        assert_eq!(v3.len(), 2);
        assert_eq!(v3[1].socketio.as_ref().unwrap().event.as_deref(), Some("é"));
        // The packet cap: the rest is left unread, and said so.
        let (v4, more) = parse_payload_capped(&"2\u{1e}".repeat(50), 10);
        assert_eq!((v4.len(), more), (10, true));
        let (v3, more) = parse_payload_capped(&"1:2".repeat(50), 10);
        assert_eq!((v3.len(), more), (10, true));
        let open = parse_packet(r#"0{"sid":"abc","upgrades":["websocket"],"pingInterval":25000}"#).unwrap();
        assert_eq!(open.kind, "open");
    }
}
