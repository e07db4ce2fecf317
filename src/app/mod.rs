//! The desktop app (eframe/egui). The UI owns a [`store::Store`] fed by the loader thread; `*_ui`
//! functions draw from it and return [`Command`]s, which the app applies after the frame.

mod breakdowns_ui;
pub mod builder_ui;
mod connections_ui;
mod details_ui;
mod diagram_ui;
pub mod files;
pub mod fonts;
pub mod live_ui;
pub mod loader;
mod messages_ui;
mod packet_detail_ui;
mod packets_ui;
pub mod selection;
pub mod settings;
mod start_ui;
pub mod store;

use crate::analysis::explain::Lang;
use crate::analysis::ladder::{self, Target};
use eframe::egui;
use loader::{LoadMsg, Loader, Source};
use settings::Settings;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use store::Store;

/// The example shown when the app starts with nothing else to open.
pub const EMBEDDED_EXAMPLE: Source =
    Source::Embedded { name: "websocket-basics.pcapng (built in)", bytes: include_bytes!("../../captures/websocket-basics.pcapng") };

/// What the user asked for during a frame.
#[derive(Debug, Clone)]
pub enum Command {
    Open(Source),
    OpenDialog,
    CancelLoad,
    Close,
    /// The connection itself (its summary in the details panel).
    SelectConnection(u32),
    /// An item, and with it the connection it belongs to.
    Select(Target),
    /// Back / Forward through past selections (Alt+Left / Alt+Right).
    SelectionBack,
    SelectionForward,
    SetLang(Lang),
    SetDark(bool),
    /// Ask where to save, then write the SVG atomically.
    SaveSvg(String),
    /// Start a live capture or a lab scenario.
    StartLive(loader::LiveJob),
    TogglePause,
    ShowCaptureForm,
    /// Save the open capture as .pcap or .pcapng (asks where).
    SaveAs,
    OpenBuilder,
    /// Open a captured HTTP exchange (by index) in the request builder.
    EditAndResend(usize),
    /// Open a captured WebSocket handshake (by connection) in the builder.
    EditWebSocket(u32),
    /// File → Key log file…: ask for a TLS key log (Ctrl+K).
    KeyLogDialog,
    /// Reload the open capture with this key log, and remember it for the capture.
    UseKeyLog(PathBuf),
}

/// The key log the open capture is read with, to say in the status bar once it has loaded.
struct KeyLogUse {
    keys: crate::load::Keys,
    /// Where it came from ("https-tls13.keys", "SSLKEYLOGFILE=…"); none: only the capture's own.
    from: Option<String>,
    /// Entries the file gave (the rest came from the capture's Decryption Secrets Blocks).
    from_file: usize,
    /// Something to say first (a remembered key log that is gone).
    note: Option<String>,
}

impl KeyLogUse {
    fn new(keys: crate::load::Keys, from: Option<String>, note: Option<String>) -> KeyLogUse {
        let from_file = crate::load::keylog_counts(&keys).0;
        KeyLogUse { keys, from, from_file, note }
    }

    /// The status line: "key log X: N connections' secrets, M lines not read".
    fn summary(&self, lang: Lang) -> Option<String> {
        let (n, bad) = crate::load::keylog_counts(&self.keys);
        let inside = n.saturating_sub(self.from_file);
        let mut parts: Vec<String> = self.note.iter().cloned().collect();
        if let Some(from) = &self.from {
            parts.push(match lang {
                Lang::Zh => format!("密钥日志 {from}：{} 条连接的密钥，{bad} 行未能读取", self.from_file),
                _ => format!("key log {from}: {} connections' secrets, {bad} lines not read", self.from_file),
            });
        }
        if inside > 0 {
            parts.push(match lang {
                Lang::Zh => format!("抓包文件自带（解密密钥块）{inside} 条连接的密钥"),
                _ => format!("keys inside the capture (Decryption Secrets Block): {inside} connections' secrets"),
            });
        }
        (!parts.is_empty()).then(|| parts.join(" · "))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Diagram,
    Packets,
    Messages,
    Breakdowns,
}

/// Per-run view state (not saved).
pub struct View {
    pub tab: Tab,
    pub selected_conn: Option<u32>,
    pub selection: Option<Target>,
    /// Past and future selections, for Back and Forward.
    pub history: selection::History,
    pub conn_filter: String,
    pub packet_filter: String,
    pub only_selected_conn: bool,
    pub path_input: String,
    pub replay: diagram_ui::Replay,
    pub focus_filter: bool,
    pub ws_dir_filter: Option<crate::model::Dir>,
    pub ws_text_filter: String,
    pub ws_opcode_filter: Option<u8>,
    pub breakdown: Option<(usize, crate::analysis::stats::Breakdown)>,
    /// The packets table's visible row indices, with the inputs they were computed from.
    pub packet_rows: Option<(packets_ui::RowsKey, std::sync::Arc<Vec<usize>>)>,
    /// The selected packet's bytes, read back from the file once.
    pub packet_bytes: Option<(u64, Option<Vec<u8>>)>,
    /// What each connection's row says, computed when the capture changes.
    pub conn_rows: Option<connections_ui::RowsCache>,
    /// While capturing, tables and the diagram follow the newest packets.
    pub stick_to_newest: bool,
    pub capture_form: Option<live_ui::CaptureForm>,
    pub lab_relay: bool,
}

pub struct WirescopeApp {
    pub settings: Settings,
    pub store: Option<Store>,
    pub view: View,
    loader: Option<Loader>,
    next_load: u64,
    /// A desktop file dialog showing on its own thread.
    dialog: Option<files::Pending>,
    /// The typed-path window, when no file dialog could be shown.
    pub path_prompt: Option<files::PathPrompt>,
    /// F11: the diagram takes the whole window (menus, side panels and status bar hidden).
    pub diagram_only: bool,
    /// The result of the last background save, for the status bar.
    notice: Option<Receiver<String>>,
    last_notice: Option<String>,
    commands: Vec<Command>,
    /// The live capture's pause switch, shared with its thread.
    paused: Arc<AtomicBool>,
    pub builder: builder_ui::Builder,
    /// Where live captures and lab runs are written (see `loader::live_dir`).
    pub live_dir: PathBuf,
    /// The key log the open capture is being read with.
    keylog: Option<KeyLogUse>,
}

impl WirescopeApp {
    pub fn new(cc: &eframe::CreationContext<'_>, open: Option<Source>) -> Self {
        let settings: Settings = cc.storage.and_then(|s| eframe::get_value(s, eframe::APP_KEY)).unwrap_or_default();
        fonts::install(&cc.egui_ctx, true);
        egui_extras::install_image_loaders(&cc.egui_ctx);
        cc.egui_ctx.set_theme(if settings.dark { egui::Theme::Dark } else { egui::Theme::Light });
        cc.egui_ctx.set_zoom_factor(settings.zoom_factor());
        let mut app = WirescopeApp {
            settings,
            store: None,
            view: View {
                tab: Tab::Diagram,
                selected_conn: None,
                selection: None,
                history: selection::History::default(),
                conn_filter: String::new(),
                packet_filter: String::new(),
                only_selected_conn: false,
                path_input: String::new(),
                replay: diagram_ui::Replay::default(),
                focus_filter: false,
                ws_dir_filter: None,
                ws_text_filter: String::new(),
                ws_opcode_filter: None,
                breakdown: None,
                packet_rows: None,
                packet_bytes: None,
                conn_rows: None,
                stick_to_newest: true,
                capture_form: None,
                lab_relay: false,
            },
            paused: Arc::new(AtomicBool::new(false)),
            builder: builder_ui::Builder::default(),
            live_dir: loader::live_dir(),
            loader: None,
            next_load: 1,
            dialog: None,
            path_prompt: None,
            diagram_only: false,
            notice: None,
            last_notice: None,
            commands: Vec::new(),
            keylog: None,
        };
        if let Some(src) = open {
            app.open(src, &cc.egui_ctx);
        }
        app
    }

    /// Stops a running load, capture or lab run and waits (at most `wait`) until its thread says it
    /// is done.
    pub fn finish_live(&mut self, wait: std::time::Duration) {
        let Some(loader) = self.loader.take() else { return };
        loader.cancel();
        let t0 = std::time::Instant::now();
        while t0.elapsed() < wait {
            match loader.rx.recv_timeout(std::time::Duration::from_millis(50)) {
                Ok((_, LoadMsg::Done { .. } | LoadMsg::Failed(_))) => return,
                Ok(_) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    /// Queues a command as if the user had asked for it (tests and benchmarks drive the app so).
    pub fn push_command(&mut self, c: Command) {
        self.commands.push(c);
    }

    /// True once the current capture is fully loaded (or failed).
    pub fn is_idle(&self) -> bool {
        self.loader.is_none()
    }

    fn open(&mut self, src: Source, ctx: &egui::Context) {
        let keylog = self.keys_for(&src);
        self.open_with(src, keylog, ctx);
        self.forget_view();
    }

    fn open_with(&mut self, src: Source, keylog: KeyLogUse, ctx: &egui::Context) {
        if let Some(l) = self.loader.take() {
            l.cancel();
        }
        let id = self.next_load;
        self.next_load += 1;
        let c = ctx.clone();
        self.loader = Some(Loader::start(id, src.clone(), keylog.keys.clone(), move || c.request_repaint()));
        self.store = Some(Store::new(src));
        self.keylog = Some(keylog);
        self.last_notice = None;
    }

    /// The key log to open `src` with: the one remembered for it, else `NAME.keys` beside it (the
    /// bundled examples), else $SSLKEYLOGFILE (as the command line does), else none (the capture's
    /// own Decryption Secrets Blocks still count).
    fn keys_for(&self, src: &Source) -> KeyLogUse {
        let lang = self.settings.lang;
        let mut note = None;
        if let Source::File(p) = src {
            let abs = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
            if let Some(kl) = self.settings.keylog_for(&abs) {
                match crate::load::read_keylog(kl) {
                    Ok(k) => return KeyLogUse::new(k, Some(kl.display().to_string()), None),
                    Err(e) => note = Some(format!("{e} — {}", lang.pick("opened without it", "未使用它打开"))),
                }
            }
            let beside = p.with_extension("keys");
            if beside.is_file() {
                if let Ok(k) = crate::load::read_keylog(&beside) {
                    return KeyLogUse::new(k, Some(beside.display().to_string()), note);
                }
            }
        }
        if let Some(env) = std::env::var_os("SSLKEYLOGFILE").filter(|v| !v.is_empty()) {
            let path = PathBuf::from(env);
            match crate::load::read_keylog(&path) {
                Ok(k) => return KeyLogUse::new(k, Some(format!("SSLKEYLOGFILE={}", path.display())), note),
                Err(e) => note = Some(format!("SSLKEYLOGFILE: {e}")),
            }
        }
        KeyLogUse::new(Default::default(), None, note)
    }

    /// File → Key log file…: reads `path` and reloads the open capture with it. A key log that
    /// cannot be read leaves the capture as it was.
    fn use_keylog(&mut self, path: PathBuf, ctx: &egui::Context) {
        let lang = self.settings.lang;
        let Some(src) = self.store.as_ref().and_then(|s| s.source.clone()) else {
            self.last_notice = Some(lang.pick("Open a capture first, then its key log.", "请先打开抓包文件，再选择其密钥日志。").into());
            return;
        };
        if self.store.as_ref().and_then(|s| s.live.as_ref()).is_some_and(|l| l.running) {
            self.last_notice = Some(
                lang.pick("Stop the capture first: a key log is read with a saved capture.", "请先停止抓包：密钥日志要用于已保存的抓包。")
                    .into(),
            );
            return;
        }
        let keys = match crate::load::read_keylog(&path) {
            Ok(k) => k,
            Err(e) => {
                self.last_notice = Some(format!("{e} — {}", lang.pick("the capture is unchanged", "抓包保持不变")));
                return;
            }
        };
        if let Some(file) = src.file().filter(|_| !matches!(src, Source::Embedded { .. })) {
            let abs = |p: &PathBuf| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
            self.settings.remember_keylog(abs(&file), abs(&path));
        }
        // The same capture again: keep the connection in view, now decrypted.
        let conn = self.view.selected_conn;
        let keylog = KeyLogUse::new(keys, Some(path.display().to_string()), None);
        self.open_with(src, keylog, ctx);
        self.forget_view();
        self.view.selected_conn = conn;
    }

    /// Selections and caches belong to the capture they were made for.
    fn forget_view(&mut self) {
        self.view.selected_conn = None;
        self.view.selection = None;
        self.view.history = selection::History::default();
        self.view.replay = diagram_ui::Replay::default();
        self.view.packet_rows = None;
        self.view.packet_bytes = None;
        self.view.packet_filter.clear();
        self.view.conn_rows = None;
        self.view.breakdown = None;
    }

    /// Makes `s` the selection, remembering the one it replaces for Back.
    fn select(&mut self, s: selection::Selection) {
        let current = selection::Selection { conn: self.view.selected_conn, item: self.view.selection };
        self.view.history.go(current, s);
        self.show_selection(s);
    }

    fn show_selection(&mut self, s: selection::Selection) {
        if self.view.selected_conn != s.conn {
            self.view.replay = diagram_ui::Replay::default();
        }
        self.view.selected_conn = s.conn;
        self.view.selection = s.item;
    }

    fn start_live(&mut self, job: loader::LiveJob, ctx: &egui::Context) {
        if let Some(l) = self.loader.take() {
            l.cancel();
        }
        let what = match &job {
            loader::LiveJob::Capture(o) => format!("capture-{}", o.interface),
            loader::LiveJob::Lab { scenario, .. } => format!("lab-{scenario}"),
        };
        let path = loader::live_path(&self.live_dir, &what);
        let id = self.next_load;
        self.next_load += 1;
        self.paused = Arc::new(AtomicBool::new(false));
        let c = ctx.clone();
        self.loader = Some(Loader::live(id, job.clone(), path.clone(), self.paused.clone(), move || c.request_repaint()));
        let src = Source::Live { path, label: String::new() };
        let mut store = Store::new(src);
        let live = live_ui::LiveState::new(job);
        if let Some(Source::Live { label, .. }) = &mut store.source {
            *label = live.title(self.settings.lang);
        }
        store.progress = None;
        store.live = Some(live);
        self.store = Some(store);
        self.forget_view();
        self.view.stick_to_newest = true;
    }

    /// Takes what the loader produced, within a time budget so frames stay smooth.
    fn drain_loader(&mut self) {
        let Some(loader) = &self.loader else { return };
        let (Some(store), id) = (&mut self.store, loader.id) else { return };
        let t0 = std::time::Instant::now();
        let mut finished = false;
        while t0.elapsed() < std::time::Duration::from_millis(8) {
            let Ok((msg_id, msg)) = loader.rx.try_recv() else { break };
            if msg_id != id {
                continue;
            }
            match store.apply_msg(msg) {
                store::Applied::Continue => {}
                store::Applied::Finished { opened } => {
                    // Only a file that opened goes to Recent; absolute, so the entry still works when
                    // the app starts from another folder.
                    if let Some(p) = opened {
                        self.settings.remember(std::fs::canonicalize(&p).unwrap_or(p));
                    }
                    finished = true;
                }
                store::Applied::Failed => finished = true,
            }
        }
        if !finished && store.live.is_some() && self.view.selected_conn.is_none() {
            // While capturing, show the first connection with something to say as soon as it appears.
            let pick = store.cap.connections.iter().find(|c| c.protocol != crate::model::Protocol::Tcp);
            self.view.selected_conn = pick.map(|c| c.id);
        }
        if finished {
            self.loader = None;
            if let Some(k) = &self.keylog {
                if let Some(line) = k.summary(self.settings.lang) {
                    self.last_notice = Some(line);
                }
            }
            if let Some(store) = &self.store {
                // Select the most interesting connection: a WebSocket, else the first HTTP one.
                let pick = store
                    .cap
                    .connections
                    .iter()
                    .find(|c| c.protocol == crate::model::Protocol::Websocket)
                    .or_else(|| store.cap.connections.first());
                if self.view.selected_conn.is_none() {
                    self.view.selected_conn = pick.map(|c| c.id);
                }
            }
        }
    }

    /// Asks for a path: the desktop dialog when one can be shown, else the typed-path window.
    fn ask_path(&mut self, purpose: files::Purpose, ctx: &egui::Context) {
        if self.dialog.is_some() {
            return;
        }
        let name = self
            .store
            .as_ref()
            .and_then(|s| s.source.as_ref())
            .and_then(|src| src.file())
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().trim_end_matches(".part").to_string()));
        match files::start_dialog(purpose.clone(), name, ctx) {
            Some(p) => self.dialog = Some(p),
            None => self.show_path_prompt(purpose),
        }
    }

    fn show_path_prompt(&mut self, purpose: files::Purpose) {
        let path = match &purpose {
            files::Purpose::Open => self.view.path_input.clone(),
            _ => String::new(),
        };
        self.path_prompt = Some(files::PathPrompt::new(purpose, path));
    }

    /// Does what a path was asked for.
    fn path_chosen(&mut self, purpose: files::Purpose, path: PathBuf, ctx: &egui::Context) {
        match purpose {
            files::Purpose::Open => self.commands.push(Command::Open(Source::File(path))),
            files::Purpose::KeyLog => self.commands.push(Command::UseKeyLog(path)),
            files::Purpose::SaveSvg(svg) => {
                let msg = match crate::fs::write_atomic(&path, |w| w.write_all(svg.as_bytes())) {
                    Ok(()) => format!("saved {}", path.display()),
                    Err(e) => format!("cannot save {}: {e}", path.display()),
                };
                self.last_notice = Some(msg);
            }
            files::Purpose::SaveCapture => {
                let Some(from) = self.store.as_ref().and_then(|s| s.source.clone()) else { return };
                let (tx, rx) = std::sync::mpsc::channel();
                let c = ctx.clone();
                std::thread::spawn(move || {
                    let result = match &from {
                        Source::Embedded { bytes, .. } => crate::source::save_capture(*bytes, &path),
                        other => other
                            .file()
                            .ok_or_else(|| std::io::Error::other("nothing to save"))
                            .and_then(std::fs::File::open)
                            .and_then(|f| crate::source::save_capture(std::io::BufReader::new(f), &path)),
                    };
                    let msg = match result {
                        Ok(n) => format!("saved {n} packets to {}", path.display()),
                        Err(e) => format!("cannot save {}: {e}", path.display()),
                    };
                    let _ = tx.send(msg);
                    c.request_repaint();
                });
                self.notice = Some(rx);
            }
        }
    }

    fn apply(&mut self, ctx: &egui::Context) {
        for cmd in std::mem::take(&mut self.commands) {
            match cmd {
                Command::Open(src) => self.open(src, ctx),
                Command::OpenDialog => self.ask_path(files::Purpose::Open, ctx),
                Command::KeyLogDialog => self.ask_path(files::Purpose::KeyLog, ctx),
                Command::UseKeyLog(p) => self.use_keylog(p, ctx),
                Command::CancelLoad => {
                    if let Some(l) = &self.loader {
                        l.cancel();
                    }
                }
                Command::Close => {
                    if let Some(l) = self.loader.take() {
                        l.cancel();
                    }
                    self.store = None;
                }
                Command::SelectConnection(c) => self.select(selection::Selection { conn: Some(c), item: None }),
                Command::Select(t) => {
                    let owner = self.store.as_ref().and_then(|s| diagram_ui::connection_of(&s.cap, t));
                    self.select(selection::Selection { conn: owner.or(self.view.selected_conn), item: Some(t) });
                }
                Command::SelectionBack | Command::SelectionForward => {
                    let current = selection::Selection { conn: self.view.selected_conn, item: self.view.selection };
                    let to = if matches!(cmd, Command::SelectionBack) {
                        self.view.history.back(current)
                    } else {
                        self.view.history.forward(current)
                    };
                    if let Some(s) = to {
                        self.show_selection(s);
                    }
                }
                Command::SaveSvg(svg) => self.ask_path(files::Purpose::SaveSvg(svg), ctx),
                Command::StartLive(job) => self.start_live(job, ctx),
                Command::TogglePause => {
                    let now = !self.paused.load(Ordering::Relaxed);
                    self.paused.store(now, Ordering::Relaxed);
                    if let Some(live) = self.store.as_mut().and_then(|s| s.live.as_mut()) {
                        live.paused = now;
                    }
                }
                Command::ShowCaptureForm => {
                    if self.view.capture_form.is_none() {
                        self.view.capture_form = Some(live_ui::CaptureForm::new());
                    }
                }
                Command::SaveAs => {
                    if self.store.as_ref().is_some_and(|s| s.source.is_some()) {
                        self.ask_path(files::Purpose::SaveCapture, ctx);
                    }
                }
                Command::OpenBuilder => self.builder.show(),
                Command::EditAndResend(i) => {
                    let Some(store) = &self.store else { continue };
                    let Some(x) = store.cap.http.get(i) else { continue };
                    let Some(req) = &x.request else { continue };
                    let server = store.cap.connections.iter().find(|c| c.id == x.connection).map(|c| c.server.clone()).unwrap_or_default();
                    let body = req.body.as_ref().map(|b| b.bytes.clone()).unwrap_or_default();
                    self.builder.load_http(&req.method, format!("http://{server}{}", req.target), &req.headers.to_pairs(), &body);
                }
                Command::EditWebSocket(conn) => {
                    let Some(store) = &self.store else { continue };
                    let Some(c) = store.cap.connections.iter().find(|c| c.id == conn) else { continue };
                    let req = store.cap.http.iter().find(|x| x.connection == conn).and_then(|x| x.request.as_ref());
                    let target = req.map(|r| r.target.clone()).unwrap_or_else(|| "/".into());
                    let headers = req.map(|r| r.headers.clone()).unwrap_or_default();
                    let protocols = headers.value("sec-websocket-protocol").unwrap_or_default().to_string();
                    let deflate =
                        headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("sec-websocket-extensions") && v.contains("permessage-deflate"));
                    self.builder.load_ws(format!("ws://{}{target}", c.server), &protocols, &headers.to_pairs(), deflate);
                }
                Command::SetLang(l) => self.settings.lang = l,
                Command::SetDark(d) => {
                    self.settings.dark = d;
                    ctx.set_theme(if d { egui::Theme::Dark } else { egui::Theme::Light });
                }
            }
        }
    }

    fn shortcuts(&mut self, ctx: &egui::Context) {
        let typing = ctx.egui_wants_keyboard_input();
        ctx.input(|i| {
            if i.modifiers.command && i.key_pressed(egui::Key::O) {
                self.commands.push(Command::OpenDialog);
            }
            if i.modifiers.command && i.key_pressed(egui::Key::E) {
                // As in Wireshark: start a capture, or stop the one running.
                if self.store.as_ref().and_then(|s| s.live.as_ref()).is_some_and(|l| l.running) {
                    self.commands.push(Command::CancelLoad);
                } else {
                    self.commands.push(Command::ShowCaptureForm);
                }
            }
            if i.modifiers.command && i.key_pressed(egui::Key::S) && self.store.is_some() {
                self.commands.push(Command::SaveAs);
            }
            if i.modifiers.command && i.key_pressed(egui::Key::K) && self.store.is_some() && !typing {
                self.commands.push(Command::KeyLogDialog);
            }
            if i.modifiers.command && i.key_pressed(egui::Key::B) {
                self.commands.push(Command::OpenBuilder);
            }
            if i.modifiers.command && i.key_pressed(egui::Key::F) {
                self.view.tab = Tab::Packets;
                self.view.focus_filter = true;
            }
            // F11 (egui receives it; Ctrl+Shift+F would also fire Ctrl+F): the diagram alone, and back.
            if i.key_pressed(egui::Key::F11) {
                self.toggle_diagram_only();
            }
            if !typing {
                if self.diagram_only && i.key_pressed(egui::Key::Escape) {
                    self.diagram_only = false;
                }
                if i.key_pressed(egui::Key::Space) {
                    self.view.replay.playing = !self.view.replay.playing;
                }
                // Alt+Left / Alt+Right walk the selections; plain Left / Right step the replay.
                if i.modifiers.alt {
                    if i.key_pressed(egui::Key::ArrowLeft) {
                        self.commands.push(Command::SelectionBack);
                    }
                    if i.key_pressed(egui::Key::ArrowRight) {
                        self.commands.push(Command::SelectionForward);
                    }
                } else {
                    if i.key_pressed(egui::Key::ArrowRight) {
                        self.view.replay.step = Some(true);
                    }
                    if i.key_pressed(egui::Key::ArrowLeft) {
                        self.view.replay.step = Some(false);
                    }
                }
            }
            for f in &i.raw.dropped_files {
                let p = f.path();
                if !p.as_os_str().is_empty() {
                    self.commands.push(Command::Open(Source::File(p.to_path_buf())));
                }
            }
        });
    }

    fn toggle_diagram_only(&mut self) {
        self.diagram_only = !self.diagram_only;
        if self.diagram_only {
            self.view.tab = Tab::Diagram;
        }
    }

    fn menu_ui(&mut self, ui: &mut egui::Ui) {
        let lang = self.settings.lang;
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button(lang.pick("File", "文件"), |ui| {
                if ui.button(lang.pick("Open…  (Ctrl+O)", "打开…  (Ctrl+O)")).clicked() {
                    self.commands.push(Command::OpenDialog);
                }
                ui.menu_button(lang.pick("Recent", "最近打开"), |ui| {
                    if self.settings.recent.is_empty() {
                        ui.label(lang.pick("(none yet)", "（暂无）"));
                    }
                    for p in self.settings.recent.clone() {
                        if p.exists() {
                            if ui.button(p.display().to_string()).clicked() {
                                self.commands.push(Command::Open(Source::File(p)));
                            }
                        } else {
                            let gone = format!("{}  {}", p.display(), lang.pick("(file no longer exists)", "（文件已不存在）"));
                            ui.add_enabled(false, egui::Button::new(gone));
                        }
                    }
                    if self.settings.recent.iter().any(|p| !p.exists())
                        && ui.button(lang.pick("Remove missing files from the list", "从列表中移除已不存在的文件")).clicked()
                    {
                        self.settings.recent.retain(|p| p.exists());
                    }
                });
                if self.store.is_some()
                    && ui
                        .button(lang.pick("Key log file…  (Ctrl+K)", "密钥日志文件…  (Ctrl+K)"))
                        .on_hover_text(lang.pick(
                            "Decrypt this capture's TLS with a key log (NSS format, as SSLKEYLOGFILE writes it)",
                            "用密钥日志（NSS 格式，即 SSLKEYLOGFILE 写出的格式）解密此抓包中的 TLS",
                        ))
                        .clicked()
                {
                    self.commands.push(Command::KeyLogDialog);
                }
                if self.store.is_some() && ui.button(lang.pick("Save as…  (Ctrl+S)", "另存为…  (Ctrl+S)")).clicked() {
                    self.commands.push(Command::SaveAs);
                }
                if ui.button(lang.pick("Examples", "示例")).clicked() {
                    self.commands.push(Command::Close);
                }
                if self.store.is_some() && ui.button(lang.pick("Close", "关闭")).clicked() {
                    self.commands.push(Command::Close);
                }
            });
            ui.menu_button(lang.pick("Capture", "抓包"), |ui| {
                let running = self.store.as_ref().and_then(|s| s.live.as_ref()).is_some_and(|l| l.running);
                if running {
                    if ui.button(lang.pick("Stop  (Ctrl+E)", "停止  (Ctrl+E)")).clicked() {
                        self.commands.push(Command::CancelLoad);
                    }
                } else if ui.button(lang.pick("Live capture…  (Ctrl+E)", "实时抓包…  (Ctrl+E)")).clicked() {
                    self.commands.push(Command::ShowCaptureForm);
                }
            });
            ui.menu_button(lang.pick("Tools", "工具"), |ui| {
                if ui.button(lang.pick("Request builder…  (Ctrl+B)", "请求构造器…  (Ctrl+B)")).clicked() {
                    self.commands.push(Command::OpenBuilder);
                }
            });
            ui.menu_button(lang.pick("Lab", "实验"), |ui| {
                let cmds = live_ui::lab_buttons(ui, lang, &mut self.view.lab_relay);
                if !cmds.is_empty() {
                    ui.close();
                }
                self.commands.extend(cmds);
            });
            ui.menu_button(lang.pick("View", "视图"), |ui| {
                ui.checkbox(&mut self.settings.show_connections, lang.pick("Connections list", "连接列表"));
                ui.checkbox(&mut self.settings.show_details, lang.pick("Details panel", "详情面板"));
                if self.store.as_ref().is_some_and(|s| s.live.as_ref().is_some_and(|l| matches!(l.job, loader::LiveJob::Lab { .. }))) {
                    ui.checkbox(&mut self.settings.show_narration, lang.pick("Lab narration", "实验讲解"));
                }
                if ui.button(lang.pick("Diagram only  (F11)", "仅显示时序图  (F11)")).clicked() {
                    self.toggle_diagram_only();
                    ui.close();
                }
                ui.separator();
                let ctx = ui.ctx().clone();
                if ui.button(lang.pick("Zoom in  (Ctrl+=)", "放大  (Ctrl+=)")).clicked() {
                    egui::gui_zoom::zoom_in(&ctx);
                }
                if ui.button(lang.pick("Zoom out  (Ctrl+-)", "缩小  (Ctrl+-)")).clicked() {
                    egui::gui_zoom::zoom_out(&ctx);
                }
                if ui.button(format!("{}  {:.0}%  (Ctrl+0)", lang.pick("Reset zoom", "重置缩放"), ctx.zoom_factor() * 100.0)).clicked()
                {
                    ctx.set_zoom_factor(1.0);
                }
                ui.separator();
                let mut dark = self.settings.dark;
                if ui.checkbox(&mut dark, lang.pick("Dark theme", "深色主题")).changed() {
                    self.commands.push(Command::SetDark(dark));
                }
                ui.separator();
                ui.label(lang.pick("Time column", "时间列"));
                use settings::TimeFormat::*;
                for (f, en, zh) in [
                    (Relative, "Seconds since first packet", "距第一个数据包的秒数"),
                    (Delta, "Seconds since previous packet", "距上一个数据包的秒数"),
                    (Absolute, "Time of day (UTC)", "时刻（UTC）"),
                ] {
                    ui.radio_value(&mut self.settings.time_format, f, lang.pick(en, zh));
                }
            });
            ui.separator();
            for (l, name) in [(Lang::En, "English"), (Lang::Zh, "中文")] {
                if ui.selectable_label(self.settings.lang == l, name).clicked() {
                    self.commands.push(Command::SetLang(l));
                }
            }
            if self.store.as_ref().is_some_and(|s| s.error.is_none()) {
                // The side panels' switches, where they never take room from the views.
                ui.separator();
                panel_toggle(ui, &mut self.settings.show_connections, lang.pick("Connections list", "连接列表"), lang);
                panel_toggle(ui, &mut self.settings.show_details, lang.pick("Details panel", "详情面板"), lang);
                if ui.button(lang.pick("Diagram only (F11)", "仅时序图 (F11)")).clicked() {
                    self.toggle_diagram_only();
                }
            }
        });
    }

    fn status_ui(&mut self, ui: &mut egui::Ui) {
        let lang = self.settings.lang;
        ui.horizontal_wrapped(|ui| {
            let Some(store) = &self.store else {
                ui.label(lang.pick("No capture open", "未打开抓包文件"));
                return;
            };
            ui.label(match &store.live {
                Some(l) => l.title(lang),
                None => store.source.as_ref().map(|s| s.name()).unwrap_or_default(),
            });
            ui.separator();
            let en = |n: usize, one: &'static str, many: &'static str| if n == 1 { one } else { many };
            let n = store.cap.rows.len();
            ui.label(format!("{n} {}", lang.pick(en(n, "packet", "packets"), "个数据包")));
            let n = store.cap.connections.len();
            ui.label(format!("{n} {}", lang.pick(en(n, "connection", "connections"), "个连接")));
            ui.label(format!("{} HTTP", store.cap.http.len()));
            ui.label(format!("{} WebSocket", store.cap.websocket.len()));
            if !store.cap.sse.is_empty() {
                ui.label(format!("{} SSE", store.cap.sse.len()));
            }
            let n = store.cap.findings.len();
            ui.label(if n == 0 && lang == Lang::Zh {
                "无发现".to_string()
            } else {
                format!("{n} {}", lang.pick(en(n, "finding", "findings"), "个发现"))
            });
            if let Some(t) = store.load_time {
                ui.separator();
                ui.label(format!("{} {:.0} ms", lang.pick("loaded in", "加载用时"), t.as_secs_f64() * 1000.0));
            }
            if let Some((read, total)) = store.progress {
                ui.separator();
                let frac = if total > 0 { read as f32 / total as f32 } else { 0.0 };
                ui.add(egui::ProgressBar::new(frac).desired_width(160.0).show_percentage());
                if ui.button(lang.pick("Cancel", "取消")).clicked() {
                    self.commands.push(Command::CancelLoad);
                }
            }
            if let Some(n) = &self.last_notice {
                ui.separator();
                ui.label(n);
            }
            if let Some(w) = &store.warning {
                ui.separator();
                ui.colored_label(egui::Color32::from_rgb(230, 160, 40), w);
            }
        });
    }
}

impl eframe::App for WirescopeApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.drain_loader();
        if let Some(answer) = self.dialog.as_ref().and_then(|d| d.poll()) {
            if let Some(d) = self.dialog.take() {
                match answer {
                    files::Picked::File(p) => self.path_chosen(d.purpose, p, ctx),
                    files::Picked::Cancelled => {}
                    files::Picked::Unavailable => self.show_path_prompt(d.purpose),
                }
            }
        }
        if let Some(rx) = &self.notice {
            if let Ok(m) = rx.try_recv() {
                self.last_notice = Some(m);
                self.notice = None;
            }
        }
        self.shortcuts(ctx);
        self.apply(ctx);
        // Ctrl+= / Ctrl+- / Ctrl+0 are egui's own zoom keys; the factor is remembered.
        self.settings.zoom = ctx.zoom_factor();
        if self.loader.is_some() {
            ctx.request_repaint_after(std::time::Duration::from_millis(50));
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let lang = self.settings.lang;
        let diagram_only = self.diagram_only && self.store.as_ref().is_some_and(|s| s.error.is_none());
        if diagram_only {
            egui::Panel::top("diagram-only").show(ui, |ui| {
                ui.horizontal_wrapped(|ui| {
                    if ui.button(lang.pick("Show menus and panels  (F11)", "显示菜单和面板  (F11)")).clicked() {
                        self.diagram_only = false;
                    }
                    if let Some(store) = &self.store {
                        ui.weak(store.source.as_ref().map(|s| s.name()).unwrap_or_default());
                    }
                });
            });
        } else {
            egui::Panel::top("menu").show(ui, |ui| self.menu_ui(ui));
            egui::Panel::bottom("status").show(ui, |ui| self.status_ui(ui));
        }
        if self.builder.open {
            builder_ui::builder_window(ui.ctx(), lang, &mut self.builder);
        }
        if let Some(prompt) = &mut self.path_prompt {
            let mut open = true;
            let answer = files::path_prompt_ui(ui.ctx(), lang, prompt, &mut open);
            if !open {
                self.path_prompt = None;
            }
            match answer {
                Some(files::PromptAnswer::Open(p)) => self.commands.push(Command::Open(Source::File(p))),
                Some(files::PromptAnswer::KeyLog(p)) => self.commands.push(Command::UseKeyLog(p)),
                Some(files::PromptAnswer::Save(purpose, p)) => {
                    let ctx = ui.ctx().clone();
                    self.path_chosen(purpose, p, &ctx);
                }
                None => {}
            }
        }
        if let Some(form) = &mut self.view.capture_form {
            let mut open = true;
            let cmds = live_ui::capture_form_ui(ui.ctx(), lang, form, &mut open);
            self.commands.extend(cmds);
            if !open {
                self.view.capture_form = None;
            }
        }
        let Some(store) = &self.store else {
            let width = ui.available_width();
            egui::Panel::right("lab").default_size(360.0f32.min(width * 0.35)).max_size((width * 0.4).max(200.0)).show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    ui.add_space(12.0);
                    ui.heading(lang.pick("Live", "实时"));
                    if ui.button(lang.pick("Live capture…  (Ctrl+E)", "实时抓包…  (Ctrl+E)")).clicked() {
                        self.commands.push(Command::ShowCaptureForm);
                    }
                    ui.add_space(10.0);
                    ui.heading(lang.pick("Classroom lab", "课堂实验"));
                    ui.label(lang.pick(
                        "One click runs a real scenario on 127.0.0.1, captures it and narrates it.",
                        "一键在 127.0.0.1 上运行真实场景，抓包并讲解。",
                    ));
                    let cmds = live_ui::lab_buttons(ui, lang, &mut self.view.lab_relay);
                    self.commands.extend(cmds);
                });
            });
            egui::CentralPanel::default().show(ui, |ui| {
                let cmds = start_ui::start_ui(ui, lang, &self.settings.recent, &mut self.view.path_input);
                self.commands.extend(cmds);
            });
            return;
        };
        if let Some(err) = &store.error {
            let err = err.clone();
            egui::CentralPanel::default().show(ui, |ui| {
                ui.add_space(40.0);
                ui.heading(if store.live.is_some() {
                    lang.pick("The capture could not run", "抓包无法进行")
                } else {
                    lang.pick("This file could not be opened", "无法打开此文件")
                });
                ui.colored_label(egui::Color32::from_rgb(230, 80, 80), &err);
                ui.add_space(10.0);
                if ui.button(lang.pick("Back to the examples", "返回示例")).clicked() {
                    self.commands.push(Command::Close);
                }
            });
            return;
        }
        if store.live.is_some() {
            if !diagram_only {
                egui::Panel::top("live").show(ui, |ui| {
                    let cmds = live_ui::live_bar_ui(ui, lang, store, &mut self.view);
                    self.commands.extend(cmds);
                });
            }
            // The narration stays with the diagram, in "diagram only" too: a lab is both together.
            if let Some(live) = store.live.as_ref().filter(|l| !l.notes.is_empty() || !l.figures.is_empty()) {
                // Across the whole width, above the status bar: the narration needs room to be read.
                let height = ui.available_height();
                egui::Panel::bottom("lab-narration")
                    .resizable(true)
                    .default_size(150.0f32.min(height * 0.25))
                    .min_size(60.0)
                    .max_size((height * 0.6).max(80.0))
                    .show_collapsible(ui, &mut self.settings.show_narration, |ui| live_ui::narration_ui(ui, lang, live));
            }
        }
        // The side panels give up width with the window instead of squeezing the diagram.
        let width = ui.available_width();
        let (show_conn, show_details) = (self.settings.show_connections && !diagram_only, self.settings.show_details && !diagram_only);
        let mut open = show_conn;
        egui::Panel::left("connections")
            .default_size(280.0f32.min(width * 0.22))
            .min_size(120.0)
            .max_size((width * 0.26).max(120.0))
            .show_collapsible(ui, &mut open, |ui| {
                // Content wider than the panel scrolls sideways instead of widening (and, in a
                // right panel, shifting) the panel.
                egui::ScrollArea::horizontal().id_salt("connections-h").auto_shrink([false, false]).show(ui, |ui| {
                    let cmds = connections_ui::connections_ui(ui, lang, store, &mut self.view);
                    self.commands.extend(cmds);
                });
            });
        if !diagram_only {
            self.settings.show_connections = open;
        }
        let mut open = show_details;
        egui::Panel::right("details")
            .default_size(400.0f32.min(width * 0.3))
            .min_size(160.0)
            .max_size((width * 0.34).max(160.0))
            .show_collapsible(ui, &mut open, |ui| {
                egui::ScrollArea::horizontal().id_salt("details-h").auto_shrink([false, false]).show(ui, |ui| {
                    let cmds = details_ui::details_ui(ui, lang, store, &mut self.view);
                    self.commands.extend(cmds);
                });
            });
        if !diagram_only {
            self.settings.show_details = open;
        }
        egui::CentralPanel::default().show(ui, |ui| {
            if !diagram_only {
                ui.horizontal_wrapped(|ui| {
                    for (t, en, zh) in [
                        (Tab::Diagram, "Sequence diagram", "时序图"),
                        (Tab::Packets, "Packets", "数据包"),
                        (Tab::Messages, "Messages", "消息"),
                        (Tab::Breakdowns, "Breakdowns", "统计"),
                    ] {
                        ui.selectable_value(&mut self.view.tab, t, lang.pick(en, zh));
                    }
                });
                ui.separator();
            }
            let cmds = match self.view.tab {
                Tab::Diagram => diagram_ui::diagram_ui(ui, lang, store, &mut self.view, &mut self.settings),
                Tab::Packets => packets_ui::packets_ui(ui, lang, store, &mut self.view, self.settings.time_format),
                Tab::Messages => messages_ui::messages_ui(ui, lang, store, &mut self.view),
                Tab::Breakdowns => {
                    breakdowns_ui::breakdowns_ui(ui, lang, store, &mut self.view.breakdown);
                    Vec::new()
                }
            };
            self.commands.extend(cmds);
        });
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        // A live capture or lab run still going: stop it and give its thread a moment to finish
        // and rename the file, so closing the window never leaves a capture half written.
        self.finish_live(std::time::Duration::from_secs(3));
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.settings);
    }
}

/// A side panel's show/hide toggle, with a tooltip saying so.
fn panel_toggle(ui: &mut egui::Ui, shown: &mut bool, label: &str, lang: Lang) {
    ui.toggle_value(shown, label).on_hover_text(if *shown {
        lang.pick("Click to hide this panel (also in the View menu)", "点击隐藏此面板（也可在“视图”菜单中切换）")
    } else {
        lang.pick("Click to show this panel (also in the View menu)", "点击显示此面板（也可在“视图”菜单中切换）")
    });
}

/// Opens the window. `open`: a file to load at once; `None` shows the start page. `lang`: the
/// language to start in (else the remembered one).
pub fn run(open: Option<Source>, lang: Option<Lang>) -> eframe::Result {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size([1280.0, 720.0])
            .with_min_inner_size([800.0, 500.0])
            .with_title("wirescope")
            .with_drag_and_drop(true),
        ..Default::default()
    };
    eframe::run_native(
        "wirescope",
        options,
        Box::new(move |cc| {
            let mut app = WirescopeApp::new(cc, open);
            if let Some(l) = lang {
                app.settings.lang = l;
            }
            Ok(Box::new(app))
        }),
    )
}

pub use details_ui::body_image_uri as details_ui_image_uri;
pub use ladder::Mode;
