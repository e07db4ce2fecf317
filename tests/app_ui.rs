//! The real app driven through AccessKit with egui_kittest: open captures, select, replay, switch
//! language, and get a clear message for a bad file.

use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use std::path::PathBuf;
use wirescope::app::loader::Source;
use wirescope::app::WirescopeApp;

fn capture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("captures").join(name)
}

/// Builds the app and waits (bounded) for the background load to finish.
fn app(src: Option<Source>) -> Harness<'static, WirescopeApp> {
    app_at(src, [1500.0, 950.0])
}

/// The same in a window of `size` (the classroom sizes: 1366×768, 1024×640).
fn app_at(src: Option<Source>, size: [f32; 2]) -> Harness<'static, WirescopeApp> {
    let mut h = Harness::builder().with_size(size).build_eframe(move |cc| WirescopeApp::new(cc, src));
    for _ in 0..600 {
        h.step();
        if h.state().is_idle() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(h.state().is_idle(), "the capture did not finish loading");
    h.run_steps(4);
    h
}

fn arrows_shown(h: &Harness<'_, WirescopeApp>) -> (usize, usize) {
    // A label's text is its AccessKit value.
    let label = h.get_by_label_contains("Arrows shown:").accesskit_node().value().unwrap_or_default();
    let nums: Vec<usize> = label.split(|c: char| !c.is_ascii_digit()).filter_map(|s| s.parse().ok()).collect();
    (nums[0], nums[1])
}

#[test]
fn websocket_capture_shows_the_upgrade_and_the_accept_check() {
    let mut h = app(Some(Source::File(capture("websocket-basics.pcapng"))));
    h.get_by_label_contains("#0 WebSocket  127.0.0.1").click();
    h.run_steps(3);
    h.get_by_label("101 Switching Protocols");
    h.get_by_label("Sec-WebSocket-Accept check: PASS");
    assert_eq!(h.get_all_by_label_contains("1000 — Normal closure").count(), 2, "client and server both sent 1000");
}

#[test]
fn replay_steps_reveal_arrows_one_by_one() {
    let mut h = app(Some(Source::File(capture("websocket-basics.pcapng"))));
    let (shown, total) = arrows_shown(&h);
    assert_eq!(shown, total, "everything is shown before a replay starts");
    assert!(total >= 20, "{total} arrows");
    h.get_by_label("|< Restart").click();
    h.run_steps(2);
    assert_eq!(arrows_shown(&h).0, 0);
    let mut counts = Vec::new();
    for _ in 0..5 {
        h.get_by_label("Step >").click();
        h.run_steps(2);
        counts.push(arrows_shown(&h).0);
    }
    assert!(counts.windows(2).all(|w| w[1] > w[0]), "each step shows more arrows: {counts:?}");
    h.get_by_label("< Back").click();
    h.run_steps(2);
    assert!(arrows_shown(&h).0 < counts[4]);
    // Play runs on its own.
    h.get_by_label("Play").click();
    for _ in 0..30 {
        h.step();
    }
    assert!(arrows_shown(&h).0 > counts[4] - 1);
}

#[test]
fn chinese_interface() {
    let mut h = app(Some(Source::File(capture("websocket-basics.pcapng"))));
    h.get_by_label("中文").click();
    h.run_steps(3);
    h.get_by_label("时序图");
    h.get_by_label("Sec-WebSocket-Accept 校验：通过");
    h.get_by_label_contains("已显示箭头");
    h.get_by_label("English").click();
    h.run_steps(3);
    h.get_by_label("Sequence diagram");
}

#[test]
fn a_corrupt_file_shows_a_clear_message_and_the_app_goes_on() {
    let p = std::env::temp_dir().join(format!("wirescope-ui-{}.pcap", std::process::id()));
    std::fs::write(&p, b"this is not a capture at all").unwrap();
    let mut h = app(Some(Source::File(p.clone())));
    let _ = std::fs::remove_file(&p);
    h.get_by_label("This file could not be opened");
    h.get_by_label_contains("not a capture file");
    h.get_by_label("Back to the examples").click();
    h.run_steps(3);
    h.get_by_label("Examples");
}

#[test]
fn start_page_offers_the_bundled_examples() {
    let mut h = app(None);
    h.get_by_label("websocket-basics.pcapng").click();
    for _ in 0..300 {
        h.step();
        if h.state().is_idle() && h.state().store.as_ref().is_some_and(|s| s.loaded) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    h.run_steps(3);
    h.get_by_label("Sec-WebSocket-Accept check: PASS");
}

#[test]
fn packets_table_and_filter() {
    let mut h = app(Some(Source::File(capture("websocket-basics.pcapng"))));
    h.get_by_label("Packets").click();
    h.run_steps(3);
    h.get_by_label("GET /chat HTTP/1.1");
    h.get_by_label("HTTP/1.1 101 Switching Protocols");
    h.get_by_label_contains("[SYN]");
    let filter = h.get_by_role_and_label(eframe::egui::accesskit::Role::TextInput, "Filter (Ctrl+F):");
    filter.focus();
    filter.type_text("ws.opcode==ping");
    h.run_steps(3);
    h.get_by_label("WebSocket Ping [FIN] [MASKED]");
    assert!(h.query_by_label("GET /chat HTTP/1.1").is_none(), "the filter hides other packets");
}

#[test]
fn clicking_a_connection_and_an_http_exchange_in_messages() {
    let mut h = app(Some(Source::File(capture("http-status-codes.pcapng"))));
    h.get_by_label_contains("#0 HTTP  127.0.0.1").click();
    h.run_steps(3);
    h.get_by_label_contains("TCP three-way handshake");
    // The store has every status of the gallery, and the details speak of status classes.
    let s = h.state().store.as_ref().unwrap();
    assert!(s.cap.http.iter().any(|x| x.response.as_ref().is_some_and(|r| r.status == 429)));
}

#[test]
fn an_image_body_is_shown_as_an_image() {
    use eframe::egui;
    use wirescope::analysis::ladder::Target;
    let mut h = app(Some(Source::File(capture("http-status-codes.pcapng"))));
    let store = h.state().store.as_ref().unwrap();
    let (i, packet) = store
        .cap
        .http
        .iter()
        .enumerate()
        .find_map(|(i, x)| x.request.as_ref().filter(|r| r.target == "/img/logo.png").map(|_| (i, x.response.as_ref().unwrap().packet)))
        .expect("the gallery fetches a PNG");
    h.state_mut().view.selection = Some(Target::Http(i));
    h.run_steps(3);
    h.get_by_label_contains("image body (image/png, ");
    // egui's loader decoded the captured bytes into the 64×32 picture the lab server drew.
    let uri = wirescope::app::details_ui_image_uri(packet, "image/png");
    let mut size = None;
    for _ in 0..50 {
        h.step();
        if let Ok(egui::load::ImagePoll::Ready { image }) = h.ctx.try_load_image(&uri, egui::SizeHint::default()) {
            size = Some(image.size);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(size, Some([64, 32]));
}

/// With only the compiled-in font (no system fonts), every CJK character the app can show (UI
/// strings and the explanation tables, all in the sources) has a glyph: Chinese is drawn, not boxes.
#[test]
fn the_bundled_font_draws_every_chinese_character_in_the_app() {
    use eframe::egui;
    fn walk(p: &std::path::Path, out: &mut String) {
        for e in std::fs::read_dir(p).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push_str(&std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    let mut src = String::new();
    walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut src);
    let cjk: std::collections::BTreeSet<char> = src
        .chars()
        .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c) || ('\u{3000}'..='\u{303f}').contains(c) || ('\u{ff00}'..='\u{ffef}').contains(c))
        .collect();
    assert!(cjk.len() > 300, "the UI has Chinese text: {}", cjk.len());
    let ctx = egui::Context::default();
    wirescope::app::fonts::install(&ctx, false);
    let mut out = ctx.run_ui(Default::default(), |_| {});
    out.textures_delta.clear();
    let font = egui::FontId::proportional(14.0);
    let missing: String = cjk.iter().filter(|c| !ctx.fonts_mut(|f| f.has_glyph(&font, **c))).collect();
    assert!(missing.is_empty(), "no glyph for: {missing}");
    // And a character outside the subset really is reported missing (the check can fail).
    assert!(!ctx.fonts_mut(|f| f.has_glyph(&font, '\u{9fa5}')) || cjk.contains(&'\u{9fa5}'));
}

/// Every other non-ASCII character the UI can show (arrows, dashes, symbols in string literals of
/// the app, the explanations and the lab narration) has a glyph in the fonts installed at start, so
/// no view draws tofu (and kittest, which panics on a missing glyph, never trips over one).
#[test]
fn every_symbol_in_the_ui_strings_has_a_glyph() {
    use eframe::egui;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut symbols = std::collections::BTreeMap::<char, String>::new();
    for dir in ["app", "analysis", "lab", "model", "proto", "export"] {
        let mut stack = vec![root.join(dir)];
        while let Some(p) = stack.pop() {
            for e in std::fs::read_dir(&p).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                if p.extension().is_none_or(|x| x != "rs") {
                    continue;
                }
                for (n, line) in std::fs::read_to_string(&p).unwrap().lines().enumerate() {
                    let t = line.trim_start();
                    if t.starts_with("//") {
                        continue;
                    }
                    // Inside string literals only (between quotes), so comments after code do not count.
                    for (i, part) in t.split('"').enumerate() {
                        if i % 2 == 1 {
                            for c in part.chars().filter(|c| !c.is_ascii()) {
                                symbols.entry(c).or_insert_with(|| format!("{}:{}", p.display(), n + 1));
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(symbols.contains_key(&'→'), "arrows are found in the UI strings");
    let ctx = egui::Context::default();
    wirescope::app::fonts::install(&ctx, false);
    let mut out = ctx.run_ui(Default::default(), |_| {});
    out.textures_delta.clear();
    let font = egui::FontId::proportional(14.0);
    let missing: Vec<String> = symbols
        .iter()
        .filter(|(c, _)| !ctx.fonts_mut(|f| f.has_glyph(&font, **c)))
        .map(|(c, at)| format!("{c:?} (U+{:04X}) at {at}", *c as u32))
        .collect();
    assert!(missing.is_empty(), "no glyph for:\n{}", missing.join("\n"));
}

#[test]
fn messages_filter_by_opcode_keeps_control_frames_and_ctrl_f_opens_the_packet_filter() {
    use eframe::egui::{Key, Modifiers};
    let mut h = app(Some(Source::File(capture("websocket-basics.pcapng"))));
    h.get_by_label("Messages").click();
    h.run_steps(3);
    assert_eq!(h.get_all_by_label("Hello, WebSocket!").count(), 2, "one each way");
    h.get_by_label("Binary").click();
    h.run_steps(3);
    assert!(h.query_by_label("Hello, WebSocket!").is_none(), "text hidden by the Binary filter");
    assert_eq!(h.get_all_by_label("→ Binary").count() + h.get_all_by_label("← Binary").count(), 2);
    // Ping, pong and close stay visible whatever the filter.
    h.get_by_label("→ Ping");
    h.get_by_label("← Pong");
    assert_eq!(h.get_all_by_label_contains("Close").count(), 2);
    h.key_press_modifiers(Modifiers::COMMAND, Key::F);
    h.run_steps(3);
    assert_eq!(h.state().view.tab, wirescope::app::Tab::Packets);
}

/// Steps the app until `done` holds (bounded), sleeping a little between frames so background
/// threads make progress.
fn step_until(h: &mut Harness<'static, WirescopeApp>, secs: u64, done: impl Fn(&Harness<'static, WirescopeApp>) -> bool) -> bool {
    let t0 = std::time::Instant::now();
    while t0.elapsed() < std::time::Duration::from_secs(secs) {
        h.step();
        if done(h) {
            h.run_steps(2);
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    false
}

fn lab_servers() -> (tokio::runtime::Runtime, wirescope::lab::servers::Servers) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let s = rt.block_on(wirescope::lab::servers::Servers::start()).unwrap();
    (rt, s)
}

#[test]
fn request_builder_sends_http_and_shows_the_response() {
    let (_rt, servers) = lab_servers();
    let mut h = app(None);
    {
        let b = &mut h.state_mut().builder;
        b.open = true;
        b.form.method = "POST".into();
        b.form.url = format!("http://{}/items", servers.http);
        b.form.body_kind = wirescope::builder::BodyKind::Json;
        b.form.body = r#"{"name":"kettle"}"#.into();
    }
    h.run_steps(2);
    h.get_by_label("Send").click();
    assert!(step_until(&mut h, 10, |h| h.query_by_label_contains("201 Created").is_some()), "no 201 in the builder");
    h.get_by_label_contains("location");
    // A refused connection is a message, not a hang.
    h.state_mut().builder.form.url = "http://127.0.0.1:1/".into();
    h.run_steps(2);
    h.get_by_label("Send").click();
    assert!(step_until(&mut h, 10, |h| h.query_by_label_contains("connection refused by 127.0.0.1:1").is_some()));
}

#[test]
fn request_builder_websocket_session_with_ping_and_close() {
    let (_rt, servers) = lab_servers();
    let mut h = app(None);
    {
        let b = &mut h.state_mut().builder;
        b.open = true;
        b.tab = wirescope::app::builder_ui::BuilderTab::WebSocket;
        b.form.ws_url = format!("ws://{}/echo", servers.ws);
        b.form.compose = "hello builder".into();
        b.form.close_reason = "bye".into();
    }
    h.run_steps(2);
    h.get_by_label("Connect").click();
    assert!(step_until(&mut h, 10, |h| h.query_by_label_contains("handshake done").is_some()), "did not open");
    h.get_by_label("Send").click();
    assert!(step_until(&mut h, 10, |h| h.query_all_by_label("hello builder").count() == 2), "no echo");
    h.get_by_label("Send ping").click();
    assert!(step_until(&mut h, 10, |h| h.query_by_label("Pong").is_some()), "no pong");
    h.get_by_label("Send close").click();
    assert!(step_until(&mut h, 10, |h| h.query_by_label_contains("closed bye").is_some()), "no close");
    assert!(h.query_all_by_label_contains("1000 bye").count() >= 2, "close sent and answered with 1000");
}

#[test]
fn edit_and_resend_fills_the_builder_from_a_captured_request() {
    let mut h = app(Some(Source::File(capture("http-methods.pcapng"))));
    let i = h.state().store.as_ref().unwrap().cap.http.iter().position(|x| x.request.as_ref().is_some_and(|r| r.method == "POST")).unwrap();
    h.state_mut().view.selection = Some(wirescope::analysis::ladder::Target::Http(i));
    h.run_steps(2);
    h.get_by_label("Edit and resend").click();
    h.run_steps(2);
    let b = &h.state().builder;
    assert!(b.open);
    assert_eq!(b.form.method, "POST");
    assert!(b.form.url.starts_with("http://127.0.0.1:") && b.form.url.ends_with("/items"), "{}", b.form.url);
    assert!(b.form.body.contains('{'), "the captured body comes along: {:?}", b.form.body);
    assert!(!b.form.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-length")));
}

#[test]
fn a_lab_scenario_runs_from_one_click_with_narration() {
    let dir = std::env::temp_dir().join(format!("wirescope-ui-lab-{}", std::process::id()));
    let mut h = app(None);
    h.state_mut().live_dir = dir.join("wirescope/captures");
    h.get_by_label_contains("6. The WebSocket upgrade").click();
    h.run_steps(2);
    assert!(step_until(&mut h, 30, |h| h.state().is_idle()), "the lab run did not finish");
    h.get_by_label_contains("Step 3: 101 Switching Protocols");
    h.get_by_label_contains("Sec-WebSocket-Accept check: PASS");
    h.get_by_label("hello over WebSocket");
    // Numbered lines, times from the run's start (never "-0.000 s"), the figures beside the
    // narration without covering it.
    h.get_by_label(" 1.");
    let times: Vec<f64> = h
        .get_all_by_label_contains(" s")
        .filter_map(|n| n.accesskit_node().value().or_else(|| n.accesskit_node().label()))
        .filter_map(|t| t.trim().strip_suffix(" s").and_then(|v| v.trim().parse::<f64>().ok()))
        .collect();
    assert!(times.len() >= 4 && times.iter().all(|t| *t >= 0.0), "{times:?}");
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "in order: {times:?}");
    assert!(h.query_by_label_contains("-0.000").is_none());
    let step3 = h.get_by_label_contains("Step 3: 101 Switching Protocols").rect();
    let figure = h.get_by_label("hello over WebSocket").rect();
    assert!(!step3.intersects(figure) && step3.max.x <= h.get_by_label("Measured").rect().min.x, "{step3:?} {figure:?}");
    let files: Vec<_> = std::fs::read_dir(dir.join("wirescope/captures")).unwrap().flatten().collect();
    assert_eq!(files.len(), 1, "the run is kept as a capture file");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_relay_recording_is_marked_as_application_level() {
    let file = std::env::temp_dir().join(format!("wirescope-ui-relay-{}.pcapng", std::process::id()));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wirescope"))
        .args(["lab", "handshake", "--relay", "-q", "-w"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let h = app(Some(Source::File(file.clone())));
    h.get_by_label_contains("application-level recording (lab relay)");
    assert_eq!(h.state().store.as_ref().unwrap().cap.http.len(), 1);
    // Only what the application said is drawn: the request and the response, no made-up SYN or FIN.
    assert_eq!(arrows_shown(&h), (2, 2));
    let _ = std::fs::remove_file(&file);
}

#[test]
fn shortcuts_open_the_builder_and_the_capture_dialog() {
    use eframe::egui::{Key, Modifiers};
    let mut h = app(None);
    h.key_press_modifiers(Modifiers::COMMAND, Key::B);
    h.run_steps(2);
    assert!(h.state().builder.open, "Ctrl+B opens the request builder");
    h.get_by_label("Request builder");
    h.key_press_modifiers(Modifiers::COMMAND, Key::E);
    h.run_steps(2);
    h.get_by_label("Live capture");
    h.get_by_label("Start capture");
}

#[test]
fn stopping_a_lab_run_ends_it_early_and_keeps_what_was_recorded() {
    let dir = std::env::temp_dir().join(format!("wirescope-ui-labstop-{}", std::process::id()));
    let mut h = app(None);
    h.state_mut().live_dir = dir.clone();
    h.get_by_label_contains("8. Heartbeat").click();
    // Wait until the scenario has begun talking, then stop it.
    assert!(step_until(&mut h, 20, |h| h.state().store.as_ref().and_then(|s| s.live.as_ref()).is_some_and(|l| l.notes.len() >= 2)));
    let t0 = std::time::Instant::now();
    h.get_by_label("Stop").click();
    assert!(step_until(&mut h, 20, |h| h.state().is_idle()), "the run did not stop");
    assert!(t0.elapsed() < std::time::Duration::from_secs(3), "stop took {:?} (the scenario alone runs 4 s)", t0.elapsed());
    h.get_by_label_contains("stopped before the end");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn closing_during_a_live_capture_finishes_the_file() {
    let dir = std::env::temp_dir().join(format!("wirescope-ui-exit-{}", std::process::id()));
    let mut h = app(None);
    h.state_mut().live_dir = dir.clone();
    h.state_mut().push_command(wirescope::app::Command::StartLive(wirescope::app::loader::LiveJob::Capture(
        wirescope::source::live::LiveOptions {
            interface: "lo".into(),
            filter: Some("tcp port 9".into()),
            snaplen: 65535,
            promiscuous: false,
            count: None,
            duration: None,
        },
    )));
    let started = step_until(&mut h, 10, |h| {
        h.state().store.as_ref().is_some_and(|s| s.error.is_some() || s.live.as_ref().is_some_and(|l| l.started))
    });
    assert!(started, "the capture neither started nor failed");
    let root = h.state().store.as_ref().unwrap().error.is_none();
    h.state_mut().finish_live(std::time::Duration::from_secs(3));
    let names: Vec<String> =
        std::fs::read_dir(&dir).map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect()).unwrap_or_default();
    assert!(!names.iter().any(|n| n.ends_with(".part")), "a capture was left half written: {names:?}");
    if root {
        assert!(names.iter().any(|n| n.starts_with("capture-lo-") && n.ends_with(".pcapng")), "{names:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Steps long enough for a panel's slide animation to finish.
fn settle(h: &mut Harness<'static, WirescopeApp>) {
    for _ in 0..20 {
        h.step();
    }
}

/// At 1366×768 and 1024×640, in English and Chinese: the menus, the view tabs and the side panels'
/// switches are on screen and answer a real click at their centre (a control drawn off screen or
/// under another panel would not), the panels hide and come back, and F11 gives the window to the
/// diagram and back.
#[test]
fn menus_tabs_and_panel_switches_are_reachable_at_classroom_sizes() {
    use wirescope::analysis::explain::Lang;
    use wirescope::app::Tab;
    for size in [[1366.0, 768.0], [1024.0, 640.0]] {
        for lang in [Lang::En, Lang::Zh] {
            let mut h = app_at(Some(Source::File(capture("websocket-basics.pcapng"))), size);
            h.state_mut().settings.lang = lang;
            h.run_steps(3);
            let window = eframe::egui::Rect::from_min_size(eframe::egui::Pos2::ZERO, eframe::egui::Vec2::from(size));
            let on_screen = |h: &Harness<'static, WirescopeApp>, label: &str| {
                let r = h.get_by_label(label).rect();
                assert!(window.contains_rect(r), "{label} at {r:?} is outside the {size:?} window");
            };
            let l = |en: &'static str, zh: &'static str| lang.pick(en, zh);
            for menu in [l("File", "文件"), l("Capture", "抓包"), l("Tools", "工具"), l("Lab", "实验"), l("View", "视图")] {
                on_screen(&h, menu);
            }
            for (tab, label) in [
                (Tab::Packets, l("Packets", "数据包")),
                (Tab::Messages, l("Messages", "消息")),
                (Tab::Breakdowns, l("Breakdowns", "统计")),
                (Tab::Diagram, l("Sequence diagram", "时序图")),
            ] {
                on_screen(&h, label);
                h.get_by_label(label).click();
                h.run_steps(3);
                assert_eq!(h.state().view.tab, tab, "{label} at {size:?}");
            }
            // The details panel hides and comes back.
            let accept = l("Sec-WebSocket-Accept check: PASS", "Sec-WebSocket-Accept 校验：通过");
            h.get_by_label_contains("#0 WebSocket  127.0.0.1").click();
            h.run_steps(3);
            h.get_by_label(accept);
            let details = l("Details panel", "详情面板");
            on_screen(&h, details);
            h.get_by_label(details).click();
            settle(&mut h);
            assert!(!h.state().settings.show_details);
            assert!(h.query_by_label(accept).is_none(), "the details panel is hidden at {size:?}");
            h.get_by_label(details).click();
            settle(&mut h);
            h.get_by_label(accept);
            // So does the connections list.
            let conns = l("Connections list", "连接列表");
            on_screen(&h, conns);
            h.get_by_label(conns).click();
            settle(&mut h);
            assert!(h.query_by_label_contains("#0 WebSocket  127.0.0.1").is_none(), "the connections list is hidden");
            h.get_by_label(conns).click();
            settle(&mut h);
            h.get_by_label_contains("#0 WebSocket  127.0.0.1");
            // F11: the diagram alone (no menus, no side panels), then everything back.
            h.key_press(eframe::egui::Key::F11);
            settle(&mut h);
            assert!(h.state().diagram_only);
            assert!(h.query_by_label(l("File", "文件")).is_none() && h.query_by_label(accept).is_none());
            on_screen(&h, l("Show menus and panels  (F11)", "显示菜单和面板  (F11)"));
            h.key_press(eframe::egui::Key::F11);
            settle(&mut h);
            on_screen(&h, l("File", "文件"));
            h.get_by_label(accept);
            // And back through the button.
            on_screen(&h, l("Diagram only (F11)", "仅时序图 (F11)"));
            h.get_by_label(l("Diagram only (F11)", "仅时序图 (F11)")).click();
            settle(&mut h);
            h.get_by_label(l("Show menus and panels  (F11)", "显示菜单和面板  (F11)")).click();
            settle(&mut h);
            on_screen(&h, l("View", "视图"));
        }
    }
}

/// Ctrl+= / Ctrl+- / Ctrl+0 and View → Zoom scale the whole UI, and the factor is what Settings
/// keeps for the next start.
#[test]
fn zoom_keys_and_menu_scale_the_ui_and_are_remembered() {
    use eframe::egui::{Key, Modifiers};
    let mut h = app_at(Some(Source::File(capture("websocket-basics.pcapng"))), [1366.0, 768.0]);
    let ppp = h.ctx.pixels_per_point();
    h.key_press_modifiers(Modifiers::COMMAND, Key::Equals);
    h.run_steps(3);
    let z = h.ctx.zoom_factor();
    assert!((z - 1.1).abs() < 1e-3, "Ctrl+= zooms in: {z}");
    assert_eq!(h.state().settings.zoom, z, "the zoom is kept in Settings");
    assert!((h.ctx.pixels_per_point() / ppp - 1.1).abs() < 1e-3, "everything is drawn 10% larger");
    h.key_press_modifiers(Modifiers::COMMAND, Key::Minus);
    h.key_press_modifiers(Modifiers::COMMAND, Key::Minus);
    h.run_steps(3);
    assert!((h.state().settings.zoom - 0.9).abs() < 1e-3, "{}", h.state().settings.zoom);
    h.key_press_modifiers(Modifiers::COMMAND, Key::Num0);
    h.run_steps(3);
    assert_eq!(h.state().settings.zoom, 1.0);
    h.get_by_label("View").click();
    h.run_steps(2);
    h.get_by_label("Zoom in  (Ctrl+=)").click();
    h.run_steps(3);
    assert!((h.state().settings.zoom - 1.1).abs() < 1e-3);
    // A new window starts at the remembered zoom.
    let mut settings = h.state().settings.clone();
    settings.zoom = 1.5;
    let json = serde_json::to_string(&settings).unwrap();
    let back: wirescope::app::settings::Settings = serde_json::from_str(&json).unwrap();
    assert_eq!(back.zoom_factor(), 1.5);
}

/// A file that fails to open stays out of Recent; one that opens goes in; a Recent entry whose file
/// is gone says so.
#[test]
fn recent_files_only_keeps_files_that_opened() {
    let bad = std::env::temp_dir().join(format!("wirescope-ui-recent-{}.pcap", std::process::id()));
    std::fs::write(&bad, b"not a capture").unwrap();
    let mut h = app(Some(Source::File(bad.clone())));
    h.get_by_label("This file could not be opened");
    assert!(!h.state().settings.recent.contains(&bad), "a file that failed to open is not in Recent");
    let good = capture("http-methods.pcapng");
    h.state_mut().push_command(wirescope::app::Command::Open(Source::File(good.clone())));
    assert!(step_until(&mut h, 10, |h| h.state().is_idle() && h.state().store.as_ref().is_some_and(|s| s.loaded)));
    assert_eq!(h.state().settings.recent.first(), Some(&good));
    // Gone from disk: the menu says so instead of offering to open it.
    let gone = std::env::temp_dir().join("wirescope-ui-recent-gone.pcapng");
    let _ = std::fs::remove_file(&gone);
    h.state_mut().settings.recent.insert(0, gone.clone());
    let _ = std::fs::remove_file(&bad);
    h.run_steps(2);
    h.get_by_label("File").click();
    h.run_steps(2);
    h.get_by_label("Recent").click();
    h.run_steps(2);
    h.get_by_label_contains("wirescope-ui-recent-gone.pcapng  (file no longer exists)");
    h.get_by_label("Remove missing files from the list").click();
    h.run_steps(2);
    assert_eq!(h.state().settings.recent, vec![good]);
}

/// Without a desktop file dialog (no portal, no zenity: File → Open used to do nothing at all), the
/// window says so and offers a path field that already has the focus; typing a path opens it.
#[test]
fn open_without_a_file_dialog_offers_a_typed_path() {
    // SAFETY: set before any thread of this test reads it; other tests do not read it.
    std::env::set_var("WIRESCOPE_NO_FILE_DIALOG", "1");
    let mut h = app(None);
    h.get_by_label("File").click();
    h.run_steps(2);
    h.get_by_label("Open…  (Ctrl+O)").click();
    h.run_steps(3);
    h.get_by_label_contains("No file dialog can be shown here");
    let field = h.get_by_role_and_label(eframe::egui::accesskit::Role::TextInput, "Path:");
    assert!(field.is_focused(), "the path field has the focus");
    field.type_text(capture("websocket-basics.pcapng").to_str().unwrap());
    h.run_steps(1);
    h.key_press(eframe::egui::Key::Enter);
    assert!(step_until(&mut h, 10, |h| h.state().is_idle() && h.state().store.as_ref().is_some_and(|s| s.loaded)));
    assert!(h.query_by_label_contains("No file dialog can be shown here").is_none(), "the prompt closes");
    h.get_by_label("Sec-WebSocket-Accept check: PASS");
    // Ctrl+S without a dialog asks for a path the same way, and the copy has every packet of the
    // original (counted by tshark, not by wirescope).
    h.key_press_modifiers(eframe::egui::Modifiers::COMMAND, eframe::egui::Key::S);
    h.run_steps(3);
    h.get_by_label("Save the capture as");
    let copy = std::env::temp_dir().join(format!("wirescope-ui-saved-{}.pcapng", std::process::id()));
    let field = h.get_by_role_and_label(eframe::egui::accesskit::Role::TextInput, "Path:");
    assert!(field.is_focused());
    field.type_text(copy.to_str().unwrap());
    h.run_steps(1);
    h.key_press(eframe::egui::Key::Enter);
    assert!(step_until(&mut h, 10, |h| h.query_by_label_contains("saved ").is_some()), "no save notice");
    let count = |p: &std::path::Path| {
        let out = std::process::Command::new("tshark").arg("-r").arg(p).output().expect("tshark runs");
        String::from_utf8_lossy(&out.stdout).lines().count()
    };
    let original = count(&capture("websocket-basics.pcapng"));
    assert!(original > 0);
    assert_eq!(count(&copy), original, "the saved copy has every packet");
    h.get_by_label_contains(&format!("saved {original} packets to"));
    let _ = std::fs::remove_file(&copy);
}

/// The builder's fields start empty with hints (typing replaces nothing), its URLs default to the
/// lab servers, and its WebSocket log shows the server's 101 with the headers RFC 6455 §4.2.2
/// requires of it.
#[test]
fn request_builder_hints_lab_urls_and_the_101_in_the_log() {
    use eframe::egui::accesskit::Role;
    use wirescope::app::builder_ui::{BuilderForm, BuilderTab};
    // The form alone: empty URLs go to the lab servers; one the user typed stays.
    let (_rt, servers) = lab_servers();
    let mut f = BuilderForm::default();
    assert!(f.url.is_empty() && f.ws_url.is_empty() && f.compose.is_empty() && f.close_reason.is_empty());
    f.ws_url = "ws://example.com/mine".into();
    f.default_to_lab(&servers.addresses());
    assert_eq!(f.url, format!("http://{}/hello", servers.http));
    assert_eq!(f.ws_url, "ws://example.com/mine");
    assert_eq!(BuilderForm::default().close_code(), Ok(1000), "an empty close code sends 1000, as its hint says");
    // Opened while lab servers run (ours at least), the URL points at one.
    let mut h = app(None);
    h.key_press_modifiers(eframe::egui::Modifiers::COMMAND, eframe::egui::Key::B);
    h.run_steps(2);
    let url = h.state().builder.form.url.clone();
    assert!(url.starts_with("http://127.0.0.1:") && url.ends_with("/hello"), "{url}");
    // The builder's own lab servers: a fresh form is pointed at them, and they answer.
    h.state_mut().builder.form = BuilderForm::default();
    h.run_steps(2);
    h.get_by_label("Start the lab servers").click();
    assert!(step_until(&mut h, 10, |h| !h.state().builder.form.url.is_empty()), "the lab servers did not start");
    h.get_by_label("Send").click();
    assert!(step_until(&mut h, 10, |h| h.query_by_label_contains("200 OK").is_some()), "the lab's /hello did not answer");
    // WebSocket: the message field is empty with a hint, and typing gives exactly what was typed.
    h.state_mut().builder.tab = BuilderTab::WebSocket;
    h.run_steps(2);
    let ws_url = h.state().builder.form.ws_url.clone();
    assert!(ws_url.starts_with("ws://127.0.0.1:") && ws_url.ends_with("/echo"), "{ws_url}");
    h.get_by_label("Connect").click();
    assert!(step_until(&mut h, 10, |h| h.query_by_label_contains("handshake done").is_some()), "did not open");
    h.get_by_label("HTTP/1.1 101 Switching Protocols");
    h.get_by_label_contains("upgrade: websocket");
    h.get_by_label_contains("connection: Upgrade");
    let accept = h.get_by_label_contains("sec-websocket-accept: ").value().unwrap_or_default();
    let value = accept.split(": ").nth(1).unwrap_or_default();
    assert_eq!(value.len(), 28, "base64 of a 20-byte SHA-1: {accept}");
    let field = h.get_by_role_and_label(Role::TextInput, "Message");
    assert_eq!(field.value().unwrap_or_default(), "", "no default message");
    assert!(field.accesskit_node().placeholder().is_some_and(|p| p.contains("hello")), "a hint instead");
    field.focus();
    field.type_text("hi there");
    h.run_steps(2);
    assert_eq!(h.state().builder.form.compose, "hi there");
    h.get_by_label("Send").click();
    assert!(step_until(&mut h, 10, |h| h.query_all_by_label("hi there").count() >= 2), "no echo");
    // Close with the code left empty: 1000 goes out and comes back.
    h.get_by_label("Send close").click();
    assert!(step_until(&mut h, 10, |h| h.query_by_label_contains("closed").is_some()), "no close");
    // "1000", no reason, then the meaning: sent by us and answered by the server.
    assert_eq!(h.query_all_by_label_contains("1000 — Normal closure").count(), 2);
}

/// The side panels' resize handles (AccessKit splitters): (left panel's right edge, right panel's
/// left edge).
fn side_panel_edges(h: &Harness<'static, WirescopeApp>) -> (f32, f32) {
    let xs: Vec<f32> = h
        .get_all_by_role(eframe::egui::accesskit::Role::Splitter)
        .map(|n| n.rect())
        .filter(|r| r.height() > r.width())
        .map(|r| r.center().x)
        .collect();
    assert_eq!(xs.len(), 2, "two side panels: {xs:?}");
    (xs[0].min(xs[1]), xs[0].max(xs[1]))
}

/// The side panels give up width with the window: at both classroom sizes, even dragged to their
/// widest, they leave the diagram at least 40% of the window, and shrinking the window from
/// 1366×768 to 1024×640 shrinks them instead of the centre.
#[test]
fn side_panels_shrink_with_the_window_instead_of_the_diagram() {
    use eframe::egui::accesskit::Role;
    let mut h = app_at(Some(Source::File(capture("websocket-basics.pcapng"))), [1366.0, 768.0]);
    let (l, r) = side_panel_edges(&h);
    assert!(r - l >= 0.45 * 1366.0, "centre {} px of 1366", r - l);
    // Dragged as wide as they go (through AccessKit, as a screen reader would).
    for n in h.get_all_by_role(Role::Splitter).filter(|n| n.rect().height() > n.rect().width()) {
        n.set_value_accesskit(1.0);
    }
    h.run_steps(4);
    let (l2, r2) = side_panel_edges(&h);
    assert!(l2 > l && r2 < r, "the handles moved: {l} {r} -> {l2} {r2}");
    assert!(r2 - l2 >= 0.40 * 1366.0, "centre {} px of 1366 with both panels at their widest", r2 - l2);
    h.set_size(eframe::egui::Vec2::new(1024.0, 640.0));
    h.run_steps(4);
    let (l3, r3) = side_panel_edges(&h);
    assert!(r3 <= 1024.0 && r3 - l3 >= 0.40 * 1024.0, "centre {} px of 1024 after shrinking the window", r3 - l3);
    assert!(l3 < l2, "the left panel narrowed with the window: {l2} -> {l3}");
}
