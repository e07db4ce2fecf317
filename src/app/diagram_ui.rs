//! Drawing the ladder diagram laid out by `analysis::ladder`, with replay and compare mode.

use super::settings::Settings;
use super::store::Store;
use super::{Command, View};
use crate::analysis::explain::Lang;
use crate::analysis::ladder::{self, Arrow, ArrowKind, Geometry, Mode, Target, TimeMap};
use crate::model::{Capture, Dir};
use eframe::egui::{self, Align2, Color32, FontId, Pos2, Rect, Sense, Stroke, Vec2};

/// Replay position and controls (not saved).
#[derive(Debug, Default, Clone)]
pub struct Replay {
    /// Position on the diagram's time axis; `None` shows everything.
    pub playhead: Option<f32>,
    pub playing: bool,
    /// A step requested from the keyboard: true = forward.
    pub step: Option<bool>,
    pub compare_with: Option<u32>,
    pub shown: usize,
    pub total: usize,
    /// Arrows per (connection, mode), valid while the capture's size is unchanged.
    cache: Vec<((u32, Mode, usize), std::sync::Arc<Vec<Arrow>>)>,
}

impl Replay {
    fn arrows(&mut self, cap: &Capture, conn: u32, mode: Mode) -> std::sync::Arc<Vec<Arrow>> {
        let version = cap.rows.len() + cap.http.len() + cap.frames.len() + cap.connections.len();
        let key = (conn, mode, version);
        if let Some((_, a)) = self.cache.iter().find(|(k, _)| *k == key) {
            return a.clone();
        }
        let a = std::sync::Arc::new(ladder::arrows(cap, conn, mode));
        self.cache.retain(|((c, m, v), _)| *v == version && !(*c == conn && *m == mode));
        self.cache.push((key, a.clone()));
        a
    }
}

pub fn connection_of(cap: &Capture, t: Target) -> Option<u32> {
    match t {
        Target::Packet(n) => cap.rows.iter().find(|r| r.number == n).and_then(|r| r.connection),
        Target::Http(i) => cap.http.get(i).map(|x| x.connection),
        Target::WsFrame(i) => cap.frames.get(i).map(|f| f.connection),
        Target::WsMessage(i) => cap.websocket.get(i).map(|m| m.connection),
    }
}

fn color(kind: ArrowKind) -> Color32 {
    match kind {
        ArrowKind::Handshake => Color32::from_rgb(150, 150, 150),
        ArrowKind::Teardown => Color32::from_rgb(170, 130, 90),
        ArrowKind::Reset => Color32::from_rgb(230, 70, 70),
        ArrowKind::Request => Color32::from_rgb(80, 140, 235),
        ArrowKind::Interim => Color32::from_rgb(150, 170, 230),
        ArrowKind::Response => Color32::from_rgb(90, 190, 120),
        ArrowKind::Upgrade => Color32::from_rgb(200, 120, 230),
        ArrowKind::WsData => Color32::from_rgb(60, 190, 170),
        ArrowKind::WsControl => Color32::from_rgb(220, 190, 70),
        ArrowKind::WsClose => Color32::from_rgb(230, 120, 60),
        ArrowKind::Segment => Color32::from_rgb(140, 140, 160),
    }
}

/// Mermaid text for the arrows.
pub fn mermaid(arrows: &[Arrow]) -> String {
    let mut s = String::from("sequenceDiagram\n    participant Client\n    participant Server\n");
    for a in arrows {
        let (from, to) = if a.dir == Dir::ClientToServer { ("Client", "Server") } else { ("Server", "Client") };
        s.push_str(&format!("    {from}->>{to}: {}\n", a.label.replace([':', ';', '#'], " ")));
    }
    s
}

/// PlantUML text for the arrows.
pub fn plantuml(arrows: &[Arrow]) -> String {
    let mut s = String::from("@startuml\nparticipant Client\nparticipant Server\n");
    for a in arrows {
        let (from, to) = if a.dir == Dir::ClientToServer { ("Client", "Server") } else { ("Server", "Client") };
        s.push_str(&format!("{from} -> {to}: {}\n", a.label));
    }
    s.push_str("@enduml\n");
    s
}

struct Column {
    title: String,
    client: String,
    server: String,
    arrows: std::sync::Arc<Vec<Arrow>>,
    geoms: Vec<Geometry>,
}

pub fn diagram_ui(ui: &mut egui::Ui, lang: Lang, store: &Store, view: &mut View, settings: &mut Settings) -> Vec<Command> {
    let mut cmds = Vec::new();
    let Some(conn) = view.selected_conn else {
        ui.label(lang.pick("Select a connection to draw its sequence diagram.", "请选择一个连接以绘制时序图。"));
        return cmds;
    };
    let cap = &store.cap;
    let mode = settings.diagram_mode;
    let mut ids = vec![conn];
    if let Some(other) = view.replay.compare_with.filter(|o| *o != conn) {
        ids.push(other);
    }
    let mut all: Vec<std::sync::Arc<Vec<Arrow>>> = ids.iter().map(|id| view.replay.arrows(cap, *id, mode)).collect();
    if store.app_level {
        // Only the application's bytes were recorded: no TCP handshake, teardown or segments to show.
        use ladder::ArrowKind::*;
        for a in &mut all {
            *a = std::sync::Arc::new(a.iter().filter(|x| !matches!(x.kind, Handshake | Teardown | Reset | Segment)).cloned().collect());
        }
    }
    // One time axis for every column, so compare mode lines them up.
    let map = if all.len() == 1 {
        TimeMap::new(&all[0], 34.0, 140.0)
    } else {
        let merged: Vec<Arrow> = all.iter().flat_map(|a| a.iter().cloned()).collect();
        TimeMap::new(&merged, 34.0, 140.0)
    };
    let one_way = cap.connections.iter().find(|c| c.id == conn).and_then(|c| c.handshake_rtt_ms).map(|r| r / 2000.0).unwrap_or(0.0);
    let columns: Vec<Column> = ids
        .iter()
        .zip(all)
        .map(|(id, arrows)| {
            let c = cap.connections.iter().find(|c| c.id == *id);
            let geoms = arrows.iter().map(|a| ladder::geometry(a, &map, one_way, 6.0)).collect();
            Column {
                title: format!("#{id} {}", c.map(|c| c.protocol.label()).unwrap_or("")),
                client: c.map(|c| c.client.clone()).unwrap_or_default(),
                server: c.map(|c| c.server.clone()).unwrap_or_default(),
                arrows,
                geoms,
            }
        })
        .collect();
    let all_geoms: Vec<Geometry> = columns.iter().flat_map(|c| c.geoms.iter().copied()).collect();
    let end = all_geoms.iter().map(|g| g.y1).fold(0.0, f32::max);

    // Controls.
    let r = &mut view.replay;
    ui.horizontal_wrapped(|ui| {
        ui.selectable_value(&mut settings.diagram_mode, Mode::Messages, lang.pick("Arrows: messages", "箭头：消息"));
        ui.selectable_value(&mut settings.diagram_mode, Mode::Packets, lang.pick("Arrows: packets", "箭头：数据包"));
        ui.separator();
        if ui.button(lang.pick("|< Restart", "|< 重新开始")).clicked() {
            r.playhead = Some(-1.0);
            r.playing = false;
        }
        if ui.button(lang.pick("< Back", "< 后退")).clicked() {
            r.step = Some(false);
        }
        let play = if r.playing { lang.pick("Pause", "暂停") } else { lang.pick("Play", "播放") };
        if ui.button(play).clicked() {
            if !r.playing && r.playhead.is_none_or(|p| p >= end) {
                r.playhead = Some(-1.0);
            }
            r.playing = !r.playing;
        }
        if ui.button(lang.pick("Step >", "单步 >")).clicked() {
            r.step = Some(true);
        }
        if ui.button(lang.pick("Show all", "全部显示")).clicked() {
            r.playhead = None;
            r.playing = false;
        }
    });
    if let Some(fwd) = r.step.take() {
        let head = r.playhead.unwrap_or(if fwd { -1.0 } else { end });
        r.playhead = Some(if fwd { ladder::step_forward(&all_geoms, head) } else { ladder::step_back(&all_geoms, head) });
        r.playing = false;
    }
    if r.playing {
        let dt = ui.input(|i| i.stable_dt).min(0.1);
        let head = r.playhead.unwrap_or(-1.0) + dt * 60.0 * settings.replay_speed;
        if head >= end {
            r.playhead = Some(end);
            r.playing = false;
        } else {
            r.playhead = Some(head);
        }
        ui.ctx().request_repaint();
    }
    let mut scrub = r.playhead.unwrap_or(end);
    ui.horizontal(|ui| {
        ui.spacing_mut().slider_width = (ui.clip_rect().right() - ui.cursor().left() - 300.0).max(120.0);
        if ui
            .add(egui::Slider::new(&mut scrub, 0.0..=end.max(1.0)).show_value(false).text(lang.pick("replay position", "回放位置")))
            .changed()
        {
            r.playhead = Some(scrub);
            r.playing = false;
        }
        let (shown, flying) = ladder::replay_state(&all_geoms, r.playhead.unwrap_or(f32::INFINITY));
        r.shown = shown;
        r.total = all_geoms.len();
        ui.label(format!("{} {shown} / {}", lang.pick("Arrows shown:", "已显示箭头："), all_geoms.len()));
        if !flying.is_empty() {
            ui.label(format!("· {} {}", flying.len(), lang.pick("in flight", "条正在传输")));
        }
    });
    ui.horizontal(|ui| {
        egui::ComboBox::from_label(lang.pick("compare with (same time axis)", "对比（同一时间轴）"))
            .selected_text(r.compare_with.map(|c| format!("#{c}")).unwrap_or_else(|| lang.pick("(none)", "（无）").into()))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut r.compare_with, None, lang.pick("(none)", "（无）"));
                for c in cap.connections.iter().filter(|c| c.id != conn) {
                    ui.selectable_value(&mut r.compare_with, Some(c.id), format!("#{} {} {}", c.id, c.protocol.label(), c.client));
                }
            });
        if ui.button(lang.pick("Copy as Mermaid", "复制为 Mermaid")).clicked() {
            ui.ctx().copy_text(mermaid(&columns[0].arrows));
        }
        if ui.button(lang.pick("Copy as PlantUML", "复制为 PlantUML")).clicked() {
            ui.ctx().copy_text(plantuml(&columns[0].arrows));
        }
        if ui.button(lang.pick("Save as SVG…", "保存为 SVG…")).clicked() {
            let c = &columns[0];
            cmds.push(Command::SaveSvg(ladder::to_svg(&c.title, &c.client, &c.server, &c.arrows, &c.geoms, &map)));
        }
        ui.spacing_mut().slider_width = 70.0;
        ui.add(
            egui::Slider::new(&mut settings.replay_speed, 0.1..=10.0)
                .logarithmic(true)
                .max_decimals(1)
                .text(lang.pick("speed ×", "速度 ×")),
        );
    });
    ui.separator();

    let playhead = r.playhead;
    let selection = view.selection;
    // A packet or a message picked in another view lights up the arrows of the packet it ends in.
    let selected_packet = match selection {
        Some(Target::Packet(n)) => Some(n),
        Some(Target::WsMessage(i)) => cap.websocket.get(i).map(|m| m.packet),
        _ => None,
    };
    // Measured outside the scroll area: inside a horizontal scroll the width is unbounded.
    let visible_w = ui.clip_rect().right() - ui.cursor().left();
    let col_w = ((visible_w - 16.0) / columns.len() as f32).max(280.0);
    let follow = view.stick_to_newest && store.live.as_ref().is_some_and(|l| l.running);
    // The lab's narration, placed on the time axis beside the arrows it talks about.
    let notes: Vec<(usize, f64, String)> = store
        .live
        .as_ref()
        .map(|l| l.notes.iter().enumerate().map(|(i, n)| (i + 1, n.ts_ns as f64 / 1e9, lang.choose(&n.en, &n.zh).to_string())).collect())
        .unwrap_or_default();
    egui::ScrollArea::both().auto_shrink([false, false]).stick_to_bottom(follow).show(ui, |ui| {
        let top = 58.0;
        let size = Vec2::new(col_w * columns.len() as f32, map.height + top + 20.0);
        let (resp, painter) = ui.allocate_painter(size, Sense::click());
        let origin = resp.rect.min;
        let text_color = ui.visuals().text_color();
        let weak = ui.visuals().weak_text_color();
        let mut clicked: Option<Target> = None;
        for (ci, col) in columns.iter().enumerate() {
            let x0 = origin.x + ci as f32 * col_w;
            let inset = (col_w * 0.16).clamp(50.0, 90.0);
            let lane = [x0 + inset, x0 + col_w - inset];
            painter.text(
                Pos2::new((lane[0] + lane[1]) / 2.0, origin.y + 4.0),
                Align2::CENTER_TOP,
                &col.title,
                FontId::proportional(14.0),
                text_color,
            );
            for (x, role, addr) in
                [(lane[0], lang.pick("Client", "客户端"), &col.client), (lane[1], lang.pick("Server", "服务器"), &col.server)]
            {
                painter.text(Pos2::new(x, origin.y + 22.0), Align2::CENTER_TOP, role, FontId::proportional(13.0), text_color);
                painter.text(Pos2::new(x, origin.y + 38.0), Align2::CENTER_TOP, addr, FontId::proportional(10.5), weak);
            }
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
            if let (Some(first), Some(last)) = (col.arrows.first(), col.arrows.last()) {
                let accent = Color32::from_rgb(90, 160, 240);
                let mut below = f32::MIN;
                for (n, t, text) in &notes {
                    if *t < first.t_start - 0.5 || *t > last.t_end + 0.5 {
                        continue;
                    }
                    let y = origin.y + top + map.y(*t);
                    // Notes said together stack downwards, each with a leader to its moment.
                    let label_y = y.max(below + 14.0);
                    below = label_y;
                    let x = x0 + 6.0;
                    painter.line_segment([Pos2::new(x + 26.0, label_y), Pos2::new(lane[0] - 4.0, y)], Stroke::new(1.0, accent));
                    let r = painter.text(Pos2::new(x, label_y), Align2::LEFT_CENTER, format!("[{n}]"), FontId::proportional(11.0), accent);
                    ui.interact(r.expand(3.0), ui.scope_id().with(("diagram-note", ci, *n)), Sense::hover()).on_hover_text(text);
                }
            }
            for (a, g) in col.arrows.iter().zip(&col.geoms) {
                if playhead.is_some_and(|p| g.y0 > p) {
                    continue;
                }
                // Lay out only what the scroll area shows.
                let clip = ui.clip_rect();
                if origin.y + top + g.y1 < clip.top() - 30.0 || origin.y + top + g.y0 > clip.bottom() + 30.0 {
                    continue;
                }
                let (xa, xb) = if a.dir == Dir::ClientToServer { (lane[0], lane[1]) } else { (lane[1], lane[0]) };
                let start = Pos2::new(xa, origin.y + top + g.y0);
                let mut end_pt = Pos2::new(xb, origin.y + top + g.y1);
                let flying = playhead.is_some_and(|p| p < g.y1);
                if let (true, Some(p)) = (flying, playhead) {
                    let f = ((p - g.y0) / (g.y1 - g.y0)).clamp(0.0, 1.0);
                    end_pt = start + (end_pt - start) * f;
                }
                // Selecting the packet that carried an arrow (in the packets table) highlights it too.
                let selected = selection == Some(a.target) || selected_packet == Some(a.packet);
                let mut stroke = Stroke::new(if selected { 3.5 } else { 1.8 }, color(a.kind));
                if flying {
                    stroke = Stroke::new(3.0, Color32::from_rgb(255, 220, 80));
                }
                arrow(&painter, start, end_pt, stroke);
                let mid = Pos2::new((start.x + end_pt.x) / 2.0, (start.y + end_pt.y) / 2.0 - 9.0);
                painter.text(
                    mid,
                    Align2::CENTER_BOTTOM,
                    &a.label,
                    FontId::proportional(12.0),
                    if selected { color(a.kind) } else { text_color },
                );
                if let Some(pos) = resp.interact_pointer_pos() {
                    if resp.clicked() && dist_to_segment(pos, start, end_pt) < 7.0 {
                        clicked = Some(a.target);
                    }
                }
            }
        }
        if let Some(p) = playhead {
            let y = origin.y + top + p;
            painter.line_segment(
                [Pos2::new(origin.x, y), Pos2::new(origin.x + size.x, y)],
                Stroke::new(1.0, Color32::from_rgba_unmultiplied(255, 220, 80, 120)),
            );
            if view.replay.playing {
                ui.scroll_to_rect(Rect::from_center_size(Pos2::new(origin.x + 10.0, y), Vec2::splat(60.0)), None);
            }
        }
        if let Some(t) = clicked {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mermaid_and_plantuml() {
        let a = vec![Arrow {
            dir: Dir::ClientToServer,
            t_start: 0.0,
            t_end: 0.0,
            label: "GET /".into(),
            kind: ArrowKind::Request,
            target: Target::Http(0),
            packet: 1,
        }];
        assert_eq!(mermaid(&a), "sequenceDiagram\n    participant Client\n    participant Server\n    Client->>Server: GET /\n");
        assert!(plantuml(&a).contains("Client -> Server: GET /"));
        assert!((dist_to_segment(Pos2::new(5.0, 1.0), Pos2::new(0.0, 0.0), Pos2::new(10.0, 0.0)) - 1.0).abs() < 1e-5);
    }
}
