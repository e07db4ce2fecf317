//! The details panel (HTTP exchange, WebSocket session and frame, packet layers). Every header,
//! status code, opcode and close code comes with its explanation.

use super::messages_ui::{payload_text, pretty_json};
use super::store::Store;
use super::{Command, View};
use crate::analysis::explain::{close_code_meaning, header_info, opcode_meaning, status_class_text, status_meaning, Lang};
use crate::analysis::ladder::Target;
use crate::model::{Headers, HttpExchange, HttpResponse, Protocol, WsMessage};
use crate::proto::websocket::{handshake, opcode_name};
use eframe::egui::{self, Color32, RichText};

const OK: Color32 = Color32::from_rgb(80, 180, 100);
const BAD: Color32 = Color32::from_rgb(230, 80, 80);

pub fn details_ui(ui: &mut egui::Ui, lang: Lang, store: &Store, view: &mut View) -> Vec<Command> {
    let mut cmds = Vec::new();
    ui.horizontal(|ui| {
        let back = ui.add_enabled(view.history.can_back(), egui::Button::new(lang.pick("← Back", "← 后退")).small());
        if back.on_hover_text(lang.pick("Previous selection (Alt+Left)", "上一个选择（Alt+Left）")).clicked() {
            cmds.push(Command::SelectionBack);
        }
        let fwd = ui.add_enabled(view.history.can_forward(), egui::Button::new(lang.pick("Forward →", "前进 →")).small());
        if fwd.on_hover_text(lang.pick("Next selection (Alt+Right)", "下一个选择（Alt+Right）")).clicked() {
            cmds.push(Command::SelectionForward);
        }
    });
    ui.separator();
    // An item of another connection than the selected one is never shown: the connection is.
    let item = view
        .selection
        .filter(|t| crate::app::diagram_ui::connection_of(&store.cap, *t).is_none_or(|c| view.selected_conn.is_none_or(|s| s == c)));
    egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| match item {
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
        Some(Target::Sse(i)) => {
            if let Some(e) = store.cap.sse.get(i) {
                sse_ui(ui, lang, e, store.cap.packets.first_time.unwrap_or(0.0));
            }
        }
        Some(Target::H2Frame(i)) => {
            if let Some(f) = store.cap.h2_frames.get(i) {
                h2_frame_ui(ui, lang, f, store.cap.packets.first_time.unwrap_or(0.0));
            }
        }
        Some(Target::Packet(n)) => super::packet_detail_ui::packet_ui(ui, lang, store, view, n),
        None => {
            if let Some(c) = view.selected_conn {
                if store.cap.connections.iter().any(|k| k.id == c && k.websocket.is_some())
                    && ui.button(lang.pick("Open this WebSocket in the request builder", "在请求构造器中打开此 WebSocket")).clicked()
                {
                    cmds.push(Command::EditWebSocket(c));
                }
                cmds.extend(connection_ui(ui, lang, store, c));
            } else {
                ui.label(lang.pick("Select a connection, an arrow or a packet.", "请选择一个连接、一条箭头或一个数据包。"));
            }
        }
    });
    cmds
}

/// A QUIC flow's facts: what anyone on the path can read (long headers, decrypted Initials).
fn quic_ui(ui: &mut egui::Ui, lang: Lang, q: &crate::model::QuicInfo) {
    ui.separator();
    ui.label(RichText::new(lang.pick("QUIC", "QUIC")).strong()).on_hover_text(lang.pick(
        "QUIC (RFC 9000) carries TLS 1.3 over UDP. Its Initial packets are encrypted with keys derived from the client's first Destination Connection ID (RFC 9001 §5.2): anyone on the path can decrypt them, so the ClientHello's SNI and ALPN are visible; Handshake and 1-RTT packets are not.",
        "QUIC（RFC 9000）在 UDP 上承载 TLS 1.3。它的 Initial 包用由客户端首个目标连接 ID 推导出的密钥加密（RFC 9001 §5.2）：路径上的任何人都能解密，所以 ClientHello 中的 SNI 和 ALPN 是可见的；Handshake 包和 1-RTT 包则不能解密。",
    ));
    ui.label(format!("{}: {} ({})", lang.pick("Version", "版本"), q.version_name, q.version));
    let ids = [
        (
            lang.pick(
                "Client's first Destination Connection ID (the Initial keys come from it)",
                "客户端首个目标连接 ID（Initial 密钥由它推导）",
            ),
            &q.dcid,
        ),
        (lang.pick("Client connection ID", "客户端连接 ID"), &q.client_cid),
        (lang.pick("Server connection ID", "服务器连接 ID"), &q.server_cid),
    ];
    for (name, id) in ids {
        if let Some(id) = id {
            let id = if id.is_empty() { lang.pick("(empty)", "（空）") } else { id.as_str() };
            ui.add(egui::Label::new(format!("{name}: {id}")).wrap());
        }
    }
    ui.label(match lang {
        Lang::Zh => format!(
            "Initial 包：客户端→服务器 {}，服务器→客户端 {}，其中已解密 {}",
            q.initial_packets_client_to_server, q.initial_packets_server_to_client, q.initials_decrypted
        ),
        _ => format!(
            "Initial packets: {} client→server, {} server→client, {} of them decrypted",
            q.initial_packets_client_to_server, q.initial_packets_server_to_client, q.initials_decrypted
        ),
    });
    ui.label(match lang {
        Lang::Zh => format!(
            "Handshake 包 {}，0-RTT 包 {}，1-RTT（短包头）包 {}：只有两端持有其密钥，已加密",
            q.handshake_packets, q.zero_rtt_packets, q.short_header_packets
        ),
        _ => format!(
            "{} Handshake, {} 0-RTT and {} 1-RTT (short header) packets: encrypted with keys only the endpoints have",
            q.handshake_packets, q.zero_rtt_packets, q.short_header_packets
        ),
    });
    let hellos = match (q.client_hello, q.server_hello) {
        (true, true) => lang.pick(
            "ClientHello and ServerHello read from the Initial CRYPTO frames",
            "已从 Initial 包的 CRYPTO 帧读出 ClientHello 和 ServerHello",
        ),
        (true, false) => lang.pick(
            "ClientHello read from the Initial CRYPTO frames; no ServerHello",
            "已从 Initial 包的 CRYPTO 帧读出 ClientHello；没有 ServerHello",
        ),
        (false, true) => lang.pick("ServerHello read; the ClientHello was not", "已读出 ServerHello；未读出 ClientHello"),
        (false, false) => lang.pick("No TLS hello could be read from the Initial packets", "无法从 Initial 包读出 TLS hello"),
    };
    ui.label(hellos);
    if q.retry {
        ui.label(lang.pick(
            "The server sent a Retry: the client's next Initial uses the new connection ID, and new Initial keys",
            "服务器发送了 Retry：客户端的下一个 Initial 使用新的连接 ID 和新的 Initial 密钥",
        ));
    }
    if !q.offered_versions.is_empty() {
        ui.label(format!("{}: {}", lang.pick("Version Negotiation offered", "版本协商提供的版本"), q.offered_versions.join(", ")));
    }
    if let Some(close) = &q.close {
        ui.label(format!("{}: {close}", lang.pick("CONNECTION_CLOSE in an Initial", "Initial 包中的 CONNECTION_CLOSE")));
    }
}

fn connection_ui(ui: &mut egui::Ui, lang: Lang, store: &Store, id: u32) -> Vec<Command> {
    let mut cmds = Vec::new();
    let Some(c) = store.cap.connections.iter().find(|c| c.id == id) else { return cmds };
    ui.heading(format!("#{} {}", c.id, c.protocol.label()));
    ui.add(egui::Label::new(format!("{} → {}", c.client, c.server)).wrap());
    if let Some(rtt) = c.handshake_rtt_ms {
        ui.label(format!(
            "{}: {rtt:.3} ms",
            lang.pick("TCP three-way handshake (SYN, SYN-ACK, ACK) round trip", "TCP 三次握手（SYN、SYN-ACK、ACK）往返时间")
        ));
    }
    if c.roles_guessed {
        ui.label(lang.pick("No SYN was captured: client and server were guessed.", "没有捕获到 SYN：客户端和服务器是推测的。"));
    }
    if let Some(t) = &c.tunnel {
        ui.add(egui::Label::new(format!("{}: {t}", lang.pick("Carried in a tunnel", "经隧道传输"))).wrap());
    }
    let health = crate::analysis::explain::tcp_analysis_explained(&c.tcp_analysis, lang);
    if !health.is_empty() || c.gap_bytes > 0 {
        ui.label(egui::RichText::new(lang.pick("TCP analysis (as Wireshark counts it)", "TCP 分析（按 Wireshark 的计数方式）")).strong());
        for (name, n, meaning) in health {
            ui.label(format!("{n} × {name}")).on_hover_text(meaning);
        }
        if c.gap_bytes > 0 {
            ui.label(match lang {
                Lang::Zh => format!("{} 字节从未被捕获（按缺口交给解码器）", c.gap_bytes),
                _ => format!("{} bytes never captured (handed to the decoders as gaps)", c.gap_bytes),
            });
        }
    }
    if let Some(t) = &c.tls {
        tls_ui(ui, lang, store, c, t);
    }
    if let Some(q) = &c.quic {
        quic_ui(ui, lang, q);
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
        let pipelined = store.cap.http.iter().filter(|x| x.connection == id && x.pipelined_behind > 0).count();
        if pipelined > 0 {
            ui.label(match lang {
                Lang::En => format!(
                    "pipelining: {pipelined} request(s) sent before the previous response arrived; the server answers in order (RFC 9112 §9.3.2)"
                ),
                Lang::Zh => format!("流水线：有 {pipelined} 个请求在上一个响应到达之前就已发出；服务器按顺序应答（RFC 9112 §9.3.2）"),
            });
        }
        // Each exchange, clickable: its request line and final status.
        for (i, x) in store.cap.http.iter().enumerate().filter(|(_, x)| x.connection == id) {
            let line = x.request.as_ref().map(|r| format!("{} {}", r.method, r.target)).unwrap_or_else(|| "?".into());
            let status = x.response.as_ref().map(|r| format!(" → {} {}", r.status, r.reason)).unwrap_or_default();
            let r = ui.add(egui::Button::selectable(false, format!("{line}{status}")).truncate());
            if r.on_hover_text(format!("{line}{status}")).clicked() {
                cmds.push(Command::Select(Target::Http(i)));
            }
        }
    }
    cmds.extend(h2_streams_ui(ui, lang, store, c));
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
    cmds
}

/// What a TLS connection's handshake showed, whether it was decrypted, and its cipher suite taken
/// apart.
fn tls_ui(ui: &mut egui::Ui, lang: Lang, store: &Store, c: &crate::model::Connection, t: &crate::model::TlsInfo) {
    ui.separator();
    ui.strong(t.version.clone().unwrap_or_else(|| "TLS".to_string()));
    let field = |ui: &mut egui::Ui, name: &str, value: &str, hover: &str| {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(name).strong()).on_hover_text(hover);
            ui.label(value);
        });
    };
    field(
        ui,
        "SNI",
        t.sni.as_deref().unwrap_or("-"),
        lang.pick(
            "Server Name Indication: the host name the client asked for, sent in the clear in the ClientHello",
            "服务器名称指示（SNI）：客户端请求的主机名，在 ClientHello 中以明文发送",
        ),
    );
    let alpn = if t.alpn.is_empty() { "-".to_string() } else { t.alpn.join(", ") };
    field(
        ui,
        "ALPN",
        &alpn,
        lang.pick(
            "Application-Layer Protocol Negotiation: the protocols the client offered (h2 = HTTP/2, http/1.1), in the clear",
            "应用层协议协商（ALPN）：客户端提供的协议（h2 即 HTTP/2，http/1.1），以明文发送",
        ),
    );
    // Decrypted, or why not.
    let tls_finding = store
        .cap
        .findings
        .iter()
        .find(|f| f.connection == Some(c.id) && matches!(f.code, "tls.no_key" | "tls.decrypt_failed" | "tls.unsupported_suite"));
    if t.decrypted {
        ui.colored_label(GOOD_TLS, lang.pick("decrypted with the key log", "已用密钥日志解密"));
    } else if let Some(f) = tls_finding {
        ui.colored_label(
            Color32::from_rgb(230, 160, 40),
            format!("{}: {}", lang.pick("encrypted", "已加密"), crate::analysis::catalogue::finding_message(f, lang)),
        );
    } else {
        ui.colored_label(
            Color32::from_rgb(230, 160, 40),
            lang.pick(
                "encrypted: no key log — File → Key log file… (Ctrl+K) decrypts it",
                "已加密：没有密钥日志 —— 文件 → 密钥日志文件…（Ctrl+K）可解密",
            ),
        );
        ui.add(
            egui::Label::new(
                RichText::new(lang.pick(
                    "An eavesdropper sees only this: the hello messages, then records of encrypted application data — their sizes and times, not their content.",
                    "窃听者只能看到这些：握手的 hello 消息，之后是加密的应用数据记录——能看到大小和时间，看不到内容。",
                ))
                .weak(),
            )
            .wrap(),
        );
    }
    let Some(suite) = &t.cipher_suite else { return };
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(lang.pick("Cipher suite", "密码套件")).strong());
        ui.label(RichText::new(suite).monospace());
    });
    let parts = crate::analysis::explain::cipher_suite_parts(suite, lang);
    if parts.is_empty() {
        return;
    }
    egui::Grid::new(("tls-suite", c.id)).num_columns(2).spacing([8.0, 2.0]).show(ui, |ui| {
        for (part, value, meaning) in parts {
            ui.label(part);
            ui.label(RichText::new(value).monospace()).on_hover_text(meaning);
            ui.end_row();
        }
    });
    ui.collapsing(lang.pick("What each part does", "各部分的作用"), |ui| {
        for (part, value, meaning) in crate::analysis::explain::cipher_suite_parts(suite, lang) {
            ui.add(egui::Label::new(format!("{part} ({value}): {meaning}")).wrap());
        }
    });
}

/// The "decrypted" line's colour.
const GOOD_TLS: Color32 = Color32::from_rgb(90, 180, 100);

/// A long value (hash, base64, header, URL) that wraps inside the panel, with a copy button.
fn long_value(ui: &mut egui::Ui, lang: Lang, name: &str, value: &str) {
    ui.horizontal(|ui| {
        ui.label(RichText::new(name).strong());
        if ui.small_button(lang.pick("Copy", "复制")).on_hover_text(value).clicked() {
            ui.ctx().copy_text(value.to_string());
        }
    });
    ui.add(egui::Label::new(RichText::new(value).monospace()).wrap());
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
        // One step under the other, values wrapping: the panel keeps its width at 300 px.
        long_value(ui, lang, "1. Sec-WebSocket-Key", key);
        long_value(ui, lang, lang.pick("2. key + GUID", "2. Key 拼接 GUID"), &format!("{key}{}", handshake::GUID));
        long_value(ui, lang, "3. SHA-1", &handshake::sha1_hex(key));
        long_value(
            ui,
            lang,
            lang.pick("4. base64 = expected", "4. base64 编码 = 应有的值"),
            hs.expected_accept.as_deref().unwrap_or_default(),
        );
        long_value(ui, lang, lang.pick("5. server sent", "5. 服务器返回的值"), hs.accept.as_deref().unwrap_or("—"));
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
    // A close frame may carry no status code: endpoints then report 1005 (RFC 6455 §7.1.5).
    let sent = |d: crate::model::Dir| store.cap.websocket.iter().any(|m| m.connection == id && m.opcode == 8 && m.direction == d);
    let code = |c: Option<u16>, d: crate::model::Dir| match c {
        Some(c) => format!("{c} — {}", close_code_meaning(c, lang)),
        None if sent(d) => format!(
            "{} 1005 — {}",
            lang.pick("a close frame with no status code; endpoints report", "不带状态码的关闭帧；两端报告"),
            close_code_meaning(1005, lang)
        ),
        None => lang.pick("no close frame", "没有发送关闭帧").into(),
    };
    if hs.close_frames > 0 {
        ui.label(format!("{}: {}", lang.pick("client sent", "客户端发送"), code(hs.client_close_code, crate::model::Dir::ClientToServer)));
        ui.label(format!("{}: {}", lang.pick("server sent", "服务器发送"), code(hs.server_close_code, crate::model::Dir::ServerToClient)));
    } else if hs.abnormal_close {
        ui.colored_label(BAD, format!("1006 — {}", close_code_meaning(1006, lang)));
    } else {
        ui.label(lang.pick("No close yet: the connection was still open when the capture ended.", "尚未关闭：抓包结束时连接仍然打开。"));
    }
}

/// Each header on its own line, the value wrapping under its name when long (right-click copies it).
fn headers_ui(ui: &mut egui::Ui, lang: Lang, headers: &Headers) {
    // Rows as tall as the text, not as a button: headers read as a compact list.
    let saved = ui.spacing().interact_size.y;
    ui.spacing_mut().interact_size.y = ui.text_style_height(&egui::TextStyle::Body);
    for (n, v) in headers {
        ui.horizontal_wrapped(|ui| {
            ui.spacing_mut().item_spacing.x = 6.0;
            ui.spacing_mut().interact_size.y = saved;
            let r = ui.label(RichText::new(format!("{n}:")).strong());
            if let Some(info) = header_info(n) {
                r.on_hover_text(format!("{}\n({})", lang.pick(info.en, info.zh), info.rfc));
            }
            let r = ui.add(egui::Label::new(v).wrap().sense(egui::Sense::click()));
            r.context_menu(|ui| {
                if ui.button(lang.pick("Copy value", "复制值")).clicked() {
                    ui.ctx().copy_text(v.to_string());
                    ui.close();
                }
            });
        });
    }
    ui.spacing_mut().interact_size.y = saved;
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
        if let Some(p) = std::str::from_utf8(bytes).ok().and_then(pretty_json) {
            ui.add(egui::Label::new(RichText::new(p).monospace()).wrap());
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
            ui.add(egui::Label::new(RichText::new(shown).monospace()).wrap());
        }
        Err(_) => {
            ui.monospace(hex(&bytes[..bytes.len().min(256)]));
        }
    }
}

pub(super) fn hex(b: &[u8]) -> String {
    b.chunks(16).map(|c| c.iter().map(|x| format!("{x:02x}")).collect::<Vec<_>>().join(" ")).collect::<Vec<_>>().join("\n")
}

fn status_ui(ui: &mut egui::Ui, lang: Lang, r: &HttpResponse) {
    let [cr, cg, cb] = crate::analysis::ladder::status_rgb(r.status);
    let color = Color32::from_rgb(cr, cg, cb);
    ui.label(RichText::new(format!("{} {} {}", r.version, r.status, r.reason)).strong().color(color));
    ui.label(status_class_text(r.status, lang));
    let m = status_meaning(r.status, lang);
    if !m.is_empty() {
        ui.label(RichText::new(m).italics());
    }
}

fn exchange_ui(ui: &mut egui::Ui, lang: Lang, x: &HttpExchange) {
    ui.heading(lang.pick("HTTP exchange", "HTTP 交换"));
    if let Some(id) = x.stream {
        ui.label(match lang {
            Lang::Zh => format!("HTTP/2 流 {id}（与同一连接上的其他流交错传输）"),
            _ => format!("HTTP/2 stream {id} (interleaved with the connection's other streams)"),
        });
    }
    if let (Some(t), Some(d)) = (x.ttfb_ms, x.duration_ms) {
        ui.label(format!("{} {t:.2} ms · {} {d:.2} ms", lang.pick("time to first byte", "首字节时间"), lang.pick("total", "总计")));
    }
    if let Some(r) = &x.request {
        ui.separator();
        ui.add(egui::Label::new(RichText::new(format!("{} {} {}", r.method, r.target, r.version)).strong()).wrap());
        ui.label(match lang {
            Lang::Zh => format!("数据包 {} · 头部 {} B", r.packet, r.head_len),
            Lang::En => format!("packet {} · {} B of headers", r.packet, r.head_len),
        });
        headers_ui(ui, lang, &r.headers);
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
            headers_ui(ui, lang, &r.headers);
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

/// An HTTP/2 connection's streams with their timing, one row each, clickable: multiplexing is
/// streams whose start-to-end spans overlap on one connection.
fn h2_streams_ui(ui: &mut egui::Ui, lang: Lang, store: &Store, c: &crate::model::Connection) -> Vec<Command> {
    let mut cmds = Vec::new();
    let mut streams: Vec<(usize, &HttpExchange, u32)> =
        store.cap.http.iter().enumerate().filter(|(_, x)| x.connection == c.id).filter_map(|(i, x)| Some((i, x, x.stream?))).collect();
    streams.sort_by_key(|s| s.2);
    if streams.is_empty() {
        return cmds;
    }
    ui.separator();
    ui.strong(match lang {
        Lang::Zh => format!("HTTP/2 流（{} 个，共用这一条连接）", streams.len()),
        _ => format!("HTTP/2 streams ({} on this one connection)", streams.len()),
    })
    .on_hover_text(lang.pick(
        "Each request and its response travel on their own stream (odd ids from the client, even ones pushed by the server); their frames interleave on the one TCP connection, so a slow response does not hold up the others (RFC 9113 §5). Start is from the connection's first packet; TTFB from the end of the request to the first byte of the response.",
        "每个请求及其响应在各自的流上传输（客户端使用奇数编号，服务器推送使用偶数编号）；它们的帧在同一条 TCP 连接上交错传输，所以一个慢响应不会阻塞其他响应（RFC 9113 §5）。开始时间从连接的第一个数据包算起；TTFB 从请求结束到响应的第一个字节。",
    ));
    let t0 = c.start_time;
    let ms = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.1}"));
    egui::ScrollArea::horizontal().id_salt("h2-streams").show(ui, |ui| {
        egui::Grid::new("h2-streams-grid").striped(true).num_columns(7).spacing([5.0, 2.0]).show(ui, |ui| {
            for (h, tip) in [
                (lang.pick("stream", "流"), ""),
                (lang.pick("request", "请求"), ""),
                (lang.pick("status", "状态"), ""),
                (lang.pick("start", "开始"), lang.pick("ms from the connection's first packet", "从连接的第一个数据包算起的毫秒数")),
                ("TTFB", lang.pick("ms from the end of the request to the response's first byte", "从请求结束到响应第一个字节的毫秒数")),
                (
                    lang.pick("total", "总计"),
                    lang.pick("ms from the request's start to the response's end", "从请求开始到响应结束的毫秒数"),
                ),
                (lang.pick("bytes", "字节"), lang.pick("response body bytes (decoded)", "响应正文字节数（解码后）")),
            ] {
                let r = ui.strong(h);
                if !tip.is_empty() {
                    r.on_hover_text(tip);
                }
            }
            ui.end_row();
            for (i, x, id) in streams {
                if ui.add(egui::Button::selectable(false, format!("s{id}"))).clicked() {
                    cmds.push(Command::Select(Target::Http(i)));
                }
                let req = x.request.as_ref();
                let line = req.map_or_else(|| "?".to_string(), |r| format!("{} {}", r.method, r.target));
                let short: String =
                    if line.chars().count() > 24 { format!("{}…", line.chars().take(24).collect::<String>()) } else { line.clone() };
                ui.label(short).on_hover_text(line);
                ui.label(x.response.as_ref().map_or_else(|| "-".to_string(), |r| r.status.to_string()));
                ui.label(ms(req.map(|r| (r.start_time - t0) * 1e3)));
                ui.label(ms(x.ttfb_ms));
                ui.label(ms(x.duration_ms));
                ui.label(x.response.as_ref().map_or_else(|| "-".to_string(), |r| r.body_len.to_string()));
                ui.end_row();
            }
        });
    });
    ui.label(RichText::new(lang.pick("times in ms", "时间单位：毫秒")).weak());
    cmds
}

/// One HTTP/2 frame drawn as an arrow (a connection frame or a RST_STREAM): what it is and what
/// each of its values means.
fn h2_frame_ui(ui: &mut egui::Ui, lang: Lang, f: &crate::model::H2Frame, t0: f64) {
    use crate::analysis::explain::{h2_error_meaning, h2_frame_meaning, h2_setting_meaning};
    use crate::proto::http2::frame;
    ui.heading(format!("HTTP/2 {} {}", f.kind, f.direction.arrow()));
    let code = (0u8..=9).find(|k| frame::type_name(*k) == Some(&*f.kind));
    ui.add(egui::Label::new(h2_frame_meaning(code.unwrap_or(0xff), lang)).wrap());
    let stream =
        if f.stream == 0 { lang.pick("0 (the connection itself)", "0（连接本身）").to_string() } else { f.stream.to_string() };
    ui.label(format!("{}: {stream}", lang.pick("stream", "流")));
    let ack = matches!(code, Some(frame::SETTINGS | frame::PING)) && f.flags & frame::FLAG_ACK != 0;
    ui.label(format!(
        "{}: 0x{:02x}{} · {}: {} B",
        lang.pick("flags", "标志"),
        f.flags,
        if ack { " (ACK)" } else { "" },
        lang.pick("payload", "载荷"),
        f.len
    ));
    let packets = if f.first_packet == f.packet { f.packet.to_string() } else { format!("{}–{}", f.first_packet, f.packet) };
    ui.label(format!("{} {packets} · {:.6} s", lang.pick("packet", "数据包"), f.time - t0));
    if ack {
        ui.add(
            egui::Label::new(
                RichText::new(match code {
                    Some(frame::SETTINGS) => {
                        lang.pick("ACK: the peer has applied the SETTINGS it received.", "ACK：对方已应用收到的 SETTINGS。")
                    }
                    _ => lang
                        .pick("ACK: the answer to the peer's PING, echoing its 8 bytes.", "ACK：对对方 PING 的应答，原样返回那 8 个字节。"),
                })
                .weak(),
            )
            .wrap(),
        );
    }
    ui.separator();
    let note = |ui: &mut egui::Ui, value: String, meaning: &str| {
        ui.label(RichText::new(value).monospace().strong());
        ui.add(egui::Label::new(RichText::new(meaning).weak()).wrap());
    };
    for part in f.detail.split(' ').filter(|p| !p.is_empty() && *p != "ACK") {
        match part.split_once('=') {
            Some(("error", label)) => {
                let meaning = (0u32..=0xd).find(|c| frame::error_label(*c) == label).map(|c| h2_error_meaning(c, lang));
                note(ui, part.to_string(), meaning.unwrap_or(""));
            }
            Some(("last_stream", n)) => note(
                ui,
                part.to_string(),
                &match lang {
                    Lang::Zh => format!("发送方会处理的最后一个流是 {n}；更大编号的流可以在新连接上重试。"),
                    _ => format!("the last stream the sender will process is {n}; higher ones may be retried on a new connection."),
                },
            ),
            Some((name, _)) if code == Some(frame::SETTINGS) => {
                let id = (1u16..=9)
                    .find(|i| frame::setting_name(*i) == Some(name))
                    .or_else(|| u16::from_str_radix(name.trim_start_matches("0x"), 16).ok());
                note(ui, part.to_string(), h2_setting_meaning(id.unwrap_or(0), lang));
            }
            _ if code == Some(frame::WINDOW_UPDATE) => note(
                ui,
                part.to_string(),
                &match (lang, f.stream) {
                    (Lang::Zh, 0) => format!("接收方允许对方在整个连接上再多发送 {} 字节。", part.trim_start_matches('+')),
                    (Lang::Zh, s) => format!("接收方允许对方在流 {s} 上再多发送 {} 字节。", part.trim_start_matches('+')),
                    (_, 0) => {
                        format!("the receiver lets the peer send {} more bytes on the whole connection.", part.trim_start_matches('+'))
                    }
                    (_, s) => format!("the receiver lets the peer send {} more bytes on stream {s}.", part.trim_start_matches('+')),
                },
            ),
            _ if code == Some(frame::PING) => {
                note(ui, part.to_string(), lang.pick("8 opaque bytes the peer must echo back.", "对方必须原样返回的 8 个不透明字节。"))
            }
            _ => note(ui, part.to_string(), ""),
        }
    }
    if code == Some(frame::SETTINGS) && !ack && f.detail.is_empty() {
        ui.label(lang.pick("(no parameters: every setting keeps its default)", "（没有参数：各项设置保持默认值）"));
    }
}

/// One Server-Sent Event: its fields, each with what it means.
fn sse_ui(ui: &mut egui::Ui, lang: Lang, e: &crate::model::SseEvent, t0: f64) {
    use crate::analysis::explain::{sse_field_meaning, sse_meaning};
    let title = match &e.event {
        Some(t) => format!("{} {t} ←", lang.pick("SSE event:", "SSE 事件：")),
        None => lang.pick("SSE message ←", "SSE 消息 ←").to_string(),
    };
    ui.heading(title);
    ui.add(egui::Label::new(sse_meaning(lang)).wrap());
    ui.label(format!(
        "{} #{}.{} · {} {}–{} · {:.6} s",
        lang.pick("response", "响应"),
        e.connection,
        e.exchange,
        lang.pick("packets", "数据包"),
        e.first_packet,
        e.packet,
        e.time - t0
    ));
    ui.separator();
    let field = |ui: &mut egui::Ui, name: &str, value: String| {
        ui.label(RichText::new(format!("{name}: {value}")).monospace().strong());
        ui.add(egui::Label::new(RichText::new(sse_field_meaning(name, lang)).weak()).wrap());
    };
    field(ui, "event", e.event.clone().unwrap_or_else(|| lang.pick("(none: \"message\")", "（无：\"message\"）").into()));
    field(ui, "id", e.id.clone().unwrap_or_else(|| lang.pick("(none)", "（无）").into()));
    if let Some(r) = e.retry {
        field(ui, "retry", format!("{r} ms"));
    }
    ui.label(RichText::new(format!("data ({} B):", e.data.len())).monospace().strong());
    let shown = pretty_json(&e.data).unwrap_or_else(|| e.data.chars().take(4000).collect());
    ui.add(egui::Label::new(RichText::new(shown).monospace()).wrap());
    ui.add(egui::Label::new(RichText::new(sse_field_meaning("data", lang)).weak()).wrap());
    if e.data_truncated {
        ui.label(RichText::new(lang.pick("(data cut at the kept limit)", "（数据超出保留上限，已截断）")).weak());
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
    if m.opcode == 8 {
        return;
    }
    // Text whenever the payload is UTF-8 (pings and pongs too), JSON in the wire's key order; hex otherwise.
    match payload_text(&m.payload) {
        Some(t) => {
            let shown = pretty_json(t).unwrap_or_else(|| t.chars().take(4000).collect());
            ui.add(egui::Label::new(RichText::new(shown).monospace()).wrap());
            if let Some(s) = crate::proto::socketio::parse_packet(t).and_then(|p| p.socketio) {
                ui.label(format!("Socket.IO {} {} {}", s.kind, s.namespace, s.event.unwrap_or_default()));
            }
        }
        None if !m.payload.is_empty() => {
            ui.label(RichText::new(lang.pick("payload (hex)", "载荷（十六进制）")).weak());
            ui.monospace(hex(m.payload.get(..256).unwrap_or(&m.payload)));
        }
        None => {}
    }
    if m.payload_truncated {
        ui.label(RichText::new(lang.pick("(payload cut at the kept limit)", "（载荷超出保留上限，已截断）")).weak());
    }
}

/// The frame header bit by bit, and the masking XOR on the first payload bytes.
fn frame_ui(ui: &mut egui::Ui, lang: Lang, store: &Store, i: usize) {
    let Some(f) = store.cap.frames.get(i) else { return };
    ui.heading(format!("{} {} {}", lang.pick("WebSocket frame", "WebSocket 帧"), opcode_name(f.opcode), f.direction.arrow()));
    ui.label(opcode_meaning(f.opcode, lang));
    egui::Grid::new("anatomy").striped(true).num_columns(2).spacing([10.0, 3.0]).show(ui, |ui| {
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
        // The explanation goes under the value and wraps there, so the panel keeps its width.
        let note = (egui::TextStyle::Body.resolve(ui.style()).size - 2.0).max(9.0);
        for (a, b, c) in rows {
            ui.strong(a);
            ui.vertical(|ui| {
                ui.monospace(b);
                if !c.is_empty() {
                    ui.add(egui::Label::new(RichText::new(c).size(note).weak()).wrap());
                }
            });
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
                ui.add(
                    egui::Label::new(RichText::new(format!("{}  \"{}\"", hex(plain), String::from_utf8_lossy(plain))).monospace()).wrap(),
                );
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
