//! The readable summary `wirescope analyze` prints.

use crate::analysis::explain::status_reason;
use crate::model::{Capture, Dir, End, Protocol, WsMessage};
use crate::proto::websocket::{close_code_meaning, opcode_name};
use std::fmt::Write as _;

fn preview(m: &WsMessage, width: usize) -> String {
    if m.opcode == 1 || (m.opcode == 8 && m.close_code.is_some()) {
        let s = if m.opcode == 8 { m.close_reason.clone().unwrap_or_default() } else { String::from_utf8_lossy(&m.payload).into_owned() };
        let flat: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        let cut: String = flat.chars().take(width).collect();
        let more = if flat.chars().count() > width || m.payload_truncated { "…" } else { "" };
        format!("\"{cut}{more}\"")
    } else {
        let hex: Vec<String> = m.payload.iter().take(width / 3).map(|b| format!("{b:02x}")).collect();
        let more = if (m.payload.len() > width / 3) || m.payload_truncated { " …" } else { "" };
        format!("{}{more}", hex.join(" "))
    }
}

/// "  (Socket.IO EVENT \"message\" on /)" when a text message is an Engine.IO/Socket.IO packet.
fn socketio_note(m: &WsMessage) -> String {
    if m.opcode != 1 {
        return String::new();
    }
    let Some(p) = crate::proto::socketio::parse_packet(&String::from_utf8_lossy(&m.payload)) else {
        return String::new();
    };
    match (&p.socketio, p.kind) {
        (Some(s), _) => {
            let ev = s.event.as_deref().map(|e| format!(" \"{e}\"")).unwrap_or_default();
            format!("  (Socket.IO {}{ev} on {})", s.kind, s.namespace)
        }
        (None, "message") => String::new(),
        (None, kind) if m.payload.len() < 64 || kind == "open" => format!("  (Engine.IO {kind})"),
        _ => String::new(),
    }
}

fn bytes(n: u64) -> String {
    if n < 10_000 {
        format!("{n} B")
    } else if n < 10_000_000 {
        format!("{:.1} KiB", n as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", n as f64 / 1048576.0)
    }
}

fn end_text(e: End) -> &'static str {
    match e {
        End::Fin => "closed (FIN both ways)",
        End::HalfClosed => "half-closed (FIN one way)",
        End::Rst => "reset (RST)",
        End::None => "still open at end of capture",
    }
}

/// "1 packet", "2 packets".
fn counted(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// `max_messages`: WebSocket messages listed per session (the counts always cover all).
pub fn summary(name: &str, cap: &Capture, max_messages: usize) -> String {
    let mut o = String::new();
    let count = |p: Protocol| cap.connections.iter().filter(|c| c.protocol == p).count();
    let mut kinds = Vec::new();
    for p in [Protocol::Http, Protocol::Websocket, Protocol::Tls, Protocol::Http2, Protocol::Quic, Protocol::Tcp, Protocol::Udp] {
        let n = count(p);
        if n > 0 {
            kinds.push(format!("{n} {}", p.label()));
        }
    }
    let _ = writeln!(
        o,
        "{name}: {}, {} ({}), {}, {}, {}",
        counted(cap.packets.count, "packet"),
        counted(cap.connections.len() as u64, "connection"),
        if kinds.is_empty() { "none".to_string() } else { kinds.join(", ") },
        counted(cap.http.len() as u64, "HTTP exchange"),
        counted(cap.websocket.len() as u64, "WebSocket message"),
        counted(cap.findings.len() as u64, "finding")
    );
    for c in &cap.packets.file_comments {
        let _ = writeln!(o, "  file comment: {c}");
    }
    if !cap.connections.is_empty() {
        let _ = writeln!(o, "\nConnections");
    }
    for c in &cap.connections {
        let rtt = c.handshake_rtt_ms.map(|r| format!("  handshake RTT {r:.3} ms")).unwrap_or_default();
        let guessed = if c.roles_guessed { "  (roles guessed: no SYN seen)" } else { "" };
        let by = c.closed_by.map(|d| if d == Dir::ClientToServer { ", client first" } else { ", server first" }).unwrap_or("");
        let _ = writeln!(
            o,
            "  #{:<3} {:<9} {} → {}  packets {}/{}  bytes {}/{}{}  {}{}  [packets {}–{}]{}",
            c.id,
            c.protocol.label(),
            c.client,
            c.server,
            c.packets_client_to_server,
            c.packets_server_to_client,
            c.bytes_client_to_server,
            c.bytes_server_to_client,
            rtt,
            end_text(c.end),
            by,
            c.first_packet,
            c.last_packet,
            guessed
        );
        if c.retransmissions + c.out_of_order + c.gap_bytes > 0 {
            let _ = writeln!(
                o,
                "        retransmissions {}, out-of-order {}, bytes missing from capture {}",
                c.retransmissions, c.out_of_order, c.gap_bytes
            );
        }
        if let Some(t) = &c.tls {
            let _ = writeln!(
                o,
                "        TLS {} SNI {} ALPN {} (encrypted)",
                t.version.as_deref().unwrap_or("?"),
                t.sni.as_deref().unwrap_or("-"),
                if t.alpn.is_empty() { "-".into() } else { t.alpn.join(",") }
            );
        }
    }
    if !cap.http.is_empty() {
        let _ = writeln!(o, "\nHTTP exchanges");
    }
    for x in &cap.http {
        let req = match &x.request {
            Some(r) => format!("{} {} {}", r.method, r.target, r.version),
            None => "(request not captured)".into(),
        };
        let resp = match &x.response {
            Some(r) => {
                let reason = if r.reason.is_empty() { status_reason(r.status) } else { &r.reason };
                let enc =
                    r.content_encoding.as_deref().map(|e| format!(", {e} {} on the wire", bytes(r.wire_body_len))).unwrap_or_default();
                let chunked = if r.chunked { ", chunked" } else { "" };
                let partial = if r.complete { "" } else { ", INCOMPLETE" };
                format!("{} {}  body {}{enc}{chunked}{partial}", r.status, reason, bytes(r.body_len))
            }
            None => "NO RESPONSE".into(),
        };
        let interim: Vec<String> = x.interim.iter().map(|i| format!("{} {}", i.status, i.reason)).collect();
        let interim = if interim.is_empty() { String::new() } else { format!("  (after {})", interim.join(", ")) };
        let timing = match (x.ttfb_ms, x.duration_ms) {
            (Some(t), Some(d)) => format!("  ttfb {t:.2} ms, total {d:.2} ms"),
            _ => String::new(),
        };
        let pkts = format!(
            "  [packets {}→{}]",
            x.request.as_ref().map(|r| r.packet).unwrap_or(0),
            x.response.as_ref().map(|r| r.packet).unwrap_or(0)
        );
        let req_body =
            x.request.as_ref().filter(|r| r.body_len > 0).map(|r| format!("  request body {}", bytes(r.body_len))).unwrap_or_default();
        let pipe = if x.pipelined_behind > 0 { format!("  (pipelined behind {})", x.pipelined_behind) } else { String::new() };
        let _ = writeln!(o, "  #{}.{:<3} {req} → {resp}{req_body}{interim}{timing}{pipe}{pkts}", x.connection, x.index);
    }
    let ws_conns: Vec<_> = cap.connections.iter().filter(|c| c.websocket.is_some() || c.protocol == Protocol::Websocket).collect();
    if !ws_conns.is_empty() {
        let _ = writeln!(o, "\nWebSocket sessions");
    }
    for c in ws_conns {
        let msgs: Vec<&WsMessage> = cap.websocket.iter().filter(|m| m.connection == c.id).collect();
        let is_socketio = cap.http.iter().any(|x| x.connection == c.id && x.request.as_ref().is_some_and(|r| r.target.contains("EIO=")));
        let _ = writeln!(o, "  #{} {} ⇄ {}", c.id, c.client, c.server);
        if let Some(h) = &c.websocket {
            if h.upgrade_captured {
                let check = match h.accept_ok {
                    Some(true) => "Sec-WebSocket-Accept verified".to_string(),
                    Some(false) => format!(
                        "Sec-WebSocket-Accept WRONG: got {}, expected {}",
                        h.accept.as_deref().unwrap_or("?"),
                        h.expected_accept.as_deref().unwrap_or("?")
                    ),
                    None => "Sec-WebSocket-Accept not checkable".into(),
                };
                let _ = writeln!(o, "      handshake: key {} → {check}", h.key.as_deref().unwrap_or("-"));
                if let Some(p) = &h.subprotocol {
                    let _ = writeln!(o, "      subprotocol: {p}");
                }
                if let Some(e) = &h.extensions {
                    let _ = writeln!(o, "      extensions: {e}");
                }
            } else {
                let _ = writeln!(o, "      upgrade not captured: recognised from frames");
            }
        }
        for d in Dir::BOTH {
            let mine: Vec<&&WsMessage> = msgs.iter().filter(|m| m.direction == d).collect();
            let mut by_op: Vec<(u8, usize)> = Vec::new();
            for m in &mine {
                match by_op.iter_mut().find(|(op, _)| *op == m.opcode) {
                    Some(e) => e.1 += 1,
                    None => by_op.push((m.opcode, 1)),
                }
            }
            let parts: Vec<String> = by_op.iter().map(|(op, n)| format!("{n} {}", opcode_name(*op).to_lowercase())).collect();
            let total: u64 = mine.iter().map(|m| m.len).sum();
            let who = if d == Dir::ClientToServer { "client → server" } else { "server → client" };
            let _ = writeln!(
                o,
                "      {who}: {} ({}), {}",
                counted(mine.len() as u64, "message"),
                if parts.is_empty() { "none".into() } else { parts.join(", ") },
                bytes(total)
            );
        }
        for m in msgs.iter().take(max_messages) {
            let comp = if m.compressed { format!(" deflate {}→{}", m.wire_len, m.len) } else { String::new() };
            let frames = if m.frames > 1 { format!(" in {} frames", m.frames) } else { String::new() };
            let close = m.close_code.map(|c| format!(" {c} {}", close_code_meaning(c))).unwrap_or_default();
            let sio = if is_socketio { socketio_note(m) } else { String::new() };
            let _ = writeln!(
                o,
                "      {} {:<6} {:>7}{comp}{frames}{close} {}{sio}  [packet {}]",
                m.direction.arrow(),
                opcode_name(m.opcode),
                bytes(m.len),
                preview(m, 60),
                m.packet
            );
        }
        if msgs.len() > max_messages {
            let _ = writeln!(o, "      … {} more messages (--messages N to list more)", msgs.len() - max_messages);
        }
        if let Some(h) = &c.websocket {
            let code = |c: Option<u16>| c.map(|c| format!("{c} {}", close_code_meaning(c))).unwrap_or_else(|| "none".into());
            if h.close_frames > 0 {
                let _ = writeln!(o, "      close: client sent {}, server sent {}", code(h.client_close_code), code(h.server_close_code));
            } else if h.abnormal_close {
                let _ = writeln!(o, "      close: NO close frame before the TCP connection ended → 1006 Abnormal Closure");
            } else {
                let _ = writeln!(o, "      close: none yet (still open at end of capture)");
            }
        }
    }
    if !cap.findings.is_empty() {
        let _ = writeln!(o, "\nFindings");
    }
    for f in &cap.findings {
        let conn = f.connection.map(|c| format!("#{c} ")).unwrap_or_default();
        let _ = writeln!(o, "  {:<7} {conn}packet {}  {}: {}", format!("{:?}", f.severity).to_lowercase(), f.packet, f.code, f.message);
    }
    o
}
