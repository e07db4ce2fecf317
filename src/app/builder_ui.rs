//! The request builder window: an HTTP tab (method, URL, query, headers, body as raw/JSON/form,
//! timeout) and a WebSocket tab (URL, subprotocols, headers, permessage-deflate, auto-pong; send
//! text/binary/JSON, ping, close). Work runs on a small tokio runtime; results come back over
//! channels, so the window never waits on the network.

use crate::analysis::explain::{status_meaning, Lang};
use crate::builder::{self, BodyKind, HttpResult, HttpSpec, Who, WsCommand, WsEvent, WsSpec};
use crate::lab::servers::{Addresses, Servers};
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

/// What the user typed: the builder's form. Empty fields show a hint, never a value that would be
/// sent without the user having written it.
pub struct BuilderForm {
    // HTTP
    pub method: String,
    pub url: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body_kind: BodyKind,
    pub body: String,
    pub timeout_s: f64,
    /// Speak HTTP/2 (h2 by ALPN over https, h2c prior knowledge over http).
    pub http2: bool,
    /// https/wss: check certificates (on by default), and a CA file to trust as well.
    pub verify_tls: bool,
    pub ca_path: String,
    // WebSocket
    pub ws_url: String,
    pub ws_protocols: String,
    pub ws_headers: Vec<(String, String)>,
    pub ws_deflate: bool,
    pub ws_auto_pong: bool,
    pub compose: String,
    pub send_kind: SendKind,
    pub ping_payload: String,
    /// Empty: 1000 (Normal Closure), as the hint says.
    pub close_code: String,
    pub close_reason: String,
}

impl Default for BuilderForm {
    fn default() -> Self {
        BuilderForm {
            method: "GET".into(),
            url: String::new(),
            query: Vec::new(),
            headers: vec![("Accept".into(), "*/*".into())],
            body_kind: BodyKind::Raw,
            body: String::new(),
            timeout_s: 10.0,
            http2: false,
            verify_tls: true,
            ca_path: String::new(),
            ws_url: String::new(),
            ws_protocols: String::new(),
            ws_headers: Vec::new(),
            ws_deflate: false,
            ws_auto_pong: true,
            compose: String::new(),
            send_kind: SendKind::Text,
            ping_payload: String::new(),
            close_code: String::new(),
            close_reason: String::new(),
        }
    }
}

impl BuilderForm {
    /// Points empty URL fields at running lab servers.
    pub fn default_to_lab(&mut self, lab: &Addresses) {
        if self.url.trim().is_empty() {
            self.url = lab_http_url(lab);
        }
        if self.ws_url.trim().is_empty() {
            self.ws_url = lab_ws_url(lab);
        }
    }

    /// The close code to send: the typed one, or 1000 when the field is empty.
    pub fn close_code(&self) -> Result<u16, String> {
        let t = self.close_code.trim();
        if t.is_empty() {
            return Ok(1000);
        }
        match t.parse::<u16>() {
            Ok(c) if crate::proto::websocket::close_code_valid_on_wire(c) => Ok(c),
            _ => Err(format!("{t} is not a close code that may be sent (1000-1003, 1007-1014, 3000-4999)")),
        }
    }
}

fn lab_http_url(lab: &Addresses) -> String {
    format!("http://{}/hello", lab.http)
}

fn lab_ws_url(lab: &Addresses) -> String {
    format!("ws://{}/echo", lab.ws)
}

/// The builder's running work: the network runtime and the channels to what runs on it.
#[derive(Default)]
pub struct Session {
    rt: Option<tokio::runtime::Runtime>,
    pending: Option<(Receiver<Result<HttpResult, String>>, Instant)>,
    ws_tx: Option<tokio::sync::mpsc::UnboundedSender<WsCommand>>,
    ws_rx: Option<Receiver<WsEvent>>,
    /// Lab servers the builder started itself (they live as long as its runtime).
    lab: Option<Servers>,
    lab_rx: Option<Receiver<Result<Servers, String>>>,
}

/// What came back: the HTTP response, the WebSocket log.
#[derive(Default)]
pub struct Results {
    pub http: Option<Result<HttpResult, String>>,
    pub ws_log: Vec<WsEvent>,
    pub ws_open: bool,
    pub ws_error: Option<String>,
}

pub struct Builder {
    pub open: bool,
    pub tab: BuilderTab,
    pub form: BuilderForm,
    session: Session,
    pub results: Results,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            open: false,
            tab: BuilderTab::Http,
            form: BuilderForm::default(),
            session: Session::default(),
            results: Results::default(),
        }
    }
}

const ERR: egui::Color32 = egui::Color32::from_rgb(230, 80, 80);

impl Session {
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
}

impl Builder {
    pub fn busy(&self) -> bool {
        self.session.pending.is_some() || self.results.ws_open || self.session.lab_rx.is_some()
    }

    /// Opens the window; empty URLs default to the lab servers when they are running.
    pub fn show(&mut self) {
        self.open = true;
        if let Some(lab) = crate::lab::servers::running() {
            self.form.default_to_lab(&lab);
        }
    }

    /// Where the lab servers this builder can use listen: its own, else any running in the app.
    pub fn lab_addresses(&self) -> Option<Addresses> {
        self.session.lab.as_ref().map(Servers::addresses).or_else(crate::lab::servers::running)
    }

    /// Takes results that arrived since the last frame.
    pub fn poll(&mut self) {
        if let Some((rx, _)) = &self.session.pending {
            if let Ok(r) = rx.try_recv() {
                self.results.http = Some(r);
                self.session.pending = None;
            }
        }
        if let Some(rx) = &self.session.lab_rx {
            if let Ok(r) = rx.try_recv() {
                self.session.lab_rx = None;
                match r {
                    Ok(s) => {
                        self.form.default_to_lab(&s.addresses());
                        self.session.lab = Some(s);
                    }
                    Err(e) => self.results.ws_error = Some(e),
                }
            }
        }
        if let Some(rx) = &self.session.ws_rx {
            while let Ok(e) = rx.try_recv() {
                match &e {
                    WsEvent::Opened { .. } => self.results.ws_open = true,
                    WsEvent::Closed { .. } => {
                        self.results.ws_open = false;
                        self.session.ws_tx = None;
                    }
                    WsEvent::Error(m) => {
                        self.results.ws_error = Some(m.clone());
                    }
                    _ => {}
                }
                if self.results.ws_log.len() < 100_000 {
                    self.results.ws_log.push(e);
                }
            }
        }
    }

    /// Starts the lab's servers on the builder's runtime (for trying requests without a lab run).
    fn start_lab(&mut self, ctx: &egui::Context) {
        let (tx, rx) = channel();
        let c = ctx.clone();
        match self.session.runtime() {
            Ok(rt) => {
                rt.spawn(async move {
                    let _ = tx.send(Servers::start().await.map_err(|e| format!("cannot start the lab servers: {e}")));
                    c.request_repaint();
                });
                self.session.lab_rx = Some(rx);
            }
            Err(e) => self.results.ws_error = Some(e),
        }
    }

    fn tls_options(&self) -> Result<crate::net::tls::TlsOptions, String> {
        let ca = self.form.ca_path.trim();
        let extra_roots_pem =
            if ca.is_empty() { None } else { Some(std::fs::read(ca).map_err(|e| format!("cannot read the CA file {ca}: {e}"))?) };
        Ok(crate::net::tls::TlsOptions { verify: self.form.verify_tls, extra_roots_pem, ..Default::default() })
    }

    fn send_http(&mut self, ctx: &egui::Context) {
        let tls = match self.tls_options() {
            Ok(t) => t,
            Err(e) => {
                self.results.http = Some(Err(e));
                return;
            }
        };
        if self.form.url.trim().is_empty() {
            self.results.http = Some(Err("type the URL to send the request to (http:// or https://)".into()));
            return;
        }
        let f = &self.form;
        let spec = HttpSpec {
            tls,
            method: f.method.clone(),
            url: f.url.clone(),
            query: f.query.clone(),
            headers: f.headers.clone(),
            body_kind: f.body_kind,
            body: f.body.clone(),
            timeout: Duration::from_secs_f64(f.timeout_s.clamp(0.1, 600.0)),
            http2: f.http2,
        };
        let (tx, rx) = channel();
        let c = ctx.clone();
        match self.session.runtime() {
            Ok(rt) => {
                rt.spawn(async move {
                    let _ = tx.send(builder::send_http(&spec).await);
                    c.request_repaint();
                });
                self.session.pending = Some((rx, Instant::now()));
                self.results.http = None;
            }
            Err(e) => self.results.http = Some(Err(e)),
        }
    }

    fn connect_ws(&mut self, ctx: &egui::Context) {
        let tls = match self.tls_options() {
            Ok(t) => t,
            Err(e) => {
                self.results.ws_error = Some(e);
                return;
            }
        };
        if self.form.ws_url.trim().is_empty() {
            self.results.ws_error = Some("type the URL to connect to (ws:// or wss://)".into());
            return;
        }
        let f = &self.form;
        let spec = WsSpec {
            tls,
            url: f.ws_url.clone(),
            protocols: f.ws_protocols.split(',').map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect(),
            headers: f.ws_headers.clone(),
            deflate: f.ws_deflate,
            auto_pong: f.ws_auto_pong,
            timeout: Duration::from_secs_f64(f.timeout_s.clamp(0.1, 600.0)),
        };
        let (ctx_tx, ctx_rx) = tokio::sync::mpsc::unbounded_channel();
        let (ev_tx, ev_rx) = channel();
        let c = ctx.clone();
        self.results.ws_log.clear();
        self.results.ws_error = None;
        match self.session.runtime() {
            Ok(rt) => {
                rt.spawn(builder::run_ws(spec, ctx_rx, move |e| {
                    let _ = ev_tx.send(e);
                    c.request_repaint();
                }));
                self.session.ws_tx = Some(ctx_tx);
                self.session.ws_rx = Some(ev_rx);
            }
            Err(e) => self.results.ws_error = Some(e),
        }
    }

    fn ws_send(&mut self, cmd: WsCommand) {
        if let Some(tx) = &self.session.ws_tx {
            let _ = tx.send(cmd);
        }
    }

    /// Fills the HTTP tab from a captured request.
    pub fn load_http(&mut self, method: &str, url: String, headers: &[(String, String)], body: &[u8]) {
        self.tab = BuilderTab::Http;
        self.open = true;
        let f = &mut self.form;
        f.method = method.to_string();
        f.url = url;
        f.query.clear();
        f.headers = headers
            .iter()
            .filter(|(n, _)| !["host", "content-length", "connection", "transfer-encoding"].iter().any(|h| n.eq_ignore_ascii_case(h)))
            .cloned()
            .collect();
        f.body_kind = BodyKind::Raw;
        f.body = String::from_utf8_lossy(body).into_owned();
        self.results.http = None;
    }

    /// Fills the WebSocket tab from a captured handshake.
    pub fn load_ws(&mut self, url: String, protocols: &str, headers: &[(String, String)], deflate: bool) {
        self.tab = BuilderTab::WebSocket;
        self.open = true;
        let f = &mut self.form;
        f.ws_url = url;
        f.ws_protocols = protocols.to_string();
        f.ws_deflate = deflate;
        f.ws_headers = headers
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
    // Fits a 1024×640 screen; egui keeps the window inside the screen.
    let screen = ctx.content_rect().size();
    let size = [640.0f32.min(screen.x * 0.9), 620.0f32.min(screen.y * 0.85)];
    egui::Window::new(lang.pick("Request builder", "请求构造器"))
        .open(&mut open)
        .default_size(size)
        .default_pos([24.0, 48.0])
        .resizable(true)
        .show(ctx, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.selectable_value(&mut b.tab, BuilderTab::Http, "HTTP");
                ui.selectable_value(&mut b.tab, BuilderTab::WebSocket, "WebSocket");
                ui.separator();
                lab_ui(ui, lang, b);
            });
            ui.weak(lang.pick(
                "Tip: with a live capture on the loopback interface running, the traffic appears in the diagram as it happens.",
                "提示：在回环网卡上实时抓包时，这里发出的流量会实时出现在时序图中。",
            ));
            ui.separator();
            egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| match b.tab {
                BuilderTab::Http => http_tab(ui, lang, b),
                BuilderTab::WebSocket => ws_tab(ui, lang, b),
            });
        });
    b.open = open;
}

/// Where the lab servers are, and a button that starts the builder's own (a lab run's servers
/// stop when the run ends; the builder's stay while the app runs).
fn lab_ui(ui: &mut egui::Ui, lang: Lang, b: &mut Builder) {
    if let Some(lab) = b.lab_addresses() {
        ui.weak(format!("{} http://{}  ws://{}", lang.pick("Lab servers:", "实验服务器："), lab.http, lab.ws));
        let use_them = ui.small_button(lang.pick("Use them", "使用它们")).on_hover_text(lang.pick(
            "Fill the URLs with the lab servers' (HTTP /hello, WebSocket /echo)",
            "把地址填为实验服务器的地址（HTTP /hello，WebSocket /echo）",
        ));
        if use_them.clicked() {
            b.form.url = lab_http_url(&lab);
            b.form.ws_url = lab_ws_url(&lab);
        }
    }
    if b.session.lab_rx.is_some() {
        ui.spinner();
    } else if b.session.lab.is_none() {
        let start = ui.button(lang.pick("Start the lab servers", "启动实验服务器")).on_hover_text(lang.pick(
            "Local HTTP and WebSocket servers on 127.0.0.1 to try requests against (/hello, /items, /echo, /chat)",
            "在 127.0.0.1 上启动本地 HTTP 与 WebSocket 服务器，用来试发请求（/hello、/items、/echo、/chat）",
        ));
        if start.clicked() {
            let ctx = ui.ctx().clone();
            b.start_lab(&ctx);
        }
    }
}

/// The hint for an empty URL field: the lab server's URL when one runs, else the URL's shape.
fn url_hint(lab: Option<Addresses>, ws: bool) -> String {
    match (lab, ws) {
        (Some(l), false) => lab_http_url(&l),
        (Some(l), true) => lab_ws_url(&l),
        (None, false) => "http://host:port/path".into(),
        (None, true) => "ws://host:port/path".into(),
    }
}

fn http_tab(ui: &mut egui::Ui, lang: Lang, b: &mut Builder) {
    let ctx = ui.ctx().clone();
    let hint = url_hint(b.lab_addresses(), false);
    ui.horizontal(|ui| {
        egui::ComboBox::from_id_salt("method").selected_text(b.form.method.clone()).width(90.0).show_ui(ui, |ui| {
            for m in ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] {
                ui.selectable_value(&mut b.form.method, m.to_string(), m);
            }
        });
        let sending = b.session.pending.is_some();
        let width = (ui.available_width() - 90.0).max(160.0);
        let u = ui.add(egui::TextEdit::singleline(&mut b.form.url).desired_width(width).hint_text(hint));
        let u = u.on_hover_text(lang.pick("The URL to send to", "请求发往的 URL"));
        let enter = u.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if (ui.add_enabled(!sending, egui::Button::new(lang.pick("Send", "发送"))).clicked() || enter) && !sending {
            b.send_http(&ctx);
        }
        if sending {
            ui.spinner();
        }
    });
    ui.horizontal(|ui| {
        let l = ui.label(lang.pick("Timeout (s)", "超时（秒）"));
        ui.add(egui::DragValue::new(&mut b.form.timeout_s).range(0.1..=600.0).speed(0.5)).labelled_by(l.id);
        ui.checkbox(&mut b.form.http2, "HTTP/2").on_hover_text(lang.pick(
            "https://: offer h2 by ALPN (HTTP/1.1 if the server declines); http://: h2c with prior knowledge",
            "https://：通过 ALPN 提议 h2（服务器不支持时用 HTTP/1.1）；http://：直接使用 h2c（事先知道对方支持）",
        ));
    });
    tls_ui(ui, lang, &mut b.form);
    egui::CollapsingHeader::new(lang.pick("Query parameters", "查询参数")).default_open(!b.form.query.is_empty()).show(ui, |ui| {
        pairs_ui(ui, "query", &mut b.form.query, lang, lang.pick("name", "名称"));
    });
    egui::CollapsingHeader::new(lang.pick("Headers", "请求头")).default_open(true).show(ui, |ui| {
        pairs_ui(ui, "headers", &mut b.form.headers, lang, "Header-Name");
    });
    egui::CollapsingHeader::new(lang.pick("Body", "请求体")).default_open(!b.form.body.is_empty()).show(ui, |ui| {
        ui.horizontal_wrapped(|ui| {
            ui.selectable_value(&mut b.form.body_kind, BodyKind::Raw, lang.pick("Raw text", "原始文本"));
            ui.selectable_value(&mut b.form.body_kind, BodyKind::Json, "JSON");
            ui.selectable_value(&mut b.form.body_kind, BodyKind::Form, lang.pick("Form (name=value per line)", "表单（每行 name=value）"));
        });
        let hint = match b.form.body_kind {
            BodyKind::Raw => lang.pick("request body (empty: none)", "请求体（留空：无）"),
            BodyKind::Json => "{\"name\": \"lamp\", \"price\": 12}",
            BodyKind::Form => "name=Ann\ncity=Paris",
        };
        ui.add(egui::TextEdit::multiline(&mut b.form.body).code_editor().desired_rows(4).desired_width(f32::INFINITY).hint_text(hint));
        if b.form.body_kind == BodyKind::Json && !b.form.body.trim().is_empty() {
            if let Err(e) = serde_json::from_str::<serde_json::Value>(&b.form.body) {
                ui.colored_label(ERR, format!("{} {e}", lang.pick("Not valid JSON:", "JSON 无效：")));
            }
        }
    });
    ui.separator();
    match &b.results.http {
        None if b.session.pending.is_some() => {
            ui.label(lang.pick("Waiting for the response…", "正在等待响应…"));
        }
        None => {
            ui.weak(lang.pick("No request sent yet.", "尚未发送请求。"));
        }
        Some(Err(e)) => {
            ui.colored_label(ERR, e);
        }
        Some(Ok(r)) => http_result_ui(ui, lang, r),
    }
}

fn http_result_ui(ui: &mut egui::Ui, lang: Lang, r: &HttpResult) {
    let color = match r.reply.status {
        200..=299 => egui::Color32::from_rgb(80, 180, 100),
        300..=399 => egui::Color32::from_rgb(90, 160, 240),
        _ => ERR,
    };
    ui.horizontal_wrapped(|ui| {
        ui.colored_label(color, egui::RichText::new(format!("{} {}", r.reply.status, r.reply.reason)).strong().size(16.0));
        ui.label(status_meaning(r.reply.status, lang));
    });
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    ui.add(
        egui::Label::new(format!(
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
        ))
        .wrap(),
    );
    egui::CollapsingHeader::new(format!("{} ({})", lang.pick("Response headers", "响应头"), r.reply.headers.len()))
        .default_open(true)
        .show(ui, |ui| {
            egui::Grid::new("resp-h").striped(true).num_columns(2).show(ui, |ui| {
                for (n, v) in &r.reply.headers {
                    ui.monospace(n);
                    ui.add(egui::Label::new(v).wrap());
                    ui.end_row();
                }
            });
        });
    egui::CollapsingHeader::new(format!("{} ({} B)", lang.pick("Response body", "响应体"), r.reply.body.len())).default_open(true).show(
        ui,
        |ui| {
            let text = match serde_json::from_slice::<serde_json::Value>(&r.reply.body) {
                Ok(v) => serde_json::to_string_pretty(&v).unwrap_or_default(),
                Err(_) => String::from_utf8_lossy(r.reply.body.get(..r.reply.body.len().min(256 * 1024)).unwrap_or_default()).into_owned(),
            };
            let mut t = text.as_str();
            ui.add(egui::TextEdit::multiline(&mut t).code_editor().desired_width(f32::INFINITY).desired_rows(3));
        },
    );
    egui::CollapsingHeader::new(lang.pick("Raw bytes sent and received", "原始字节（发送与接收）")).show(ui, |ui| {
        for (title, bytes) in [(lang.pick("sent", "发送"), &r.raw_sent), (lang.pick("received", "接收"), &r.raw_received)] {
            ui.strong(title);
            let text = String::from_utf8_lossy(bytes.get(..bytes.len().min(64 * 1024)).unwrap_or_default()).into_owned();
            let mut t = text.as_str();
            ui.add(egui::TextEdit::multiline(&mut t).code_editor().desired_width(f32::INFINITY).desired_rows(3));
        }
    });
}

fn ws_tab(ui: &mut egui::Ui, lang: Lang, b: &mut Builder) {
    let ctx = ui.ctx().clone();
    let open = b.results.ws_open || b.session.ws_tx.is_some();
    let hint = url_hint(b.lab_addresses(), true);
    ui.horizontal(|ui| {
        let width = (ui.available_width() - 110.0).max(160.0);
        ui.add_enabled(!open, egui::TextEdit::singleline(&mut b.form.ws_url).desired_width(width).hint_text(hint));
        if !open {
            if ui.button(lang.pick("Connect", "连接")).clicked() {
                b.connect_ws(&ctx);
            }
        } else if ui.button(lang.pick("Disconnect", "断开")).clicked() {
            b.session.ws_tx = None;
        }
        if b.session.ws_tx.is_some() && !b.results.ws_open {
            ui.spinner();
        }
    });
    ui.add_enabled_ui(!open, |ui| {
        ui.horizontal_wrapped(|ui| {
            let l = ui.label(lang.pick("Subprotocols (comma-separated)", "子协议（逗号分隔）"));
            ui.add(egui::TextEdit::singleline(&mut b.form.ws_protocols).desired_width(200.0).hint_text("chat.v1, chat.v2"))
                .labelled_by(l.id);
            ui.checkbox(&mut b.form.ws_deflate, "permessage-deflate");
            ui.checkbox(&mut b.form.ws_auto_pong, lang.pick("Auto-pong", "自动回 pong"));
        });
        tls_ui(ui, lang, &mut b.form);
        egui::CollapsingHeader::new(lang.pick("Extra handshake headers", "额外的握手请求头")).show(ui, |ui| {
            pairs_ui(ui, "ws-headers", &mut b.form.ws_headers, lang, "Header-Name");
        });
    });
    if let Some(e) = &b.results.ws_error {
        ui.colored_label(ERR, e);
    }
    ui.separator();
    ui.add_enabled_ui(b.results.ws_open, |ui| {
        ui.horizontal_wrapped(|ui| {
            ui.selectable_value(&mut b.form.send_kind, SendKind::Text, lang.pick("Text", "文本"));
            ui.selectable_value(&mut b.form.send_kind, SendKind::Json, "JSON");
            ui.selectable_value(&mut b.form.send_kind, SendKind::BinaryHex, lang.pick("Binary (hex)", "二进制（十六进制）"));
        });
        ui.horizontal(|ui| {
            let l = ui.label(lang.pick("Message", "消息"));
            let hint = match b.form.send_kind {
                SendKind::Text => lang.pick("text to send, e.g. hello", "要发送的文本，例如 hello"),
                SendKind::Json => "{\"type\": \"greet\"}",
                SendKind::BinaryHex => "de ad be ef",
            };
            let width = (ui.available_width() - 80.0).max(120.0);
            ui.add(egui::TextEdit::singleline(&mut b.form.compose).desired_width(width).hint_text(hint)).labelled_by(l.id);
            if ui.button(lang.pick("Send", "发送")).clicked() {
                let text = b.form.compose.clone();
                let cmd = match b.form.send_kind {
                    SendKind::Text => Ok(WsCommand::Text(text)),
                    SendKind::Json => serde_json::from_str::<serde_json::Value>(&text)
                        .map(|_| WsCommand::Text(text.clone()))
                        .map_err(|e| format!("not valid JSON: {e}")),
                    SendKind::BinaryHex => parse_hex(&text).map(WsCommand::Binary),
                };
                match cmd {
                    Ok(c) => {
                        b.results.ws_error = None;
                        b.ws_send(c);
                    }
                    Err(e) => b.results.ws_error = Some(e),
                }
            }
        });
        ui.horizontal_wrapped(|ui| {
            let l = ui.label(lang.pick("Ping payload", "Ping 载荷"));
            ui.add(egui::TextEdit::singleline(&mut b.form.ping_payload).desired_width(120.0).hint_text(lang.pick("(empty)", "（空）")))
                .labelled_by(l.id);
            if ui.button(lang.pick("Send ping", "发送 ping")).clicked() {
                let p = b.form.ping_payload.clone().into_bytes();
                if p.len() > 125 {
                    b.results.ws_error = Some("a ping payload can be at most 125 bytes (RFC 6455 §5.5)".into());
                } else {
                    b.ws_send(WsCommand::Ping(p));
                }
            }
            ui.separator();
            let l = ui.label(lang.pick("Close code", "关闭状态码"));
            ui.add(egui::TextEdit::singleline(&mut b.form.close_code).desired_width(50.0).hint_text("1000")).labelled_by(l.id);
            let l = ui.label(lang.pick("Reason", "原因"));
            ui.add(egui::TextEdit::singleline(&mut b.form.close_reason).desired_width(120.0).hint_text(lang.pick("(empty)", "（空）")))
                .labelled_by(l.id);
            if ui.button(lang.pick("Send close", "发送 close")).clicked() {
                match b.form.close_code() {
                    Ok(c) => b.ws_send(WsCommand::Close(c, b.form.close_reason.clone())),
                    Err(e) => b.results.ws_error = Some(e),
                }
            }
        });
    });
    ui.separator();
    ui.strong(lang.pick("Message log", "消息记录"));
    ws_log_ui(ui, lang, &b.results.ws_log);
}

/// Hex digits in pairs, spaces allowed.
fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let bad = || "hex digits in pairs, e.g. de ad be ef".to_string();
    if !clean.len().is_multiple_of(2) {
        return Err(bad());
    }
    (0..clean.len())
        .step_by(2)
        .map(|i| clean.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(bad)
}

/// A cell of fixed width (the log's columns), so a long value wraps instead of widening the window.
fn cell(ui: &mut egui::Ui, width: f32, add: impl FnOnce(&mut egui::Ui)) {
    ui.allocate_ui_with_layout(egui::vec2(width, 0.0), egui::Layout::top_down(egui::Align::Min), |ui| {
        ui.set_min_width(width);
        add(ui);
    });
}

/// One row of the log: time, direction, what, then the text in the rest of the width.
fn log_row(ui: &mut egui::Ui, time: &str, dir: &str, what: &str, text: impl FnOnce(&mut egui::Ui)) {
    ui.horizontal_top(|ui| {
        cell(ui, 72.0, |ui| {
            ui.monospace(time);
        });
        cell(ui, 14.0, |ui| {
            ui.label(dir);
        });
        cell(ui, 76.0, |ui| {
            ui.label(what);
        });
        ui.vertical(|ui| text(ui));
    });
}

/// The session as it happened: the 101 with its headers, then every message each way, then the end.
fn ws_log_ui(ui: &mut egui::Ui, lang: Lang, log: &[WsEvent]) {
    let ms = |d: &Duration| {
        let s = d.as_secs_f64();
        if s < 1.0 {
            format!("{:.1} ms", s * 1000.0)
        } else {
            format!("{s:.3} s")
        }
    };
    for e in log {
        match e {
            WsEvent::Opened { status, headers, connect } => {
                let reason = hyper::StatusCode::from_u16(*status).ok().and_then(|s| s.canonical_reason()).unwrap_or_default();
                log_row(ui, &ms(connect), "←", &status.to_string(), |ui| {
                    ui.strong(format!("HTTP/1.1 {status} {reason}"));
                    ui.weak(lang.pick("handshake done: WebSocket open", "握手完成：WebSocket 已打开"));
                    for (n, v) in headers {
                        ui.add(egui::Label::new(egui::RichText::new(format!("{n}: {v}")).monospace()).wrap());
                    }
                });
            }
            WsEvent::Message { who, opcode, payload, at } => {
                let text = match (opcode, payload.get(..2), payload.get(2..)) {
                    (1, ..) => String::from_utf8_lossy(payload).into_owned(),
                    (8, Some(&[hi, lo]), rest) => {
                        let code = u16::from_be_bytes([hi, lo]);
                        let reason = String::from_utf8_lossy(rest.unwrap_or_default());
                        let meaning = crate::analysis::explain::close_code_meaning(code, lang);
                        if reason.is_empty() {
                            format!("{code} — {meaning}")
                        } else {
                            format!("{code} {reason} — {meaning}")
                        }
                    }
                    _ => payload.iter().take(64).map(|b| format!("{b:02x} ")).collect(),
                };
                let dir = if *who == Who::Me { "→" } else { "←" };
                log_row(ui, &ms(at), dir, crate::proto::websocket::opcode_name(*opcode), |ui| {
                    ui.add(egui::Label::new(text).wrap());
                });
            }
            WsEvent::Closed { code, reason, clean } => {
                let how = if *clean { lang.pick("closed", "已关闭") } else { lang.pick("ended abnormally", "异常结束") };
                log_row(ui, "", "", &code.map(|c| c.to_string()).unwrap_or_default(), |ui| {
                    ui.add(egui::Label::new(format!("{how} {reason}")).wrap());
                });
            }
            WsEvent::Error(_) => {}
        }
    }
}

/// https:// and wss:// settings: verification (on by default) and an extra CA file.
fn tls_ui(ui: &mut egui::Ui, lang: Lang, f: &mut BuilderForm) {
    ui.horizontal_wrapped(|ui| {
        ui.checkbox(&mut f.verify_tls, lang.pick("Verify TLS certificates", "校验 TLS 证书"));
        let l = ui.label(lang.pick("Extra CA (PEM file)", "额外信任的 CA（PEM 文件）"));
        ui.add(egui::TextEdit::singleline(&mut f.ca_path).desired_width(220.0).hint_text("/path/to/ca.pem")).labelled_by(l.id);
    });
    if !f.verify_tls {
        ui.colored_label(
            egui::Color32::from_rgb(230, 160, 40),
            lang.pick("Certificates are not checked: anyone could be answering.", "不校验证书：任何人都可能冒充服务器。"),
        );
    }
}
