//! The sequence (ladder) diagram as pure geometry: which arrows a connection has, where each one
//! starts and ends on a time axis that keeps real-time proportions but compresses long idle
//! stretches, and which arrows a replay shows at a given moment. Drawing lives in the app.

use crate::model::{Capture, ConnId, Dir, RowKind, TcpEventKind};
use crate::proto::websocket::opcode_name;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrowKind {
    Handshake,
    Teardown,
    Reset,
    Request,
    Interim,
    Response,
    Upgrade,
    WsData,
    WsControl,
    WsClose,
    Segment,
}

/// What clicking an arrow selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Packet(u64),
    Http(usize),
    WsFrame(usize),
    WsMessage(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Arrow {
    pub dir: Dir,
    /// Capture time (seconds) of the first and last packet carrying it.
    pub t_start: f64,
    pub t_end: f64,
    pub label: String,
    pub kind: ArrowKind,
    pub target: Target,
    /// The packet where it ends (Wireshark's number).
    pub packet: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Mode {
    /// One arrow per HTTP message, WebSocket frame and TCP handshake/teardown step.
    #[default]
    Messages,
    /// One arrow per TCP segment, ACKs included.
    Packets,
}

fn short(s: &str, n: usize) -> String {
    let flat: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if flat.chars().count() > n {
        format!("{}…", flat.chars().take(n).collect::<String>())
    } else {
        flat
    }
}

/// The arrows of one connection, in time order.
pub fn arrows(cap: &Capture, conn: ConnId, mode: Mode) -> Vec<Arrow> {
    let mut v = Vec::new();
    let Some(c) = cap.connections.iter().find(|c| c.id == conn) else { return v };
    if mode == Mode::Packets {
        let seq_base = |dir: Dir| {
            cap.rows.iter().find(|r| r.connection == Some(conn) && r.direction == Some(dir)).and_then(|r| match r.kind {
                RowKind::Tcp { seq, .. } => Some(seq),
                _ => None,
            })
        };
        let bases = [seq_base(Dir::ClientToServer), seq_base(Dir::ServerToClient)];
        for r in cap.rows.iter().filter(|r| r.connection == Some(conn)) {
            let dir = r.direction.unwrap_or(Dir::ClientToServer);
            let t = r.ts as f64 / 1e9;
            let (label, kind) = match r.kind {
                RowKind::Tcp { flags, seq, payload, .. } => {
                    let f = crate::dissect::TcpFlags(flags);
                    let base = bases[if dir == Dir::ClientToServer { 0 } else { 1 }].unwrap_or(seq);
                    let kind = if f.rst() {
                        ArrowKind::Reset
                    } else if f.fin() {
                        ArrowKind::Teardown
                    } else if f.syn() {
                        ArrowKind::Handshake
                    } else {
                        ArrowKind::Segment
                    };
                    (format!("{f} Seq={} Len={payload}", seq.wrapping_sub(base)), kind)
                }
                RowKind::Udp { payload } => (format!("UDP Len={payload}"), ArrowKind::Segment),
                _ => continue,
            };
            v.push(Arrow { dir, t_start: t, t_end: t, label, kind, target: Target::Packet(r.number), packet: r.number });
        }
        return v;
    }
    for e in &c.tcp_events {
        let (label, kind) = match e.kind {
            TcpEventKind::Syn => ("SYN", ArrowKind::Handshake),
            TcpEventKind::SynAck => ("SYN, ACK", ArrowKind::Handshake),
            TcpEventKind::HandshakeAck => ("ACK", ArrowKind::Handshake),
            TcpEventKind::Fin => ("FIN", ArrowKind::Teardown),
            TcpEventKind::Rst => ("RST", ArrowKind::Reset),
        };
        v.push(Arrow {
            dir: e.direction,
            t_start: e.time,
            t_end: e.time,
            label: label.into(),
            kind,
            target: Target::Packet(e.packet),
            packet: e.packet,
        });
    }
    for (i, x) in cap.http.iter().enumerate().filter(|(_, x)| x.connection == conn) {
        if let Some(r) = &x.request {
            let upgrade = r.headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("upgrade") && !v.is_empty());
            let kind = if upgrade { ArrowKind::Upgrade } else { ArrowKind::Request };
            v.push(Arrow {
                dir: Dir::ClientToServer,
                t_start: r.start_time,
                t_end: r.end_time,
                label: short(&format!("{} {}", r.method, r.target), 40),
                kind,
                target: Target::Http(i),
                packet: r.packet,
            });
        }
        for it in &x.interim {
            v.push(Arrow {
                dir: Dir::ServerToClient,
                t_start: it.start_time,
                t_end: it.end_time,
                label: format!("{} {}", it.status, it.reason),
                kind: ArrowKind::Interim,
                target: Target::Http(i),
                packet: it.packet,
            });
        }
        if let Some(r) = &x.response {
            let kind = if r.status == 101 { ArrowKind::Upgrade } else { ArrowKind::Response };
            v.push(Arrow {
                dir: Dir::ServerToClient,
                t_start: r.start_time,
                t_end: r.end_time,
                label: short(&format!("{} {}", r.status, r.reason), 40),
                kind,
                target: Target::Http(i),
                packet: r.packet,
            });
        }
    }
    let frames: Vec<(usize, &crate::model::WsFrame)> = cap.frames.iter().enumerate().filter(|(_, f)| f.connection == conn).collect();
    if !frames.is_empty() {
        // One arrow per frame; the label comes from the message the frame completes, if any.
        for (i, f) in frames {
            let kind = match f.opcode {
                8 => ArrowKind::WsClose,
                9 | 10 => ArrowKind::WsControl,
                _ => ArrowKind::WsData,
            };
            let msg = cap.websocket.iter().find(|m| {
                m.connection == conn && m.direction == f.direction && m.packet == f.packet && (m.opcode == f.opcode || f.opcode == 0)
            });
            let mut label = opcode_name(f.opcode).to_string();
            if let Some(m) = msg {
                match m.opcode {
                    1 if f.fin => label = format!("{label} \"{}\"", short(&String::from_utf8_lossy(&m.payload), 24)),
                    8 => label = format!("Close {}", m.close_code.map(|c| c.to_string()).unwrap_or_default()),
                    _ => {}
                }
            }
            if !f.fin {
                label.push_str(" (fragment)");
            }
            v.push(Arrow { dir: f.direction, t_start: f.time, t_end: f.time, label, kind, target: Target::WsFrame(i), packet: f.packet });
        }
    } else {
        for (i, m) in cap.websocket.iter().enumerate().filter(|(_, m)| m.connection == conn) {
            let kind = match m.opcode {
                8 => ArrowKind::WsClose,
                9 | 10 => ArrowKind::WsControl,
                _ => ArrowKind::WsData,
            };
            v.push(Arrow {
                dir: m.direction,
                t_start: m.time,
                t_end: m.time,
                label: opcode_name(m.opcode).into(),
                kind,
                target: Target::WsMessage(i),
                packet: m.packet,
            });
        }
    }
    v.sort_by(|a, b| a.packet.cmp(&b.packet).then(a.t_start.total_cmp(&b.t_start)));
    v
}

/// A stretch of time left out of the axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Break {
    pub y: f32,
    pub seconds: f64,
}

/// Capture time → vertical position. Consecutive arrows are at least `min_step` apart (so labels
/// never collide); gaps are drawn in proportion to real time up to `max_step`, and longer idle
/// stretches are cut to `max_step` and marked with a [`Break`].
#[derive(Debug, Clone)]
pub struct TimeMap {
    knots: Vec<(f64, f32)>,
    pub breaks: Vec<Break>,
    pub height: f32,
}

impl TimeMap {
    pub fn new(arrows: &[Arrow], min_step: f32, max_step: f32) -> TimeMap {
        let mut times: Vec<f64> = arrows.iter().map(|a| a.t_start).collect();
        times.sort_by(f64::total_cmp);
        times.dedup();
        let gaps: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).filter(|g| *g > 0.0).collect();
        let mut sorted = gaps.clone();
        sorted.sort_by(f64::total_cmp);
        // Scale so that a typical gap gets a bit more than the minimum step.
        let typical = sorted.get(sorted.len() / 2).copied().unwrap_or(1e-3).max(1e-9);
        let px_per_sec = (min_step as f64 * 1.5) / typical;
        let mut knots = Vec::with_capacity(times.len());
        let mut breaks = Vec::new();
        let mut y = min_step;
        for (i, &t) in times.iter().enumerate() {
            if i > 0 {
                let dt = t - times[i - 1];
                let want = (dt * px_per_sec) as f32;
                if want > max_step * 2.0 && dt > 0.05 {
                    breaks.push(Break { y: y + max_step / 2.0, seconds: dt });
                    y += max_step;
                } else {
                    y += want.clamp(min_step, max_step);
                }
            }
            knots.push((t, y));
        }
        TimeMap { knots, breaks, height: y + min_step }
    }

    /// Position of time `t` (interpolated between arrow starts; clamped at the ends).
    pub fn y(&self, t: f64) -> f32 {
        let k = &self.knots;
        if k.is_empty() {
            return 0.0;
        }
        let i = k.partition_point(|(kt, _)| *kt <= t);
        if i == 0 {
            return k[0].1;
        }
        if i == k.len() {
            return k[k.len() - 1].1;
        }
        let (t0, y0) = k[i - 1];
        let (t1, y1) = k[i];
        if t1 <= t0 {
            return y0;
        }
        y0 + ((t - t0) / (t1 - t0)) as f32 * (y1 - y0)
    }
}

/// Where an arrow is drawn: from the sender's lane at `y0` to the receiver's lane at `y1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geometry {
    pub y0: f32,
    pub y1: f32,
}

/// The arrow leaves when its first packet is seen and arrives after its last packet plus the
/// one-way transit (half the handshake RTT), so its slope shows how long it took.
pub fn geometry(a: &Arrow, map: &TimeMap, one_way: f64, min_slope: f32) -> Geometry {
    let y0 = map.y(a.t_start);
    let y1 = map.y(a.t_end + one_way).max(y0 + min_slope);
    Geometry { y0, y1 }
}

/// At replay position `playhead` (a y value): how many arrows have started, and which are in flight.
pub fn replay_state(geoms: &[Geometry], playhead: f32) -> (usize, Vec<usize>) {
    let started = geoms.iter().filter(|g| g.y0 <= playhead).count();
    let flying = geoms.iter().enumerate().filter(|(_, g)| g.y0 <= playhead && playhead < g.y1).map(|(i, _)| i).collect();
    (started, flying)
}

/// Stepping forward: the next arrow that has not started yet appears and lands (arrows that start
/// meanwhile appear too). At the end, stays at the end.
pub fn step_forward(geoms: &[Geometry], playhead: f32) -> f32 {
    let next = geoms.iter().filter(|g| g.y0 > playhead).min_by(|a, b| a.y0.total_cmp(&b.y0));
    match next {
        Some(g) => g.y1.max(g.y0),
        None => geoms.iter().map(|g| g.y1).fold(playhead, f32::max),
    }
}

/// Stepping back: the last arrow that appeared is hidden again.
pub fn step_back(geoms: &[Geometry], playhead: f32) -> f32 {
    let last = geoms.iter().filter(|g| g.y0 <= playhead).max_by(|a, b| a.y0.total_cmp(&b.y0));
    match last {
        Some(g) => (g.y0 - 0.01).max(0.0),
        None => 0.0,
    }
}

/// The diagram as a standalone SVG document (lanes, arrows with heads, labels, idle marks).
pub fn to_svg(title: &str, client: &str, server: &str, arrows: &[Arrow], geoms: &[Geometry], map: &TimeMap) -> String {
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let (w, top) = (640.0f32, 70.0f32);
    let lanes = [110.0f32, w - 110.0];
    let h = top + map.height + 20.0;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"{}\" y=\"20\" text-anchor=\"middle\" font-size=\"15\">{}</text>\n",
        w / 2.0,
        esc(title)
    );
    for (x, role, addr) in [(lanes[0], "Client", client), (lanes[1], "Server", server)] {
        s.push_str(&format!("<text x=\"{x}\" y=\"42\" text-anchor=\"middle\">{role}</text><text x=\"{x}\" y=\"58\" text-anchor=\"middle\" font-size=\"10\" fill=\"#666\">{}</text>\n", esc(addr)));
        s.push_str(&format!("<line x1=\"{x}\" y1=\"{top}\" x2=\"{x}\" y2=\"{}\" stroke=\"#999\" stroke-width=\"2\"/>\n", top + map.height));
    }
    for b in &map.breaks {
        let y = top + b.y;
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{y}\" text-anchor=\"middle\" font-size=\"10\" fill=\"#888\">… {:.1} s idle …</text>\n",
            w / 2.0,
            b.seconds
        ));
    }
    for (a, g) in arrows.iter().zip(geoms) {
        let (xa, xb) = if a.dir == Dir::ClientToServer { (lanes[0], lanes[1]) } else { (lanes[1], lanes[0]) };
        let (y0, y1) = (top + g.y0, top + g.y1);
        let color = match a.kind {
            ArrowKind::Request => "#3b7ddd",
            ArrowKind::Response => "#2f9e5a",
            ArrowKind::Upgrade => "#a052c8",
            ArrowKind::WsData => "#1f9e8e",
            ArrowKind::WsControl => "#c9a227",
            ArrowKind::WsClose => "#d9692c",
            ArrowKind::Reset => "#d43c3c",
            _ => "#888888",
        };
        let (dx, dy) = (xb - xa, y1 - y0);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        let (ux, uy) = (dx / len, dy / len);
        let (bx, by) = (xb - ux * 10.0, y1 - uy * 10.0);
        s.push_str(&format!(
            "<line x1=\"{xa}\" y1=\"{y0}\" x2=\"{xb}\" y2=\"{y1}\" stroke=\"{color}\" stroke-width=\"1.8\"/><polygon points=\"{xb},{y1} {},{} {},{}\" fill=\"{color}\"/>\n",
            bx - uy * 4.5,
            by + ux * 4.5,
            bx + uy * 4.5,
            by - ux * 4.5
        ));
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
            (xa + xb) / 2.0,
            (y0 + y1) / 2.0 - 6.0,
            esc(&a.label)
        ));
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arrow(t: f64, dir: Dir) -> Arrow {
        Arrow { dir, t_start: t, t_end: t, label: String::new(), kind: ArrowKind::Segment, target: Target::Packet(0), packet: 0 }
    }

    #[test]
    fn time_map_keeps_order_spacing_and_compresses_idle() {
        let a: Vec<Arrow> = [0.0, 0.001, 0.002, 10.0, 10.001].iter().map(|t| arrow(*t, Dir::ClientToServer)).collect();
        let m = TimeMap::new(&a, 20.0, 100.0);
        let ys: Vec<f32> = a.iter().map(|x| m.y(x.t_start)).collect();
        assert!(ys.windows(2).all(|w| w[1] - w[0] >= 20.0 - 1e-3), "{ys:?}");
        assert_eq!(m.breaks.len(), 1);
        assert!((m.breaks[0].seconds - 9.998).abs() < 1e-6);
        assert!(ys[3] - ys[2] <= 100.0 + 1e-3, "idle stretch compressed");
        // Proportional below the cap: a gap twice as long is drawn about twice as tall.
        let b: Vec<Arrow> = [0.0, 0.01, 0.02, 0.04].iter().map(|t| arrow(*t, Dir::ClientToServer)).collect();
        let m = TimeMap::new(&b, 10.0, 1000.0);
        let (d1, d2) = (m.y(0.02) - m.y(0.01), m.y(0.04) - m.y(0.02));
        assert!((d2 / d1 - 2.0).abs() < 0.01, "{d1} {d2}");
        assert!(m.y(0.03) > m.y(0.02) && m.y(0.03) < m.y(0.04), "interpolates");
    }

    #[test]
    fn svg_has_every_arrow_and_escapes_labels() {
        let mut a = vec![arrow(0.0, Dir::ClientToServer), arrow(0.01, Dir::ServerToClient)];
        a[0].label = "GET /?a=1&b=<2>".into();
        let m = TimeMap::new(&a, 10.0, 100.0);
        let g: Vec<Geometry> = a.iter().map(|x| geometry(x, &m, 0.0, 4.0)).collect();
        let svg = to_svg("#0 HTTP", "127.0.0.1:1", "127.0.0.1:2", &a, &g, &m);
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<polygon").count(), 2);
        assert!(svg.contains("GET /?a=1&amp;b=&lt;2&gt;"));
    }

    #[test]
    fn slope_shows_duration_and_replay_counts_grow() {
        let mut long = arrow(0.0, Dir::ServerToClient);
        long.t_end = 0.02;
        let a = vec![arrow(0.0, Dir::ClientToServer), arrow(0.01, Dir::ClientToServer), long, arrow(0.03, Dir::ServerToClient)];
        let m = TimeMap::new(&a, 10.0, 200.0);
        let g: Vec<Geometry> = a.iter().map(|x| geometry(x, &m, 0.0, 4.0)).collect();
        assert!(g[2].y1 - g[2].y0 > g[0].y1 - g[0].y0, "a longer message has a steeper arrow");
        let mut head = -1.0;
        let mut seen = Vec::new();
        for _ in 0..3 {
            head = step_forward(&g, head);
            seen.push(replay_state(&g, head).0);
        }
        // Arrows 0 and 2 start at the same moment, so they appear together.
        assert_eq!(seen, vec![2, 3, 4], "every step shows a new arrow");
        assert_eq!(step_forward(&g, head), head, "the end stays the end");
        let back = step_back(&g, head);
        assert_eq!(replay_state(&g, back).0, 3, "back hides the last arrow");
        let (_, flying) = replay_state(&g, g[2].y0 + 1.0);
        assert!(flying.contains(&2));
    }
}
