//! The desktop app (eframe/egui). The UI owns a [`store::Store`] fed by the loader thread; `*_ui`
//! functions draw from it and return [`Command`]s, which the app applies after the frame.

mod breakdowns_ui;
mod connections_ui;
mod details_ui;
mod diagram_ui;
pub mod fonts;
pub mod loader;
mod packets_ui;
pub mod settings;
mod start_ui;
pub mod store;

use crate::analysis::explain::Lang;
use crate::analysis::ladder::{self, Target};
use eframe::egui;
use loader::{LoadMsg, Loader, Source};
use settings::Settings;
use std::path::PathBuf;
use std::sync::mpsc::Receiver;
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
    SelectConnection(u32),
    Select(Target),
    SetLang(Lang),
    SetDark(bool),
    /// Ask where to save, then write the SVG atomically.
    SaveSvg(String),
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
}

pub struct WirescopeApp {
    pub settings: Settings,
    pub store: Option<Store>,
    pub view: View,
    loader: Option<Loader>,
    next_load: u64,
    dialog: Option<Receiver<Option<PathBuf>>>,
    /// The result of the last background save, for the status bar.
    notice: Option<Receiver<String>>,
    last_notice: Option<String>,
    commands: Vec<Command>,
}

impl WirescopeApp {
    pub fn new(cc: &eframe::CreationContext<'_>, open: Option<Source>) -> Self {
        let settings: Settings = cc.storage.and_then(|s| eframe::get_value(s, eframe::APP_KEY)).unwrap_or_default();
        fonts::install(&cc.egui_ctx, true);
        egui_extras::install_image_loaders(&cc.egui_ctx);
        cc.egui_ctx.set_theme(if settings.dark { egui::Theme::Dark } else { egui::Theme::Light });
        let mut app = WirescopeApp {
            settings,
            store: None,
            view: View {
                tab: Tab::Diagram,
                selected_conn: None,
                selection: None,
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
            },
            loader: None,
            next_load: 1,
            dialog: None,
            notice: None,
            last_notice: None,
            commands: Vec::new(),
        };
        if let Some(src) = open {
            app.open(src, &cc.egui_ctx);
        }
        app
    }

    /// True once the current capture is fully loaded (or failed).
    pub fn is_idle(&self) -> bool {
        self.loader.is_none()
    }

    fn open(&mut self, src: Source, ctx: &egui::Context) {
        if let Some(l) = self.loader.take() {
            l.cancel();
        }
        if let Source::File(p) = &src {
            self.settings.remember(p.clone());
        }
        let id = self.next_load;
        self.next_load += 1;
        let c = ctx.clone();
        self.loader = Some(Loader::start(id, src.clone(), move || c.request_repaint()));
        self.store = Some(Store::new(src));
        self.view.selected_conn = None;
        self.view.selection = None;
        self.view.replay = diagram_ui::Replay::default();
        // Caches belong to the capture they were computed from.
        self.view.packet_rows = None;
        self.view.packet_bytes = None;
        self.view.breakdown = None;
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
            match msg {
                LoadMsg::Batch(events) => events.into_iter().for_each(|e| store.apply(e)),
                LoadMsg::Progress { read, total, connections } => {
                    store.progress = Some((read, total));
                    store.cap.connections = connections;
                }
                LoadMsg::Done { packets, connections, warning, elapsed } => {
                    store.cap.packets = *packets;
                    store.cap.connections = connections;
                    store.warning = warning;
                    store.load_time = Some(elapsed);
                    store.loaded = true;
                    store.progress = None;
                    finished = true;
                }
                LoadMsg::Failed(e) => {
                    store.error = Some(e);
                    store.progress = None;
                    finished = true;
                }
            }
        }
        if finished {
            self.loader = None;
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

    fn apply(&mut self, ctx: &egui::Context) {
        for cmd in std::mem::take(&mut self.commands) {
            match cmd {
                Command::Open(src) => self.open(src, ctx),
                Command::OpenDialog => {
                    if self.dialog.is_none() {
                        let (tx, rx) = std::sync::mpsc::channel();
                        let c = ctx.clone();
                        std::thread::spawn(move || {
                            let picked = rfd::FileDialog::new()
                                .add_filter("Captures", &["pcap", "pcapng", "cap"])
                                .add_filter("All files", &["*"])
                                .pick_file();
                            let _ = tx.send(picked);
                            c.request_repaint();
                        });
                        self.dialog = Some(rx);
                    }
                }
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
                Command::SelectConnection(c) => {
                    if self.view.selected_conn != Some(c) {
                        self.view.selected_conn = Some(c);
                        self.view.replay = diagram_ui::Replay::default();
                    }
                }
                Command::Select(t) => {
                    self.view.selection = Some(t);
                    if let Some(store) = &self.store {
                        if let Some(c) = diagram_ui::connection_of(&store.cap, t) {
                            self.view.selected_conn = Some(c);
                        }
                    }
                }
                Command::SaveSvg(svg) => {
                    let (tx, rx) = std::sync::mpsc::channel();
                    let c = ctx.clone();
                    std::thread::spawn(move || {
                        let Some(path) = rfd::FileDialog::new().add_filter("SVG", &["svg"]).set_file_name("diagram.svg").save_file() else {
                            return;
                        };
                        let msg = match crate::export::write_atomic(&path, |w| w.write_all(svg.as_bytes())) {
                            Ok(()) => format!("saved {}", path.display()),
                            Err(e) => format!("cannot save {}: {e}", path.display()),
                        };
                        let _ = tx.send(msg);
                        c.request_repaint();
                    });
                    self.notice = Some(rx);
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
            if i.modifiers.command && i.key_pressed(egui::Key::F) {
                self.view.tab = Tab::Packets;
                self.view.focus_filter = true;
            }
            if !typing {
                if i.key_pressed(egui::Key::Space) {
                    self.view.replay.playing = !self.view.replay.playing;
                }
                if i.key_pressed(egui::Key::ArrowRight) {
                    self.view.replay.step = Some(true);
                }
                if i.key_pressed(egui::Key::ArrowLeft) {
                    self.view.replay.step = Some(false);
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
                        if ui.button(p.display().to_string()).clicked() {
                            self.commands.push(Command::Open(Source::File(p)));
                        }
                    }
                });
                if ui.button(lang.pick("Examples", "示例")).clicked() {
                    self.commands.push(Command::Close);
                }
                if self.store.is_some() && ui.button(lang.pick("Close", "关闭")).clicked() {
                    self.commands.push(Command::Close);
                }
            });
            ui.menu_button(lang.pick("View", "视图"), |ui| {
                let mut dark = self.settings.dark;
                if ui.checkbox(&mut dark, lang.pick("Dark theme", "深色主题")).changed() {
                    self.commands.push(Command::SetDark(dark));
                }
                ui.separator();
                ui.label(lang.pick("Time column", "时间列"));
                use settings::TimeFormat::*;
                for (f, en, zh) in [
                    (Relative, "Seconds since first packet", "相对第一个包的秒数"),
                    (Delta, "Seconds since previous packet", "相对上一个包的秒数"),
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
        });
    }

    fn status_ui(&mut self, ui: &mut egui::Ui) {
        let lang = self.settings.lang;
        ui.horizontal(|ui| {
            let Some(store) = &self.store else {
                ui.label(lang.pick("No capture open", "未打开抓包文件"));
                return;
            };
            ui.label(store.source.as_ref().map(|s| s.name()).unwrap_or_default());
            ui.separator();
            ui.label(format!("{} {}", store.cap.rows.len(), lang.pick("packets", "个包")));
            ui.label(format!("{} {}", store.cap.connections.len(), lang.pick("connections", "个连接")));
            ui.label(format!("{} HTTP", store.cap.http.len()));
            ui.label(format!("{} WebSocket", store.cap.websocket.len()));
            ui.label(format!("{} {}", store.cap.findings.len(), lang.pick("findings", "个发现")));
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
        if let Some(rx) = &self.dialog {
            if let Ok(picked) = rx.try_recv() {
                self.dialog = None;
                if let Some(p) = picked {
                    self.commands.push(Command::Open(Source::File(p)));
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
        if self.loader.is_some() {
            ctx.request_repaint_after(std::time::Duration::from_millis(50));
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::Panel::top("menu").show(ui, |ui| self.menu_ui(ui));
        egui::Panel::bottom("status").show(ui, |ui| self.status_ui(ui));
        let lang = self.settings.lang;
        let Some(store) = &self.store else {
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
                ui.heading(lang.pick("This file could not be opened", "无法打开此文件"));
                ui.colored_label(egui::Color32::from_rgb(230, 80, 80), &err);
                ui.add_space(10.0);
                if ui.button(lang.pick("Back to the examples", "返回示例")).clicked() {
                    self.commands.push(Command::Close);
                }
            });
            return;
        }
        egui::Panel::left("connections").default_size(320.0).max_size(480.0).show(ui, |ui| {
            let cmds = connections_ui::connections_ui(ui, lang, store, &mut self.view);
            self.commands.extend(cmds);
        });
        egui::Panel::right("details").default_size(430.0).max_size(560.0).show(ui, |ui| {
            let cmds = details_ui::details_ui(ui, lang, store, &mut self.view);
            self.commands.extend(cmds);
        });
        egui::CentralPanel::default().show(ui, |ui| {
            ui.horizontal(|ui| {
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
            let cmds = match self.view.tab {
                Tab::Diagram => diagram_ui::diagram_ui(ui, lang, store, &mut self.view, &mut self.settings),
                Tab::Packets => packets_ui::packets_ui(ui, lang, store, &mut self.view, self.settings.time_format),
                Tab::Messages => details_ui::messages_ui(ui, lang, store, &mut self.view),
                Tab::Breakdowns => {
                    breakdowns_ui::breakdowns_ui(ui, lang, store, &mut self.view.breakdown);
                    Vec::new()
                }
            };
            self.commands.extend(cmds);
        });
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.settings);
    }
}

/// Opens the window. `open`: a file to load at once; `None` shows the start page.
pub fn run(open: Option<Source>) -> eframe::Result {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default().with_inner_size([1400.0, 860.0]).with_title("wirescope").with_drag_and_drop(true),
        ..Default::default()
    };
    eframe::run_native("wirescope", options, Box::new(move |cc| Ok(Box::new(WirescopeApp::new(cc, open)))))
}

pub use details_ui::body_image_uri as details_ui_image_uri;
pub use ladder::Mode;
