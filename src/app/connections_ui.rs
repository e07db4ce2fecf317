//! The connections list: each row says what the connection is (its first request line, or
//! "WebSocket /chat", or what a lab run used it for), its statuses coloured by class, how many
//! exchanges or messages, how long, how it ended; filterable.

use super::store::Store;
use super::{Command, View};
use crate::analysis::explain::Lang;
use crate::model::{Connection, End, Protocol};
use eframe::egui::{self, Color32, RichText};
use std::collections::HashMap;
use std::sync::Arc;

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

/// A status code's colour by class (2xx green, 3xx cyan, 4xx orange, 5xx crimson, 1xx grey), as
/// the diagram draws it.
pub fn status_color(status: u16) -> Color32 {
    let [r, g, b] = crate::analysis::ladder::status_rgb(status);
    Color32::from_rgb(r, g, b)
}

fn end_text(e: End, lang: Lang) -> &'static str {
    match e {
        End::Fin => "FIN",
        End::HalfClosed => lang.pick("FIN (one side)", "FIN（单向）"),
        End::Rst => "RST",
        End::None => lang.pick("open", "未关闭"),
    }
}

fn end_hover(e: End, lang: Lang) -> &'static str {
    match e {
        End::Fin => lang.pick("closed with FIN from both sides", "双方都发了 FIN，正常关闭"),
        End::HalfClosed => lang.pick("only one side sent FIN", "只有一方发了 FIN"),
        End::Rst => lang.pick("reset (RST)", "被重置（RST）"),
        End::None => lang.pick("still open when the capture ended", "抓包结束时仍未关闭"),
    }
}

/// What the HTTP layer says about one connection.
#[derive(Debug, Clone, Default)]
struct Summary {
    /// "GET /api/items" of the first exchange (for a WebSocket, of its upgrade request).
    first_request: Option<(String, String)>,
    /// Every status seen, interim ones included, in order of first appearance.
    statuses: Vec<u16>,
    sse: bool,
}

/// The summaries of every connection, computed once per change of the capture.
pub struct RowsCache {
    key: (usize, usize),
    by_conn: Arc<HashMap<u32, Summary>>,
}

fn summaries(store: &Store) -> HashMap<u32, Summary> {
    let mut m: HashMap<u32, Summary> = HashMap::new();
    for x in &store.cap.http {
        let s = m.entry(x.connection).or_default();
        if s.first_request.is_none() {
            s.first_request = x.request.as_ref().map(|r| (r.method.to_string(), r.target.clone()));
        }
        for r in x.interim.iter().chain(&x.response) {
            if !s.statuses.contains(&r.status) {
                s.statuses.push(r.status);
            }
            if r.headers.value("Content-Type").is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/event-stream")) {
                s.sse = true;
            }
        }
    }
    m
}

struct Row {
    /// What the connection is, for the first line.
    title: String,
    statuses: Vec<u16>,
    /// Counts, duration, ending, server: the second line.
    detail: String,
    /// Everything, for the hover text and AccessKit.
    full: String,
}

fn duration_text(secs: f64) -> String {
    if secs < 1.0 {
        format!("{:.1} ms", secs * 1000.0)
    } else {
        format!("{secs:.2} s")
    }
}

fn row(c: &Connection, s: Option<&Summary>, lab: bool, lang: Lang) -> Row {
    let req = s.and_then(|s| s.first_request.as_ref());
    let mut title = match (c.protocol, req) {
        (Protocol::Websocket, Some((_, target))) => format!("WebSocket {target}"),
        (Protocol::Websocket, None) => "WebSocket".to_string(),
        (_, Some((method, target))) => format!("{method} {target}"),
        (Protocol::Tls, None) => tls_title(c),
        (p, None) => p.label().to_string(),
    };
    // Inside TLS: "HTTPS GET /", "WSS /chat" (the seed notes' HTTPS = HTTP + TLS, WSS = WS + TLS).
    if c.tls.as_ref().is_some_and(|t| t.decrypted) && c.protocol != Protocol::Tls {
        title = match (c.protocol, req) {
            (Protocol::Websocket, Some((_, target))) => format!("WSS {target}"),
            (Protocol::Websocket, None) => "WSS".to_string(),
            _ => format!("HTTPS {title}"),
        };
    }
    // A lab run names its connections after the technique each one shows; SSE shows in any capture.
    let role = req.filter(|_| lab).and_then(|(_, t)| crate::lab::connection_role(t)).map(|b| lang.pick(b.en, b.zh));
    if let Some(r) = role {
        title = format!("{r} · {title}");
    } else if s.is_some_and(|s| s.sse) {
        title = format!("SSE · {title}");
    }
    let mut parts = Vec::new();
    if c.protocol == Protocol::Websocket {
        let n = c.websocket_messages;
        parts.push(match lang {
            Lang::Zh => format!("{n} 条消息"),
            _ if n == 1 => "1 message".to_string(),
            _ => format!("{n} messages"),
        });
    } else if c.http_exchanges > 0 {
        let n = c.http_exchanges;
        parts.push(match lang {
            Lang::Zh => format!("{n} 次请求"),
            _ if n == 1 => "1 exchange".to_string(),
            _ => format!("{n} exchanges"),
        });
    } else {
        let n = c.packets_client_to_server + c.packets_server_to_client;
        parts.push(match lang {
            Lang::Zh => format!("{n} 个数据包"),
            _ if n == 1 => "1 packet".to_string(),
            _ => format!("{n} packets"),
        });
    }
    parts.push(duration_text((c.end_time - c.start_time).max(0.0)));
    parts.push(end_text(c.end, lang).to_string());
    let detail = parts.join(" · ");
    let statuses = s.map(|s| s.statuses.clone()).unwrap_or_default();
    let codes = statuses.iter().map(u16::to_string).collect::<Vec<_>>().join(" ");
    // Starts as the rows always did ("#0 WebSocket  client → server"), so a search by it still works.
    let mut full = format!("#{} {}  {} → {}\n{title}", c.id, c.protocol.label(), c.client, c.server);
    if !codes.is_empty() {
        full.push_str(&format!("\n{} {codes}", lang.pick("status", "状态码")));
    }
    full.push_str(&format!("\n{detail} ({})", end_hover(c.end, lang)));
    Row { title, statuses, detail, full }
}

/// An encrypted connection, by what its handshake shows in the clear: "TLS example.com (h2)".
fn tls_title(c: &Connection) -> String {
    let Some(t) = &c.tls else { return "TLS".to_string() };
    let mut s = match &t.sni {
        Some(sni) => format!("TLS {sni}"),
        None => "TLS".to_string(),
    };
    if !t.alpn.is_empty() {
        s.push_str(&format!(" ({})", t.alpn.join(", ")));
    }
    s
}

fn matches(c: &Connection, r: &Row, f: &str) -> bool {
    if f.is_empty() {
        return true;
    }
    let f = f.to_lowercase();
    c.client.contains(&f)
        || c.server.contains(&f)
        || c.protocol.label().to_lowercase().contains(&f)
        || c.id.to_string() == f
        || r.title.to_lowercase().contains(&f)
        || r.statuses.iter().any(|s| s.to_string() == f)
}

pub fn connections_ui(ui: &mut egui::Ui, lang: Lang, store: &Store, view: &mut View) -> Vec<Command> {
    let mut cmds = Vec::new();
    ui.heading(lang.pick("Connections", "连接"));
    let label = ui.label(lang.pick("Filter connections:", "过滤连接："));
    ui.add(
        egui::TextEdit::singleline(&mut view.conn_filter)
            .hint_text(lang.pick("address, port, path, status", "地址、端口、路径、状态码"))
            .desired_width(f32::INFINITY),
    )
    .labelled_by(label.id);
    let key = (store.cap.http.len(), store.cap.connections.len());
    let by_conn = match &view.conn_rows {
        Some(c) if c.key == key => c.by_conn.clone(),
        _ => {
            let m = Arc::new(summaries(store));
            view.conn_rows = Some(RowsCache { key, by_conn: m.clone() });
            m
        }
    };
    let lab = store.live.as_ref().is_some_and(|l| matches!(l.job, super::loader::LiveJob::Lab { .. }));
    let shown: Vec<(&Connection, Row)> = store
        .cap
        .connections
        .iter()
        .map(|c| (c, row(c, by_conn.get(&c.id), lab, lang)))
        .filter(|(c, r)| matches(c, r, &view.conn_filter))
        .collect();
    let body_h = ui.text_style_height(&egui::TextStyle::Body);
    let row_h = body_h + detail_font(ui).size + 8.0;
    // Only the visible rows are laid out: a capture can hold tens of thousands of connections.
    egui::ScrollArea::vertical().auto_shrink([false, false]).show_rows(ui, row_h, shown.len(), |ui, range| {
        for (c, r) in shown.get(range).unwrap_or_default() {
            let selected = view.selected_conn == Some(c.id);
            if row_ui(ui, c, r, selected, row_h) {
                cmds.push(Command::SelectConnection(c.id));
            }
        }
    });
    cmds
}

/// The second line's font: a little smaller than the body, still readable on a projector.
fn detail_font(ui: &egui::Ui) -> egui::FontId {
    let body = egui::TextStyle::Body.resolve(ui.style());
    egui::FontId::proportional((body.size - 2.0).max(9.0))
}

/// One two-line row, clickable as a whole: "#3 GET /api/items ... 200" over "1 exchange · 4.2 ms · FIN".
/// Drawn with the painter so the row is one AccessKit node whose label is the full description.
fn row_ui(ui: &mut egui::Ui, c: &Connection, r: &Row, selected: bool, row_h: f32) -> bool {
    let width = ui.available_width();
    let (rect, resp) = ui.allocate_exact_size(egui::vec2(width, row_h - ui.spacing().item_spacing.y), egui::Sense::click());
    resp.widget_info(|| egui::WidgetInfo::selected(egui::Role::Button, true, selected, r.full.clone()));
    if !ui.is_rect_visible(rect) {
        return resp.clicked();
    }
    let visuals = ui.style().interact_selectable(&resp, selected);
    if selected || resp.hovered() {
        ui.painter().rect_filled(rect, 3.0, visuals.weak_bg_fill);
    }
    let mut inner = rect.shrink2(egui::vec2(4.0, 2.0));
    // Room for the scroll bar, which floats over the rows' right edge.
    inner.max.x -= ui.spacing().scroll.bar_width;
    let painter = ui.painter_at(rect);
    let galley = |text: RichText, style: egui::TextStyle, max: f32| {
        egui::WidgetText::from(text).into_galley(ui, Some(egui::TextWrapMode::Truncate), max.max(0.0), style)
    };
    // First line: statuses at the right (always visible), then "#id" and the title, elided.
    let mut right = inner.right();
    for s in r.statuses.iter().rev().take(4) {
        let g = galley(RichText::new(s.to_string()).strong().color(status_color(*s)), egui::TextStyle::Body, f32::INFINITY);
        right -= g.size().x;
        painter.galley(egui::pos2(right, inner.top()), g, Color32::GRAY);
        right -= 5.0;
    }
    if r.statuses.len() > 4 {
        let g = galley(RichText::new("…").weak(), egui::TextStyle::Body, f32::INFINITY);
        right -= g.size().x;
        painter.galley(egui::pos2(right, inner.top()), g, Color32::GRAY);
        right -= 5.0;
    }
    let id = galley(RichText::new(format!("#{}", c.id)).weak(), egui::TextStyle::Body, f32::INFINITY);
    let id_w = id.size().x + 5.0;
    painter.galley(inner.left_top(), id, Color32::GRAY);
    let title = galley(RichText::new(&r.title).strong().color(badge_color(c.protocol)), egui::TextStyle::Body, right - inner.left() - id_w);
    painter.galley(inner.left_top() + egui::vec2(id_w, 0.0), title, Color32::GRAY);
    let body_h = ui.text_style_height(&egui::TextStyle::Body);
    let detail = galley(RichText::new(&r.detail).font(detail_font(ui)).weak(), egui::TextStyle::Small, inner.width() - id_w);
    painter.galley(inner.left_top() + egui::vec2(id_w, body_h + 1.0), detail, Color32::GRAY);
    resp.on_hover_text(&r.full).clicked()
}
