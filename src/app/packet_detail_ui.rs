//! The selected packet: its layers (link, IP, TCP, HTTP, WebSocket) with their fields, and a hex
//! dump with an ASCII column. Hovering a field lights its bytes; hovering a byte lights its field.

use super::loader::Source;
use super::store::Store;
use super::View;
use crate::analysis::explain::{tcp_flag_meaning, Lang};
use eframe::egui::{self, Color32, RichText};

pub fn packet_ui(ui: &mut egui::Ui, lang: Lang, store: &Store, view: &mut View, number: u64) {
    let Some(r) = store.cap.rows.iter().find(|r| r.number == number) else { return };
    ui.heading(format!("{} {}", lang.pick("Packet", "数据包"), r.number));
    // Read back from the file once per selected packet, not on every frame.
    if view.packet_bytes.as_ref().is_none_or(|(n, _)| *n != number) {
        let read = match &store.source {
            Some(s @ (Source::File(_) | Source::Live { .. })) => {
                s.file().and_then(|p| crate::load::read_packet_bytes(&p, r.file_offset, r.len).ok())
            }
            Some(Source::Embedded { bytes, .. }) => {
                bytes.get(r.file_offset as usize..r.file_offset as usize + r.len as usize).map(<[u8]>::to_vec)
            }
            None => None,
        };
        view.packet_bytes = Some((number, read));
    }
    let bytes = view.packet_bytes.as_ref().and_then(|(_, b)| b.clone());
    let Some(bytes) = bytes else {
        ui.label(lang.pick("The packet's bytes could not be read back from the file.", "无法从文件读回此包的字节。"));
        return;
    };
    let offs = crate::dissect::layer_offsets(r.link_type, &bytes);
    let mut hovered: Option<(usize, usize)> = None;
    let (proto, info) = store.cap.rows.iter().position(|x| x.number == number).map(|i| store.describe(i)).unwrap_or_default();
    // Each line may name the bytes it describes: hovering it highlights them in the dump.
    let mut layer = |ui: &mut egui::Ui, title: String, range: (usize, usize), lines: Vec<(String, Option<(usize, usize)>)>| {
        let r = egui::CollapsingHeader::new(title).default_open(true).show(ui, |ui| {
            for (l, field) in lines {
                let resp = ui.label(l);
                if let (true, Some(f)) = (resp.hovered(), field) {
                    hovered = Some(f);
                }
            }
        });
        if r.header_response.hovered() {
            hovered = Some(range);
        }
    };
    if let Some((ip, tr, pl)) = offs {
        layer(ui, format!("{} · {} B", crate::dissect::link_type_name(r.link_type), ip), (0, ip), vec![]);
        let v6 = matches!(r.src, Some(core::net::IpAddr::V6(_)));
        let (sa, da) = if v6 { ((ip + 8, ip + 24), (ip + 24, ip + 40)) } else { ((ip + 12, ip + 16), (ip + 16, ip + 20)) };
        layer(
            ui,
            format!("IP {} → {}", r.src.map(|a| a.to_string()).unwrap_or_default(), r.dst.map(|a| a.to_string()).unwrap_or_default()),
            (ip, tr),
            vec![
                (format!("{} B", tr - ip), None),
                (format!("{} {}", lang.pick("source", "源地址"), r.src.map(|a| a.to_string()).unwrap_or_default()), Some(sa)),
                (format!("{} {}", lang.pick("destination", "目的地址"), r.dst.map(|a| a.to_string()).unwrap_or_default()), Some(da)),
            ],
        );
        if let crate::model::RowKind::Tcp { flags, seq, ack, window, payload } = r.kind {
            let f = crate::dissect::TcpFlags(flags);
            let (s, a) = match (r.connection, r.direction) {
                (Some(c), Some(d)) => store.relative(c, d, seq, ack),
                _ => (seq, ack),
            };
            let mut lines = vec![
                (format!("{} {} → {}", lang.pick("ports", "端口"), r.src_port, r.dst_port), Some((tr, tr + 4))),
                (format!("Seq={s} ({} {seq})", lang.pick("raw", "原始")), Some((tr + 4, tr + 8))),
                (format!("Ack={a}"), Some((tr + 8, tr + 12))),
                (format!("{} {f}", lang.pick("flags", "标志")), Some((tr + 13, tr + 14))),
                (format!("Win={window}"), Some((tr + 14, tr + 16))),
                (format!("Len={payload}"), None),
            ];
            for name in ["SYN", "ACK", "FIN", "RST", "PSH"] {
                if f.to_string().contains(name) {
                    lines.push((format!("{name}: {}", tcp_flag_meaning(name, lang)), Some((tr + 13, tr + 14))));
                }
            }
            layer(ui, format!("TCP {} → {}", r.src_port, r.dst_port), (tr, pl), lines);
        }
        if pl < bytes.len() {
            layer(ui, format!("{proto} · {} B", bytes.len() - pl), (pl, bytes.len()), vec![(info, Some((pl, bytes.len())))]);
        }
    }
    ui.separator();
    let colors = [
        Color32::from_rgb(120, 120, 120),
        Color32::from_rgb(90, 150, 230),
        Color32::from_rgb(220, 160, 60),
        Color32::from_rgb(80, 180, 100),
    ];
    let layer_of = |i: usize| match offs {
        Some((ip, tr, pl)) => {
            if i < ip {
                0
            } else if i < tr {
                1
            } else if i < pl {
                2
            } else {
                3
            }
        }
        None => 3,
    };
    for (row, chunk) in bytes.chunks(16).enumerate().take(256) {
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = 4.0;
            ui.monospace(RichText::new(format!("{:04x}", row * 16)).weak());
            for (j, b) in chunk.iter().enumerate() {
                let i = row * 16 + j;
                let mut t = RichText::new(format!("{b:02x}")).monospace().color(colors[layer_of(i)]);
                if hovered.is_some_and(|(a, z)| i >= a && i < z) {
                    t = t.background_color(Color32::from_rgb(80, 80, 20)).strong();
                }
                ui.label(t);
            }
        });
    }
}
