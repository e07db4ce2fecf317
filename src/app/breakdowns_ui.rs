//! Charts (egui_plot) of what the capture holds, made to read with little data: categorical bars
//! carry their names under them and their counts on them, axes say their units and start at zero,
//! and below a handful of data points a small table says the same more plainly.

use super::store::Store;
use crate::analysis::explain::Lang;
use crate::analysis::stats::Breakdown;
use eframe::egui::{self, Align2, Color32, Rangef, RichText};
use egui_plot::{AxisHints, Bar, BarChart, GridInput, GridMark, Plot, PlotPoint, Text};

/// Fewer data points than this are shown as a table.
pub const FEW: usize = 5;
/// Exchanges drawn in the per-exchange chart (the rest are counted).
const MAX_ROWS: usize = 40;

const HEAD: Color32 = Color32::from_rgb(230, 130, 60);
const BODY: Color32 = Color32::from_rgb(90, 150, 230);

/// The colour of a status class, as the diagram and the connections list draw it.
pub fn status_color(code: u16) -> Color32 {
    super::connections_ui::status_color(code)
}

/// A tidy step for an axis that runs to `top` with about `ticks` marks: 1, 2, 5, 10, 20 ...;
/// whole numbers when `whole`.
fn nice_step(top: f64, ticks: f64, whole: bool) -> f64 {
    let raw = (top / ticks).max(if whole { 1.0 } else { 1e-9 });
    let p = 10f64.powf(raw.log10().floor());
    let m = raw / p;
    let s = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    if whole {
        (s * p).max(1.0).round()
    } else {
        s * p
    }
}

/// Grid marks every `step` from 0 to the visible end (never below zero).
fn value_marks(step: f64) -> impl Fn(GridInput) -> Vec<GridMark> {
    move |input: GridInput| {
        let mut v = Vec::new();
        let mut x = 0.0;
        while x <= input.bounds.1 + 1e-9 && v.len() < 200 {
            if x >= input.bounds.0 - 1e-9 {
                v.push(GridMark { value: x, step_size: step });
            }
            x += step;
        }
        v
    }
}

/// One mark per category, at 0, 1, 2 ...
fn category_marks(n: usize) -> impl Fn(GridInput) -> Vec<GridMark> {
    move |_| (0..n).map(|i| GridMark { value: i as f64, step_size: 1.0 }).collect()
}

/// A whole number, or one decimal when it has one.
fn number(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// A plot that does not pan or zoom (charts for reading, not exploring).
fn fixed_plot(id: &str, height: f32) -> Plot<'static> {
    Plot::new(id.to_string())
        .height(height)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .show_crosshair(false)
}

/// A small table: a header row and rows of text.
fn small_table(ui: &mut egui::Ui, id: &str, header: &[&str], rows: &[Vec<String>]) {
    egui::Grid::new(id).striped(true).num_columns(header.len()).spacing([18.0, 4.0]).show(ui, |ui| {
        for h in header {
            ui.strong(*h);
        }
        ui.end_row();
        for r in rows {
            for c in r {
                ui.label(c);
            }
            ui.end_row();
        }
    });
}

/// Vertical bars, one per category: the name under it, the count on it; the value axis starts at
/// zero and is labelled with its unit.
fn category_bars(ui: &mut egui::Ui, id: &str, x_name: &str, y_name: &str, cats: &[(String, f64, Color32)], height: f32) {
    let n = cats.len();
    if n == 0 {
        return;
    }
    // Names that do not fit under their bars go on the left of horizontal ones.
    let widest = cats.iter().map(|c| c.0.chars().count()).max().unwrap_or(1) as f32 * 7.5 + 8.0;
    if (ui.available_width() - 50.0) / n as f32 <= widest {
        let rows: Vec<Row> = cats.iter().map(|c| (c.0.clone(), c.1, 0.0, Some(c.2))).collect();
        return named_rows(ui, id, y_name, &rows, [("", cats[0].2), ("", Color32::TRANSPARENT)], |v, _| number(v));
    }
    let max = cats.iter().map(|c| c.1).fold(0.0, f64::max);
    let step = nice_step(max.max(1.0), 4.0, true);
    // Room above the tallest bar for its count.
    let top = ((max * 1.2 / step).ceil() * step).max(step);
    let names: Vec<String> = cats.iter().map(|c| c.0.clone()).collect();
    let bars: Vec<Bar> =
        cats.iter().enumerate().map(|(i, (name, v, color))| Bar::new(i as f64, *v).name(name).width(0.6).fill(*color)).collect();
    let counts: Vec<(f64, f64)> = cats.iter().enumerate().map(|(i, c)| (i as f64, c.1)).collect();
    let x_axis = AxisHints::new_x().label(x_name).label_spacing(Rangef::new(8.0, 16.0)).formatter(move |m, _| {
        let i = m.value.round();
        if (m.value - i).abs() > 1e-6 || i < 0.0 {
            return String::new();
        }
        names.get(i as usize).cloned().unwrap_or_default()
    });
    let y_axis = AxisHints::new_y().label(y_name).formatter(|m, _| if m.value < -1e-9 { String::new() } else { number(m.value) });
    fixed_plot(id, height)
        .default_x_bounds(-0.6, n as f64 - 0.4)
        .default_y_bounds(0.0, top)
        .x_grid_spacer(category_marks(n))
        .y_grid_spacer(value_marks(step))
        .custom_x_axes(vec![x_axis])
        .custom_y_axes(vec![y_axis])
        .show(ui, |p| {
            p.bar_chart(BarChart::new(id, bars).element_formatter(Box::new(|b, _| format!("{}: {}", b.name, number(b.value)))));
            for (x, v) in counts {
                p.text(Text::new("", PlotPoint::new(x, v), figure(number(v))).anchor(Align2::CENTER_BOTTOM));
            }
        });
}

/// The colours' key above a chart: a swatch and a name for each series.
fn key(ui: &mut egui::Ui, series: &[(&str, Color32)]) {
    ui.horizontal(|ui| {
        for (name, color) in series {
            let (r, _) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
            ui.painter().rect_filled(r, 2.0, *color);
            ui.label(*name);
            ui.add_space(10.0);
        }
    });
}

/// A count or size drawn on a bar.
fn figure(t: String) -> RichText {
    RichText::new(t).size(13.0).strong()
}

/// (name, first value, second value stacked on it, the bar's own colour).
type Row = (String, f64, f64, Option<Color32>);

/// What hovering a bar says.
type BarTip = Box<dyn Fn(&Bar, &BarChart) -> String>;

/// Horizontal bars for long names (headers, requests): each name on the left of its bar, the first
/// at the top; `stack` adds a second value on top of the first (body bytes on header bytes).
fn named_rows(
    ui: &mut egui::Ui,
    id: &str,
    value_name: &str,
    rows: &[Row],
    series: [(&str, Color32); 2],
    note: impl Fn(f64, f64) -> String,
) {
    let n = rows.len();
    if n == 0 {
        return;
    }
    let max = rows.iter().map(|r| r.1 + r.2).fold(0.0, f64::max);
    let whole = rows.iter().all(|r| r.1.fract() == 0.0 && r.2.fract() == 0.0);
    let step = nice_step(max.max(1.0), 4.0, whole);
    // Room on the right of the longest bar for its figure.
    let top = ((max * 1.3 / step).ceil() * step).max(step);
    let y_of = move |i: usize| (n - 1 - i) as f64;
    let names: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let first: Vec<Bar> =
        rows.iter().enumerate().map(|(i, r)| Bar::new(y_of(i), r.1).name(&r.0).width(0.7).fill(r.3.unwrap_or(series[0].1))).collect();
    let tip = |what: &str| -> BarTip {
        let what = what.to_string();
        Box::new(move |b, _| {
            if what.is_empty() {
                format!("{}: {}", b.name, number(b.value))
            } else {
                format!("{}\n{what}: {}", b.name, number(b.value))
            }
        })
    };
    let first = BarChart::new(series[0].0, first).color(series[0].1).horizontal().element_formatter(tip(series[0].0));
    let second = (!series[1].0.is_empty()).then(|| {
        let bars: Vec<Bar> = rows.iter().enumerate().map(|(i, r)| Bar::new(y_of(i), r.2).name(&r.0).width(0.7).fill(series[1].1)).collect();
        BarChart::new(series[1].0, bars).color(series[1].1).horizontal().element_formatter(tip(series[1].0)).stack_on(&[&first])
    });
    let notes: Vec<(f64, f64, String)> = rows.iter().enumerate().map(|(i, r)| (y_of(i), r.1 + r.2, note(r.1, r.2))).collect();
    let widest = names.iter().map(|s| s.chars().count()).max().unwrap_or(4) as f32;
    let y_axis = AxisHints::new_y().label_spacing(Rangef::new(10.0, 14.0)).min_thickness((widest * 7.5).clamp(40.0, 220.0)).formatter(
        move |m, _| {
            let i = m.value.round();
            if (m.value - i).abs() > 1e-6 || i < 0.0 || i as usize >= n {
                return String::new();
            }
            names.get(n - 1 - i as usize).cloned().unwrap_or_default()
        },
    );
    let x_axis = AxisHints::new_x().label(value_name).label_spacing(Rangef::new(28.0, 40.0)).formatter(|m, _| {
        if m.value < -1e-9 {
            String::new()
        } else {
            number(m.value)
        }
    });
    if !series[1].0.is_empty() {
        key(ui, &series);
    }
    fixed_plot(id, 40.0 + 24.0 * n as f32)
        .default_x_bounds(0.0, top + step * 0.35)
        .default_y_bounds(-0.6, n as f64 - 0.4)
        .x_grid_spacer(value_marks(step))
        .y_grid_spacer(category_marks(n))
        .custom_x_axes(vec![x_axis])
        .custom_y_axes(vec![y_axis])
        .show(ui, |p| {
            p.bar_chart(first);
            if let Some(s) = second {
                p.bar_chart(s);
            }
            for (y, x, t) in notes {
                p.text(Text::new("", PlotPoint::new(x, y), figure(format!("  {t}"))).anchor(Align2::LEFT_CENTER));
            }
        });
}

fn bytes(n: f64) -> String {
    format!("{} B", number(n))
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
        let exchanges = b.overhead.len();
        if exchanges > 0 && exchanges < FEW {
            http_table(ui, lang, b);
        } else if exchanges > 0 {
            http_charts(ui, lang, b);
        }
        if exchanges > 0 {
            headers_chart(ui, lang, b);
        }
        websocket_part(ui, lang, b);
        if let (Some(h), Some(w)) = (b.http_bytes_per_exchange, b.ws_bytes_per_message) {
            ui.add_space(10.0);
            ui.strong(lang.pick("Bytes spent per delivered message", "每送达一条消息花费的字节"));
            ui.label(
                RichText::new(lang.pick(
                    "All bytes of the connections (handshakes, headers, frames), divided by the HTTP exchanges or WebSocket data messages they carried.",
                    "连接上的全部字节（握手、头部、帧）除以其承载的 HTTP 交换数或 WebSocket 数据消息数。",
                ))
                .weak(),
            );
            small_table(
                ui,
                "cost",
                &[lang.pick("Protocol", "协议"), lang.pick("Bytes per message", "每条消息的字节数")],
                &[
                    vec![lang.pick("HTTP (per exchange)", "HTTP（每次交换）").to_string(), format!("{h:.0} B")],
                    vec![lang.pick("WebSocket (per data message)", "WebSocket（每条数据消息）").to_string(), format!("{w:.0} B")],
                ],
            );
        }
    });
}

/// Few exchanges: one row each, with what the charts would show.
fn http_table(ui: &mut egui::Ui, lang: Lang, b: &Breakdown) {
    ui.strong(lang.pick("HTTP exchanges", "HTTP 交换"));
    ui.label(
        RichText::new(lang.pick("Too few exchanges for charts: here they are one by one.", "交换太少，不足以画图：下面逐个列出。")).weak(),
    );
    let rows: Vec<Vec<String>> = b
        .overhead
        .iter()
        .map(|x| {
            let status = x.status.map_or("-".to_string(), |s| {
                let reason = crate::analysis::explain::status_reason(s);
                if reason.is_empty() {
                    s.to_string()
                } else {
                    format!("{s} {reason}")
                }
            });
            let method = x.label.split(' ').next().unwrap_or("").to_string();
            let target = x.label.split_once(' ').map(|(_, t)| t.to_string()).unwrap_or_default();
            let ttfb = x.ttfb_ms.map_or("-".to_string(), |t| format!("{t:.2} ms"));
            vec![method, target, status, bytes(x.head as f64), bytes(x.body as f64), ttfb]
        })
        .collect();
    small_table(
        ui,
        "exchanges",
        &[
            lang.pick("Method", "请求方法"),
            lang.pick("Target", "请求目标"),
            lang.pick("Status code", "状态码"),
            lang.pick("Header bytes", "头部字节"),
            lang.pick("Body bytes", "正文字节"),
            lang.pick("Time to first byte", "首字节时间"),
        ],
        &rows,
    );
}

fn http_charts(ui: &mut egui::Ui, lang: Lang, b: &Breakdown) {
    let responses = lang.pick("responses", "响应数");
    ui.columns(2, |cols| {
        cols[0].strong(lang.pick("Status codes by class", "按类别统计的状态码"));
        let classes: Vec<(String, f64, Color32)> = ["1xx", "2xx", "3xx", "4xx", "5xx"]
            .iter()
            .zip(b.status_by_class)
            .enumerate()
            .map(|(i, (name, n))| (name.to_string(), n as f64, status_color((i as u16 + 1) * 100)))
            .collect();
        category_bars(&mut cols[0], "class", lang.pick("class", "类别"), responses, &classes, 190.0);
        cols[1].strong(lang.pick("Status codes", "状态码"));
        let codes: Vec<(String, f64, Color32)> =
            b.status_by_code.iter().map(|(c, n)| (c.to_string(), *n as f64, status_color(*c))).collect();
        category_bars(&mut cols[1], "codes", lang.pick("status code", "状态码"), responses, &codes, 190.0);
    });
    ui.add_space(8.0);
    ui.columns(2, |cols| {
        cols[0].strong(lang.pick("Request methods", "请求方法"));
        let methods: Vec<(String, f64, Color32)> =
            b.methods.iter().map(|(m, n)| (m.clone(), *n as f64, Color32::from_rgb(190, 120, 220))).collect();
        category_bars(&mut cols[0], "methods", lang.pick("method", "方法"), lang.pick("requests", "请求数"), &methods, 190.0);
        let times: Vec<f64> = b.ttfb_ms.clone();
        cols[1].strong(lang.pick("Time to first byte", "首字节时间分布"));
        if times.len() < FEW {
            let rows: Vec<Vec<String>> =
                b.overhead.iter().filter_map(|x| x.ttfb_ms.map(|t| vec![x.label.clone(), format!("{t:.2} ms")])).collect();
            small_table(&mut cols[1], "ttfb", &[lang.pick("Request", "请求"), lang.pick("Time to first byte", "首字节时间")], &rows);
        } else {
            ttfb_histogram(&mut cols[1], lang, &times);
        }
    });
    ui.add_space(8.0);
    ui.strong(lang.pick(
        "Header bytes against body bytes per exchange (the cost of repeating headers)",
        "每个交换的头部字节与正文字节（每次都重复发送头部的开销）",
    ));
    let shown = &b.overhead[..b.overhead.len().min(MAX_ROWS)];
    let rows: Vec<Row> = shown.iter().map(|x| (x.label.clone(), x.head as f64, x.body as f64, None)).collect();
    named_rows(
        ui,
        "overhead",
        lang.pick("bytes on the wire (request + response)", "线上字节数（请求 + 响应）"),
        &rows,
        [(lang.pick("header bytes", "头部字节"), HEAD), (lang.pick("body bytes", "正文字节"), BODY)],
        |h, body| format!("{} + {}", bytes(h), bytes(body)),
    );
    if b.overhead.len() > MAX_ROWS {
        ui.label(
            RichText::new(match lang {
                Lang::Zh => format!("只画出了前 {MAX_ROWS} 个交换（共 {} 个）。", b.overhead.len()),
                Lang::En => format!("The first {MAX_ROWS} of {} exchanges are drawn.", b.overhead.len()),
            })
            .weak(),
        );
    }
}

fn ttfb_histogram(ui: &mut egui::Ui, lang: Lang, times: &[f64]) {
    let max = times.iter().cloned().fold(0.0, f64::max).max(1e-3);
    let n = 20usize;
    let width = max / (n as f64 - 1.0);
    let mut hist = vec![0u32; n];
    for t in times {
        let i = ((t / max) * (n as f64 - 1.0)).round();
        if let Some(h) = hist.get_mut(i.clamp(0.0, n as f64 - 1.0) as usize) {
            *h += 1;
        }
    }
    let top_count = hist.iter().copied().max().unwrap_or(1) as f64;
    let step = nice_step(top_count, 4.0, true);
    let color = Color32::from_rgb(60, 190, 170);
    let bars: Vec<Bar> =
        hist.iter().enumerate().map(|(i, v)| Bar::new(i as f64 * width, *v as f64).width(width * 0.9).fill(color)).collect();
    let x_step = nice_step(max, 5.0, false);
    let x_axis = AxisHints::new_x()
        .label(lang.pick("time to first byte (ms)", "首字节时间（毫秒）"))
        .label_spacing(Rangef::new(28.0, 40.0))
        .formatter(|m, _| if m.value < -1e-9 { String::new() } else { format!("{}", (m.value * 1000.0).round() / 1000.0) });
    let y_axis =
        AxisHints::new_y()
            .label(lang.pick("exchanges", "交换数"))
            .formatter(|m, _| if m.value < -1e-9 { String::new() } else { number(m.value) });
    fixed_plot("ttfb", 190.0)
        .default_x_bounds(0.0, max + width)
        .default_y_bounds(0.0, ((top_count * 1.2 / step).ceil() * step).max(step))
        .x_grid_spacer(value_marks(x_step))
        .y_grid_spacer(value_marks(step))
        .custom_x_axes(vec![x_axis])
        .custom_y_axes(vec![y_axis])
        .show(ui, |p| p.bar_chart(BarChart::new("ttfb", bars).color(color)));
}

fn headers_chart(ui: &mut egui::Ui, lang: Lang, b: &Breakdown) {
    if b.headers.is_empty() {
        return;
    }
    ui.add_space(8.0);
    ui.strong(lang.pick("Most frequent headers (requests and responses)", "最常见的头部（请求和响应）"));
    let total: u32 = b.headers.iter().map(|h| h.1).sum();
    if (total as usize) < FEW {
        let rows: Vec<Vec<String>> = b.headers.iter().map(|(h, n)| vec![h.clone(), n.to_string()]).collect();
        small_table(ui, "headers", &[lang.pick("Header", "头部"), lang.pick("Messages", "报文数")], &rows);
        return;
    }
    let rows: Vec<Row> = b.headers.iter().map(|(h, n)| (h.clone(), *n as f64, 0.0, None)).collect();
    named_rows(
        ui,
        "headers",
        lang.pick("messages carrying the header", "带有该头部的报文数"),
        &rows,
        [("", Color32::from_rgb(220, 160, 60)), ("", Color32::TRANSPARENT)],
        |n, _| number(n),
    );
}

/// An opcode's name in a language.
fn opcode_text(op: u8, lang: Lang) -> &'static str {
    match op {
        0 => lang.pick("Continuation", "延续帧"),
        1 => lang.pick("Text", "文本"),
        2 => lang.pick("Binary", "二进制"),
        8 => lang.pick("Close", "关闭"),
        9 => "Ping",
        10 => "Pong",
        _ => lang.pick("Reserved", "保留"),
    }
}

fn websocket_part(ui: &mut egui::Ui, lang: Lang, b: &Breakdown) {
    if b.ws_rate.iter().all(Vec::is_empty) {
        return;
    }
    let (c2s, s2c) = (lang.pick("client → server", "客户端 → 服务器"), lang.pick("server → client", "服务器 → 客户端"));
    let (blue, green) = (Color32::from_rgb(80, 140, 235), Color32::from_rgb(90, 190, 120));
    ui.add_space(8.0);
    ui.strong(lang.pick("WebSocket messages by opcode", "按操作码统计的 WebSocket 消息"));
    let total: u32 = b.ws_opcodes.iter().map(|(_, n)| n[0] + n[1]).sum();
    if (total as usize) < FEW {
        let rows: Vec<Vec<String>> =
            b.ws_opcodes.iter().map(|(op, n)| vec![opcode_text(*op, lang).to_string(), n[0].to_string(), n[1].to_string()]).collect();
        small_table(ui, "wsops", &[lang.pick("Opcode", "操作码"), c2s, s2c], &rows);
    } else {
        let rows: Vec<Row> =
            b.ws_opcodes.iter().map(|(op, n)| (opcode_text(*op, lang).to_string(), n[0] as f64, n[1] as f64, None)).collect();
        named_rows(ui, "wsops", lang.pick("messages", "消息数"), &rows, [(c2s, blue), (s2c, green)], |a, c| {
            format!("{} + {}", number(a), number(c))
        });
    }
    ui.add_space(8.0);
    ui.strong(lang.pick("WebSocket messages per second", "每秒 WebSocket 消息数"));
    let mut seconds: Vec<f64> = b.ws_rate.iter().flatten().map(|(s, _, _)| *s).collect();
    seconds.sort_by(f64::total_cmp);
    seconds.dedup();
    if seconds.len() < FEW {
        let get = |k: usize, s: f64| b.ws_rate[k].iter().find(|r| r.0 == s).map_or((0, 0), |r| (r.1, r.2));
        let rows: Vec<Vec<String>> = seconds
            .iter()
            .map(|s| {
                let (a, ab) = get(0, *s);
                let (c, cb) = get(1, *s);
                let span = match lang {
                    Lang::Zh => format!("第 {} 秒", *s as i64 + 1),
                    Lang::En => format!("{}–{} s", *s, *s + 1.0),
                };
                let cell = |n: u32, bytes: u64| match lang {
                    Lang::Zh => format!("{n} 条，{bytes} B"),
                    Lang::En if n == 1 => format!("1 message, {bytes} B"),
                    Lang::En => format!("{n} messages, {bytes} B"),
                };
                vec![span, cell(a, ab), cell(c, cb)]
            })
            .collect();
        small_table(ui, "wsrate", &[lang.pick("Since the first packet", "从第一个数据包起"), c2s, s2c], &rows);
        return;
    }
    let last = seconds.last().copied().unwrap_or(0.0);
    let max = b.ws_rate.iter().flatten().map(|r| r.1 as f64).fold(0.0, f64::max);
    let step = nice_step(max.max(1.0), 4.0, true);
    let bars = |k: usize, off: f64, c: Color32| -> Vec<Bar> {
        b.ws_rate[k].iter().map(|(s, n, _)| Bar::new(*s + 0.5 + off, *n as f64).width(0.4).fill(c)).collect()
    };
    let x_axis = AxisHints::new_x()
        .label(lang.pick("seconds since the first packet", "距第一个数据包的秒数"))
        .label_spacing(Rangef::new(28.0, 40.0))
        .formatter(|m, _| if m.value < -1e-9 { String::new() } else { number(m.value) });
    let y_axis =
        AxisHints::new_y()
            .label(lang.pick("messages", "消息数"))
            .formatter(|m, _| if m.value < -1e-9 { String::new() } else { number(m.value) });
    key(ui, &[(c2s, blue), (s2c, green)]);
    fixed_plot("wsrate", 190.0)
        .default_x_bounds(0.0, last + 1.0)
        .default_y_bounds(0.0, ((max * 1.2 / step).ceil() * step).max(step))
        .x_grid_spacer(value_marks(nice_step(last + 1.0, 8.0, true)))
        .y_grid_spacer(value_marks(step))
        .custom_x_axes(vec![x_axis])
        .custom_y_axes(vec![y_axis])
        .show(ui, |p| {
            p.bar_chart(BarChart::new(c2s, bars(0, -0.2, blue)).color(blue));
            p.bar_chart(BarChart::new(s2c, bars(1, 0.2, green)).color(green));
        });
}
