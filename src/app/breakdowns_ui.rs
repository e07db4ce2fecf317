//! Charts (egui_plot) of what the capture holds.

use super::store::Store;
use crate::analysis::explain::Lang;
use crate::analysis::stats::Breakdown;
use eframe::egui::{self, Color32};
use egui_plot::{Bar, BarChart, Legend, Plot};

/// A plot that does not pan or zoom (charts for reading, not exploring).
fn fixed_plot(id: &str, height: f32) -> Plot<'static> {
    Plot::new(id.to_string()).height(height).allow_drag(false).allow_zoom(false).allow_scroll(false)
}

fn bars_plot(ui: &mut egui::Ui, id: &str, title: &str, labels: Vec<String>, values: Vec<f64>, color: Color32) {
    ui.strong(title);
    let bars: Vec<Bar> = values.iter().enumerate().map(|(i, v)| Bar::new(i as f64, *v).name(&labels[i]).width(0.7)).collect();
    let names = labels.clone();
    fixed_plot(id, 170.0)
        .x_grid_spacer(egui_plot::uniform_grid_spacer(|_| [1.0, 5.0, 10.0]))
        .x_axis_formatter(move |m, _| {
            names.get(m.value.round() as usize).filter(|_| (m.value - m.value.round()).abs() < 1e-6).cloned().unwrap_or_default()
        })
        .show(ui, |p| p.bar_chart(BarChart::new(title, bars).color(color)));
}

pub fn breakdowns_ui(ui: &mut egui::Ui, lang: Lang, store: &Store, cache: &mut Option<(usize, Breakdown)>) {
    let key = store.cap.http.len() + store.cap.websocket.len() * 7 + store.cap.connections.len() * 13;
    if cache.as_ref().is_none_or(|(k, _)| *k != key) {
        *cache = Some((key, crate::analysis::stats::breakdown(&store.cap)));
    }
    let Some((_, b)) = cache.as_ref() else { return };
    egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
        if b.overhead.is_empty() && b.ws_rate.iter().all(Vec::is_empty) {
            ui.label(lang.pick("No HTTP or WebSocket traffic to chart.", "没有可绘制的 HTTP 或 WebSocket 流量。"));
            return;
        }
        if !b.overhead.is_empty() {
            ui.columns(2, |cols| {
                bars_plot(
                    &mut cols[0],
                    "class",
                    lang.pick("Status codes by class", "按类别统计状态码"),
                    ["1xx", "2xx", "3xx", "4xx", "5xx"].map(String::from).to_vec(),
                    b.status_by_class.iter().map(|v| *v as f64).collect(),
                    Color32::from_rgb(90, 150, 230),
                );
                bars_plot(
                    &mut cols[1],
                    "codes",
                    lang.pick("Status codes", "状态码"),
                    b.status_by_code.iter().map(|(c, _)| c.to_string()).collect(),
                    b.status_by_code.iter().map(|(_, n)| *n as f64).collect(),
                    Color32::from_rgb(90, 190, 120),
                );
            });
            ui.columns(2, |cols| {
                bars_plot(
                    &mut cols[0],
                    "methods",
                    lang.pick("Methods", "请求方法"),
                    b.methods.iter().map(|(m, _)| m.clone()).collect(),
                    b.methods.iter().map(|(_, n)| *n as f64).collect(),
                    Color32::from_rgb(200, 120, 230),
                );
                bars_plot(
                    &mut cols[1],
                    "headers",
                    lang.pick("Most frequent headers", "最常见的头部"),
                    b.headers.iter().map(|(h, _)| h.clone()).collect(),
                    b.headers.iter().map(|(_, n)| *n as f64).collect(),
                    Color32::from_rgb(220, 160, 60),
                );
            });
            ui.strong(lang.pick(
                "Header bytes against body bytes per exchange (the cost of repeating headers)",
                "每个交换的头部字节与正文字节（重复发送头部的开销）",
            ));
            let heads: Vec<Bar> = b.overhead.iter().enumerate().map(|(i, (h, _))| Bar::new(i as f64, *h as f64).width(0.8)).collect();
            let head_chart = BarChart::new(lang.pick("headers", "头部"), heads).color(Color32::from_rgb(230, 120, 60));
            let bodies: Vec<Bar> =
                b.overhead.iter().enumerate().map(|(i, (_, body))| Bar::new(i as f64, *body as f64).width(0.8)).collect();
            let body_chart =
                BarChart::new(lang.pick("body", "正文"), bodies).color(Color32::from_rgb(90, 150, 230)).stack_on(&[&head_chart]);
            fixed_plot("overhead", 180.0).legend(Legend::default()).show(ui, |p| {
                p.bar_chart(head_chart);
                p.bar_chart(body_chart);
            });
            if !b.ttfb_ms.is_empty() {
                let max = b.ttfb_ms.iter().cloned().fold(0.0, f64::max).max(1e-3);
                let n = 20;
                let mut hist = vec![0u32; n];
                for t in &b.ttfb_ms {
                    hist[((t / max) * (n as f64 - 1.0)).round() as usize] += 1;
                }
                ui.strong(format!("{} (0 – {max:.2} ms)", lang.pick("Time to first byte", "首字节时间分布")));
                let bars: Vec<Bar> = hist
                    .iter()
                    .enumerate()
                    .map(|(i, v)| Bar::new(i as f64 * max / (n as f64 - 1.0), *v as f64).width(max / n as f64))
                    .collect();
                fixed_plot("ttfb", 150.0).show(ui, |p| p.bar_chart(BarChart::new("ttfb", bars).color(Color32::from_rgb(60, 190, 170))));
            }
        }
        if b.ws_rate.iter().any(|v| !v.is_empty()) {
            ui.strong(lang.pick(
                "WebSocket messages per second (client → server, server → client)",
                "每秒 WebSocket 消息数（客户端 → 服务器，服务器 → 客户端）",
            ));
            let c2s: Vec<Bar> = b.ws_rate[0].iter().map(|(s, n, _)| Bar::new(*s - 0.2, *n as f64).width(0.4)).collect();
            let s2c: Vec<Bar> = b.ws_rate[1].iter().map(|(s, n, _)| Bar::new(*s + 0.2, *n as f64).width(0.4)).collect();
            fixed_plot("wsrate", 150.0).legend(Legend::default()).show(ui, |p| {
                p.bar_chart(BarChart::new(lang.pick("client → server", "客户端 → 服务器"), c2s).color(Color32::from_rgb(80, 140, 235)));
                p.bar_chart(BarChart::new(lang.pick("server → client", "服务器 → 客户端"), s2c).color(Color32::from_rgb(90, 190, 120)));
            });
        }
        if let (Some(h), Some(w)) = (b.http_bytes_per_exchange, b.ws_bytes_per_message) {
            ui.strong(lang.pick("Bytes spent per delivered message", "每条送达消息花费的字节"));
            ui.label(format!(
                "HTTP: {h:.0} B / {} · WebSocket: {w:.0} B / {}",
                lang.pick("exchange", "次交换"),
                lang.pick("message", "条消息")
            ));
            bars_plot(ui, "cost", "", vec!["HTTP".into(), "WebSocket".into()], vec![h, w], Color32::from_rgb(200, 90, 120));
        }
    });
}
