//! Drawing the ladder diagram modelled by `analysis::ladder`: pinned lane headers, a time column,
//! a legend, replay (the state machine is `analysis::replay`) and compare mode.

use super::settings::Settings;
use super::store::Store;
use super::{Command, View};
use crate::analysis::explain::Lang;
use crate::analysis::ladder::{self, Arrow, ArrowKind, Geometry, Ladder, MapOptions, Mode, Target, TimeMap};
use crate::model::{Capture, Dir};
use eframe::egui::{self, Align2, Color32, FontId, Pos2, Rect, Sense, Stroke, Vec2};
use std::sync::Arc;

pub use crate::analysis::replay::Replay;

/// The diagram as laid out for one capture state and one set of choices: kept in egui's memory
/// (a cache, not state), so a frame only draws. Keyed on the store's id and generation: another
/// capture, or anything new from the loader, builds it again.
#[derive(Clone, PartialEq)]
struct LayoutKey {
    store: (u64, u64),
    ids: Vec<u32>,
    mode: Mode,
    tcp: bool,
    cut_idle: bool,
}

struct Laid {
    ladders: Vec<Arc<Ladder>>,
    map: TimeMap,
    geoms: Vec<Vec<Geometry>>,
}

#[derive(Clone, Default)]
struct LayoutCache(Option<(LayoutKey, Arc<Laid>)>);

fn laid_out(ui: &egui::Ui, store: &Store, key: LayoutKey) -> Arc<Laid> {
    let id = egui::Id::unique("wirescope-diagram-layout");
    if let Some((k, l)) = ui.data(|d| d.get_temp::<LayoutCache>(id)).and_then(|c| c.0) {
        if k == key {
            return l;
        }
    }
    let cap = &store.cap;
    let ladders: Vec<Arc<Ladder>> = key.ids.iter().map(|c| Arc::new(ladder::ladder(cap, *c, key.mode, key.tcp))).collect();
    let opts = MapOptions { cut_idle: key.cut_idle, ..MapOptions::default() };
    // One time axis for every column; each column's zero is its own first packet, so compare mode
    // lines up their starts.
    let map = TimeMap::new(ladders.iter().flat_map(|l| l.moments().collect::<Vec<_>>()), opts);
    let geoms = ladders.iter().map(|l| ladder::layout(l, &map, 10.0)).collect();
    let laid = Arc::new(Laid { ladders, map, geoms });
    ui.data_mut(|d| d.insert_temp(id, LayoutCache(Some((key, laid.clone())))));
    laid
}

/// The lab's narration pins (line number, connection, first packet, text), found once per capture
/// state: they need every connection's ladder.
type Pins = Arc<Vec<(usize, u32, u64, usize)>>;

fn pins(ui: &egui::Ui, store: &Store, tcp: bool) -> Pins {
    let Some(live) = store.live.as_ref().filter(|l| l.notes.iter().any(|n| n.pin.is_some())) else { return Pins::default() };
    let id = egui::Id::unique("wirescope-diagram-pins");
    let key = (store.id, store.generation, tcp);
    if let Some((k, p)) = ui.data(|d| d.get_temp::<((u64, u64, bool), Pins)>(id)) {
        if k == key {
            return p;
        }
    }
    let cap = &store.cap;
    let parts = ladder::Parts::all(cap);
    let none = ladder::Parts::default();
    let all: Vec<Ladder> =
        cap.connections.iter().map(|c| ladder::ladder_of(cap, c.id, parts.get(&c.id).unwrap_or(&none), Mode::Messages, tcp)).collect();
    let found: Vec<(usize, u32, u64, usize)> = live
        .notes
        .iter()
        .enumerate()
        .filter_map(|(i, n)| {
            let (text, next) = match n.pin.as_ref()? {
                crate::lab::Pin::Next(t) => (t, true),
                crate::lab::Pin::Last(t) => (t, false),
            };
            let (c, p) = ladder::find_pin(all.iter(), n.ts_ns as f64 / 1e9, text, next)?;
            Some((i + 1, c, p, i))
        })
        .collect();
    let p: Pins = Arc::new(found);
    ui.data_mut(|d| d.insert_temp(id, (key, p.clone())));
    p
}

pub fn connection_of(cap: &Capture, t: Target) -> Option<u32> {
    match t {
        // Rows are in packet-number order.
        Target::Packet(n) => {
            let i = cap.rows.partition_point(|r| r.number < n);
            cap.rows.get(i).filter(|r| r.number == n).and_then(|r| r.connection)
        }
        Target::Http(i) => cap.http.get(i).map(|x| x.connection),
        Target::WsFrame(i) => cap.frames.get(i).map(|f| f.connection),
        Target::WsMessage(i) => cap.websocket.get(i).map(|m| m.connection),
        Target::Sse(i) => cap.sse.get(i).map(|e| e.connection),
        Target::H2Frame(i) => cap.h2_frames.get(i).map(|f| f.connection),
    }
}

/// "#1 GET /long-poll?since=0": a connection by its first request (or WebSocket target).
fn connection_name(cap: &Capture, c: &crate::model::Connection) -> String {
    let first = cap.http.iter().find(|x| x.connection == c.id).and_then(|x| x.request.as_ref());
    match first {
        Some(r) if c.websocket.is_some() => format!("#{} WebSocket {}", c.id, r.target),
        Some(r) => format!("#{} {} {}", c.id, r.method, r.target),
        None => format!("#{} {} {}", c.id, c.protocol.label(), c.client),
    }
}

fn rgb(c: [u8; 3]) -> Color32 {
    Color32::from_rgb(c[0], c[1], c[2])
}

/// Mermaid text for the arrows.
pub fn mermaid(arrows: &[Arrow]) -> String {
    ladder::mermaid(arrows)
}

/// PlantUML text for the arrows.
pub fn plantuml(arrows: &[Arrow]) -> String {
    ladder::plantuml(arrows)
}

struct Column {
    title: String,
    client: String,
    server: String,
    ladder: Arc<Ladder>,
    geoms: Vec<Geometry>,
}

/// Width of the time column at the left.
const RULER: f32 = 64.0;
const HEADER: f32 = 50.0;

fn legend_ui(ui: &mut egui::Ui, lang: Lang) {
    let sample = |kind: ArrowKind, status: Option<u16>, opcode: Option<u8>| {
        let a = Arrow {
            dir: Dir::ClientToServer,
            t_start: 0.0,
            t_end: 0.0,
            depart: 0.0,
            arrive: 0.0,
            label: String::new(),
            kind,
            target: Target::Packet(0),
            first_packet: 0,
            packet: 0,
            answers: None,
            status,
            opcode,
        };
        rgb(ladder::color(&a))
    };
    let rows: [(Color32, &str, &str); 18] = [
        (sample(ArrowKind::Handshake, None, None), "TCP handshake (SYN, SYN-ACK, ACK)", "TCP 握手（SYN、SYN-ACK、ACK）"),
        (sample(ArrowKind::Request, None, None), "HTTP request", "HTTP 请求"),
        (sample(ArrowKind::Interim, None, None), "1xx interim response", "1xx 临时响应"),
        (sample(ArrowKind::Response, Some(200), None), "2xx success", "2xx 成功"),
        (sample(ArrowKind::Response, Some(301), None), "3xx redirection", "3xx 重定向"),
        (sample(ArrowKind::Response, Some(404), None), "4xx client error", "4xx 客户端错误"),
        (sample(ArrowKind::Response, Some(500), None), "5xx server error", "5xx 服务器错误"),
        (sample(ArrowKind::Upgrade, None, None), "WebSocket upgrade and 101", "WebSocket 升级请求与 101"),
        (sample(ArrowKind::WsData, None, Some(1)), "WebSocket data frame", "WebSocket 数据帧"),
        (sample(ArrowKind::WsControl, None, Some(9)), "WebSocket ping / pong", "WebSocket ping / pong"),
        (sample(ArrowKind::WsClose, None, Some(8)), "WebSocket close", "WebSocket 关闭帧"),
        (sample(ArrowKind::Sse, None, None), "Server-Sent Event (SSE)", "服务器发送事件（SSE）"),
        (
            sample(ArrowKind::H2Control, None, None),
            "HTTP/2 connection frame (SETTINGS, PING, WINDOW_UPDATE, GOAWAY) or RST_STREAM; [s3] tags stream 3",
            "HTTP/2 连接帧（SETTINGS、PING、WINDOW_UPDATE、GOAWAY）或 RST_STREAM；[s3] 表示第 3 号流",
        ),
        (
            sample(ArrowKind::TlsRecord, None, None),
            "TLS record (hello in the clear, or encrypted bytes)",
            "TLS 记录（明文的 hello，或加密的字节）",
        ),
        (sample(ArrowKind::Teardown, None, None), "FIN (this side has finished sending)", "FIN（这一方发送完毕）"),
        (sample(ArrowKind::Reset, None, None), "RST (connection aborted)", "RST（连接被重置）"),
        (
            sample(ArrowKind::Segment, None, None),
            "a segment with no application data (packet arrows)",
            "不带应用数据的报文段（数据包箭头）",
        ),
        (rgb(ladder::IN_FLIGHT), "in flight during a replay", "回放时正在传输"),
    ];
    for (c, en, zh) in rows {
        ui.horizontal(|ui| {
            let (r, p) = ui.allocate_painter(Vec2::new(28.0, 12.0), Sense::hover());
            p.line_segment([r.rect.left_center(), r.rect.right_center()], Stroke::new(3.0, c));
            ui.label(lang.pick(en, zh));
        });
    }
    ui.separator();
    ui.label(lang.pick(
        "Time runs down. An arrow leaves its sender when it was sent and reaches the other lane when it arrived; a bar on the server lane is a request waiting for its response. A time after a label (· 40.5 ms) is how long the message took to send, from its first packet to its last.",
        "时间自上而下。箭头从发送方发出的时刻出发，在到达的时刻落到另一条生命线上；服务器线上的竖条表示请求正在等待响应。标签后的时间（· 40.5 ms）是这条消息从第一个到最后一个数据包发送所用的时间。",
    ));
}

pub fn diagram_ui(ui: &mut egui::Ui, lang: Lang, store: &Store, view: &mut View, settings: &mut Settings) -> Vec<Command> {
    let mut cmds = Vec::new();
    let Some(conn) = view.selected_conn else {
        ui.label(lang.pick("Select a connection to draw its sequence diagram.", "请选择一个连接以绘制时序图。"));
        return cmds;
    };
    // Measured before anything is laid out: a widget that overflows widens the ui, and the diagram
    // must still fit the panel.
    let panel_w = ui.available_width();
    let cap = &store.cap;
    let mode = settings.diagram_mode;
    let mut ids = vec![conn];
    if let Some(other) = view.replay.compare_with.filter(|o| *o != conn) {
        ids.push(other);
    }
    // Application-level recordings (the lab's relay) have made-up TCP headers: no TCP arrows.
    let tcp = !store.app_level;
    let key = LayoutKey { store: (store.id, store.generation), ids: ids.clone(), mode, tcp, cut_idle: view.replay.cut_idle() };
    let laid = laid_out(ui, store, key);
    let map = &laid.map;
    let columns: Vec<Column> = ids
        .iter()
        .zip(laid.ladders.iter().cloned())
        .zip(laid.geoms.iter())
        .map(|((id, l), geoms)| {
            let c = cap.connections.get(*id as usize).filter(|c| c.id == *id).or_else(|| cap.connections.iter().find(|c| c.id == *id));
            let geoms = geoms.clone();
            Column {
                title: format!("#{id} {}", c.map(|c| c.protocol.label()).unwrap_or("")),
                client: c.map(|c| c.client.clone()).unwrap_or_default(),
                server: c.map(|c| c.server.clone()).unwrap_or_default(),
                ladder: l,
                geoms,
            }
        })
        .collect();
    let all_geoms: Vec<Geometry> = columns.iter().flat_map(|c| c.geoms.iter().copied()).collect();
    let end = all_geoms.iter().map(|g| g.y1).fold(0.0, f32::max);

    // Controls: they wrap on a narrow window instead of running off it.
    let r = &mut view.replay;
    ui.horizontal_wrapped(|ui| {
        ui.set_max_width(panel_w);
        ui.selectable_value(&mut settings.diagram_mode, Mode::Messages, lang.pick("Arrows: messages", "箭头：消息"));
        ui.selectable_value(&mut settings.diagram_mode, Mode::Packets, lang.pick("Arrows: packets", "箭头：数据包"));
        ui.separator();
        if ui.button(lang.pick("|< Restart", "|< 重新开始")).clicked() {
            r.restart();
        }
        if ui.button(lang.pick("< Back", "< 后退")).on_hover_text("←").clicked() {
            r.step = Some(false);
        }
        let play = if r.playing { lang.pick("Pause", "暂停") } else { lang.pick("Play", "播放") };
        if ui.button(play).on_hover_text(lang.pick("Space", "空格键")).clicked() {
            r.toggle_play(end);
        }
        if ui.button(lang.pick("Step >", "单步 >")).on_hover_text("→").clicked() {
            r.step = Some(true);
        }
        if ui.button(lang.pick("Show all", "全部显示")).clicked() {
            r.show_all();
        }
        // A slider with its value and label is several widgets: wrap before it rather than run off.
        if ui.available_size_before_wrap().x < 200.0 {
            ui.end_row();
        }
        ui.spacing_mut().slider_width = 70.0;
        ui.add(
            egui::Slider::new(&mut settings.replay_speed, 0.1..=10.0)
                .logarithmic(true)
                .max_decimals(1)
                .text(lang.pick("speed ×", "速度 ×")),
        );
        ui.separator();
        let compare_title = match r.compare_with {
            Some(c) => format!("{} #{c}", lang.pick("Compare:", "对比：")),
            None => lang.pick("Compare…", "对比…").to_string(),
        };
        ui.menu_button(compare_title, |ui| {
            ui.label(lang.pick("Draw a second connection beside this one; both start at 0.", "在旁边画出第二个连接；两者都从 0 开始。"));
            ui.radio_value(&mut r.compare_with, None, lang.pick("(none)", "（无）"));
            for c in cap.connections.iter().filter(|c| c.id != conn) {
                ui.radio_value(&mut r.compare_with, Some(c.id), connection_name(cap, c));
            }
            ui.separator();
            let mut cut = r.cut_idle();
            if ui
                .checkbox(&mut cut, lang.pick("cut idle stretches", "压缩空闲时段"))
                .on_hover_text(lang.pick(
                    "Long waits are drawn short and marked; off, time is drawn to scale (the default when comparing).",
                    "长时间的等待画得很短并加以标注；关闭后按真实比例绘制时间（对比时默认关闭）。",
                ))
                .changed()
            {
                r.cut_idle = Some(cut);
            }
        });
        ui.menu_button(lang.pick("Export", "导出"), |ui| {
            if ui.button(lang.pick("Copy as Mermaid", "复制为 Mermaid")).clicked() {
                ui.ctx().copy_text(mermaid(&columns[0].ladder.arrows));
                ui.close();
            }
            if ui.button(lang.pick("Copy as PlantUML", "复制为 PlantUML")).clicked() {
                ui.ctx().copy_text(plantuml(&columns[0].ladder.arrows));
                ui.close();
            }
            if ui.button(lang.pick("Save as SVG…", "保存为 SVG…")).clicked() {
                let c = &columns[0];
                cmds.push(Command::SaveSvg(ladder::to_svg(&c.title, &c.client, &c.server, &c.ladder, &c.geoms, &map)));
                ui.close();
            }
        });
        ui.menu_button(lang.pick("Legend", "图例"), |ui| legend_ui(ui, lang));
    });
    let stepped = r.apply_step(&all_geoms, end);
    if r.playing {
        let dt = ui.input(|i| i.stable_dt).min(0.1);
        r.advance(dt * 60.0 * settings.replay_speed, end);
        ui.ctx().request_repaint();
    }
    // The scrubber, with how much of the diagram it shows.
    let (shown, flying) = ladder::replay_state(&all_geoms, r.playhead.unwrap_or(f32::INFINITY));
    let mut count = format!("{} {shown} / {}", lang.pick("Arrows shown:", "已显示箭头："), all_geoms.len());
    if !flying.is_empty() {
        count.push_str(&format!(" · {} {}", flying.len(), lang.pick("in flight", "条正在传输")));
    }
    let mut scrub = r.playhead.unwrap_or(end);
    ui.horizontal(|ui| {
        let count_w = ui.painter().layout_no_wrap(count.clone(), egui::TextStyle::Body.resolve(ui.style()), Color32::WHITE).size().x;
        ui.spacing_mut().slider_width = (panel_w - count_w - 24.0).max(80.0);
        let slider = ui.add(egui::Slider::new(&mut scrub, 0.0..=end.max(1.0)).show_value(false));
        if slider.on_hover_text(lang.pick("replay position", "回放位置")).changed() {
            r.scrub(scrub);
        }
        ui.add(egui::Label::new(count).wrap_mode(egui::TextWrapMode::Extend));
    });
    // Restarting goes back to the top.
    let restarted = r.take_jump();

    let playhead = r.playhead;
    let playing = r.playing;
    let selection = view.selection;
    // A packet or a message picked in another view lights up the arrows of the packet it ends in.
    let selected_packet = match selection {
        Some(Target::Packet(n)) => Some(n),
        Some(Target::WsMessage(i)) => cap.websocket.get(i).map(|m| m.packet),
        _ => None,
    };
    let visible_w = panel_w;
    let col_w = ((visible_w - RULER - 12.0) / columns.len() as f32).max(200.0);
    let lanes_of = |x0: f32| {
        let inset = (col_w * 0.14).clamp(40.0, 90.0);
        [x0 + inset, x0 + col_w - inset]
    };
    let text_color = ui.visuals().text_color();
    let weak = ui.visuals().weak_text_color();

    // Lane headers stay in place while the diagram scrolls: the title and where the capture was
    // taken (wrapped to the column), then the two lanes.
    let titles: Vec<_> = columns
        .iter()
        .map(|col| {
            let title = format!("{}  ·  {}", col.title, col.ladder.vantage_text(lang == Lang::Zh));
            ui.painter().layout(title, FontId::proportional(12.0), text_color, col_w - 8.0)
        })
        .collect();
    let title_h = titles.iter().map(|g| g.size().y).fold(0.0, f32::max);
    let (hdr, hp) = ui.allocate_painter(Vec2::new(RULER + col_w * columns.len() as f32, HEADER - 16.0 + title_h), Sense::hover());
    for (ci, (col, g)) in columns.iter().zip(titles).enumerate() {
        let x0 = hdr.rect.min.x + RULER + ci as f32 * col_w;
        let lane = lanes_of(x0);
        hp.galley(Pos2::new(x0 + 4.0, hdr.rect.min.y + 1.0), g, text_color);
        for (x, role, addr) in
            [(lane[0], lang.pick("Client", "客户端"), &col.client), (lane[1], lang.pick("Server", "服务器"), &col.server)]
        {
            hp.text(Pos2::new(x, hdr.rect.max.y - 16.0), Align2::CENTER_BOTTOM, role, FontId::proportional(13.0), text_color);
            hp.text(Pos2::new(x, hdr.rect.max.y - 2.0), Align2::CENTER_BOTTOM, addr, FontId::proportional(10.0), weak);
        }
    }
    hp.text(
        Pos2::new(hdr.rect.min.x + 4.0, hdr.rect.max.y - 2.0),
        Align2::LEFT_BOTTOM,
        lang.pick("time", "时间"),
        FontId::proportional(10.5),
        weak,
    );

    let follow = view.stick_to_newest && store.live.as_ref().is_some_and(|l| l.running);
    // The lab's narration, each line pinned on the arrow it speaks of in that arrow's connection
    // (lines about nothing in particular stay in the narration panel).
    let notes: Vec<(usize, u32, u64, String)> = match store.live.as_ref() {
        None => Vec::new(),
        Some(live) => pins(ui, store, tcp)
            .iter()
            .filter_map(|&(n, c, p, i)| live.notes.get(i).map(|note| (n, c, p, lang.choose(&note.en, &note.zh).to_string())))
            .collect(),
    };
    // Each connection (and comparison) keeps its own scroll position; a new one starts at the top.
    egui::ScrollArea::vertical()
        .id_salt(("diagram", conn, view.replay.compare_with, mode))
        .auto_shrink([false, false])
        .stick_to_bottom(follow)
        .show(ui, |ui| {
            let top = 6.0;
            let size = Vec2::new(RULER + col_w * columns.len() as f32, map.height + top + 20.0);
            let (resp, painter) = ui.allocate_painter(size, Sense::click());
            let origin = resp.rect.min;
            let clip = ui.clip_rect();
            let mut clicked: Option<Target> = None;
            // The time column: each departure's time since the connection's first packet.
            // Each mark precise enough to differ from the one printed above it.
            let mut last_tick = (f32::NEG_INFINITY, f64::NEG_INFINITY);
            for (t, y) in map.ticks() {
                let y = origin.y + top + y;
                if y - last_tick.0 < 15.0 || y < clip.top() - 20.0 || y > clip.bottom() + 20.0 {
                    continue;
                }
                let gap = t - last_tick.1;
                last_tick = (y, t);
                painter.text(
                    Pos2::new(origin.x + RULER - 6.0, y),
                    Align2::RIGHT_CENTER,
                    ladder::fmt_tick(t.max(0.0), gap),
                    FontId::monospace(10.0),
                    weak,
                );
                painter.line_segment([Pos2::new(origin.x + RULER - 4.0, y), Pos2::new(origin.x + RULER, y)], Stroke::new(1.0, weak));
            }
            painter.line_segment(
                [Pos2::new(origin.x + RULER, origin.y), Pos2::new(origin.x + RULER, origin.y + size.y)],
                Stroke::new(1.0, weak.gamma_multiply(0.4)),
            );
            for (ci, col) in columns.iter().enumerate() {
                let x0 = origin.x + RULER + ci as f32 * col_w;
                let lane = lanes_of(x0);
                for x in lane {
                    painter.line_segment([Pos2::new(x, origin.y + top), Pos2::new(x, origin.y + top + map.height)], Stroke::new(2.0, weak));
                }
                for b in &map.breaks {
                    let y = origin.y + top + b.y;
                    painter.line_segment([Pos2::new(lane[0] - 30.0, y), Pos2::new(lane[1] + 30.0, y)], Stroke::new(1.0, weak));
                    painter.text(
                        Pos2::new((lane[0] + lane[1]) / 2.0, y),
                        Align2::CENTER_CENTER,
                        format!(" … {:.1} s {} … ", b.seconds, lang.pick("idle", "空闲")),
                        FontId::proportional(11.0),
                        weak,
                    );
                }
                let l = &col.ladder;
                // Requests waiting at the server: a bar from the request's arrival to the response's
                // departure. Bars that overlap in time (pipelining) stand side by side; their labels
                // are placed after the arrows', where they cover nothing.
                let mut slots: Vec<f32> = Vec::new();
                let mut waiting_labels: Vec<(Pos2, String)> = Vec::new();
                for &(req, resp_i) in &l.pending {
                    let (Some(gq), Some(aq)) = (col.geoms.get(req), l.arrows.get(req)) else { continue };
                    if playhead.is_some_and(|p| gq.y1 > p) {
                        continue;
                    }
                    let y_end = resp_i.and_then(|j| col.geoms.get(j)).map_or(map.height, |g| g.y0);
                    let y_end = playhead.map_or(y_end, |p| y_end.min(p));
                    if y_end - gq.y1 < 3.0 {
                        continue;
                    }
                    // Out of view: nothing to draw (thousands of unanswered requests cost nothing here).
                    if origin.y + top + y_end < clip.top() || origin.y + top + gq.y1 > clip.bottom() {
                        continue;
                    }
                    const MOST_SIDE_BY_SIDE: usize = 6;
                    let slot = match slots.iter().position(|end| *end <= gq.y1) {
                        Some(k) => k,
                        None if slots.len() < MOST_SIDE_BY_SIDE => {
                            slots.push(0.0);
                            slots.len() - 1
                        }
                        None => MOST_SIDE_BY_SIDE - 1,
                    };
                    slots[slot] = y_end;
                    let x = lane[1] - slot as f32 * 8.0;
                    let (ya, yb) = (origin.y + top + gq.y1, origin.y + top + y_end);
                    let c = rgb(ladder::color(aq));
                    painter.rect_filled(Rect::from_min_max(Pos2::new(x - 3.0, ya), Pos2::new(x + 3.0, yb)), 2.0, c.gamma_multiply(0.45));
                    let waited = resp_i.and_then(|j| l.arrows.get(j)).map(|r| r.depart - aq.arrive);
                    if yb - ya > 40.0 {
                        let text = match waited {
                            Some(w) => format!("{} {}", lang.pick("waiting", "等待"), ladder::fmt_duration(w.max(0.0))),
                            None => lang.pick("no response", "无响应").to_string(),
                        };
                        waiting_labels.push((Pos2::new(x - 7.0, (ya + yb) / 2.0), text));
                    }
                }
                {
                    let accent = Color32::from_rgb(90, 160, 240);
                    let mut below = f32::MIN;
                    for (n, c, p, text) in &notes {
                        // In packet mode the arrow is the packet the message starts in.
                        let hit = if *c != l.connection {
                            None
                        } else {
                            l.arrows.iter().position(|a| if mode == Mode::Packets { a.packet == *p } else { a.first_packet == *p })
                        };
                        let Some((g, a)) = hit.and_then(|i| Some((col.geoms.get(i)?, l.arrows.get(i)?))) else { continue };
                        if playhead.is_some_and(|ph| g.y0 > ph) {
                            continue;
                        }
                        let y = origin.y + top + g.y0;
                        // Notes said together stack downwards, each with a leader to its moment.
                        let label_y = y.max(below + 14.0);
                        below = label_y;
                        // Beside the sender's lane, where the arrow leaves.
                        let (x, anchor, lead) = if a.dir == Dir::ClientToServer {
                            (x0 + 2.0, Align2::LEFT_CENTER, [Pos2::new(x0 + 26.0, label_y), Pos2::new(lane[0] - 4.0, y)])
                        } else {
                            (x0 + col_w - 4.0, Align2::RIGHT_CENTER, [Pos2::new(x0 + col_w - 28.0, label_y), Pos2::new(lane[1] + 4.0, y)])
                        };
                        painter.line_segment(lead, Stroke::new(1.0, accent));
                        let r = painter.text(Pos2::new(x, label_y), anchor, format!("[{n}]"), FontId::proportional(11.0), accent);
                        ui.interact(r.expand(3.0), ui.scope_id().with(("diagram-note", ci, *n)), Sense::hover()).on_hover_text(text);
                    }
                }
                // Visible arrows, then their labels placed where they sit on no other arrow or label.
                let mut drawn: Vec<(usize, Pos2, Pos2, bool)> = Vec::new();
                for (i, (a, g)) in l.arrows.iter().zip(&col.geoms).enumerate() {
                    if playhead.is_some_and(|p| g.y0 > p) {
                        continue;
                    }
                    if origin.y + top + g.y1 < clip.top() - 40.0 || origin.y + top + g.y0 > clip.bottom() + 40.0 {
                        continue;
                    }
                    let (xa, xb) = if a.dir == Dir::ClientToServer { (lane[0], lane[1]) } else { (lane[1], lane[0]) };
                    let start = Pos2::new(xa, origin.y + top + g.y0);
                    let mut end_pt = Pos2::new(xb, origin.y + top + g.y1);
                    let flying = playhead.is_some_and(|p| p < g.y1);
                    if let (true, Some(p)) = (flying, playhead) {
                        let f = ((p - g.y0) / (g.y1 - g.y0).max(1e-3)).clamp(0.0, 1.0);
                        end_pt = start + (end_pt - start) * f;
                    }
                    let selected = selection == Some(a.target) || selected_packet == Some(a.packet);
                    let mut stroke = Stroke::new(if selected { 3.5 } else { 1.8 }, rgb(ladder::color(a)));
                    if flying {
                        stroke = Stroke::new(3.0, rgb(ladder::IN_FLIGHT));
                    }
                    arrow(&painter, start, end_pt, stroke);
                    if let Some(pos) = resp.interact_pointer_pos() {
                        if resp.clicked() && dist_to_segment(pos, start, end_pt) < 7.0 {
                            clicked = Some(a.target);
                        }
                    }
                    drawn.push((i, start, end_pt, selected));
                }
                let mut placed: Vec<Rect> = Vec::new();
                for &(i, start, end_pt, selected) in &drawn {
                    let a = &l.arrows[i];
                    let color = if selected { rgb(ladder::color(a)) } else { text_color };
                    // Frame and method names stay as the protocol spells them; the rest is translated.
                    let mut text = if lang == Lang::Zh { a.label.replace(" (fragment)", "（分片）") } else { a.label.clone() };
                    // A message whose packets went out over a while (a body held back, a slow upload)
                    // says how long, so the slope is not read as network delay.
                    if a.packet != a.first_packet && a.t_end - a.t_start >= 1e-3 {
                        text.push_str(&format!(" · {}", ladder::fmt_duration(a.t_end - a.t_start)));
                    }
                    let galley = painter.layout_no_wrap(text.clone(), FontId::proportional(12.0), color);
                    let sz = galley.size();
                    let rect_at = |f: f32| {
                        let p = start + (end_pt - start) * f;
                        Rect::from_min_size(Pos2::new(p.x - sz.x / 2.0, p.y - sz.y - 3.0), sz)
                    };
                    let free = |r: &Rect| {
                        !placed.iter().any(|p| p.intersects(*r))
                            && !drawn.iter().any(|&(j, s, e, _)| j != i && segment_hits_rect(s, e, r.shrink(1.0)))
                    };
                    let rect = [0.5f32, 0.32, 0.68, 0.2, 0.8].iter().map(|f| rect_at(*f)).find(|r| free(r)).unwrap_or_else(|| rect_at(0.5));
                    placed.push(rect);
                    painter.galley(rect.min, galley, color);
                    // The label is a button too: clicking it selects the arrow, and screen readers
                    // (and the UI tests) find each visible arrow by its direction and text.
                    let r = ui.interact(rect, ui.scope_id().with(("diagram-arrow", ci, i)), Sense::click());
                    let said = format!("{} {text}", if a.dir == Dir::ClientToServer { "client → server:" } else { "server → client:" });
                    r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &said));
                    if r.clicked() {
                        clicked = Some(a.target);
                    }
                }
                for (at, text) in waiting_labels {
                    let galley = painter.layout_no_wrap(text, FontId::proportional(10.5), weak);
                    let r = Align2::RIGHT_CENTER.anchor_size(at, galley.size());
                    let free = !placed.iter().any(|p| p.intersects(r)) && !drawn.iter().any(|&(_, s, e, _)| segment_hits_rect(s, e, r));
                    if free {
                        placed.push(r);
                        painter.galley(r.min, galley, weak);
                    }
                }
            }
            // A selection made in another view (a packet, a message) brings its arrow into view once.
            let seen_id = egui::Id::unique("wirescope-diagram-selection");
            let seen: Option<Option<Target>> = ui.data(|d| d.get_temp(seen_id));
            if seen != Some(selection) {
                ui.data_mut(|d| d.insert_temp(seen_id, selection));
                let col = &columns[0];
                let hit = col
                    .ladder
                    .arrows
                    .iter()
                    .zip(&col.geoms)
                    .find(|(a, _)| selection == Some(a.target) || selected_packet == Some(a.packet));
                if let (Some((_, g)), Some(_)) = (hit, seen) {
                    let r = Rect::from_min_max(
                        Pos2::new(origin.x, origin.y + top + g.y0 - 20.0),
                        Pos2::new(origin.x + 10.0, origin.y + top + g.y1 + 20.0),
                    );
                    ui.scroll_to_rect(r, Some(egui::Align::Center));
                }
            }
            if let Some(p) = playhead {
                let y = origin.y + top + p;
                painter.line_segment(
                    [Pos2::new(origin.x, y), Pos2::new(origin.x + size.x, y)],
                    Stroke::new(1.0, Color32::from_rgba_unmultiplied(255, 220, 80, 120)),
                );
                if playing || stepped || restarted {
                    ui.scroll_to_rect(Rect::from_center_size(Pos2::new(origin.x + 10.0, y), Vec2::splat(60.0)), None);
                }
            }
            if let Some(t) = clicked {
                // Clicked here: already in view, no scrolling.
                ui.data_mut(|d| d.insert_temp(seen_id, Some(t)));
                cmds.push(Command::Select(t));
            }
        });
    cmds
}

/// A line with a fixed-size head (egui's own arrow scales its head with the length).
fn arrow(painter: &egui::Painter, from: Pos2, to: Pos2, stroke: Stroke) {
    painter.line_segment([from, to], stroke);
    let dir = (to - from).normalized();
    if dir.x.is_nan() {
        return;
    }
    let back = -dir * 10.0;
    let side = Vec2::new(-dir.y, dir.x) * 4.5;
    painter.add(egui::Shape::convex_polygon(vec![to, to + back + side, to + back - side], stroke.color, Stroke::NONE));
}

fn dist_to_segment(p: Pos2, a: Pos2, b: Pos2) -> f32 {
    let ab = b - a;
    let t = if ab.length_sq() > 0.0 { ((p - a).dot(ab) / ab.length_sq()).clamp(0.0, 1.0) } else { 0.0 };
    (a + ab * t).distance(p)
}

/// Whether the segment a–b passes through the rectangle.
fn segment_hits_rect(a: Pos2, b: Pos2, r: Rect) -> bool {
    let (lo, hi) = (a.x.min(b.x), a.x.max(b.x));
    let (x0, x1) = (r.min.x.max(lo), r.max.x.min(hi));
    if x0 > x1 {
        return false;
    }
    let y_at = |x: f32| if (b.x - a.x).abs() < 1e-3 { a.y } else { a.y + (x - a.x) / (b.x - a.x) * (b.y - a.y) };
    let (ya, yb) = (y_at(x0), y_at(x1));
    ya.min(yb) <= r.max.y && ya.max(yb) >= r.min.y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hit_tests() {
        assert!((dist_to_segment(Pos2::new(5.0, 1.0), Pos2::new(0.0, 0.0), Pos2::new(10.0, 0.0)) - 1.0).abs() < 1e-5);
        let r = Rect::from_min_max(Pos2::new(4.0, -1.0), Pos2::new(6.0, 1.0));
        assert!(segment_hits_rect(Pos2::new(0.0, 0.0), Pos2::new(10.0, 0.0), r));
        assert!(!segment_hits_rect(Pos2::new(0.0, 5.0), Pos2::new(10.0, 5.0), r));
        assert!(segment_hits_rect(Pos2::new(0.0, -10.0), Pos2::new(10.0, 10.0), r), "a slanted line through the middle");
    }
}
