//! The details panel (HTTP exchange, WebSocket session and frame, packet layers) and the messages
//! list. Every header, status code, opcode and close code comes with its explanation.

use super::loader::Source;
use super::store::Store;
use super::{Command, View};
use crate::analysis::explain::{
    close_code_meaning, header_info, opcode_meaning, status_class_text, status_meaning, tcp_flag_meaning, Lang,
};
use crate::analysis::ladder::Target;
use crate::model::{Dir, Headers, HttpExchange, HttpResponse, Protocol, WsMessage};
use crate::proto::websocket::{handshake, opcode_name};
use eframe::egui::{self, Color32, RichText};

const OK: Color32 = Color32::from_rgb(80, 180, 100);
const BAD: Color32 = Color32::from_rgb(230, 80, 80);

pub fn details_ui(ui: &mut egui::Ui, lang: Lang, store: &Store, view: &mut View) -> Vec<Command> {
    let mut cmds = Vec::new();
    egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| match view.selection {
        Some(Target::Http(i)) => {
            if let Some(x) = store.cap.http.get(i) {
                if let Some(req) = &x.request {
                    ui.horizontal(|ui| {
                        if ui.button(lang.pick("Edit and resend", "编辑并重发")).clicked() {
                            cmds.push(Command::EditAndResend(i));
                        }
                        if ui.button(lang.pick("Copy as cURL", "复制为 cURL")).clicked() {
                            let server =
                                store.cap.connections.iter().find(|c| c.id == x.connection).map(|c| c.server.clone()).unwrap_or_default();
                            let body = req.body.as_ref().map(|b| b.bytes.clone()).unwrap_or_default();
                            let url = format!("http://{server}{}", req.target);
                            ui.ctx().copy_text(crate::builder::curl_command(&req.method, &url, &req.headers.to_pairs(), &body));
                        }
                    });
                }
                exchange_ui(ui, lang, x);
            }
        }
        Some(Target::WsFrame(i)) => frame_ui(ui, lang, store, i),
        Some(Target::WsMessage(i)) => {
            if let Some(m) = store.cap.websocket.get(i) {
                message_ui(ui, lang, m);
            }
        }
        Some(Target::Packet(n)) => packet_ui(ui, lang, store, view, n),
        None => {
            if let Some(c) = view.selected_conn {
                if store.cap.connections.iter().any(|k| k.id == c && k.websocket.is_some())
                    && ui.button(lang.pick("Open this WebSocket in the request builder", "在请求构造器中打开此 WebSocket")).clicked()
                {
                    cmds.push(Command::EditWebSocket(c));
                }
                connection_ui(ui, lang, store, c);
            } else {
                ui.label(lang.pick("Select a connection, an arrow or a packet.", "请选择一个连接、一条箭头或一个数据包。"));
            }
        }
    });
    cmds
}

fn connection_ui(ui: &mut egui::Ui, lang: Lang, store: &Store, id: u32) {
    let Some(c) = store.cap.connections.iter().find(|c| c.id == id) else { return };
    ui.heading(format!("#{} {}", c.id, c.protocol.label()));
    ui.label(format!("{} → {}", c.client, c.server));
    if let Some(rtt) = c.handshake_rtt_ms {
        ui.label(format!(
            "{}: {rtt:.3} ms",
            lang.pick("TCP three-way handshake (SYN, SYN-ACK, ACK) round trip", "TCP 三次握手（SYN、SYN-ACK、ACK）往返时间")
        ));
    }
    if c.roles_guessed {
        ui.label(lang.pick("No SYN was captured: client and server were guessed.", "没有捕获到 SYN：客户端和服务器是推测的。"));
    }
    if let Some(t) = &c.tls {
        ui.label(format!(
            "TLS {} · SNI {} · ALPN {} · {}",
            t.version.as_deref().unwrap_or("?"),
            t.sni.as_deref().unwrap_or("-"),
            t.alpn.join(","),
            lang.pick("encrypted", "已加密")
        ));
    }
    if let Some(hs) = &c.websocket {
        ws_handshake_ui(ui, lang, hs, store, id);
    }
    if c.protocol == Protocol::Http {
        ui.separator();
        let n = c.http_exchanges;
        ui.label(match lang {
            Lang::Zh => format!("这条连接上有 {n} 个 HTTP 交换"),
            _ if n == 1 => "1 HTTP exchange on this connection".to_string(),
            _ => format!("{n} HTTP exchanges on this connection"),
        });
        if c.http_exchanges > 1 {
            ui.label(lang.pick("keep-alive: several requests reused one TCP connection", "keep-alive：多个请求复用了同一条 TCP 连接"));
        }
    }
    let findings: Vec<_> = store.cap.findings.iter().filter(|f| f.connection == Some(id)).collect();
    if !findings.is_empty() {
        ui.separator();
        ui.strong(lang.pick("Findings", "发现的问题"));
        for f in findings {
            ui.colored_label(
                if f.severity == crate::model::Severity::Error { BAD } else { Color32::from_rgb(230, 160, 40) },
                format!("#{} {}: {}", f.packet, f.code, crate::analysis::catalogue::finding_message(f, lang)),
            );
        }
    }
}

/// The upgrade, with the Sec-WebSocket-Accept computation shown step by step.
fn ws_handshake_ui(ui: &mut egui::Ui, lang: Lang, hs: &crate::model::WsHandshake, store: &Store, id: u32) {
    ui.separator();
    ui.strong(lang.pick("WebSocket upgrade", "WebSocket 升级握手"));
    if !hs.upgrade_captured {
        ui.label(lang.pick(
            "The upgrade was not captured: the session was recognised from its frames.",
            "没有捕获到升级握手：会话是根据帧识别出来的。",
        ));
    }
    if let Some(resp) = store.cap.http.iter().filter(|x| x.connection == id).find_map(|x| x.response.as_ref().filter(|r| r.status == 101)) {
        ui.label(RichText::new(format!("{} {}", resp.status, resp.reason)).strong().color(OK));
    }
    if let Some(key) = &hs.key {
        egui::Grid::new("accept").num_columns(2).spacing([8.0, 4.0]).show(ui, |ui| {
            ui.label("1. Sec-WebSocket-Key");
            ui.monospace(key);
            ui.end_row();
            ui.label(lang.pick("2. key + GUID", "2. Key 拼接 GUID"));
            ui.add(egui::Label::new(RichText::new(format!("{key}{}", handshake::GUID)).monospace()).wrap());
            ui.end_row();
            ui.label("3. SHA-1");
            ui.monospace(handshake::sha1_hex(key));
            ui.end_row();
            ui.label(lang.pick("4. base64 = expected", "4. base64 编码 = 应有的值"));
            ui.monospace(hs.expected_accept.clone().unwrap_or_default());
            ui.end_row();
            ui.label(lang.pick("5. server sent", "5. 服务器返回的值"));
            ui.monospace(hs.accept.clone().unwrap_or_else(|| "—".into()));
            ui.end_row();
        });
        match hs.accept_ok {
            Some(true) => ui.colored_label(OK, lang.pick("Sec-WebSocket-Accept check: PASS", "Sec-WebSocket-Accept 校验：通过")),
            Some(false) => ui.colored_label(BAD, lang.pick("Sec-WebSocket-Accept check: FAIL", "Sec-WebSocket-Accept 校验：失败")),
            None => ui.label(lang.pick("No Accept header to check.", "没有可校验的 Accept 头。")),
        };
    }
    if let Some(p) = &hs.subprotocol {
        ui.label(format!("{}: {p}", lang.pick("Subprotocol", "子协议")));
    }
    if let Some(d) = &hs.permessage_deflate {
        ui.label(format!(
            "permessage-deflate: {} {}, {} {}{}{}",
            lang.pick("client window", "客户端窗口位数"),
            d.client_max_window_bits,
            lang.pick("server window", "服务器窗口位数"),
            d.server_max_window_bits,
            if d.client_no_context_takeover { ", client_no_context_takeover" } else { "" },
            if d.server_no_context_takeover { ", server_no_context_takeover" } else { "" }
        ));
    }
    ui.separator();
    ui.strong(lang.pick("Closing", "关闭"));
    let code = |c: Option<u16>| c.map(|c| format!("{c} — {}", close_code_meaning(c, lang))).unwrap_or_else(|| "—".into());
    if hs.close_frames > 0 {
        ui.label(format!("{}: {}", lang.pick("client sent", "客户端发送"), code(hs.client_close_code)));
        ui.label(format!("{}: {}", lang.pick("server sent", "服务器发送"), code(hs.server_close_code)));
    } else if hs.abnormal_close {
        ui.colored_label(BAD, format!("1006 — {}", close_code_meaning(1006, lang)));
    } else {
        ui.label(lang.pick("No close yet: the connection was still open when the capture ended.", "尚未关闭：抓包结束时连接仍然打开。"));
    }
}

fn headers_ui(ui: &mut egui::Ui, lang: Lang, id: &str, headers: &Headers) {
    egui::Grid::new(id).striped(true).num_columns(2).spacing([8.0, 2.0]).show(ui, |ui| {
        for (n, v) in headers {
            let r = ui.label(RichText::new(n).strong());
            if let Some(info) = header_info(n) {
                r.on_hover_text(format!("{}\n({})", lang.pick(info.en, info.zh), info.rfc));
            }
            ui.label(v);
            ui.end_row();
        }
    });
}

/// The URI under which egui's image loader caches a body (one per message).
pub fn body_image_uri(packet: u64, content_type: &str) -> String {
    let ext = content_type.trim_start_matches("image/").split(';').next().unwrap_or("bin").trim();
    format!("bytes://body-{packet}.{ext}")
}

fn body_ui(ui: &mut egui::Ui, lang: Lang, body: Option<&crate::model::Body>, decoded: u64, wire: u64, ctype: Option<&str>, packet: u64) {
    if decoded == 0 {
        return;
    }
    ui.label(format!("{}: {decoded} B · {}: {wire} B", lang.pick("body", "正文"), lang.pick("on the wire", "线上")));
    let Some(b) = body else { return };
    let bytes = &b.bytes;
    let ct = ctype.unwrap_or("").to_ascii_lowercase();
    if ct.contains("json") {
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) {
            ui.monospace(serde_json::to_string_pretty(&v).unwrap_or_default());
            return;
        }
    }
    if ct.starts_with("image/") && !b.truncated {
        let uri = body_image_uri(packet, &ct);
        ui.add(egui::Image::from_bytes(uri, bytes.clone()).max_width(380.0).max_height(300.0).alt_text(format!(
            "{} ({ct}, {} B)",
            lang.pick("image body", "图片正文"),
            bytes.len()
        )));
        return;
    }
    match std::str::from_utf8(bytes) {
        Ok(t) => {
            let shown: String = t.chars().take(4000).collect();
            ui.monospace(shown);
        }
        Err(_) => {
            ui.monospace(hex(&bytes[..bytes.len().min(256)]));
        }
    }
}

fn hex(b: &[u8]) -> String {
    b.chunks(16).map(|c| c.iter().map(|x| format!("{x:02x}")).collect::<Vec<_>>().join(" ")).collect::<Vec<_>>().join("\n")
}

fn status_ui(ui: &mut egui::Ui, lang: Lang, r: &HttpResponse) {
    let color = match r.status / 100 {
        2 => OK,
        3 => Color32::from_rgb(90, 150, 230),
        4 | 5 => BAD,
        _ => Color32::GRAY,
    };
    ui.label(RichText::new(format!("{} {} {}", r.version, r.status, r.reason)).strong().color(color));
    ui.label(status_class_text(r.status, lang));
    let m = status_meaning(r.status, lang);
    if !m.is_empty() {
        ui.label(RichText::new(m).italics());
    }
}

fn exchange_ui(ui: &mut egui::Ui, lang: Lang, x: &HttpExchange) {
    ui.heading(lang.pick("HTTP exchange", "HTTP 交换"));
    if let (Some(t), Some(d)) = (x.ttfb_ms, x.duration_ms) {
        ui.label(format!("{} {t:.2} ms · {} {d:.2} ms", lang.pick("time to first byte", "首字节时间"), lang.pick("total", "总计")));
    }
    if let Some(r) = &x.request {
        ui.separator();
        ui.label(RichText::new(format!("{} {} {}", r.method, r.target, r.version)).strong());
        ui.label(match lang {
            Lang::Zh => format!("数据包 {} · 头部 {} B", r.packet, r.head_len),
            Lang::En => format!("packet {} · {} B of headers", r.packet, r.head_len),
        });
        headers_ui(ui, lang, "req_headers", &r.headers);
        body_ui(ui, lang, r.body.as_ref(), r.body_len, r.wire_body_len, r.headers.value("Content-Type"), r.packet);
    } else {
        ui.label(lang.pick("(the request was not captured)", "（没有捕获到请求）"));
    }
    for i in &x.interim {
        ui.separator();
        status_ui(ui, lang, i);
    }
    ui.separator();
    match &x.response {
        Some(r) => {
            status_ui(ui, lang, r);
            ui.label(match lang {
                Lang::Zh => format!("数据包 {} · 头部 {} B", r.packet, r.head_len),
                Lang::En => format!("packet {} · {} B of headers", r.packet, r.head_len),
            });
            headers_ui(ui, lang, "resp_headers", &r.headers);
            if let Some(enc) = &r.content_encoding {
                ui.label(format!("Content-Encoding {enc}: {} → {} B", r.wire_body_len, r.body_len));
            }
            body_ui(ui, lang, r.body.as_ref(), r.body_len, r.wire_body_len, r.headers.value("Content-Type"), r.packet);
            if !r.complete {
                ui.colored_label(BAD, lang.pick("The response is incomplete in this capture.", "此抓包中的响应不完整。"));
            }
        }
        None => {
            ui.colored_label(BAD, lang.pick("No response was captured for this request.", "此请求没有捕获到响应。"));
        }
    }
}

fn message_ui(ui: &mut egui::Ui, lang: Lang, m: &WsMessage) {
    ui.heading(format!("WebSocket {} {}", opcode_name(m.opcode), m.direction.arrow()));
    ui.label(opcode_meaning(m.opcode, lang));
    ui.label(format!(
        "{} B · {} {} · {} {}",
        m.len,
        m.frames,
        lang.pick("frame(s)", "个帧"),
        lang.pick("ends in packet", "结束于数据包"),
        m.packet
    ));
    if m.compressed {
        ui.label(format!("permessage-deflate: {} → {} B", m.wire_len, m.len));
    }
    if let Some(c) = m.close_code {
        ui.label(format!("{c} — {}", close_code_meaning(c, lang)));
        if let Some(r) = &m.close_reason {
            ui.label(format!("{}: \"{r}\"", lang.pick("reason", "原因")));
        }
    }
    if m.opcode == 1 {
        let t = String::from_utf8_lossy(&m.payload);
        match serde_json::from_str::<serde_json::Value>(&t) {
            Ok(v) if t.trim_start().starts_with(['{', '[']) => ui.monospace(serde_json::to_string_pretty(&v).unwrap_or_default()),
            _ => ui.monospace(t.chars().take(4000).collect::<String>()),
        };
        if let Some(p) = crate::proto::socketio::parse_packet(&t) {
            if let Some(s) = p.socketio {
                ui.label(format!("Socket.IO {} {} {}", s.kind, s.namespace, s.event.unwrap_or_default()));
            }
        }
    } else if m.opcode != 8 {
        ui.monospace(hex(&m.payload[..m.payload.len().min(256)]));
    }
}

/// The frame header bit by bit, and the masking XOR on the first payload bytes.
fn frame_ui(ui: &mut egui::Ui, lang: Lang, store: &Store, i: usize) {
    let Some(f) = store.cap.frames.get(i) else { return };
    ui.heading(format!("{} {} {}", lang.pick("WebSocket frame", "WebSocket 帧"), opcode_name(f.opcode), f.direction.arrow()));
    ui.label(opcode_meaning(f.opcode, lang));
    egui::Grid::new("anatomy").striped(true).num_columns(3).spacing([10.0, 3.0]).show(ui, |ui| {
        let bit = |b: bool| if b { "1" } else { "0" };
        let rows: Vec<(&str, String, &str)> = vec![
            ("FIN", bit(f.fin).into(), lang.pick("1 = last frame of the message", "1 = 消息的最后一帧")),
            ("RSV1", bit(f.rsv & 4 != 0).into(), lang.pick("1 = compressed (permessage-deflate)", "1 = 已压缩（permessage-deflate）")),
            ("RSV2", bit(f.rsv & 2 != 0).into(), lang.pick("reserved, must be 0", "保留，必须为 0")),
            ("RSV3", bit(f.rsv & 1 != 0).into(), lang.pick("reserved, must be 0", "保留，必须为 0")),
            ("opcode", format!("0x{:x} {}", f.opcode, opcode_name(f.opcode)), ""),
            ("MASK", bit(f.masked).into(), lang.pick("clients must mask, servers must not", "客户端必须加掩码，服务器不得加掩码")),
            (
                lang.pick("length", "长度"),
                format!("{} B ({}-bit)", f.payload_len, f.length_form),
                lang.pick("7 bits up to 125, 16 bits up to 65535, else 64 bits", "≤125 用 7 位，≤65535 用 16 位，否则 64 位"),
            ),
        ];
        for (a, b, c) in rows {
            ui.strong(a);
            ui.monospace(b);
            ui.label(c);
            ui.end_row();
        }
    });
    if let Some(key) = f.mask_key {
        ui.label(format!("{}: {}", lang.pick("masking key", "掩码键"), hex(&key)));
        let msg =
            store.cap.websocket.iter().find(|m| {
                m.connection == f.connection && m.direction == f.direction && m.packet == f.packet && m.frames == 1 && !m.compressed
            });
        if let Some(m) = msg {
            let n = m.payload.len().min(8);
            let plain = &m.payload[..n];
            let keys: Vec<u8> = (0..n).map(|i| key[i % 4]).collect();
            let wire: Vec<u8> = plain.iter().zip(&keys).map(|(p, k)| p ^ k).collect();
            egui::Grid::new("xor").num_columns(2).show(ui, |ui| {
                ui.label(lang.pick("on the wire", "线上字节（已掩码）"));
                ui.monospace(hex(&wire));
                ui.end_row();
                ui.label(lang.pick("XOR key", "异或用的掩码键"));
                ui.monospace(hex(&keys));
                ui.end_row();
                ui.label(lang.pick("payload", "原始载荷（未掩码）"));
                ui.monospace(format!("{}  \"{}\"", hex(plain), String::from_utf8_lossy(plain)));
                ui.end_row();
            });
        }
    }
    if let Some(m) = store.cap.websocket.iter().find(|m| m.connection == f.connection && m.direction == f.direction && m.packet == f.packet)
    {
        ui.separator();
        message_ui(ui, lang, m);
    }
}

fn packet_ui(ui: &mut egui::Ui, lang: Lang, store: &Store, view: &mut View, number: u64) {
    let Some(r) = store.cap.rows.iter().find(|r| r.number == number) else { return };
    ui.heading(format!("{} {}", lang.pick("Packet", "数据包"), r.number));
    // Read back from the file once per selected packet, not on every frame.
    if view.packet_bytes.as_ref().is_none_or(|(n, _)| *n != number) {
        let read = match &store.source {
            Some(s @ (Source::File(_) | Source::Live { .. })) => {
                s.file().and_then(|p| crate::load::read_packet_bytes(&p, r.file_offset, r.len).ok())
            }
            Some(Source::Embedded { bytes, .. }) => {
                bytes.get(r.file_offset as usize..r.file_offset as usize + r.len as usize).map(<[u8]>::to_vec)
            }
            None => None,
        };
        view.packet_bytes = Some((number, read));
    }
    let bytes = view.packet_bytes.as_ref().and_then(|(_, b)| b.clone());
    let Some(bytes) = bytes else {
        ui.label(lang.pick("The packet's bytes could not be read back from the file.", "无法从文件读回此包的字节。"));
        return;
    };
    let offs = crate::dissect::layer_offsets(r.link_type, &bytes);
    let mut hovered: Option<(usize, usize)> = None;
    let (proto, info) = store.cap.rows.iter().position(|x| x.number == number).map(|i| store.describe(i)).unwrap_or_default();
    // Each line may name the bytes it describes: hovering it highlights them in the dump.
    let mut layer = |ui: &mut egui::Ui, title: String, range: (usize, usize), lines: Vec<(String, Option<(usize, usize)>)>| {
        let r = egui::CollapsingHeader::new(title).default_open(true).show(ui, |ui| {
            for (l, field) in lines {
                let resp = ui.label(l);
                if let (true, Some(f)) = (resp.hovered(), field) {
                    hovered = Some(f);
                }
            }
        });
        if r.header_response.hovered() {
            hovered = Some(range);
        }
    };
    if let Some((ip, tr, pl)) = offs {
        layer(ui, format!("{} · {} B", crate::dissect::link_type_name(r.link_type), ip), (0, ip), vec![]);
        let v6 = matches!(r.src, Some(core::net::IpAddr::V6(_)));
        let (sa, da) = if v6 { ((ip + 8, ip + 24), (ip + 24, ip + 40)) } else { ((ip + 12, ip + 16), (ip + 16, ip + 20)) };
        layer(
            ui,
            format!("IP {} → {}", r.src.map(|a| a.to_string()).unwrap_or_default(), r.dst.map(|a| a.to_string()).unwrap_or_default()),
            (ip, tr),
            vec![
                (format!("{} B", tr - ip), None),
                (format!("{} {}", lang.pick("source", "源地址"), r.src.map(|a| a.to_string()).unwrap_or_default()), Some(sa)),
                (format!("{} {}", lang.pick("destination", "目的地址"), r.dst.map(|a| a.to_string()).unwrap_or_default()), Some(da)),
            ],
        );
        if let crate::model::RowKind::Tcp { flags, seq, ack, window, payload } = r.kind {
            let f = crate::dissect::TcpFlags(flags);
            let (s, a) = match (r.connection, r.direction) {
                (Some(c), Some(d)) => store.relative(c, d, seq, ack),
                _ => (seq, ack),
            };
            let mut lines = vec![
                (format!("{} {} → {}", lang.pick("ports", "端口"), r.src_port, r.dst_port), Some((tr, tr + 4))),
                (format!("Seq={s} ({} {seq})", lang.pick("raw", "原始")), Some((tr + 4, tr + 8))),
                (format!("Ack={a}"), Some((tr + 8, tr + 12))),
                (format!("{} {f}", lang.pick("flags", "标志")), Some((tr + 13, tr + 14))),
                (format!("Win={window}"), Some((tr + 14, tr + 16))),
                (format!("Len={payload}"), None),
            ];
            for name in ["SYN", "ACK", "FIN", "RST", "PSH"] {
                if f.to_string().contains(name) {
                    lines.push((format!("{name}: {}", tcp_flag_meaning(name, lang)), Some((tr + 13, tr + 14))));
                }
            }
            layer(ui, format!("TCP {} → {}", r.src_port, r.dst_port), (tr, pl), lines);
        }
        if pl < bytes.len() {
            layer(ui, format!("{proto} · {} B", bytes.len() - pl), (pl, bytes.len()), vec![(info, Some((pl, bytes.len())))]);
        }
    }
    ui.separator();
    let colors = [
        Color32::from_rgb(120, 120, 120),
        Color32::from_rgb(90, 150, 230),
        Color32::from_rgb(220, 160, 60),
        Color32::from_rgb(80, 180, 100),
    ];
    let layer_of = |i: usize| match offs {
        Some((ip, tr, pl)) => {
            if i < ip {
                0
            } else if i < tr {
                1
            } else if i < pl {
                2
            } else {
                3
            }
        }
        None => 3,
    };
    for (row, chunk) in bytes.chunks(16).enumerate().take(256) {
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = 4.0;
            ui.monospace(RichText::new(format!("{:04x}", row * 16)).weak());
            for (j, b) in chunk.iter().enumerate() {
                let i = row * 16 + j;
                let mut t = RichText::new(format!("{b:02x}")).monospace().color(colors[layer_of(i)]);
                if hovered.is_some_and(|(a, z)| i >= a && i < z) {
                    t = t.background_color(Color32::from_rgb(80, 80, 20)).strong();
                }
                ui.label(t);
            }
        });
    }
}

/// The messages of the selected WebSocket connection, filterable, newest at the bottom.
pub fn messages_ui(ui: &mut egui::Ui, lang: Lang, store: &Store, view: &mut View) -> Vec<Command> {
    let mut cmds = Vec::new();
    ui.horizontal(|ui| {
        ui.label(lang.pick("Direction:", "方向："));
        ui.selectable_value(&mut view.ws_dir_filter, None, lang.pick("both", "双向"));
        ui.selectable_value(&mut view.ws_dir_filter, Some(Dir::ClientToServer), lang.pick("client → server", "客户端 → 服务器"));
        ui.selectable_value(&mut view.ws_dir_filter, Some(Dir::ServerToClient), lang.pick("server → client", "服务器 → 客户端"));
        ui.separator();
        ui.selectable_value(&mut view.ws_opcode_filter, None, lang.pick("all", "全部"));
        ui.selectable_value(&mut view.ws_opcode_filter, Some(1), "Text");
        ui.selectable_value(&mut view.ws_opcode_filter, Some(2), "Binary");
        let label = ui.label(lang.pick("Text:", "文字："));
        ui.add(
            egui::TextEdit::singleline(&mut view.ws_text_filter)
                .hint_text(lang.pick("text in message", "消息中的文字"))
                .desired_width(140.0),
        )
        .labelled_by(label.id);
    });
    let Some(conn) = view.selected_conn else {
        ui.label(lang.pick("Select a WebSocket connection.", "请选择一个 WebSocket 连接。"));
        return cmds;
    };
    let t0 = store.cap.packets.first_time.unwrap_or(0.0);
    egui::ScrollArea::vertical().auto_shrink([false, false]).stick_to_bottom(true).show(ui, |ui| {
        egui::Grid::new("msgs").striped(true).num_columns(5).spacing([10.0, 2.0]).show(ui, |ui| {
            for (i, m) in store.cap.websocket.iter().enumerate().filter(|(_, m)| m.connection == conn) {
                let control = m.opcode >= 8;
                // Ping, pong and close are always shown: they tell how the session is doing.
                if !control {
                    if view.ws_dir_filter.is_some_and(|d| d != m.direction) || view.ws_opcode_filter.is_some_and(|o| o != m.opcode) {
                        continue;
                    }
                    if !view.ws_text_filter.is_empty() && !String::from_utf8_lossy(&m.payload).contains(&view.ws_text_filter) {
                        continue;
                    }
                }
                let arrow = if m.direction == Dir::ClientToServer { "→" } else { "←" };
                let sel = view.selection == Some(Target::WsMessage(i));
                if ui.selectable_label(sel, format!("{arrow} {}", opcode_name(m.opcode))).clicked() {
                    cmds.push(Command::Select(Target::WsMessage(i)));
                }
                ui.label(format!("{:.6}", m.time - t0));
                ui.label(if m.compressed { format!("{} → {} B", m.wire_len, m.len) } else { format!("{} B", m.len) });
                let preview = match m.opcode {
                    1 => String::from_utf8_lossy(&m.payload).chars().take(60).collect::<String>(),
                    8 => m.close_code.map(|c| format!("{c} {}", m.close_reason.clone().unwrap_or_default())).unwrap_or_default(),
                    _ => hex(&m.payload[..m.payload.len().min(12)]).replace('\n', " "),
                };
                ui.label(preview);
                ui.end_row();
            }
        });
    });
    cmds
}
