//! The selected packet: its layers (link, IP, TCP, HTTP, WebSocket) with their fields, and a hex
//! dump with an ASCII column. Hovering a field lights its bytes; hovering a byte lights its field.

use super::loader::Source;
use super::store::Store;
use super::View;
use crate::analysis::explain::{
    header_info, opcode_meaning, status_class_text, status_meaning, tcp_flags_explained, Lang, TcpSegmentContext,
};
use crate::dissect::fields::{self, HeadLine, Span};
use crate::model::{Dir, PacketRow, RowKind, TcpEventKind};
use crate::proto::websocket::opcode_name;
use eframe::egui::{self, text::LayoutJob, Color32, FontId, RichText, TextFormat};

/// One line of a layer: its text, the bytes it describes, an explanation shown on hover, and
/// lines under it.
struct Field {
    text: String,
    span: Option<Span>,
    tip: Option<String>,
    sub: Vec<Field>,
}

fn field(text: impl Into<String>, span: Option<Span>) -> Field {
    Field { text: text.into(), span, tip: None, sub: Vec::new() }
}

impl Field {
    fn tip(mut self, t: impl Into<String>) -> Field {
        let t = t.into();
        if !t.is_empty() {
            self.tip = Some(t);
        }
        self
    }
}

struct Layer {
    title: String,
    span: Span,
    /// Index into the dump's colours.
    color: usize,
    fields: Vec<Field>,
}

const COLORS: [Color32; 5] = [
    Color32::from_rgb(130, 130, 130),
    Color32::from_rgb(90, 150, 230),
    Color32::from_rgb(220, 160, 60),
    Color32::from_rgb(80, 180, 100),
    Color32::from_rgb(200, 120, 220),
];
/// The dump shows at most this many bytes.
const MAX_DUMP: usize = 4096;
const LIT: Color32 = Color32::from_rgb(90, 90, 20);

fn read_bytes(store: &Store, view: &mut View, r: &PacketRow) -> Option<Vec<u8>> {
    // Read back from the file once per selected packet, not on every frame.
    if view.packet_bytes.as_ref().is_none_or(|(n, _)| *n != r.number) {
        let read = match &store.source {
            Some(s @ (Source::File(_) | Source::Live { .. })) => {
                s.file().and_then(|p| crate::load::read_packet_bytes(&p, r.file_offset, r.len).ok())
            }
            Some(Source::Embedded { bytes, .. }) => {
                let start = usize::try_from(r.file_offset).ok();
                start.and_then(|s| bytes.get(s..s.checked_add(r.len as usize)?)).map(<[u8]>::to_vec)
            }
            None => None,
        };
        view.packet_bytes = Some((r.number, read));
    }
    view.packet_bytes.as_ref().and_then(|(_, b)| b.clone())
}

/// The bytes and layers of the selected packet, read back once per selection.
fn prepare(lang: Lang, store: &Store, view: &mut View, number: u64) -> Option<(Vec<u8>, Vec<Layer>)> {
    let idx = row_index(store, number)?;
    let r = store.cap.rows.get(idx)?;
    let bytes = read_bytes(store, view, r)?;
    let layers = build_layers(lang, store, idx, r, &bytes);
    Some((bytes, layers))
}

fn ids(number: u64) -> (egui::Id, egui::Id) {
    (egui::Id::unique(("packet-dump-hover", number)), egui::Id::unique(("packet-tree-hover", number)))
}

/// The layer tree of the selected packet (in the details panel).
pub fn packet_ui(ui: &mut egui::Ui, lang: Lang, store: &Store, view: &mut View, number: u64) {
    let Some(r) = row_index(store, number).and_then(|i| store.cap.rows.get(i)) else { return };
    ui.heading(format!("{} {}", lang.pick("Packet", "数据包"), r.number));
    let Some((_, layers)) = prepare(lang, store, view, number) else {
        ui.label(lang.pick("The packet's bytes could not be read back from the file.", "无法从文件读回此包的字节。"));
        return;
    };
    // The byte under the pointer in the dump, as the last frame saw it.
    let (dump_id, tree_id) = ids(number);
    let byte_hover: Option<usize> = ui.data(|d| d.get_temp(dump_id)).flatten();
    let byte_field = byte_hover.and_then(|b| innermost(&layers, b));
    let mut tree_hover: Option<Span> = None;
    for l in &layers {
        let lit = byte_hover.is_some_and(|b| in_span(l.span, b));
        let mut title = RichText::new(&l.title).color(COLORS[l.color % COLORS.len()]);
        if lit {
            title = title.background_color(LIT);
        }
        // Link and IP start folded: the lesson is mostly in TCP, HTTP and WebSocket.
        let resp = egui::CollapsingHeader::new(title).id_salt(("layer", l.color)).default_open(l.color >= 2).show(ui, |ui| {
            fields_ui(ui, &l.fields, byte_field, &mut tree_hover);
        });
        if resp.header_response.hovered() {
            tree_hover = Some(l.span);
        }
    }
    ui.data_mut(|d| d.insert_temp(tree_id, tree_hover));
    ui.data_mut(|d| d.insert_temp(details_width_id(), ui.available_width()));
    if dump_goes_in_details(ui.ctx()) {
        ui.separator();
        bytes_here(ui, lang, store, view, number);
    }
}

fn details_width_id() -> egui::Id {
    egui::Id::unique("packet-details-width")
}

fn central_width_id() -> egui::Id {
    egui::Id::unique("packet-central-width")
}

/// The packets table's width this frame (the bytes pane goes where it fits best).
pub fn note_central_width(ctx: &egui::Context, w: f32) {
    let before: Option<f32> = ctx.data(|d| d.get_temp(central_width_id()));
    if before != Some(w) {
        ctx.data_mut(|d| d.insert_temp(central_width_id(), w));
        ctx.request_repaint();
    }
}

/// The bytes go under the layer tree, not under the table, when the table's area is too
/// narrow for 16 bytes a row and the details panel is wider (small screens).
pub fn dump_goes_in_details(ctx: &egui::Context) -> bool {
    let (central, details): (Option<f32>, Option<f32>) = ctx.data(|d| (d.get_temp(central_width_id()), d.get_temp(details_width_id())));
    let size = egui::TextStyle::Monospace.resolve(&ctx.global_style()).size * 0.8;
    let cw = ctx.fonts_mut(|f| f.glyph_width(&FontId::monospace(size), '0'));
    match (central, details) {
        (Some(c), Some(d)) => c < 72.0 * cw + 8.0 && d > c,
        _ => false,
    }
}

/// The selected packet's bytes: offset, hex and ASCII (under the packets table).
pub fn packet_bytes_ui(ui: &mut egui::Ui, lang: Lang, store: &Store, view: &mut View, number: u64) {
    dump(ui, lang, store, view, number, true);
}

fn bytes_here(ui: &mut egui::Ui, lang: Lang, store: &Store, view: &mut View, number: u64) {
    dump(ui, lang, store, view, number, false);
}

fn dump(ui: &mut egui::Ui, lang: Lang, store: &Store, view: &mut View, number: u64, in_scroll: bool) {
    let Some((bytes, layers)) = prepare(lang, store, view, number) else { return };
    let (dump_id, tree_id) = ids(number);
    let byte_hover: Option<usize> = ui.data(|d| d.get_temp(dump_id)).flatten();
    let tree_hover: Option<Span> = ui.data(|d| d.get_temp(tree_id)).flatten();
    let byte_field = byte_hover.and_then(|b| innermost(&layers, b));
    let light =
        tree_hover.or(byte_field).or_else(|| byte_hover.and_then(|b| layers.iter().rev().find(|l| in_span(l.span, b)).map(|l| l.span)));
    if bytes.len() > MAX_DUMP {
        ui.label(match lang {
            Lang::En => format!("The first {MAX_DUMP} of {} bytes:", bytes.len()),
            Lang::Zh => format!("共 {} 字节，显示前 {MAX_DUMP} 字节：", bytes.len()),
        });
    }
    let new_hover = if in_scroll {
        egui::ScrollArea::both().auto_shrink([false, false]).show(ui, |ui| hex_dump(ui, &bytes, &layers, light)).inner
    } else {
        hex_dump(ui, &bytes, &layers, light)
    };
    if new_hover != byte_hover {
        ui.data_mut(|d| d.insert_temp(dump_id, new_hover));
        ui.ctx().request_repaint();
    }
}

fn row_index(store: &Store, number: u64) -> Option<usize> {
    let rows = &store.cap.rows;
    match rows.binary_search_by_key(&number, |r| r.number) {
        Ok(i) => Some(i),
        Err(_) => rows.iter().position(|r| r.number == number),
    }
}

fn in_span((a, z): Span, b: usize) -> bool {
    b >= a && b < z
}

/// The narrowest field span holding byte `b`.
fn innermost(layers: &[Layer], b: usize) -> Option<Span> {
    fn walk(fs: &[Field], b: usize, best: &mut Option<Span>) {
        for f in fs {
            if let Some(s) = f.span.filter(|s| in_span(*s, b)) {
                if best.is_none_or(|x| s.1 - s.0 <= x.1 - x.0) {
                    *best = Some(s);
                }
            }
            walk(&f.sub, b, best);
        }
    }
    let mut best = None;
    for l in layers {
        walk(&l.fields, b, &mut best);
    }
    best
}

fn fields_ui(ui: &mut egui::Ui, fs: &[Field], lit: Option<Span>, hover: &mut Option<Span>) {
    for f in fs {
        let mut t = RichText::new(&f.text);
        if f.span.is_some() && f.span == lit {
            t = t.background_color(LIT).strong();
        }
        let resp = if f.sub.is_empty() {
            let mut resp = ui.add(egui::Label::new(t).selectable(false));
            if let Some(tip) = &f.tip {
                resp = resp.on_hover_text(tip);
            }
            resp
        } else {
            let r = egui::CollapsingHeader::new(t).id_salt(("field", &f.text, f.span)).default_open(true).show(ui, |ui| {
                fields_ui(ui, &f.sub, lit, hover);
            });
            let mut resp = r.header_response;
            if let Some(tip) = &f.tip {
                resp = resp.on_hover_text(tip);
            }
            resp
        };
        if resp.hovered() && f.span.is_some() {
            *hover = f.span;
        }
    }
}

fn build_layers(lang: Lang, store: &Store, idx: usize, r: &PacketRow, bytes: &[u8]) -> Vec<Layer> {
    let mut out = Vec::new();
    let Some((ip, tr, pl)) = crate::dissect::layer_offsets(r.link_type, bytes) else {
        out.push(Layer {
            title: format!("{} · {} B", crate::dissect::link_type_name(r.link_type), bytes.len()),
            span: (0, bytes.len()),
            color: 0,
            fields: vec![field(lang.pick("Not an IP packet, or malformed.", "不是 IP 数据包，或格式有误。"), None)],
        });
        return out;
    };
    out.push(Layer {
        title: format!("{} · {} B", crate::dissect::link_type_name(r.link_type), ip),
        span: (0, ip),
        color: 0,
        fields: vec![],
    });
    let addr = |a: Option<core::net::IpAddr>| a.map(|a| a.to_string()).unwrap_or_default();
    let v6 = matches!(r.src, Some(core::net::IpAddr::V6(_)));
    let (sa, da) = if v6 { ((ip + 8, ip + 24), (ip + 24, ip + 40)) } else { ((ip + 12, ip + 16), (ip + 16, ip + 20)) };
    let mut ip_fields = vec![field(format!("{} {} B", lang.pick("header", "首部"), tr.saturating_sub(ip)), Some((ip, ip + 1)))];
    if !v6 {
        if let Some(ttl) = bytes.get(ip + 8) {
            ip_fields.push(
                field(format!("TTL {ttl}"), Some((ip + 8, ip + 9)))
                    .tip(lang.pick("Time to live: hops left before a router drops it.", "生存时间：被路由器丢弃前还能经过的跳数。")),
            );
        }
    }
    ip_fields.push(field(format!("{} {}", lang.pick("source", "源地址"), addr(r.src)), Some(sa)));
    ip_fields.push(field(format!("{} {}", lang.pick("destination", "目的地址"), addr(r.dst)), Some(da)));
    out.push(Layer {
        title: format!("IPv{} {} → {}", if v6 { 6 } else { 4 }, addr(r.src), addr(r.dst)),
        span: (ip, tr),
        color: 1,
        fields: ip_fields,
    });
    let RowKind::Tcp { flags, seq, ack, window, payload } = r.kind else {
        if pl < bytes.len() {
            let (proto, info) = store.describe(idx);
            out.push(Layer {
                title: format!("{proto} · {} B", bytes.len() - pl),
                span: (pl, bytes.len()),
                color: 3,
                fields: vec![field(info, None)],
            });
        }
        return out;
    };
    let f = crate::dissect::TcpFlags(flags);
    let (s, a) = match (r.connection, r.direction) {
        (Some(c), Some(d)) => store.relative(c, d, seq, ack),
        _ => (seq, ack),
    };
    let conn = r.connection.and_then(|c| store.cap.connections.iter().find(|k| k.id == c));
    let handshake_ack = conn.is_some_and(|c| c.tcp_events.iter().any(|e| e.kind == TcpEventKind::HandshakeAck && e.packet == r.number));
    let ctx =
        TcpSegmentContext { flags, handshake_ack, payload, relative_ack: a, from_client: r.direction.map(|d| d == Dir::ClientToServer) };
    let hlen = bytes.get(tr + 12).map_or(20, |b| usize::from(b >> 4) * 4);
    let mut flag_field = field(format!("{} {f}", lang.pick("flags", "标志"),), Some((tr + 13, tr + 14)));
    flag_field.sub = tcp_flags_explained(&ctx, lang)
        .into_iter()
        .map(|(name, text)| field(format!("{name}: {text}"), Some((tr + 13, tr + 14))))
        .collect();
    let tcp_fields =
        vec![
            field(format!("{} {}", lang.pick("source port", "源端口"), r.src_port), Some((tr, tr + 2))),
            field(format!("{} {}", lang.pick("destination port", "目的端口"), r.dst_port), Some((tr + 2, tr + 4))),
            field(format!("Seq={s} ({} {seq})", lang.pick("raw", "原始值")), Some((tr + 4, tr + 8)))
                .tip(lang.pick("Sequence number, relative to this side's first.", "序号，相对于这一方的初始序号。")),
            field(
                if f.ack() {
                    format!("Ack={a} ({} {ack})", lang.pick("raw", "原始值"))
                } else {
                    format!("Ack={ack} ({})", lang.pick("unused: no ACK flag", "未使用：没有 ACK 标志"))
                },
                Some((tr + 8, tr + 12)),
            )
            .tip(lang.pick(
                "The next byte expected from the other side, relative to its first.",
                "期待对方发来的下一个字节，相对于对方的初始序号。",
            )),
            field(format!("{} {hlen} B", lang.pick("header", "首部")), Some((tr + 12, tr + 13))),
            flag_field,
            field(format!("Win={window}"), Some((tr + 14, tr + 16)))
                .tip(lang.pick("Receive window: bytes this side can still take.", "接收窗口：这一方还能接收的字节数。")),
            field(format!("Len={payload}"), None),
        ];
    out.push(Layer { title: format!("TCP {} → {} {f}", r.src_port, r.dst_port), span: (tr, pl.max(tr)), color: 2, fields: tcp_fields });
    // The TCP payload, without any Ethernet padding after it.
    let end = pl.saturating_add(payload as usize).min(bytes.len());
    let Some(data) = bytes.get(pl..end).filter(|d| !d.is_empty()) else { return out };
    let shift = |(a, z): Span| (a + pl, z + pl);
    let mut http_done = 0;
    if let Some(l) = http_layer(lang, store, r, data, shift) {
        http_done = l.1;
        out.push(l.0);
    }
    if let Some(l) = ws_layer(lang, store, r, data, http_done, shift) {
        out.push(l);
    } else if http_done == 0 {
        let (proto, info) = store.describe(idx);
        out.push(Layer {
            title: format!("{proto} · {} B", data.len()),
            span: (pl, end),
            color: 3,
            fields: vec![field(info, Some((pl, end)))],
        });
    }
    out
}

/// Where this packet's payload starts within an HTTP message that began in an earlier packet:
/// (bytes of that message before this packet, its head length).
fn offset_in_message(store: &Store, r: &PacketRow) -> Option<(u64, usize, u64)> {
    let (c, d) = (r.connection?, r.direction?);
    let x = store.cap.http.iter().filter(|x| x.connection == c).find_map(|x| {
        match d {
            Dir::ClientToServer => x.request.as_ref().map(|q| (q.first_packet, q.packet, q.head_len)),
            Dir::ServerToClient => x.response.as_ref().map(|q| (q.first_packet, q.packet, q.head_len)),
        }
        .filter(|(first, last, _)| *first < r.number && r.number <= *last)
    })?;
    // By sequence number: a retransmitted segment in between must not count twice. Rows are in
    // packet order, so both are found by binary search.
    let seq_of = |n: u64| match row_index(store, n).and_then(|i| store.cap.rows.get(i)).map(|k| k.kind) {
        Some(RowKind::Tcp { seq, .. }) => Some(seq),
        _ => None,
    };
    let before = match (seq_of(x.0), seq_of(r.number)) {
        (Some(first), Some(this)) => u64::from(this.wrapping_sub(first)),
        _ => {
            let (from, to) = (row_index(store, x.0).unwrap_or(0), row_index(store, r.number).unwrap_or(store.cap.rows.len()));
            store
                .cap
                .rows
                .get(from..to.max(from))
                .unwrap_or_default()
                .iter()
                .filter(|k| k.number >= x.0 && k.number < r.number && k.connection == Some(c) && k.direction == Some(d))
                .map(|k| if let RowKind::Tcp { payload, .. } = k.kind { u64::from(payload) } else { 0 })
                .sum()
        }
    };
    Some((before, x.2, x.0))
}

/// Body bytes as text when they are UTF-8 (cut to a readable length).
fn body_text(lang: Lang, b: &[u8]) -> Option<String> {
    let t = std::str::from_utf8(b).ok().filter(|t| !t.trim().is_empty())?;
    let more = if t.chars().nth(200).is_some() { "…" } else { "" };
    Some(format!("{}: {}{more}", lang.pick("as text", "文本"), t.chars().take(200).collect::<String>()))
}

/// The HTTP layer and how many payload bytes it covers.
fn http_layer(lang: Lang, store: &Store, r: &PacketRow, data: &[u8], shift: impl Fn(Span) -> Span) -> Option<(Layer, usize)> {
    let within = offset_in_message(store, r);
    let continuing = within.is_some_and(|(before, head, _)| before < head as u64);
    let Some(h) = fields::http_head(data, continuing) else {
        // Body bytes of a message that began earlier.
        let (before, head, first) = within?;
        let t = match lang {
            Lang::En => format!("HTTP body, continued from packet {first} · {} B", data.len()),
            Lang::Zh => format!("HTTP 正文（接续数据包 {first}）· {} 字节", data.len()),
        };
        let at = before.saturating_sub(head as u64);
        let line = match lang {
            Lang::En => format!("body bytes {at}–{}", at + data.len() as u64),
            Lang::Zh => format!("正文第 {at}–{} 字节", at + data.len() as u64),
        };
        return Some((
            Layer {
                title: t,
                span: shift((0, data.len())),
                color: 3,
                fields: [Some(line), body_text(lang, data)].into_iter().flatten().map(|t| field(t, Some(shift((0, data.len()))))).collect(),
            },
            data.len(),
        ));
    };
    let mut fs = Vec::new();
    let mut title = String::from("HTTP");
    if h.continued {
        let first = within.map(|w| w.2).unwrap_or_default();
        fs.push(field(
            match lang {
                Lang::En => format!("The head continues from packet {first}."),
                Lang::Zh => format!("消息头接续数据包 {first}。"),
            },
            None,
        ));
        title = lang.pick("HTTP head, continued", "HTTP 消息头（续）").to_string();
    }
    for (k, (line, span)) in h.lines.iter().enumerate() {
        let span = Some(shift(*span));
        if k == 0 && h.continued && !matches!(line, HeadLine::End) {
            // The first bytes may finish a line cut at the end of the previous packet.
            let text = match line {
                HeadLine::Header { name, value } => format!("{name}: {value}"),
                HeadLine::Other(t) => t.clone(),
                _ => String::new(),
            };
            fs.push(
                field(format!("…{text}"), span)
                    .tip(lang.pick("Maybe the end of a line begun in the previous packet.", "可能是上一个数据包中那一行的后半部分。")),
            );
            continue;
        }
        fs.push(match line {
            HeadLine::Request { method, target, version } => {
                title = format!("HTTP · {method} {target}");
                field(format!("{method} {target} {version}"), span)
                    .tip(lang.pick("Request line: method, target, version.", "请求行：方法、目标、版本。"))
            }
            HeadLine::Status { version, code, reason } => {
                title = format!("HTTP · {code} {reason}");
                field(format!("{version} {code} {reason}"), span).tip(format!(
                    "{}\n{}",
                    status_meaning(*code, lang),
                    status_class_text(*code, lang)
                ))
            }
            HeadLine::Header { name, value } => {
                let tip = header_info(name).map(|i| format!("{} ({})", lang.pick(i.en, i.zh), i.rfc)).unwrap_or_default();
                field(format!("{name}: {value}"), span).tip(tip)
            }
            HeadLine::End => field(lang.pick("(empty line: end of the head)", "（空行：消息头结束）"), span),
            HeadLine::Other(t) => field(t.clone(), span),
        });
    }
    let covered = match h.body_start {
        Some(b) => {
            if b < data.len() {
                let n = data.len() - b;
                let text = match lang {
                    Lang::En => format!("body · {n} B in this packet"),
                    Lang::Zh => format!("正文 · 本数据包中 {n} 字节"),
                };
                fs.push(field(text, Some(shift((b, data.len())))));
                if let Some(t) = body_text(lang, data.get(b..).unwrap_or_default()) {
                    fs.push(field(t, Some(shift((b, data.len())))));
                }
            }
            data.len()
        }
        None => {
            fs.push(field(lang.pick("The head continues in the next packet.", "消息头在下一个数据包中继续。"), None));
            data.len()
        }
    };
    // After a 101, the bytes past the head are WebSocket frames: leave them to that layer.
    let upgraded = h.lines.iter().any(|(l, _)| matches!(l, HeadLine::Status { code: 101, .. }));
    let covered = if upgraded { h.body_start.unwrap_or(covered) } else { covered };
    let span = shift((0, if upgraded { covered } else { data.len() }));
    Some((Layer { title, span, color: 3, fields: fs }, covered))
}

/// The WebSocket frames this packet carries, their fields read from the bytes when the frames
/// the capture's model places here are found in them.
fn ws_layer(lang: Lang, store: &Store, r: &PacketRow, data: &[u8], from: usize, shift: impl Fn(Span) -> Span) -> Option<Layer> {
    let (c, d) = (r.connection?, r.direction?);
    let here: Vec<&crate::model::WsFrame> = store
        .cap
        .frames
        .iter()
        .filter(|f| f.connection == c && f.direction == d && f.first_packet <= r.number && r.number <= f.packet)
        .collect();
    if here.is_empty() || from >= data.len() {
        return None;
    }
    let starts_here: Vec<_> = here.iter().filter(|f| f.first_packet == r.number).collect();
    let matches = |w: &fields::WsFrameHeader, m: &crate::model::WsFrame| {
        w.opcode == m.opcode && w.fin == m.fin && w.rsv == m.rsv && w.payload_len == m.payload_len && w.mask_key == m.mask_key
    };
    // Where the first frame that starts here begins: right away, or after the tail of one begun earlier.
    let parsed = starts_here.first().and_then(|m0| {
        (from..data.len())
            .find(|&o| fields::ws_frame_at(data, o).is_some_and(|w| matches(&w, m0)))
            .map(|o| (o, fields::ws_frames_from(data, o)))
    });
    let mut fs = Vec::new();
    if let Some(early) = here.iter().find(|f| f.first_packet < r.number) {
        let upto = parsed.as_ref().map_or(data.len(), |p| p.0);
        let text = match lang {
            Lang::En => {
                format!("the rest of a {} frame begun in packet {} · {} B", opcode_name(early.opcode), early.first_packet, upto - from)
            }
            Lang::Zh => format!("接续数据包 {} 中开始的 {} 帧 · {} 字节", early.first_packet, opcode_name(early.opcode), upto - from),
        };
        fs.push(field(text, Some(shift((from, upto)))));
    }
    match &parsed {
        Some((_, frames)) => {
            for (w, _) in frames.iter().zip(&starts_here) {
                fs.push(frame_field(lang, data, w, &shift));
            }
        }
        None => {
            for m in &starts_here {
                fs.push(field(format!("{} · FIN={} · {} B", opcode_name(m.opcode), u8::from(m.fin), m.payload_len), None));
            }
        }
    }
    let n = here.len();
    let title = match lang {
        Lang::En => format!("WebSocket · {n} frame{}", if n == 1 { "" } else { "s" }),
        Lang::Zh => format!("WebSocket · {n} 个帧"),
    };
    Some(Layer { title, span: shift((from, data.len())), color: 4, fields: fs })
}

fn frame_field(lang: Lang, data: &[u8], w: &fields::WsFrameHeader, shift: &impl Fn(Span) -> Span) -> Field {
    let s = |x: Span| Some(shift(x));
    let bit = |b: bool| u8::from(b);
    let mut sub = vec![
        field(format!("FIN = {}", bit(w.fin)), s(w.first_byte)).tip(if w.fin {
            lang.pick("The last (or only) frame of its message.", "这是消息的最后一帧（或唯一一帧）。")
        } else {
            lang.pick("More fragments of this message follow.", "这条消息后面还有分片。")
        }),
        field(format!("RSV1 = {} · RSV2 = {} · RSV3 = {}", (w.rsv >> 2) & 1, (w.rsv >> 1) & 1, w.rsv & 1), s(w.first_byte)).tip(
            if w.rsv & 4 != 0 {
                lang.pick("RSV1 set: the payload is compressed (permessage-deflate).", "RSV1 置位：载荷经过压缩（permessage-deflate）。")
            } else {
                lang.pick("Reserved bits, for extensions; 0 without one.", "保留位，供扩展使用；没有扩展时为 0。")
            },
        ),
        field(format!("{} = {} ({})", lang.pick("opcode", "操作码"), w.opcode, opcode_name(w.opcode)), s(w.first_byte))
            .tip(opcode_meaning(w.opcode, lang)),
        field(format!("MASK = {}", bit(w.masked)), s(w.second_byte)).tip(if w.masked {
            lang.pick("Masked: every client-to-server frame must be.", "已掩码：客户端发往服务器的帧都必须掩码。")
        } else {
            lang.pick("Not masked: frames from the server never are.", "未掩码：服务器发出的帧从不掩码。")
        }),
    ];
    let len_span = match w.ext_len {
        Some((a, z)) => (w.second_byte.0, z.max(a)),
        None => w.second_byte,
    };
    sub.push(
        field(
            match lang {
                Lang::En => format!("payload length = {} ({}-bit form)", w.payload_len, w.length_form),
                Lang::Zh => format!("载荷长度 = {}（{} 位形式）", w.payload_len, w.length_form),
            },
            s(len_span),
        )
        .tip(lang.pick(
            "7 bits for up to 125 bytes; 126 then 16 bits up to 65535; 127 then 64 bits.",
            "不超过 125 字节用 7 位；126 表示后跟 16 位长度（至多 65535）；127 表示后跟 64 位长度。",
        )),
    );
    if let (Some(k), Some(ks)) = (w.mask_key, w.key_span) {
        sub.push(
            field(format!("{} = {:02x} {:02x} {:02x} {:02x}", lang.pick("masking key", "掩码键"), k[0], k[1], k[2], k[3]), s(ks))
                .tip(lang.pick("Payload byte i is XORed with key byte i mod 4.", "载荷第 i 个字节与掩码键第 i mod 4 个字节做异或。")),
        );
    }
    let plain = fields::unmasked(data, w);
    let cut = w.cut();
    let more = if cut {
        match lang {
            Lang::En => format!(" (the frame goes on in the next packet: {} of {} B here)", plain.len(), w.payload_len),
            Lang::Zh => format!("（帧在下一个数据包中继续：此处 {}/{} 字节）", plain.len(), w.payload_len),
        }
    } else {
        String::new()
    };
    let label = if w.masked { lang.pick("payload, unmasked", "载荷（去掩码后）") } else { lang.pick("payload", "载荷") };
    let shown = if w.rsv & 4 != 0 {
        lang.pick("compressed: the Messages tab shows it inflated", "已压缩：消息标签页中显示解压后的内容").to_string()
    } else if w.opcode == 8 && plain.len() >= 2 {
        let code = u16::from_be_bytes([plain[0], plain[1]]);
        format!("{code} {}", String::from_utf8_lossy(plain.get(2..).unwrap_or_default()))
    } else {
        match std::str::from_utf8(&plain) {
            Ok(t) if !t.is_empty() => {
                let more = if t.chars().nth(160).is_some() { "…" } else { "" };
                format!("\"{}{more}\"", t.chars().take(160).collect::<String>())
            }
            _ => plain.iter().take(64).map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" "),
        }
    };
    sub.push(field(format!("{label}: {shown}{more}"), s(w.payload)));
    let title = match lang {
        Lang::En => format!("{} frame · {} B", opcode_name(w.opcode), w.payload_len),
        Lang::Zh => format!("{} 帧 · {} 字节", opcode_name(w.opcode), w.payload_len),
    };
    Field { text: title, span: s(w.span), tip: None, sub }
}

/// Offset, hex and ASCII (non-printables as '.'), coloured by layer; `light` is highlighted.
/// Returns the byte under the pointer.
fn hex_dump(ui: &mut egui::Ui, bytes: &[u8], layers: &[Layer], light: Option<Span>) -> Option<usize> {
    // 16 bytes a row (offset, 16 hex pairs, 16 characters: 72 columns with the gaps), in a
    // slightly smaller font if need be; 8 a row when even that does not fit.
    let size = egui::TextStyle::Monospace.resolve(ui.style()).size;
    let width = ui.available_width() - 8.0;
    let cw_at = |s: f32| ui.ctx().fonts_mut(|f| f.glyph_width(&FontId::monospace(s), '0')).max(1.0);
    let (font, cw, per_row) = match [size, size * 0.9, size * 0.8].into_iter().find(|&s| 72.0 * cw_at(s) <= width) {
        Some(s) => (FontId::monospace(s), cw_at(s), 16),
        None => (FontId::monospace(size), cw_at(size), 8),
    };
    let color_of = |i: usize| layers.iter().rev().find(|l| in_span(l.span, i)).map_or(COLORS[0], |l| COLORS[l.color % COLORS.len()]);
    let mut hovered = None;
    for (row, chunk) in bytes.chunks(per_row).enumerate().take(MAX_DUMP / per_row) {
        let base = row * per_row;
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = cw * 2.0;
            ui.label(RichText::new(format!("{base:04x}")).font(font.clone()).weak());
            let (mut hex, mut ascii) = (LayoutJob::default(), LayoutJob::default());
            for (j, b) in chunk.iter().enumerate() {
                let i = base + j;
                let mut fmt = TextFormat::simple(font.clone(), color_of(i));
                if light.is_some_and(|s| in_span(s, i)) {
                    fmt.background = LIT;
                    fmt.color = Color32::WHITE;
                }
                let sep = if j == 0 {
                    ""
                } else if j == 8 {
                    "  "
                } else {
                    " "
                };
                hex.append(sep, 0.0, TextFormat::simple(font.clone(), Color32::GRAY));
                hex.append(&format!("{b:02x}"), 0.0, fmt.clone());
                let c = if b.is_ascii_graphic() || *b == b' ' { *b as char } else { '.' };
                ascii.append(&c.to_string(), 0.0, fmt);
            }
            // Pad a short last row so its ASCII column lines up.
            let missing = per_row - chunk.len();
            if missing > 0 {
                let pad = missing * 3 + usize::from(chunk.len() <= 8 && per_row == 16);
                hex.append(&" ".repeat(pad), 0.0, TextFormat::simple(font.clone(), Color32::GRAY));
            }
            let h = ui.add(egui::Label::new(hex).selectable(false).extend());
            if let Some(p) = h.hover_pos() {
                let col = ((p.x - h.rect.left()) / cw) as usize;
                // "xx " per byte, with one more space after the eighth.
                let col = if per_row == 16 && col > 8 * 3 { col - 1 } else { col };
                let j = col / 3;
                if j < chunk.len() {
                    hovered = Some(base + j);
                }
            }
            let a = ui.add(egui::Label::new(ascii).selectable(false).extend());
            if let Some(p) = a.hover_pos() {
                let j = ((p.x - a.rect.left()) / cw) as usize;
                if j < chunk.len() {
                    hovered = Some(base + j);
                }
            }
        });
    }
    hovered
}
