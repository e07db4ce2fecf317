//! The readable summary `wirescope analyze` prints.

use crate::analysis::catalogue::{finding_message, severity_text};
use crate::analysis::explain::{status_reason, Lang};
use crate::model::{Capture, Dir, End, Protocol, WsMessage};
use crate::proto::websocket::opcode_name;
use std::fmt::Write as _;

/// A close code's short name: "Normal Closure", or in Chinese its name from the explanations.
fn close_name(code: u16, lang: Lang) -> &'static str {
    match lang {
        Lang::En => crate::proto::websocket::close_code_meaning(code),
        Lang::Zh => {
            let s = crate::analysis::explain::close_code_meaning(code, Lang::Zh);
            s.split('：').next().unwrap_or(s)
        }
    }
}

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

fn end_text(e: End, lang: Lang) -> &'static str {
    match e {
        End::Fin => lang.pick("closed (FIN both ways)", "已关闭（双方都发了 FIN）"),
        End::HalfClosed => lang.pick("half-closed (FIN one way)", "半关闭（只有一方发了 FIN）"),
        End::Rst => lang.pick("reset (RST)", "被重置（RST）"),
        End::None => lang.pick("still open at end of capture", "抓包结束时仍未关闭"),
    }
}

/// "1 packet", "2 packets"; in Chinese with its measure word: "2 个数据包".
fn counted(n: u64, what: &str, lang: Lang) -> String {
    if lang == Lang::Zh {
        let (measure, noun) = match what {
            "packet" => ("个", "数据包"),
            "connection" => ("个", "连接"),
            "HTTP exchange" => ("个", "HTTP 交换"),
            "WebSocket message" => ("条", "WebSocket 消息"),
            "message" => ("条", "消息"),
            "Server-Sent Event" => ("条", "服务器发送事件（SSE）"),
            "finding" if n == 0 => return "无发现".into(),
            "finding" => ("个", "发现"),
            other => ("个", other),
        };
        let space = if noun.starts_with(|c: char| c.is_ascii()) { " " } else { "" };
        format!("{n} {measure}{space}{noun}")
    } else if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// The opcode's name as a count word: "text", "文本".
fn opcode_word(op: u8, lang: Lang) -> String {
    match (lang, op) {
        (Lang::Zh, 0) => "延续".into(),
        (Lang::Zh, 1) => "文本".into(),
        (Lang::Zh, 2) => "二进制".into(),
        (Lang::Zh, 8) => "关闭".into(),
        (Lang::Zh, 9) => "ping".into(),
        (Lang::Zh, 10) => "pong".into(),
        (Lang::Zh, _) => "保留".into(),
        _ => opcode_name(op).to_lowercase(),
    }
}

/// `max_messages`: WebSocket messages listed per session (the counts always cover all).
pub fn summary(name: &str, cap: &Capture, max_messages: usize) -> String {
    summary_in(name, cap, max_messages, Lang::En)
}

/// One direction of a session: messages by opcode (in order of first appearance), payload bytes.
type Side = (Vec<(u8, u64)>, u64);

/// WebSocket message figures for the summary, per connection and direction, counted as messages
/// go by: the summary of two million pings need not hold two million messages.
#[derive(Debug, Default)]
pub struct WsTally {
    total: u64,
    /// (connection, direction) → (messages by opcode in order of first appearance, payload bytes).
    sides: std::collections::HashMap<(u32, Dir), Side>,
    per_conn: std::collections::HashMap<u32, u64>,
}

impl WsTally {
    pub fn add(&mut self, m: &WsMessage) {
        self.total += 1;
        *self.per_conn.entry(m.connection).or_default() += 1;
        let (ops, bytes) = self.sides.entry((m.connection, m.direction)).or_default();
        match ops.iter_mut().find(|(op, _)| *op == m.opcode) {
            Some(e) => e.1 += 1,
            None => ops.push((m.opcode, 1)),
        }
        *bytes += m.len;
    }

    pub fn of(msgs: &[WsMessage]) -> Self {
        let mut t = WsTally::default();
        for m in msgs {
            t.add(m);
        }
        t
    }

    /// Messages seen on connection `c` (kept or not).
    fn on(&self, c: u32) -> u64 {
        self.per_conn.get(&c).copied().unwrap_or(0)
    }
}

/// A capture gathered for the text summary: WebSocket messages past the `keep` listed per
/// connection are tallied, not kept.
pub struct SummaryCapture {
    pub cap: Capture,
    pub tally: WsTally,
    keep: u64,
}

impl SummaryCapture {
    pub fn new(keep: usize) -> Self {
        SummaryCapture { cap: Capture::default(), tally: WsTally::default(), keep: keep as u64 }
    }

    pub fn apply(&mut self, e: crate::model::Event) {
        if let crate::model::Event::WsMessage(m) = &e {
            self.tally.add(m);
            if self.tally.on(m.connection) > self.keep {
                return;
            }
        }
        self.cap.apply(e);
    }
}

/// The summary in a language (the engine's facts; only the words change).
pub fn summary_in(name: &str, cap: &Capture, max_messages: usize, lang: Lang) -> String {
    summary_tallied(name, cap, &WsTally::of(&cap.websocket), max_messages, lang)
}

/// The summary of a capture whose WebSocket messages were tallied in `tally` (`cap.websocket`
/// holds at least the first `max_messages` of each connection).
pub fn summary_tallied(name: &str, cap: &Capture, tally: &WsTally, max_messages: usize, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let mut o = String::new();
    let count = |p: Protocol| cap.connections.iter().filter(|c| c.protocol == p).count();
    let mut kinds = Vec::new();
    for p in [Protocol::Http, Protocol::Websocket, Protocol::Tls, Protocol::Http2, Protocol::Quic, Protocol::Tcp, Protocol::Udp] {
        let n = count(p);
        if n > 0 {
            kinds.push(if zh { format!("{n} 个 {}", p.label()) } else { format!("{n} {}", p.label()) });
        }
    }
    let none = lang.pick("none", "无");
    let _ = writeln!(
        o,
        "{name}{}{}{sep}{}{}{}{}{sep}{}{sep}{}{sep}{}",
        lang.pick(": ", "："),
        counted(cap.packets.count, "packet", lang),
        counted(cap.connections.len() as u64, "connection", lang),
        lang.pick(" (", "（"),
        if kinds.is_empty() { none.to_string() } else { kinds.join(lang.pick(", ", "、")) },
        lang.pick(")", "）"),
        counted(cap.http.len() as u64, "HTTP exchange", lang),
        counted(tally.total, "WebSocket message", lang),
        counted(cap.findings.len() as u64, "finding", lang),
        sep = lang.pick(", ", "，"),
    );
    for c in &cap.packets.file_comments {
        let _ = writeln!(o, "  {}{c}", lang.pick("file comment: ", "文件注释："));
    }
    // HTTP/2 streams among the exchanges (a line only when there are some).
    let h2 = cap.http.iter().filter(|x| x.stream.is_some()).count();
    if h2 > 0 {
        let pushed = cap.http.iter().filter(|x| x.stream.is_some_and(|s| s % 2 == 0)).count();
        let _ = match lang {
            Lang::Zh => writeln!(o, "  HTTP/2：{h2} 个流（其中 {pushed} 个为服务器推送），{} 个 HTTP/2 帧事件", cap.h2_frames.len()),
            Lang::En => writeln!(
                o,
                "  HTTP/2: {} ({pushed} pushed), {} HTTP/2 frame events",
                counted(h2 as u64, "stream", lang),
                cap.h2_frames.len()
            ),
        };
    }
    if !cap.connections.is_empty() {
        let _ = writeln!(o, "\n{}", lang.pick("Connections", "连接"));
    }
    for c in &cap.connections {
        let rtt = c.handshake_rtt_ms.map(|r| format!("  {} {r:.3} ms", lang.pick("handshake RTT", "握手往返时间"))).unwrap_or_default();
        let guessed =
            if c.roles_guessed { lang.pick("  (roles guessed: no SYN seen)", "  （角色是推测的：没有看到 SYN）") } else { "" };
        let by = c
            .closed_by
            .map(|d| {
                if d == Dir::ClientToServer {
                    lang.pick(", client first", "，客户端先关闭")
                } else {
                    lang.pick(", server first", "，服务器先关闭")
                }
            })
            .unwrap_or("");
        let _ = writeln!(
            o,
            "  #{:<3} {:<9} {} → {}  {} {}/{}  {} {}/{}{}  {}{}  [{} {}–{}]{}",
            c.id,
            c.protocol.label(),
            c.client,
            c.server,
            lang.pick("packets", "数据包"),
            c.packets_client_to_server,
            c.packets_server_to_client,
            lang.pick("bytes", "字节"),
            c.bytes_client_to_server,
            c.bytes_server_to_client,
            rtt,
            end_text(c.end, lang),
            by,
            lang.pick("packets", "数据包"),
            c.first_packet,
            c.last_packet,
            guessed
        );
        if let Some(t) = &c.tunnel {
            let _ = writeln!(o, "        {} {t}", lang.pick("inside", "隧道"));
        }
        if c.retransmissions + c.out_of_order + c.gap_bytes > 0 {
            let _ = if zh {
                writeln!(o, "        重传 {}，乱序 {}，抓包中缺失的字节 {}", c.retransmissions, c.out_of_order, c.gap_bytes)
            } else {
                writeln!(
                    o,
                    "        retransmissions {}, out-of-order {}, bytes missing from capture {}",
                    c.retransmissions, c.out_of_order, c.gap_bytes
                )
            };
        }
        if let Some(t) = &c.tls {
            let _ = writeln!(
                o,
                "        TLS {} SNI {} ALPN {}{} {}",
                t.version.as_deref().unwrap_or("?"),
                t.sni.as_deref().unwrap_or("-"),
                if t.alpn.is_empty() { "-".into() } else { t.alpn.join(",") },
                t.cipher_suite.as_deref().map(|s| format!(" {s}")).unwrap_or_default(),
                if t.decrypted {
                    lang.pick("(decrypted with the key log)", "（已用密钥日志解密）")
                } else {
                    lang.pick("(encrypted)", "（已加密）")
                }
            );
        }
        if let Some(q) = &c.quic {
            let cid = |c: &Option<String>| c.as_deref().map_or("-", |c| if c.is_empty() { "(empty)" } else { c }).to_string();
            let _ = writeln!(
                o,
                "        {} ({}) {} {} {} {} {} {}/{}, {} {}",
                q.version_name,
                q.version,
                lang.pick("client CID", "客户端连接 ID"),
                cid(&q.client_cid),
                lang.pick("server CID", "服务器连接 ID"),
                cid(&q.server_cid),
                lang.pick("Initial packets", "Initial 包"),
                q.initial_packets_client_to_server,
                q.initial_packets_server_to_client,
                lang.pick("decrypted", "已解密"),
                q.initials_decrypted
            );
        }
    }
    if !cap.http.is_empty() {
        let _ = writeln!(o, "\n{}", lang.pick("HTTP exchanges", "HTTP 交换"));
    }
    for x in &cap.http {
        let req = match &x.request {
            Some(r) => format!("{} {} {}", r.method, r.target, r.version),
            None => lang.pick("(request not captured)", "（未抓到请求）").into(),
        };
        let resp = match &x.response {
            Some(r) => {
                let reason = if r.reason.is_empty() { status_reason(r.status) } else { &r.reason };
                let enc = r
                    .content_encoding
                    .as_deref()
                    .map(|e| {
                        if zh {
                            format!("，{e} 线上 {}", bytes(r.wire_body_len))
                        } else {
                            format!(", {e} {} on the wire", bytes(r.wire_body_len))
                        }
                    })
                    .unwrap_or_default();
                let chunked = if r.chunked { lang.pick(", chunked", "，分块") } else { "" };
                let partial = if r.complete { "" } else { lang.pick(", INCOMPLETE", "，不完整") };
                format!("{} {}  {} {}{enc}{chunked}{partial}", r.status, reason, lang.pick("body", "正文"), bytes(r.body_len))
            }
            None => lang.pick("NO RESPONSE", "没有响应").into(),
        };
        let interim: Vec<String> = x.interim.iter().map(|i| format!("{} {}", i.status, i.reason)).collect();
        let interim = if interim.is_empty() {
            String::new()
        } else if zh {
            format!("  （在 {} 之后）", interim.join("、"))
        } else {
            format!("  (after {})", interim.join(", "))
        };
        let timing = match (x.ttfb_ms, x.duration_ms) {
            (Some(t), Some(d)) if zh => format!("  首字节 {t:.2} ms，总计 {d:.2} ms"),
            (Some(t), Some(d)) => format!("  ttfb {t:.2} ms, total {d:.2} ms"),
            _ => String::new(),
        };
        let pkts = format!(
            "  [{} {}→{}]",
            lang.pick("packets", "数据包"),
            x.request.as_ref().map(|r| r.packet).unwrap_or(0),
            x.response.as_ref().map(|r| r.packet).unwrap_or(0)
        );
        let req_body = x
            .request
            .as_ref()
            .filter(|r| r.body_len > 0)
            .map(|r| format!("  {} {}", lang.pick("request body", "请求正文"), bytes(r.body_len)))
            .unwrap_or_default();
        let pipe = match x.pipelined_behind {
            0 => String::new(),
            n if zh => format!("  （流水线：排在 {n} 个请求之后）"),
            n => format!("  (pipelined behind {n})"),
        };
        let _ = writeln!(o, "  #{}.{:<3} {req} → {resp}{req_body}{interim}{timing}{pipe}{pkts}", x.connection, x.index);
    }
    let ws_conns: Vec<_> = cap.connections.iter().filter(|c| c.websocket.is_some() || c.protocol == Protocol::Websocket).collect();
    if !ws_conns.is_empty() {
        let _ = writeln!(o, "\n{}", lang.pick("WebSocket sessions", "WebSocket 会话"));
    }
    // Messages by connection, and the Socket.IO connections, in one pass each (not one per
    // session: a capture of many sessions and many messages stays linear).
    let mut by_conn: std::collections::HashMap<u32, Vec<&WsMessage>> = std::collections::HashMap::new();
    for m in &cap.websocket {
        by_conn.entry(m.connection).or_default().push(m);
    }
    let socketio: std::collections::HashSet<u32> =
        cap.http.iter().filter(|x| x.request.as_ref().is_some_and(|r| r.target.contains("EIO="))).map(|x| x.connection).collect();
    for c in ws_conns {
        let msgs: Vec<&WsMessage> = by_conn.remove(&c.id).unwrap_or_default();
        let is_socketio = socketio.contains(&c.id);
        let _ = writeln!(o, "  #{} {} ⇄ {}", c.id, c.client, c.server);
        if let Some(h) = &c.websocket {
            if h.upgrade_captured {
                let (got, want) = (h.accept.as_deref().unwrap_or("?"), h.expected_accept.as_deref().unwrap_or("?"));
                let check = match h.accept_ok {
                    Some(true) => lang.pick("Sec-WebSocket-Accept verified", "Sec-WebSocket-Accept 校验通过").to_string(),
                    Some(false) if zh => format!("Sec-WebSocket-Accept 错误：收到 {got}，应为 {want}"),
                    Some(false) => format!("Sec-WebSocket-Accept WRONG: got {got}, expected {want}"),
                    None => lang.pick("Sec-WebSocket-Accept not checkable", "Sec-WebSocket-Accept 无法校验").into(),
                };
                let _ = writeln!(o, "      {} {} → {check}", lang.pick("handshake: key", "握手：Key"), h.key.as_deref().unwrap_or("-"));
                if let Some(p) = &h.subprotocol {
                    let _ = writeln!(o, "      {}{p}", lang.pick("subprotocol: ", "子协议："));
                }
                if let Some(e) = &h.extensions {
                    let _ = writeln!(o, "      {}{e}", lang.pick("extensions: ", "扩展："));
                }
            } else {
                let _ = writeln!(o, "      {}", lang.pick("upgrade not captured: recognised from frames", "未抓到升级握手：根据帧识别"));
            }
        }
        for d in Dir::BOTH {
            let (by_op, total) = tally.sides.get(&(c.id, d)).map_or((&[][..], 0), |(ops, b)| (&ops[..], *b));
            let count: u64 = by_op.iter().map(|(_, n)| n).sum();
            let parts: Vec<String> = by_op
                .iter()
                .map(|(op, n)| if zh { format!("{n} 条{}", opcode_word(*op, lang)) } else { format!("{n} {}", opcode_word(*op, lang)) })
                .collect();
            let who = if d == Dir::ClientToServer {
                lang.pick("client → server", "客户端 → 服务器")
            } else {
                lang.pick("server → client", "服务器 → 客户端")
            };
            let _ = writeln!(
                o,
                "      {who}{}{}{}{}{}{}{}",
                lang.pick(": ", "："),
                counted(count, "message", lang),
                lang.pick(" (", "（"),
                if parts.is_empty() { none.into() } else { parts.join(lang.pick(", ", "、")) },
                lang.pick(")", "）"),
                lang.pick(", ", "，"),
                bytes(total)
            );
        }
        for m in msgs.iter().take(max_messages) {
            let comp = if m.compressed { format!(" deflate {}→{}", m.wire_len, m.len) } else { String::new() };
            let frames = match m.frames {
                0 | 1 => String::new(),
                n if zh => format!(" 分 {n} 帧"),
                n => format!(" in {n} frames"),
            };
            let close = m.close_code.map(|c| format!(" {c} {}", close_name(c, lang))).unwrap_or_default();
            let sio = if is_socketio { socketio_note(m) } else { String::new() };
            let _ = writeln!(
                o,
                "      {} {:<6} {:>7}{comp}{frames}{close} {}{sio}  [{} {}]",
                m.direction.arrow(),
                opcode_name(m.opcode),
                bytes(m.len),
                preview(m, 60),
                lang.pick("packet", "数据包"),
                m.packet
            );
        }
        if tally.on(c.id) > max_messages as u64 {
            let more = tally.on(c.id) - max_messages as u64;
            let _ = if zh {
                writeln!(o, "      … 还有 {more} 条消息（用 --messages N 列出更多）")
            } else {
                writeln!(o, "      … {more} more messages (--messages N to list more)")
            };
        }
        if let Some(h) = &c.websocket {
            // A close frame may carry no status code: endpoints then report 1005 (RFC 6455 §7.1.5).
            let sent = |d: crate::model::Dir| msgs.iter().any(|m| m.opcode == 8 && m.direction == d);
            let code = |c: Option<u16>, d: crate::model::Dir| match c {
                Some(c) => format!("{c} {}", close_name(c, lang)),
                None if sent(d) => {
                    lang.pick("a close frame with no status code (reported as 1005)", "不带状态码的关闭帧（报告为 1005）").into()
                }
                None => none.into(),
            };
            let (client, server) = (
                code(h.client_close_code, crate::model::Dir::ClientToServer),
                code(h.server_close_code, crate::model::Dir::ServerToClient),
            );
            let _ = match (h.close_frames > 0, h.abnormal_close, zh) {
                (true, _, false) => writeln!(o, "      close: client sent {client}, server sent {server}"),
                (true, _, true) => writeln!(o, "      关闭：客户端发送 {client}，服务器发送 {server}"),
                (false, true, false) => {
                    writeln!(o, "      close: NO close frame before the TCP connection ended → 1006 Abnormal Closure")
                }
                (false, true, true) => writeln!(o, "      关闭：TCP 连接结束前没有关闭帧 → 1006 异常关闭（Abnormal Closure）"),
                (false, false, false) => writeln!(o, "      close: none yet (still open at end of capture)"),
                (false, false, true) => writeln!(o, "      关闭：尚未关闭（抓包结束时仍然打开）"),
            };
        }
    }
    sse_section(&mut o, cap, max_messages, lang);
    if !cap.findings.is_empty() {
        let _ = writeln!(o, "\n{}", lang.pick("Findings", "发现的问题"));
    }
    for f in &cap.findings {
        let conn = f.connection.map(|c| format!("#{c} ")).unwrap_or_default();
        let sev = severity_text(f.severity, lang);
        let _ = if zh {
            writeln!(o, "  {sev}  {conn}数据包 {}  {}：{}", f.packet, f.code, finding_message(f, lang))
        } else {
            writeln!(o, "  {sev:<7} {conn}packet {}  {}: {}", f.packet, f.code, f.message)
        };
    }
    o
}

/// Server-Sent Events by connection: how many, and the first `max_messages` of each.
fn sse_section(o: &mut String, cap: &Capture, max_messages: usize, lang: Lang) {
    if cap.sse.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "\n{}{}{}",
        lang.pick("Server-Sent Events (", "服务器发送事件（"),
        counted(cap.sse.len() as u64, "Server-Sent Event", lang),
        lang.pick(")", "）")
    );
    let mut by_conn: std::collections::BTreeMap<(u32, u32), Vec<&crate::model::SseEvent>> = std::collections::BTreeMap::new();
    for e in &cap.sse {
        by_conn.entry((e.connection, e.exchange)).or_default().push(e);
    }
    for ((conn, exchange), evs) in by_conn {
        let _ = writeln!(o, "  #{conn}.{exchange}{}{}", lang.pick(": ", "："), counted(evs.len() as u64, "Server-Sent Event", lang));
        for e in evs.iter().take(max_messages) {
            let kind = e.event.as_deref().unwrap_or("message");
            let id = e.id.as_deref().map(|i| format!(" id={i}")).unwrap_or_default();
            let retry = e.retry.map(|r| format!(" retry={r}")).unwrap_or_default();
            let data: String = e.data.chars().take(60).map(|c| if c.is_control() { '·' } else { c }).collect();
            let more = if e.data.chars().count() > 60 || e.data_truncated { "…" } else { "" };
            let _ = writeln!(o, "      ← {kind}{id}{retry} \"{data}{more}\"  [{} {}]", lang.pick("packet", "数据包"), e.packet);
        }
        if evs.len() > max_messages {
            let _ = writeln!(o, "      … {}", evs.len() - max_messages);
        }
    }
}
