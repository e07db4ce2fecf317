//! The Messages tab: the selected WebSocket connection's messages, filterable, newest at the bottom.

use super::details_ui::hex;
use super::store::Store;
use super::{Command, View};
use crate::analysis::explain::Lang;
use crate::analysis::ladder::Target;
use crate::model::Dir;
use crate::proto::websocket::opcode_name;
use eframe::egui;

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
