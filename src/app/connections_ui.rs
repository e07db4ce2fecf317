//! The connections list: protocol badge, endpoints, counts, duration, how it ended; filterable.

use super::store::Store;
use super::{Command, View};
use crate::analysis::explain::Lang;
use crate::model::{Connection, End, Protocol};
use eframe::egui::{self, Color32, RichText};

pub fn badge_color(p: Protocol) -> Color32 {
    match p {
        Protocol::Http => Color32::from_rgb(70, 130, 220),
        Protocol::Websocket => Color32::from_rgb(60, 170, 110),
        Protocol::Tls => Color32::from_rgb(170, 120, 200),
        Protocol::Http2 => Color32::from_rgb(220, 140, 60),
        Protocol::Quic => Color32::from_rgb(200, 90, 120),
        _ => Color32::GRAY,
    }
}

fn end_text(e: End, lang: Lang) -> &'static str {
    match e {
        End::Fin => lang.pick("closed", "已关闭"),
        End::HalfClosed => lang.pick("half-closed", "半关闭"),
        End::Rst => lang.pick("reset", "被重置"),
        End::None => lang.pick("open", "未关闭"),
    }
}

fn matches(c: &Connection, f: &str) -> bool {
    if f.is_empty() {
        return true;
    }
    let f = f.to_lowercase();
    c.client.contains(&f) || c.server.contains(&f) || c.protocol.label().to_lowercase().contains(&f) || c.id.to_string() == f
}

pub fn connections_ui(ui: &mut egui::Ui, lang: Lang, store: &Store, view: &mut View) -> Vec<Command> {
    let mut cmds = Vec::new();
    ui.heading(lang.pick("Connections", "连接"));
    let label = ui.label(lang.pick("Filter connections:", "过滤连接："));
    ui.add(egui::TextEdit::singleline(&mut view.conn_filter).hint_text(lang.pick("address, port, protocol", "地址、端口、协议")))
        .labelled_by(label.id);
    let shown: Vec<&Connection> = store.cap.connections.iter().filter(|c| matches(c, &view.conn_filter)).collect();
    let row_h =
        ui.text_style_height(&egui::TextStyle::Body) + ui.text_style_height(&egui::TextStyle::Small) + 2.0 * ui.spacing().item_spacing.y;
    // Only the visible rows are laid out: a capture can hold tens of thousands of connections.
    egui::ScrollArea::vertical().auto_shrink([false, false]).show_rows(ui, row_h, shown.len(), |ui, range| {
        for c in &shown[range] {
            let selected = view.selected_conn == Some(c.id);
            let text = format!("#{} {}  {} → {}", c.id, c.protocol.label(), c.client, c.server);
            let r = ui.add(egui::Button::selectable(selected, RichText::new(text).color(badge_color(c.protocol)).strong()).truncate());
            if r.clicked() {
                cmds.push(Command::SelectConnection(c.id));
            }
            let dur = (c.end_time - c.start_time) * 1000.0;
            let mut line = format!(
                "   {} {} / {} B · {:.1} ms · {}",
                c.packets_client_to_server + c.packets_server_to_client,
                lang.pick("pkts", "个数据包"),
                c.bytes_client_to_server + c.bytes_server_to_client,
                dur,
                end_text(c.end, lang)
            );
            if c.http_exchanges > 0 {
                line.push_str(&format!(" · {} HTTP", c.http_exchanges));
            }
            if c.websocket_messages > 0 {
                line.push_str(&format!(" · {} {}", c.websocket_messages, lang.pick("msgs", "条消息")));
            }
            ui.add(egui::Label::new(RichText::new(line).small().weak()).truncate());
        }
    });
    cmds
}
