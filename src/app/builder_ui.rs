//! The request builder window: an HTTP tab (method, URL, query, headers, body as raw/JSON/form,
//! timeout) and a WebSocket tab (URL, subprotocols, headers, permessage-deflate, auto-pong; send
//! text/binary/JSON, ping, close). Work runs on a small tokio runtime; results come back over
//! channels, so the window never waits on the network.

use crate::analysis::explain::{status_meaning, Lang};
use crate::builder::{self, BodyKind, HttpResult, HttpSpec, Who, WsCommand, WsEvent, WsSpec};
use eframe::egui;
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BuilderTab {
    #[default]
    Http,
    WebSocket,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SendKind {
    #[default]
    Text,
    Json,
    BinaryHex,
}

pub struct Builder {
    pub open: bool,
    pub tab: BuilderTab,
    rt: Option<tokio::runtime::Runtime>,
    // HTTP
    pub method: String,
    pub url: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body_kind: BodyKind,
    pub body: String,
    pub timeout_s: f64,
    /// https/wss: check certificates (on by default), and a CA file to trust as well.
    pub verify_tls: bool,
    pub ca_path: String,
    pending: Option<(Receiver<Result<HttpResult, String>>, Instant)>,
    pub result: Option<Result<HttpResult, String>>,
    // WebSocket
    pub ws_url: String,
    pub ws_protocols: String,
    pub ws_headers: Vec<(String, String)>,
    pub ws_deflate: bool,
    pub ws_auto_pong: bool,
    ws_tx: Option<tokio::sync::mpsc::UnboundedSender<WsCommand>>,
    ws_rx: Option<Receiver<WsEvent>>,
    pub ws_log: Vec<WsEvent>,
    pub ws_open: bool,
    pub compose: String,
    pub send_kind: SendKind,
    pub ping_payload: String,
    pub close_code: String,
    pub close_reason: String,
    pub ws_error: Option<String>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            open: false,
            tab: BuilderTab::Http,
            rt: None,
            method: "GET".into(),
            url: "http://127.0.0.1:8080/".into(),
            query: Vec::new(),
            headers: vec![("Accept".into(), "*/*".into())],
            body_kind: BodyKind::Raw,
            body: String::new(),
            timeout_s: 10.0,
            verify_tls: true,
            ca_path: String::new(),
            pending: None,
            result: None,
            ws_url: "ws://127.0.0.1:8080/".into(),
            ws_protocols: String::new(),
            ws_headers: Vec::new(),
            ws_deflate: false,
            ws_auto_pong: true,
            ws_tx: None,
            ws_rx: None,
            ws_log: Vec::new(),
            ws_open: false,
            compose: "hello".into(),
            send_kind: SendKind::Text,
            ping_payload: "ping".into(),
            close_code: "1000".into(),
            close_reason: "bye".into(),
            ws_error: None,
        }
    }
}

const ERR: egui::Color32 = egui::Color32::from_rgb(230, 80, 80);

impl Builder {
    fn runtime(&mut self) -> Result<&tokio::runtime::Runtime, String> {
        if self.rt.is_none() {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("wirescope-builder")
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start the network runtime: {e}"))?;
            self.rt = Some(rt);
        }
        self.rt.as_ref().ok_or_else(|| "no runtime".to_string())
    }

    pub fn busy(&self) -> bool {
        self.pending.is_some() || self.ws_open
    }

    /// Takes results that arrived since the last frame.
    pub fn poll(&mut self) {
        if let Some((rx, _)) = &self.pending {
            if let Ok(r) = rx.try_recv() {
                self.result = Some(r);
                self.pending = None;
            }
        }
        if let Some(rx) = &self.ws_rx {
            while let Ok(e) = rx.try_recv() {
                match &e {
                    WsEvent::Opened { .. } => self.ws_open = true,
                    WsEvent::Closed { .. } => {
                        self.ws_open = false;
                        self.ws_tx = None;
                    }
                    WsEvent::Error(m) => {
                        self.ws_error = Some(m.clone());
                    }
                    _ => {}
                }
                if self.ws_log.len() < 100_000 {
                    self.ws_log.push(e);
                }
            }
        }
    }

    fn tls_options(&self) -> Result<crate::lab::tls::TlsOptions, String> {
        let extra_roots_pem = if self.ca_path.trim().is_empty() {
            None
        } else {
            Some(std::fs::read(self.ca_path.trim()).map_err(|e| format!("cannot read the CA file {}: {e}", self.ca_path.trim()))?)
        };
        Ok(crate::lab::tls::TlsOptions { verify: self.verify_tls, extra_roots_pem })
    }

    fn send_http(&mut self, ctx: &egui::Context) {
        let tls = match self.tls_options() {
            Ok(t) => t,
            Err(e) => {
                self.result = Some(Err(e));
                return;
            }
        };
        let spec = HttpSpec {
            tls,
            method: self.method.clone(),
            url: self.url.clone(),
            query: self.query.clone(),
            headers: self.headers.clone(),
            body_kind: self.body_kind,
            body: self.body.clone(),
            timeout: Duration::from_secs_f64(self.timeout_s.clamp(0.1, 600.0)),
        };
        let (tx, rx) = channel();
        let c = ctx.clone();
        match self.runtime() {
            Ok(rt) => {
                rt.spawn(async move {
                    let _ = tx.send(builder::send_http(&spec).await);
                    c.request_repaint();
                });
                self.pending = Some((rx, Instant::now()));
                self.result = None;
            }
            Err(e) => self.result = Some(Err(e)),
        }
    }

    fn connect_ws(&mut self, ctx: &egui::Context) {
        let tls = match self.tls_options() {
            Ok(t) => t,
            Err(e) => {
                self.ws_error = Some(e);
                return;
            }
        };
        let spec = WsSpec {
            tls,
            url: self.ws_url.clone(),
            protocols: self.ws_protocols.split(',').map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect(),
            headers: self.ws_headers.clone(),
            deflate: self.ws_deflate,
            auto_pong: self.ws_auto_pong,
            timeout: Duration::from_secs_f64(self.timeout_s.clamp(0.1, 600.0)),
        };
        let (ctx_tx, ctx_rx) = tokio::sync::mpsc::unbounded_channel();
        let (ev_tx, ev_rx) = channel();
        let c = ctx.clone();
        self.ws_log.clear();
        self.ws_error = None;
        match self.runtime() {
            Ok(rt) => {
                rt.spawn(builder::run_ws(spec, ctx_rx, move |e| {
                    let _ = ev_tx.send(e);
                    c.request_repaint();
                }));
                self.ws_tx = Some(ctx_tx);
                self.ws_rx = Some(ev_rx);
            }
            Err(e) => self.ws_error = Some(e),
        }
    }

    fn ws_send(&mut self, cmd: WsCommand) {
        if let Some(tx) = &self.ws_tx {
            let _ = tx.send(cmd);
        }
    }

    /// Fills the HTTP tab from a captured request.
    pub fn load_http(&mut self, method: &str, url: String, headers: &[(String, String)], body: &[u8]) {
        self.tab = BuilderTab::Http;
        self.open = true;
        self.method = method.to_string();
        self.url = url;
        self.query.clear();
        self.headers = headers
            .iter()
            .filter(|(n, _)| !["host", "content-length", "connection", "transfer-encoding"].iter().any(|h| n.eq_ignore_ascii_case(h)))
            .cloned()
            .collect();
        self.body_kind = BodyKind::Raw;
        self.body = String::from_utf8_lossy(body).into_owned();
        self.result = None;
    }

    /// Fills the WebSocket tab from a captured handshake.
    pub fn load_ws(&mut self, url: String, protocols: &str, headers: &[(String, String)], deflate: bool) {
        self.tab = BuilderTab::WebSocket;
        self.open = true;
        self.ws_url = url;
        self.ws_protocols = protocols.to_string();
        self.ws_deflate = deflate;
        self.ws_headers = headers
            .iter()
            .filter(|(n, _)| {
                let n = n.to_ascii_lowercase();
                !(n == "host" || n == "upgrade" || n == "connection" || n.starts_with("sec-websocket-"))
            })
            .cloned()
            .collect();
    }
}

fn pairs_ui(ui: &mut egui::Ui, id: &str, rows: &mut Vec<(String, String)>, lang: Lang, name_hint: &str) {
    let mut remove = None;
    egui::Grid::new(id).num_columns(3).spacing([6.0, 4.0]).show(ui, |ui| {
        for (i, (k, v)) in rows.iter_mut().enumerate() {
            ui.add_sized([160.0, 20.0], egui::TextEdit::singleline(k).hint_text(name_hint));
            ui.add_sized([280.0, 20.0], egui::TextEdit::singleline(v).hint_text(lang.pick("value", "值")));
            if ui.small_button(lang.pick("Remove", "删除")).clicked() {
                remove = Some(i);
            }
            ui.end_row();
        }
    });
    if let Some(i) = remove {
        rows.remove(i);
    }
    if ui.small_button(lang.pick("+ Add", "+ 添加")).clicked() {
        rows.push((String::new(), String::new()));
    }
}

pub fn builder_window(ctx: &egui::Context, lang: Lang, b: &mut Builder) {
    b.poll();
    if b.busy() {
        ctx.request_repaint_after(Duration::from_millis(100));
    }
    let mut open = b.open;
    egui::Window::new(lang.pick("Request builder", "请求构造器")).open(&mut open).default_size([640.0, 620.0]).resizable(true).show(
        ctx,
        |ui| {
            ui.horizontal(|ui| {
                ui.selectable_value(&mut b.tab, BuilderTab::Http, "HTTP");
                ui.selectable_value(&mut b.tab, BuilderTab::WebSocket, "WebSocket");
                ui.separator();
                ui.weak(lang.pick(
                    "Tip: with a live capture on the loopback interface running, the traffic appears in the diagram as it happens.",
                    "提示：在回环网卡上实时抓包时，这里发出的流量会实时出现在时序图中。",
                ));
            });
            ui.separator();
            egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| match b.tab {
                BuilderTab::Http => http_tab(ui, lang, b),
                BuilderTab::WebSocket => ws_tab(ui, lang, b),
            });
        },
    );
    b.open = open;
}

fn http_tab(ui: &mut egui::Ui, lang: Lang, b: &mut Builder) {
    let ctx = ui.ctx().clone();
    ui.horizontal(|ui| {
        egui::ComboBox::from_id_salt("method").selected_text(b.method.clone()).width(90.0).show_ui(ui, |ui| {
            for m in ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] {
                ui.selectable_value(&mut b.method, m.to_string(), m);
            }
        });
        let u = ui.add(egui::TextEdit::singleline(&mut b.url).desired_width(400.0).hint_text("http://127.0.0.1:8080/path"));
        let enter = u.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        let sending = b.pending.is_some();
        if (ui.add_enabled(!sending, egui::Button::new(lang.pick("Send", "发送"))).clicked() || enter) && !sending {
            b.send_http(&ctx);
        }
        if sending {
            ui.spinner();
        }
    });
    ui.horizontal(|ui| {
        let l = ui.label(lang.pick("Timeout (s)", "超时（秒）"));
        ui.add(egui::DragValue::new(&mut b.timeout_s).range(0.1..=600.0).speed(0.5)).labelled_by(l.id);
    });
    tls_ui(ui, lang, b);
    egui::CollapsingHeader::new(lang.pick("Query parameters", "查询参数")).default_open(!b.query.is_empty()).show(ui, |ui| {
        pairs_ui(ui, "query", &mut b.query, lang, lang.pick("name", "名称"));
    });
    egui::CollapsingHeader::new(lang.pick("Headers", "请求头")).default_open(true).show(ui, |ui| {
        pairs_ui(ui, "headers", &mut b.headers, lang, "Header-Name");
    });
    egui::CollapsingHeader::new(lang.pick("Body", "请求体")).default_open(!b.body.is_empty()).show(ui, |ui| {
        ui.horizontal(|ui| {
            ui.selectable_value(&mut b.body_kind, BodyKind::Raw, lang.pick("Raw text", "原始文本"));
            ui.selectable_value(&mut b.body_kind, BodyKind::Json, "JSON");
            ui.selectable_value(&mut b.body_kind, BodyKind::Form, lang.pick("Form (name=value per line)", "表单（每行 name=value）"));
        });
        ui.add(egui::TextEdit::multiline(&mut b.body).code_editor().desired_rows(4).desired_width(f32::INFINITY));
        if b.body_kind == BodyKind::Json && !b.body.trim().is_empty() {
            if let Err(e) = serde_json::from_str::<serde_json::Value>(&b.body) {
                ui.colored_label(ERR, format!("{} {e}", lang.pick("Not valid JSON:", "JSON 无效：")));
            }
        }
    });
    ui.separator();
    match &b.result {
        None if b.pending.is_some() => {
            ui.label(lang.pick("Waiting for the response…", "正在等待响应…"));
        }
        None => {
            ui.weak(lang.pick("No request sent yet.", "尚未发送请求。"));
        }
        Some(Err(e)) => {
            ui.colored_label(ERR, e);
        }
        Some(Ok(r)) => {
            let color = match r.reply.status {
                200..=299 => egui::Color32::from_rgb(80, 180, 100),
                300..=399 => egui::Color32::from_rgb(90, 160, 240),
                _ => ERR,
            };
            ui.horizontal(|ui| {
                ui.colored_label(color, egui::RichText::new(format!("{} {}", r.reply.status, r.reply.reason)).strong().size(16.0));
                ui.label(status_meaning(r.reply.status, lang));
            });
            let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
            ui.label(format!(
                "{} {} · TLS {} · {} {} · {} {} · {} {} B / {} B",
                lang.pick("connect", "建连"),
                ms(r.connect),
                r.tls.map(ms).unwrap_or_else(|| "—".into()),
                lang.pick("first byte", "首字节"),
                ms(r.reply.first_byte),
                lang.pick("total", "总计"),
                ms(r.reply.total),
                lang.pick("sent / received", "发送 / 接收"),
                r.raw_sent.len(),
                r.raw_received.len()
            ));
            egui::CollapsingHeader::new(format!("{} ({})", lang.pick("Response headers", "响应头"), r.reply.headers.len()))
                .default_open(true)
                .show(ui, |ui| {
                    egui::Grid::new("resp-h").striped(true).num_columns(2).show(ui, |ui| {
                        for (n, v) in &r.reply.headers {
                            ui.monospace(n);
                            ui.label(v);
                            ui.end_row();
                        }
                    });
                });
            egui::CollapsingHeader::new(format!("{} ({} B)", lang.pick("Response body", "响应体"), r.reply.body.len()))
                .default_open(true)
                .show(ui, |ui| {
                    let text = match serde_json::from_slice::<serde_json::Value>(&r.reply.body) {
                        Ok(v) => serde_json::to_string_pretty(&v).unwrap_or_default(),
                        Err(_) => String::from_utf8_lossy(&r.reply.body[..r.reply.body.len().min(256 * 1024)]).into_owned(),
                    };
                    let mut t = text.as_str();
                    ui.add(egui::TextEdit::multiline(&mut t).code_editor().desired_width(f32::INFINITY).desired_rows(3));
                });
            egui::CollapsingHeader::new(lang.pick("Raw bytes sent and received", "原始字节（发送与接收）")).show(ui, |ui| {
                for (title, bytes) in [(lang.pick("sent", "发送"), &r.raw_sent), (lang.pick("received", "接收"), &r.raw_received)] {
                    ui.strong(title);
                    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]).into_owned();
                    let mut t = text.as_str();
                    ui.add(egui::TextEdit::multiline(&mut t).code_editor().desired_width(f32::INFINITY).desired_rows(3));
                }
            });
        }
    }
}

fn ws_tab(ui: &mut egui::Ui, lang: Lang, b: &mut Builder) {
    let ctx = ui.ctx().clone();
    let open = b.ws_open || b.ws_tx.is_some();
    ui.horizontal(|ui| {
        ui.add_enabled(!open, egui::TextEdit::singleline(&mut b.ws_url).desired_width(400.0).hint_text("ws://127.0.0.1:8080/chat"));
        if !open {
            if ui.button(lang.pick("Connect", "连接")).clicked() {
                b.connect_ws(&ctx);
            }
        } else if ui.button(lang.pick("Disconnect", "断开")).clicked() {
            b.ws_tx = None;
        }
        if b.ws_tx.is_some() && !b.ws_open {
            ui.spinner();
        }
    });
    ui.add_enabled_ui(!open, |ui| {
        ui.horizontal(|ui| {
            let l = ui.label(lang.pick("Subprotocols (comma-separated)", "子协议（逗号分隔）"));
            ui.add(egui::TextEdit::singleline(&mut b.ws_protocols).desired_width(200.0)).labelled_by(l.id);
            ui.checkbox(&mut b.ws_deflate, "permessage-deflate");
            ui.checkbox(&mut b.ws_auto_pong, lang.pick("Auto-pong", "自动回 pong"));
        });
        tls_ui(ui, lang, b);
        egui::CollapsingHeader::new(lang.pick("Extra handshake headers", "额外的握手请求头")).show(ui, |ui| {
            pairs_ui(ui, "ws-headers", &mut b.ws_headers, lang, "Header-Name");
        });
    });
    if let Some(e) = &b.ws_error {
        ui.colored_label(ERR, e);
    }
    ui.separator();
    ui.add_enabled_ui(b.ws_open, |ui| {
        ui.horizontal(|ui| {
            ui.selectable_value(&mut b.send_kind, SendKind::Text, lang.pick("Text", "文本"));
            ui.selectable_value(&mut b.send_kind, SendKind::Json, "JSON");
            ui.selectable_value(&mut b.send_kind, SendKind::BinaryHex, lang.pick("Binary (hex)", "二进制（十六进制）"));
        });
        ui.horizontal(|ui| {
            ui.add(egui::TextEdit::singleline(&mut b.compose).desired_width(400.0));
            if ui.button(lang.pick("Send", "发送")).clicked() {
                let cmd = match b.send_kind {
                    SendKind::Text => Ok(WsCommand::Text(b.compose.clone())),
                    SendKind::Json => serde_json::from_str::<serde_json::Value>(&b.compose)
                        .map(|_| WsCommand::Text(b.compose.clone()))
                        .map_err(|e| format!("not valid JSON: {e}")),
                    SendKind::BinaryHex => {
                        let clean: String = b.compose.chars().filter(|c| !c.is_whitespace()).collect();
                        (0..clean.len())
                            .step_by(2)
                            .map(|i| clean.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
                            .collect::<Option<Vec<u8>>>()
                            .map(WsCommand::Binary)
                            .ok_or_else(|| "hex digits in pairs, e.g. de ad be ef".to_string())
                    }
                };
                match cmd {
                    Ok(c) => {
                        b.ws_error = None;
                        b.ws_send(c);
                    }
                    Err(e) => b.ws_error = Some(e),
                }
            }
        });
        ui.horizontal(|ui| {
            ui.add(egui::TextEdit::singleline(&mut b.ping_payload).desired_width(120.0));
            if ui.button(lang.pick("Send ping", "发送 ping")).clicked() {
                let p = b.ping_payload.clone().into_bytes();
                if p.len() > 125 {
                    b.ws_error = Some("a ping payload can be at most 125 bytes (RFC 6455 §5.5)".into());
                } else {
                    b.ws_send(WsCommand::Ping(p));
                }
            }
            ui.separator();
            ui.add(egui::TextEdit::singleline(&mut b.close_code).desired_width(50.0));
            ui.add(egui::TextEdit::singleline(&mut b.close_reason).desired_width(120.0));
            if ui.button(lang.pick("Send close", "发送 close")).clicked() {
                match b.close_code.trim().parse::<u16>() {
                    Ok(c) if crate::proto::websocket::close_code_valid_on_wire(c) => b.ws_send(WsCommand::Close(c, b.close_reason.clone())),
                    _ => {
                        b.ws_error =
                            Some(format!("{} is not a close code that may be sent (1000-1003, 1007-1014, 3000-4999)", b.close_code))
                    }
                }
            }
        });
    });
    ui.separator();
    ui.strong(lang.pick("Message log", "消息记录"));
    egui::Grid::new("ws-log").striped(true).num_columns(4).spacing([10.0, 2.0]).show(ui, |ui| {
        for e in &b.ws_log {
            match e {
                WsEvent::Opened { status, connect, .. } => {
                    ui.label(format!("{:.1} ms", connect.as_secs_f64() * 1000.0));
                    ui.label("");
                    ui.label(status.to_string());
                    ui.label(lang.pick("handshake done: WebSocket open", "握手完成：WebSocket 已打开"));
                }
                WsEvent::Message { who, opcode, payload, at } => {
                    ui.label(format!("{:.1} ms", at.as_secs_f64() * 1000.0));
                    ui.label(if *who == Who::Me { "→" } else { "←" });
                    ui.label(crate::proto::websocket::opcode_name(*opcode));
                    let text = match opcode {
                        1 => String::from_utf8_lossy(payload).into_owned(),
                        8 if payload.len() >= 2 => {
                            let code = u16::from_be_bytes([payload[0], payload[1]]);
                            format!(
                                "{code} {} — {}",
                                String::from_utf8_lossy(&payload[2..]),
                                crate::analysis::explain::close_code_meaning(code, lang)
                            )
                        }
                        _ => payload.iter().take(64).map(|b| format!("{b:02x} ")).collect(),
                    };
                    ui.label(text);
                }
                WsEvent::Closed { code, reason, clean } => {
                    ui.label("");
                    ui.label("");
                    ui.label(code.map(|c| c.to_string()).unwrap_or_default());
                    ui.label(format!(
                        "{} {reason}",
                        if *clean { lang.pick("closed", "已关闭") } else { lang.pick("ended abnormally", "异常结束") }
                    ));
                }
                WsEvent::Error(_) => {}
            }
            ui.end_row();
        }
    });
}

/// https:// and wss:// settings: verification (on by default) and an extra CA file.
fn tls_ui(ui: &mut egui::Ui, lang: Lang, b: &mut Builder) {
    ui.horizontal(|ui| {
        ui.checkbox(&mut b.verify_tls, lang.pick("Verify TLS certificates", "校验 TLS 证书"));
        let l = ui.label(lang.pick("Extra CA (PEM file)", "额外信任的 CA（PEM 文件）"));
        ui.add(egui::TextEdit::singleline(&mut b.ca_path).desired_width(220.0).hint_text("/path/to/ca.pem")).labelled_by(l.id);
    });
    if !b.verify_tls {
        ui.colored_label(
            egui::Color32::from_rgb(230, 160, 40),
            lang.pick("Certificates are not checked: anyone could be answering.", "不校验证书：任何人都可能冒充服务器。"),
        );
    }
}
