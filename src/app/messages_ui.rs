//! The Messages tab: the selected WebSocket connection's messages as a table (number, direction,
//! time, opcode, size on the wire and inflated, preview), filterable, following the newest unless
//! scrolled up. A click anywhere on a row selects the message.

use super::details_ui::hex;
use super::store::Store;
use super::{Command, View};
use crate::analysis::explain::Lang;
use crate::analysis::ladder::Target;
use crate::model::{Dir, WsMessage};
use crate::proto::websocket::opcode_name;
use eframe::egui;
use egui_extras::{Column, TableBuilder};

/// The payload as text when it is UTF-8 that reads as text (tabs and line breaks allowed, no other
/// control characters), whatever the opcode: a ping saying "are you there?" reads as that.
pub fn payload_text(payload: &[u8]) -> Option<&str> {
    let t = std::str::from_utf8(payload).ok()?;
    (!t.is_empty() && !t.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))).then_some(t)
}

/// `text` pretty-printed when it is one JSON value, keys in the order the wire had them (a
/// reformatting of the text itself, not a round trip through a map that sorts keys).
pub fn pretty_json(text: &str) -> Option<String> {
    let trimmed = text.trim();
    if !trimmed.starts_with(['{', '[']) || serde_json::from_str::<serde::de::IgnoredAny>(trimmed).is_err() {
        return None;
    }
    let mut out = String::with_capacity(trimmed.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = trimmed.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.extend(std::iter::repeat_n("  ", depth));
    };
    while let Some(c) = chars.next() {
        if in_string {
            if escaped {
                escaped = false;
                // "\u4f60\u597d" reads as "你好" (printable characters only; the rest stay escaped).
                if c == 'u' {
                    if let Some(ch) = unicode_escape(&mut chars) {
                        out.pop();
                        out.push(ch);
                        continue;
                    }
                }
                out.push(c);
            } else {
                out.push(c);
                if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_string = false;
                }
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                // An empty object or array stays on one line.
                while chars.peek().is_some_and(|c| c.is_ascii_whitespace()) {
                    chars.next();
                }
                if chars.peek().is_some_and(|n| matches!((c, n), ('{', '}') | ('[', ']'))) {
                    out.extend(chars.next());
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_ascii_whitespace() => {}
            c => out.push(c),
        }
    }
    Some(out)
}

/// After `\u`: the printable character the escape (or a surrogate pair) stands for, consuming it;
/// else nothing is consumed.
fn unicode_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<char> {
    let ahead: String = chars.clone().take(10).collect();
    let hex4 = |s: &str| s.get(..4).filter(|h| h.chars().all(|c| c.is_ascii_hexdigit())).and_then(|h| u32::from_str_radix(h, 16).ok());
    let hi = hex4(&ahead)?;
    let (ch, used) = if (0xd800..0xdc00).contains(&hi) {
        let lo = ahead.get(4..6).filter(|p| *p == "\\u").and_then(|_| ahead.get(6..)).and_then(hex4)?;
        if !(0xdc00..0xe000).contains(&lo) {
            return None;
        }
        (char::from_u32(0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00))?, 10)
    } else {
        (char::from_u32(hi)?, 4)
    };
    if ch.is_control() || ch == '"' || ch == '\\' || ch.is_whitespace() {
        return None;
    }
    for _ in 0..used {
        chars.next();
    }
    Some(ch)
}

/// One line saying what the message carries: its text, a close's code and reason, else hex.
fn preview(m: &WsMessage, lang: Lang) -> String {
    if m.opcode == 8 {
        return match m.close_code {
            Some(c) => format!("{c} {}", m.close_reason.clone().unwrap_or_default()),
            None => lang.pick("(no status code)", "（无状态码）").to_string(),
        };
    }
    match payload_text(&m.payload) {
        Some(t) => t.chars().take(120).map(|c| if c.is_control() { ' ' } else { c }).collect(),
        None => hex(m.payload.get(..16).unwrap_or(&m.payload)).replace('\n', " "),
    }
}

fn shown(view: &View, m: &WsMessage) -> bool {
    // Ping, pong and close are always shown: they tell how the session is doing.
    if m.opcode >= 8 {
        return true;
    }
    if view.ws_dir_filter.is_some_and(|d| d != m.direction) || view.ws_opcode_filter.is_some_and(|o| o != m.opcode) {
        return false;
    }
    view.ws_text_filter.is_empty() || String::from_utf8_lossy(&m.payload).contains(&view.ws_text_filter)
}

pub fn messages_ui(ui: &mut egui::Ui, lang: Lang, store: &Store, view: &mut View) -> Vec<Command> {
    let mut cmds = Vec::new();
    // An event-stream connection: its events, with the text filter only (every event comes from
    // the server, and there are no opcodes).
    if let Some(conn) = view.selected_conn.filter(|&c| store.cap.sse.iter().any(|e| e.connection == c)) {
        ui.horizontal_wrapped(|ui| {
            let label = ui.label(lang.pick("Text:", "文字："));
            ui.add(
                egui::TextEdit::singleline(&mut view.ws_text_filter)
                    .hint_text(lang.pick("text in message", "消息中的文字"))
                    .desired_width(140.0),
            )
            .labelled_by(label.id);
        });
        sse_table(ui, lang, store, view, conn, &mut cmds);
        return cmds;
    }
    ui.horizontal_wrapped(|ui| {
        ui.label(lang.pick("Direction:", "方向："));
        ui.selectable_value(&mut view.ws_dir_filter, None, lang.pick("both", "双向"));
        ui.selectable_value(&mut view.ws_dir_filter, Some(Dir::ClientToServer), lang.pick("client → server", "客户端 → 服务器"));
        ui.selectable_value(&mut view.ws_dir_filter, Some(Dir::ServerToClient), lang.pick("server → client", "服务器 → 客户端"));
    });
    // The opcode and text filters on their own line, so each group stays together at any width.
    ui.horizontal_wrapped(|ui| {
        ui.label(lang.pick("Type:", "类型："));
        ui.selectable_value(&mut view.ws_opcode_filter, None, lang.pick("all", "全部"));
        ui.selectable_value(&mut view.ws_opcode_filter, Some(1), "Text");
        ui.selectable_value(&mut view.ws_opcode_filter, Some(2), "Binary");
        ui.separator();
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
    // Numbers count every message of the connection, so they stay the same whatever the filter.
    let rows: Vec<(usize, usize)> = store
        .cap
        .websocket
        .iter()
        .enumerate()
        .filter(|(_, m)| m.connection == conn)
        .enumerate()
        .filter(|(_, (_, m))| shown(view, m))
        .map(|(n, (i, _))| (n + 1, i))
        .collect();
    if rows.is_empty() {
        ui.label(lang.pick("No WebSocket messages on this connection.", "这条连接上没有 WebSocket 消息。"));
        return cmds;
    }
    let t0 = store.cap.packets.first_time.unwrap_or(0.0);
    let selected = match view.selection {
        Some(Target::WsMessage(i)) => Some(i),
        _ => None,
    };
    let dir_text = |d: Dir| match d {
        Dir::ClientToServer => lang.pick("client → server", "客户端 → 服务器"),
        Dir::ServerToClient => lang.pick("server → client", "服务器 → 客户端"),
    };
    ui.separator();
    TableBuilder::new(ui)
        .striped(true)
        .stick_to_bottom(true)
        .sense(egui::Sense::click())
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::initial(30.0).resizable(true))
        .column(Column::initial(16.0))
        .column(Column::initial(64.0).resizable(true))
        .column(Column::initial(50.0).resizable(true).clip(true))
        .column(Column::initial(74.0).resizable(true).clip(true))
        .column(Column::remainder().at_least(80.0).clip(true))
        .header(20.0, |mut h| {
            for (t, tip) in [
                (lang.pick("No.", "序号"), lang.pick("Message number on this connection", "此连接上的消息序号")),
                ("", lang.pick("Direction: → client to server, ← server to client", "方向：→ 客户端到服务器，← 服务器到客户端")),
                (lang.pick("Time", "时间"), lang.pick("Seconds since the first packet", "相对第一个包的秒数")),
                (lang.pick("Opcode", "操作码"), lang.pick("Frame type (opcode)", "帧类型（操作码）")),
                (
                    lang.pick("Size", "大小"),
                    lang.pick(
                        "Payload bytes on the wire → after inflating (permessage-deflate)",
                        "线上载荷字节 → 解压后（permessage-deflate）",
                    ),
                ),
                (lang.pick("Payload", "载荷"), lang.pick("Text when it is UTF-8, else hex", "UTF-8 时显示文字，否则显示十六进制")),
            ] {
                h.col(|ui| {
                    ui.strong(t).on_hover_text(tip);
                });
            }
        })
        .body(|body| {
            body.rows(18.0, rows.len(), |mut row| {
                let Some(&(n, i)) = rows.get(row.index()) else { return };
                let Some(m) = store.cap.websocket.get(i) else { return };
                row.set_selected(selected == Some(i));
                let size = if m.compressed { format!("{} → {} B", m.wire_len, m.len) } else { format!("{} B", m.len) };
                let arrow = if m.direction == Dir::ClientToServer { "→" } else { "←" };
                let cells = [n.to_string(), arrow.to_string(), format!("{:.6}", m.time - t0), opcode_name(m.opcode).to_string(), size];
                for (k, text) in cells.into_iter().enumerate() {
                    row.col(|ui| {
                        let r = ui.add(egui::Label::new(text).truncate().selectable(false));
                        if k == 1 {
                            r.on_hover_text(dir_text(m.direction));
                        }
                    });
                }
                row.col(|ui| {
                    let p = preview(m, lang);
                    let r = ui.add(egui::Label::new(egui::RichText::new(&p).monospace()).truncate().selectable(false));
                    if !p.is_empty() {
                        r.on_hover_text(p);
                    }
                });
                if row.response().clicked() {
                    cmds.push(Command::Select(Target::WsMessage(i)));
                }
            });
        });
    cmds
}

/// The Server-Sent Events of a connection's event-stream responses, as messages (server to
/// client): number, time, event type, last event ID, data size and data. The text filter applies
/// to the data.
fn sse_table(ui: &mut egui::Ui, lang: Lang, store: &Store, view: &View, conn: u32, cmds: &mut Vec<Command>) {
    let rows: Vec<(usize, usize)> = store
        .cap
        .sse
        .iter()
        .enumerate()
        .filter(|(_, e)| e.connection == conn)
        .enumerate()
        .filter(|(_, (_, e))| view.ws_text_filter.is_empty() || e.data.contains(&view.ws_text_filter))
        .map(|(n, (i, _))| (n + 1, i))
        .collect();
    ui.label(
        egui::RichText::new(lang.pick(
            "Server-Sent Events (text/event-stream): every event comes from the server.",
            "服务器发送事件（text/event-stream）：每条事件都来自服务器。",
        ))
        .weak(),
    );
    if rows.is_empty() {
        ui.label(lang.pick("No events shown.", "没有要显示的事件。"));
        return;
    }
    let t0 = store.cap.packets.first_time.unwrap_or(0.0);
    let selected = match view.selection {
        Some(Target::Sse(i)) => Some(i),
        _ => None,
    };
    ui.separator();
    TableBuilder::new(ui)
        .striped(true)
        .stick_to_bottom(true)
        .sense(egui::Sense::click())
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::initial(30.0).resizable(true))
        .column(Column::initial(16.0))
        .column(Column::initial(64.0).resizable(true))
        .column(Column::initial(70.0).resizable(true).clip(true))
        .column(Column::initial(40.0).resizable(true).clip(true))
        .column(Column::initial(50.0).resizable(true).clip(true))
        .column(Column::remainder().at_least(80.0).clip(true))
        .header(20.0, |mut h| {
            for (t, tip) in [
                (lang.pick("No.", "序号"), lang.pick("Event number on this connection", "此连接上的事件序号")),
                ("", lang.pick("Direction: ← server to client", "方向：← 服务器到客户端")),
                (lang.pick("Time", "时间"), lang.pick("Seconds since the first packet", "相对第一个包的秒数")),
                (
                    lang.pick("Event", "事件"),
                    lang.pick("The event: field (\"message\" when absent)", "event: 字段（没有时为 \"message\"）"),
                ),
                ("id", lang.pick("The last event ID (carried over from earlier events)", "最后事件 ID（沿用之前事件的值）")),
                (lang.pick("Size", "大小"), lang.pick("Data bytes", "数据字节数")),
                (lang.pick("Data", "数据"), lang.pick("The data: lines, joined", "各行 data: 连接起来")),
            ] {
                h.col(|ui| {
                    ui.strong(t).on_hover_text(tip);
                });
            }
        })
        .body(|body| {
            body.rows(18.0, rows.len(), |mut row| {
                let Some(&(n, i)) = rows.get(row.index()) else { return };
                let Some(e) = store.cap.sse.get(i) else { return };
                row.set_selected(selected == Some(i));
                let cells = [
                    n.to_string(),
                    "←".to_string(),
                    format!("{:.6}", e.time - t0),
                    e.event.clone().unwrap_or_else(|| "message".into()),
                    e.id.clone().unwrap_or_default(),
                    format!("{} B", e.data.len()),
                ];
                for text in cells {
                    row.col(|ui| {
                        ui.add(egui::Label::new(text).truncate().selectable(false));
                    });
                }
                row.col(|ui| {
                    let p: String = e.data.chars().take(120).map(|c| if c.is_control() { ' ' } else { c }).collect();
                    let r = ui.add(egui::Label::new(egui::RichText::new(&p).monospace()).truncate().selectable(false));
                    if !p.is_empty() {
                        r.on_hover_text(p);
                    }
                });
                if row.response().clicked() {
                    cmds.push(Command::Select(Target::Sse(i)));
                }
            });
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_payloads_read_as_text_whatever_the_opcode() {
        assert_eq!(payload_text(b"are you there?"), Some("are you there?"));
        assert_eq!(payload_text("你好\n".as_bytes()), Some("你好\n"));
        assert_eq!(payload_text(&[0xff, 0xfe]), None, "not UTF-8");
        assert_eq!(payload_text(&[0, 1, 2, 3]), None, "UTF-8 but control bytes: binary");
        assert_eq!(payload_text(b""), None);
    }

    #[test]
    fn pretty_json_keeps_the_wire_order_and_the_values() {
        let wire = r#"{"z":1,"a":{"y":[1, 2,{}],"b":"x,: {\"q\"}"},"m":[]}"#;
        let p = pretty_json(wire).unwrap();
        let keys: Vec<usize> = ["\"z\"", "\"a\"", "\"y\"", "\"b\"", "\"m\""].iter().map(|k| p.find(k).unwrap()).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{p}");
        assert!(p.contains(r#""x,: {\"q\"}""#), "strings are left alone: {p}");
        // Same value as the wire: pretty printing only moved whitespace.
        let a: serde_json::Value = serde_json::from_str(wire).unwrap();
        let b: serde_json::Value = serde_json::from_str(&p).unwrap();
        assert_eq!(a, b);
        assert!(p.lines().count() > 5 && p.contains("\n  \"a\": {\n    \"y\": ["), "{p}");
        assert_eq!(pretty_json("[1,2"), None);
        // Escapes of printable characters read as the characters; quotes and controls stay escaped.
        let p = pretty_json(r#"{"t":"\u4f60\u597d \ud83d\ude00 \u0022 \u000a \ud83d"}"#).unwrap();
        let smile = '\u{1f600}';
        assert!(p.contains(&format!(r#""你好 {smile} \u0022 \u000a \ud83d""#)), "{p}");
        assert_eq!(pretty_json("42"), None, "a bare number is not worth reformatting");
    }
}
