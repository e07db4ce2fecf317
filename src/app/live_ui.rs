//! Live capture and the lab in the window: the capture settings dialog (interface, filter checked
//! as you type, snap length, promiscuous), the bar shown while capturing (packets, drops, pause,
//! stop, stick to newest), the lab's one-click scenarios and their narration.

use super::loader::LiveJob;
use super::store::Store;
use super::{Command, View};
use crate::analysis::explain::Lang;
use crate::lab::{Figure, Note, SCENARIOS};
use crate::source::live::{self, Interface, LiveOptions, LiveStats};
use eframe::egui;

/// What the live side of a [`Store`] knows.
pub struct LiveState {
    pub job: LiveJob,
    /// When the run started (wall clock, ns: the clock notes are stamped with).
    pub started_ns: i64,
    pub started: bool,
    pub running: bool,
    pub paused: bool,
    pub stats: Option<LiveStats>,
    pub notes: Vec<Note>,
    pub figures: Vec<Figure>,
    pub relayed: bool,
    pub capture_problem: Option<String>,
    pub lab_error: Option<String>,
}

impl LiveState {
    pub fn new(job: LiveJob) -> LiveState {
        LiveState {
            job,
            started_ns: crate::lab::now_ns(),
            started: false,
            running: true,
            paused: false,
            stats: None,
            notes: Vec::new(),
            figures: Vec::new(),
            relayed: false,
            capture_problem: None,
            lab_error: None,
        }
    }

    pub fn title(&self, lang: Lang) -> String {
        match &self.job {
            LiveJob::Capture(o) => format!("{} {}", lang.pick("Live capture on", "实时抓包："), o.interface),
            LiveJob::Lab { scenario, .. } => {
                let t = crate::lab::find(scenario).map(|s| lang.pick(s.title.en, s.title.zh)).unwrap_or(scenario);
                format!("{} {t}", lang.pick("Lab:", "实验："))
            }
        }
    }
}

/// The capture settings dialog's state.
pub struct CaptureForm {
    pub interfaces: Result<Vec<Interface>, String>,
    pub interface: String,
    pub filter: String,
    pub filter_error: Option<String>,
    checked_filter: String,
    pub snaplen: i32,
    pub promiscuous: bool,
}

impl CaptureForm {
    pub fn new() -> CaptureForm {
        let interfaces = live::interfaces();
        let interface = interfaces.as_ref().ok().and_then(|v| v.first().map(|i| i.name.clone())).unwrap_or_else(|| "lo".into());
        CaptureForm {
            interfaces,
            interface,
            filter: "tcp".into(),
            filter_error: None,
            checked_filter: String::new(),
            snaplen: 262_144,
            promiscuous: false,
        }
    }
}

impl Default for CaptureForm {
    fn default() -> Self {
        CaptureForm::new()
    }
}

/// The capture dialog. Returns commands; `open` goes false when it is closed.
pub fn capture_form_ui(ctx: &egui::Context, lang: Lang, form: &mut CaptureForm, open: &mut bool) -> Vec<Command> {
    let mut cmds = Vec::new();
    let mut keep = *open;
    egui::Window::new(lang.pick("Live capture", "实时抓包")).open(&mut keep).resizable(false).collapsible(false).show(ctx, |ui| {
        egui::Grid::new("capture-form").num_columns(2).spacing([10.0, 8.0]).show(ui, |ui| {
            ui.label(lang.pick("Interface", "网卡"));
            match &form.interfaces {
                Ok(list) => {
                    let label = list.iter().find(|i| i.name == form.interface).map(describe).unwrap_or_else(|| form.interface.clone());
                    egui::ComboBox::from_id_salt("iface").selected_text(label).width(360.0).show_ui(ui, |ui| {
                        for i in list {
                            ui.selectable_value(&mut form.interface, i.name.clone(), describe(i));
                        }
                    });
                }
                Err(e) => {
                    ui.vertical(|ui| {
                        ui.colored_label(egui::Color32::from_rgb(230, 80, 80), e);
                        ui.text_edit_singleline(&mut form.interface);
                    });
                }
            }
            ui.end_row();
            let fl = ui.label(lang.pick("Capture filter (BPF)", "抓包过滤器（BPF）"));
            ui.vertical(|ui| {
                ui.add(egui::TextEdit::singleline(&mut form.filter).hint_text("tcp port 8080").desired_width(360.0)).labelled_by(fl.id);
                if form.filter != form.checked_filter {
                    form.checked_filter = form.filter.clone();
                    form.filter_error = if form.filter.trim().is_empty() { None } else { live::validate_filter(form.filter.trim()).err() };
                }
                match &form.filter_error {
                    Some(e) => ui.colored_label(egui::Color32::from_rgb(230, 80, 80), e),
                    None => ui.weak(lang.pick("valid (empty: every packet)", "有效（留空：抓取全部）")),
                };
            });
            ui.end_row();
            let sl = ui.label(lang.pick("Snap length (bytes)", "截取长度（字节）"));
            ui.add(egui::DragValue::new(&mut form.snaplen).range(64..=262_144)).labelled_by(sl.id);
            ui.end_row();
            ui.label("");
            ui.checkbox(&mut form.promiscuous, lang.pick("Promiscuous mode", "混杂模式"));
            ui.end_row();
        });
        ui.weak(lang.pick(
            "Packets are written to a .pcapng as they arrive (File → Save as… keeps a copy anywhere).",
            "数据包边抓边写入 .pcapng 文件（文件 → 另存为… 可另存一份）。",
        ));
        ui.add_space(6.0);
        let ok = form.filter_error.is_none() && !form.interface.is_empty();
        if ui.add_enabled(ok, egui::Button::new(lang.pick("Start capture", "开始抓包"))).clicked() {
            let f = form.filter.trim();
            cmds.push(Command::StartLive(LiveJob::Capture(LiveOptions {
                interface: form.interface.clone(),
                filter: (!f.is_empty()).then(|| f.to_string()),
                snaplen: form.snaplen,
                promiscuous: form.promiscuous,
                count: None,
                duration: None,
            })));
            *open = false;
        }
    });
    if !keep {
        *open = false;
    }
    cmds
}

fn describe(i: &Interface) -> String {
    let mut s = i.name.clone();
    if i.loopback {
        s.push_str(" (loopback)");
    }
    if !i.addresses.is_empty() {
        s.push_str(&format!(" — {}", i.addresses.join(", ")));
    }
    if let Some(d) = &i.description {
        s.push_str(&format!(" — {d}"));
    }
    s
}

/// The lab's scenarios as one-click buttons.
pub fn lab_buttons(ui: &mut egui::Ui, lang: Lang, relay: &mut bool) -> Vec<Command> {
    let mut cmds = Vec::new();
    for (i, s) in SCENARIOS.iter().enumerate() {
        let b =
            ui.button(format!("{:>2}. {}", i + 1, lang.pick(s.title.en, s.title.zh))).on_hover_text(lang.pick(s.teaches.en, s.teaches.zh));
        if b.clicked() {
            cmds.push(Command::StartLive(LiveJob::Lab { scenario: s.id, relay: *relay }));
        }
    }
    ui.checkbox(relay, lang.pick("Record through the relay (no packet capture needed)", "通过中继记录（无需抓包权限）"))
        .on_hover_text(lang.pick(
            "The lab's traffic passes through an in-app relay on loopback that records the bytes each way; used automatically when capturing is not permitted.",
            "实验流量经过应用内的回环中继，记录双向字节；没有抓包权限时会自动使用。",
        ));
    cmds
}

/// The bar above the views while a capture or lab run is live (and after it, for the lab's results).
pub fn live_bar_ui(ui: &mut egui::Ui, lang: Lang, store: &Store, view: &mut View) -> Vec<Command> {
    let mut cmds = Vec::new();
    let Some(live) = &store.live else { return cmds };
    ui.horizontal_wrapped(|ui| {
        if live.running {
            let dot = if live.paused { egui::Color32::from_rgb(230, 160, 40) } else { egui::Color32::from_rgb(220, 50, 50) };
            // Painted, not a glyph: no font has to carry a recording dot.
            let size = ui.text_style_height(&egui::TextStyle::Body);
            let (rect, _) = ui.allocate_exact_size(egui::vec2(size, size), egui::Sense::hover());
            ui.painter().circle_filled(rect.center(), size * 0.3, dot);
        }
        ui.strong(live.title(lang));
        ui.separator();
        let state = match (live.running, live.started, live.paused) {
            (true, false, _) => lang.pick("starting…", "正在启动…"),
            (true, true, true) => lang.pick("paused", "已暂停"),
            (true, true, false) => lang.pick("capturing", "正在抓包"),
            (false, _, _) => lang.pick("stopped", "已停止"),
        };
        ui.label(state);
        ui.label(format!("{} {}", store.cap.rows.len(), lang.pick("packets", "个数据包")));
        if let Some(s) = &live.stats {
            ui.label(format!(
                "{} {} / {}",
                lang.pick("dropped (kernel / interface):", "丢包（内核 / 网卡）："),
                s.kernel_dropped,
                s.interface_dropped
            ));
            if s.skipped > 0 {
                ui.label(format!("{} {}", s.skipped, lang.pick("skipped while paused", "个数据包在暂停期间被跳过")));
            }
        }
        if live.relayed {
            ui.colored_label(
                egui::Color32::from_rgb(230, 160, 40),
                lang.pick("application-level recording (relay): TCP flags are synthetic", "应用层记录（中继）：TCP 标志是合成的"),
            )
            .on_hover_text(live.capture_problem.clone().unwrap_or_default());
        }
        if live.running {
            ui.separator();
            if matches!(live.job, LiveJob::Capture(_)) {
                let label = if live.paused { lang.pick("Resume", "继续") } else { lang.pick("Pause", "暂停") };
                if ui.button(label).clicked() {
                    cmds.push(Command::TogglePause);
                }
            }
            if ui.button(lang.pick("Stop", "停止")).clicked() {
                cmds.push(Command::CancelLoad);
            }
        }
        ui.checkbox(&mut view.stick_to_newest, lang.pick("Stick to newest", "跟随最新"));
    });
    if let Some(e) = &live.lab_error {
        ui.colored_label(egui::Color32::from_rgb(230, 80, 80), format!("{} {e}", lang.pick("The scenario failed:", "场景失败：")));
    }
    cmds
}

/// Seconds from the run's start to `ts_ns`; never negative (a note said in the same instant as the
/// start reads 0.000 s, not -0.000 s).
pub fn since_start(started_ns: i64, ts_ns: i64) -> f64 {
    (ts_ns.saturating_sub(started_ns).max(0) as f64 / 1e9).max(0.0)
}

/// The lab's narration (numbered lines, times from the run's start) with the measured figures
/// beside it, in a panel of its own so neither covers the other.
pub fn narration_ui(ui: &mut egui::Ui, lang: Lang, live: &LiveState) {
    if !live.figures.is_empty() {
        let width = ui.available_width();
        egui::Panel::right("lab-figures")
            .resizable(true)
            .default_size((width * 0.4).min(420.0))
            .min_size(140.0)
            .max_size((width * 0.6).max(140.0))
            .show(ui, |ui| {
                ui.strong(lang.pick("Measured", "测量结果"));
                egui::ScrollArea::vertical().id_salt("figures").auto_shrink([false, false]).show(ui, |ui| {
                    // The name on its own line, the value below it: long values (keys, hashes)
                    // wrap in the full width instead of squeezing a column.
                    for f in &live.figures {
                        let (label, value) = f.text(lang);
                        ui.add(egui::Label::new(egui::RichText::new(label).weak()).wrap());
                        ui.add(egui::Label::new(value).wrap());
                        ui.add_space(4.0);
                    }
                });
            });
    }
    egui::CentralPanel::default().frame(egui::Frame::NONE).show(ui, |ui| {
        ui.horizontal(|ui| {
            ui.strong(lang.pick("Narration", "讲解"));
            ui.weak(lang.pick("(seconds since the run started)", "（自实验开始的秒数）"));
        });
        egui::ScrollArea::vertical().id_salt("notes").stick_to_bottom(true).auto_shrink([false, false]).show(ui, |ui| {
            for (i, n) in live.notes.iter().enumerate() {
                let latest = i + 1 == live.notes.len();
                ui.horizontal_top(|ui| {
                    ui.monospace(format!("{:>2}.", i + 1));
                    ui.monospace(format!("{:7.3} s", since_start(live.started_ns, n.ts_ns)));
                    let text = egui::RichText::new(lang.choose(&n.en, &n.zh));
                    ui.add(egui::Label::new(if latest { text.strong() } else { text }).wrap());
                });
            }
        });
    });
}

#[cfg(test)]
mod tests {
    use super::since_start;

    #[test]
    fn narration_times_count_from_the_run_start_and_are_never_negative() {
        assert_eq!(since_start(1_000_000_000, 1_250_000_000), 0.25);
        // A note stamped a hair before the run's own start (another thread's clock read) is 0.
        let t = since_start(1_000_000_000, 999_999_000);
        assert_eq!(format!("{t:.3}"), "0.000");
        assert_eq!(since_start(i64::MAX, i64::MIN), 0.0);
    }
}
