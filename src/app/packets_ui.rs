//! The packets table (virtualised: only visible rows are laid out) with a quick filter.

use super::settings::TimeFormat;
use super::store::Store;
use super::{Command, View};
use crate::analysis::explain::Lang;
use crate::analysis::ladder::Target;
use eframe::egui;
use egui_extras::{Column, TableBuilder};

/// A quick-filter expression: `status>=400`, `method==POST`, `ws.opcode==ping`, `conn==3`, or text.
pub enum Filter {
    All,
    Text(String),
    Status(String, u16),
    Method(String),
    Opcode(u8),
    Conn(u32),
}

pub fn parse_filter(s: &str) -> Filter {
    let s = s.trim();
    if s.is_empty() {
        return Filter::All;
    }
    let ops = [">=", "<=", "==", "!=", ">", "<"];
    for op in ops {
        if let Some((k, v)) = s.split_once(op) {
            let (k, v) = (k.trim().to_lowercase(), v.trim());
            match k.as_str() {
                "status" | "http.status" => {
                    if let Ok(n) = v.parse() {
                        return Filter::Status(op.to_string(), n);
                    }
                }
                "method" | "http.method" => return Filter::Method(v.to_uppercase()),
                "ws.opcode" | "opcode" => {
                    let code = match v.to_lowercase().as_str() {
                        "cont" | "continuation" => Some(0),
                        "text" => Some(1),
                        "binary" => Some(2),
                        "close" => Some(8),
                        "ping" => Some(9),
                        "pong" => Some(10),
                        n => n.parse().ok(),
                    };
                    if let Some(c) = code {
                        return Filter::Opcode(c);
                    }
                }
                "conn" | "tcp.stream" => {
                    if let Ok(n) = v.parse() {
                        return Filter::Conn(n);
                    }
                }
                _ => {}
            }
        }
    }
    Filter::Text(s.to_lowercase())
}

fn cmp(op: &str, a: u16, b: u16) -> bool {
    match op {
        ">=" => a >= b,
        "<=" => a <= b,
        ">" => a > b,
        "<" => a < b,
        "!=" => a != b,
        _ => a == b,
    }
}

/// Packet numbers that a filter keeps (None: keep every packet).
pub fn filter_packets(store: &Store, f: &Filter) -> Option<std::collections::HashSet<u64>> {
    let cap = &store.cap;
    Some(match f {
        Filter::All | Filter::Text(_) | Filter::Conn(_) => return None,
        Filter::Status(op, n) => {
            cap.http.iter().filter_map(|x| x.response.as_ref()).filter(|r| cmp(op, r.status, *n)).map(|r| r.packet).collect()
        }
        Filter::Method(m) => cap.http.iter().filter_map(|x| x.request.as_ref()).filter(|r| &r.method == m).map(|r| r.packet).collect(),
        Filter::Opcode(o) => cap.frames.iter().filter(|fr| fr.opcode == *o).map(|fr| fr.packet).collect(),
    })
}

fn fmt_time(tf: TimeFormat, ts: i64, first: i64, prev: i64) -> String {
    match tf {
        TimeFormat::Relative => format!("{:.6}", (ts - first) as f64 / 1e9),
        TimeFormat::Delta => format!("{:.6}", (ts - prev) as f64 / 1e9),
        TimeFormat::Absolute => {
            let secs = ts.div_euclid(1_000_000_000);
            let ns = ts.rem_euclid(1_000_000_000);
            let day = secs.rem_euclid(86_400);
            format!("{:02}:{:02}:{:02}.{:06}", day / 3600, (day % 3600) / 60, day % 60, ns / 1000)
        }
    }
}

/// What the visible rows depend on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowsKey {
    filter: String,
    only: bool,
    conn: Option<u32>,
    rows: usize,
    http: usize,
}

fn visible_rows(store: &Store, view: &View) -> Vec<usize> {
    let filter = parse_filter(&view.packet_filter);
    let keep = filter_packets(store, &filter);
    (0..store.cap.rows.len())
        .filter(|&i| {
            let r = &store.cap.rows[i];
            if view.only_selected_conn && view.selected_conn.is_some() && r.connection != view.selected_conn {
                return false;
            }
            match &filter {
                Filter::Conn(c) => r.connection == Some(*c),
                Filter::Text(t) => {
                    let (p, info) = store.describe(i);
                    info.to_lowercase().contains(t)
                        || p.to_lowercase().contains(t)
                        || r.src.map(|a| a.to_string().contains(t)).unwrap_or(false)
                        || r.dst.map(|a| a.to_string().contains(t)).unwrap_or(false)
                }
                _ => keep.as_ref().is_none_or(|k| k.contains(&r.number)),
            }
        })
        .collect()
}

/// Why a filter keeps no packet, in words a user can act on.
fn why_empty(lang: Lang, store: &Store, view: &View, f: &Filter) -> String {
    let cap = &store.cap;
    let list = |mut v: Vec<String>| {
        v.sort();
        v.dedup();
        v.join(lang.pick(", ", "、"))
    };
    let why = match f {
        Filter::Status(..) => {
            let st = list(cap.http.iter().filter_map(|x| x.response.as_ref()).map(|r| r.status.to_string()).collect());
            if st.is_empty() {
                lang.pick("this capture has no HTTP response", "此抓包中没有 HTTP 响应").to_string()
            } else {
                format!("{}: {st}", lang.pick("the statuses in this capture are", "此抓包中的状态码为"))
            }
        }
        Filter::Method(_) => {
            let m = list(cap.http.iter().filter_map(|x| x.request.as_ref()).map(|r| r.method.to_string()).collect());
            if m.is_empty() {
                lang.pick("this capture has no HTTP request", "此抓包中没有 HTTP 请求").to_string()
            } else {
                format!("{}: {m}", lang.pick("the methods in this capture are", "此抓包中的请求方法为"))
            }
        }
        Filter::Opcode(_) => {
            let o = list(cap.frames.iter().map(|f| crate::proto::websocket::opcode_name(f.opcode).to_string()).collect());
            if o.is_empty() {
                lang.pick("this capture has no WebSocket frame", "此抓包中没有 WebSocket 帧").to_string()
            } else {
                format!("{}: {o}", lang.pick("the opcodes in this capture are", "此抓包中的操作码为"))
            }
        }
        Filter::Conn(_) => match cap.connections.len() {
            0 => lang.pick("this capture has no connection", "此抓包中没有连接").to_string(),
            n => match lang {
                Lang::En => format!("connections are numbered 0 to {}", n - 1),
                Lang::Zh => format!("连接编号为 0 到 {}", n - 1),
            },
        },
        Filter::Text(_) => {
            lang.pick("no packet's address, protocol or info contains this text", "没有数据包的地址、协议或信息包含这段文字").to_string()
        }
        Filter::All => String::new(),
    };
    let only = view.only_selected_conn && view.selected_conn.is_some();
    let mut out = match lang {
        Lang::En => format!("No packet matches \"{}\"", view.packet_filter.trim()),
        Lang::Zh => format!("没有数据包符合 \"{}\"", view.packet_filter.trim()),
    };
    if view.packet_filter.trim().is_empty() {
        out = lang.pick("No packet", "没有数据包").to_string();
    }
    if only {
        out += lang.pick(" in the selected connection", "（仅限选中的连接）");
    }
    if !why.is_empty() {
        out += lang.pick(": ", "：");
        out += &why;
    }
    out + lang.pick(".", "。")
}

pub fn packets_ui(ui: &mut egui::Ui, lang: Lang, store: &Store, view: &mut View, tf: TimeFormat) -> Vec<Command> {
    let mut cmds = Vec::new();
    ui.horizontal_wrapped(|ui| {
        let label = ui.label(lang.pick("Filter (Ctrl+F):", "过滤（Ctrl+F）："));
        let r = ui
            .add(
                egui::TextEdit::singleline(&mut view.packet_filter)
                    .hint_text(
                        lang.pick("text, status>=400, method==POST, ws.opcode==ping", "文字、status>=400、method==POST、ws.opcode==ping"),
                    )
                    .desired_width((ui.available_width() - 40.0).clamp(160.0, 380.0)),
            )
            .labelled_by(label.id);
        if view.focus_filter {
            r.request_focus();
            view.focus_filter = false;
        }
        if !view.packet_filter.is_empty() && ui.button("×").on_hover_text(lang.pick("Clear the filter", "清除过滤条件")).clicked() {
            view.packet_filter.clear();
        }
        ui.checkbox(&mut view.only_selected_conn, lang.pick("only the selected connection", "只看选中的连接"));
    });
    let key = RowsKey {
        filter: view.packet_filter.clone(),
        only: view.only_selected_conn,
        conn: view.selected_conn,
        rows: store.cap.rows.len(),
        http: store.cap.http.len(),
    };
    let rows = match &view.packet_rows {
        Some((k, r)) if *k == key => r.clone(),
        _ => {
            let r = std::sync::Arc::new(visible_rows(store, view));
            view.packet_rows = Some((key, r.clone()));
            r
        }
    };
    let total = store.cap.rows.len();
    let filtering = !view.packet_filter.trim().is_empty() || (view.only_selected_conn && view.selected_conn.is_some());
    if filtering {
        ui.label(match lang {
            Lang::En => format!("showing {} of {total} packets", rows.len()),
            Lang::Zh => format!("显示 {total} 个数据包中的 {} 个", rows.len()),
        });
        if rows.is_empty() && total > 0 {
            let why = why_empty(lang, store, view, &parse_filter(&view.packet_filter));
            ui.colored_label(egui::Color32::from_rgb(230, 160, 60), why);
        }
    }
    super::packet_detail_ui::note_central_width(ui.ctx(), ui.available_width());
    let dump_here = !super::packet_detail_ui::dump_goes_in_details(ui.ctx());
    if let (Some(Target::Packet(n)), true) = (view.selection, dump_here) {
        egui::Panel::bottom("packet-bytes")
            .resizable(true)
            .default_size(200.0)
            .min_size(60.0)
            .max_size((ui.available_height() * 0.6).max(80.0))
            .show(ui, |ui| super::packet_detail_ui::packet_bytes_ui(ui, lang, store, view, n));
    }
    let first = store.cap.rows.first().map(|r| r.ts).unwrap_or(0);
    let selected = match view.selection {
        Some(Target::Packet(n)) => Some(n),
        _ => None,
    };
    let row_h = 18.0;
    let follow = view.stick_to_newest && store.live.as_ref().is_some_and(|l| l.running);
    // The table's column lines are drawn to the bottom of its clip: keep them above the bytes pane.
    let area = ui.available_rect_before_wrap();
    ui.set_clip_rect(ui.clip_rect().intersect(area));
    // On a narrow window the columns scroll sideways rather than being cut.
    egui::ScrollArea::horizontal().auto_shrink([false, false]).show(ui, |ui| {
        TableBuilder::new(ui)
            .striped(true)
            .stick_to_bottom(follow)
            .sense(egui::Sense::click())
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::initial(44.0).resizable(true))
            .column(Column::initial(70.0).resizable(true))
            .column(Column::initial(118.0).resizable(true).clip(true))
            .column(Column::initial(118.0).resizable(true).clip(true))
            .column(Column::initial(66.0).resizable(true))
            .column(Column::initial(44.0).resizable(true))
            .column(Column::remainder().at_least(160.0).clip(true))
            .header(20.0, |mut h| {
                for t in [
                    lang.pick("No.", "序号"),
                    lang.pick("Time", "时间"),
                    lang.pick("Source", "源"),
                    lang.pick("Destination", "目的"),
                    lang.pick("Protocol", "协议"),
                    lang.pick("Length", "长度"),
                    lang.pick("Info", "信息"),
                ] {
                    h.col(|ui| {
                        ui.strong(t);
                    });
                }
            })
            .body(|body| {
                body.rows(row_h, rows.len(), |mut row| {
                    let i = rows[row.index()];
                    let r = &store.cap.rows[i];
                    let prev = if row.index() > 0 { store.cap.rows[rows[row.index() - 1]].ts } else { r.ts };
                    row.set_selected(selected == Some(r.number));
                    let (proto, info) = store.describe(i);
                    let ep = |a: Option<core::net::IpAddr>, p: u16| match (a, p) {
                        (Some(a), 0) => a.to_string(),
                        (Some(core::net::IpAddr::V6(a)), p) => format!("[{a}]:{p}"),
                        (Some(a), p) => format!("{a}:{p}"),
                        (None, _) => "—".into(),
                    };
                    let cells = [
                        r.number.to_string(),
                        fmt_time(tf, r.ts, first, prev),
                        ep(r.src, r.src_port),
                        ep(r.dst, r.dst_port),
                        proto,
                        r.len.to_string(),
                        info,
                    ];
                    for text in cells {
                        row.col(|ui| {
                            ui.add(egui::Label::new(text).truncate().selectable(false));
                        });
                    }
                    if row.response().clicked() {
                        cmds.push(Command::Select(Target::Packet(r.number)));
                    }
                });
            });
    });
    cmds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_expressions() {
        assert!(matches!(parse_filter("status>=400"), Filter::Status(op, 400) if op == ">="));
        assert!(matches!(parse_filter("ws.opcode==ping"), Filter::Opcode(9)));
        assert!(matches!(parse_filter("method==post"), Filter::Method(m) if m == "POST"));
        assert!(matches!(parse_filter("conn==3"), Filter::Conn(3)));
        assert!(matches!(parse_filter("  "), Filter::All));
        assert!(matches!(parse_filter("/items"), Filter::Text(t) if t == "/items"));
        assert!(cmp(">=", 404, 400) && !cmp("<", 404, 400));
    }
}
