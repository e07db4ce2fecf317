//! The start page: open a file, or pick one of the bundled examples with its lesson.

use super::loader::Source;
use super::{Command, EMBEDDED_EXAMPLE};
use crate::analysis::explain::{comparison, Lang};
use eframe::egui;
use std::path::{Path, PathBuf};

/// The bundled captures folder: beside the sources in a checkout, or given by WIRESCOPE_CAPTURES.
pub fn captures_dir() -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Ok(p) = std::env::var("WIRESCOPE_CAPTURES") {
        candidates.push(PathBuf::from(p));
    }
    candidates.push(PathBuf::from("captures"));
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("captures"));
    candidates.into_iter().find(|p| p.join("README.md").is_file())
}

/// (file name, lesson) from the table in captures/README.md.
pub fn examples(dir: &Path) -> Vec<(String, String)> {
    let Ok(text) = std::fs::read_to_string(dir.join("README.md")) else { return Vec::new() };
    text.lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let file = cells.get(1)?.trim_matches('`');
            (file.ends_with(".pcap") || file.ends_with(".pcapng")).then(|| (file.to_string(), cells.get(2).unwrap_or(&"").replace('`', "")))
        })
        .filter(|(f, _)| dir.join(f).is_file())
        .collect()
}

pub fn start_ui(ui: &mut egui::Ui, lang: Lang, recent: &[PathBuf], path_input: &mut String) -> Vec<Command> {
    let mut cmds = Vec::new();
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.add_space(12.0);
        ui.heading(lang.pick("wirescope: see HTTP and WebSocket at work", "wirescope：看见 HTTP 与 WebSocket 如何工作"));
        ui.label(lang.pick(
            "Open a capture (.pcap / .pcapng) to see its connections, HTTP exchanges and WebSocket messages, and replay them as a sequence diagram.",
            "打开抓包文件（.pcap / .pcapng），查看其中的连接、HTTP 交换和 WebSocket 消息，并以时序图回放。",
        ));
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            if ui.button(lang.pick("Open a capture…", "打开抓包文件…")).clicked() {
                cmds.push(Command::OpenDialog);
            }
            ui.label(lang.pick("or type a path:", "或输入路径："));
            let r = ui.add(egui::TextEdit::singleline(path_input).hint_text("/path/to/capture.pcapng").desired_width(320.0));
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if (ui.button(lang.pick("Open", "打开")).clicked() || enter) && !path_input.trim().is_empty() {
                cmds.push(Command::Open(Source::File(PathBuf::from(path_input.trim()))));
            }
        });
        ui.label(egui::RichText::new(lang.pick("You can also drop a file onto the window.", "也可以把文件拖到窗口上。")).weak());
        ui.add_space(12.0);
        ui.heading(lang.pick("Examples", "示例"));
        let dir = captures_dir();
        let list = dir.as_deref().map(examples).unwrap_or_default();
        egui::Grid::new("examples").striped(true).num_columns(2).spacing([12.0, 6.0]).show(ui, |ui| {
            if list.is_empty() {
                if ui.button("websocket-basics.pcapng").clicked() {
                    cmds.push(Command::Open(EMBEDDED_EXAMPLE));
                }
                ui.label(lang.pick("The built-in example: a WebSocket session from upgrade to close.", "内置示例：一个从升级到关闭的 WebSocket 会话。"));
                ui.end_row();
            }
            for (file, lesson) in &list {
                if ui.button(file).clicked() {
                    if let Some(d) = &dir {
                        cmds.push(Command::Open(Source::File(d.join(file))));
                    }
                }
                ui.add(egui::Label::new(crate::analysis::catalogue::example_lesson(file, lesson, lang)).wrap());
                ui.end_row();
            }
        });
        if !recent.is_empty() {
            ui.add_space(12.0);
            ui.heading(lang.pick("Recent files", "最近打开的文件"));
            for p in recent {
                if !p.exists() {
                    ui.weak(format!("{}  {}", p.display(), lang.pick("(file no longer exists)", "（文件已不存在）")));
                } else if ui.link(p.display().to_string()).clicked() {
                    cmds.push(Command::Open(Source::File(p.clone())));
                }
            }
        }
        ui.add_space(16.0);
        ui.heading(lang.pick("HTTP and WebSocket side by side", "HTTP 与 WebSocket 对比"));
        egui::Grid::new("comparison").striped(true).num_columns(3).spacing([16.0, 6.0]).show(ui, |ui| {
            ui.strong("");
            ui.strong("HTTP");
            ui.strong("WebSocket");
            ui.end_row();
            for (aspect, http, ws) in comparison(lang) {
                ui.strong(aspect);
                ui.label(http);
                ui.label(ws);
                ui.end_row();
            }
        });
    });
    cmds
}
