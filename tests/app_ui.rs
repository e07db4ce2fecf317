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
    // Selected as a click does: the exchange and its connection.
    h.state_mut().push_command(wirescope::app::Command::Select(Target::Http(i)));
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
    // The filter button comes first; the table's opcode cells say "Binary" too.
    h.get_all_by_label("Binary").next().unwrap().click();
    h.run_steps(3);
    assert!(h.query_by_label("Hello, WebSocket!").is_none(), "text hidden by the Binary filter");
    assert_eq!(h.get_all_by_label("Binary").count(), 1 + 2, "the button and one binary message each way");
    // Ping, pong and close stay visible whatever the filter.
    h.get_by_label("Ping");
    h.get_by_label("Pong");
    assert_eq!(h.get_all_by_label("Close").count(), 2);
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
    h.state_mut().push_command(wirescope::app::Command::Select(wirescope::analysis::ladder::Target::Http(i)));
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
    // Each step's line is pinned on the arrow it speaks of: the GET and the 101 that the engine
    // decoded on the WebSocket connection, whatever their times.
    {
        use wirescope::analysis::ladder::{self, Mode};
        let store = h.state().store.as_ref().unwrap();
        let cap = &store.cap;
        let ws = cap.http.iter().find(|x| x.request.as_ref().is_some_and(|r| r.target == "/echo")).expect("the upgrade was decoded");
        let ladders: Vec<_> = cap.connections.iter().map(|c| ladder::ladder(cap, c.id, Mode::Messages, !store.app_level)).collect();
        let pin_of = |prefix: &str| {
            let n = store.live.as_ref().unwrap().notes.iter().find(|n| n.en.starts_with(prefix)).expect(prefix);
            let (text, next) = match n.pin.as_ref().expect("pinned") {
                wirescope::lab::Pin::Next(t) => (t.as_str(), true),
                wirescope::lab::Pin::Last(t) => (t.as_str(), false),
            };
            ladder::find_pin(&ladders, n.ts_ns as f64 / 1e9, text, next).expect("the pin finds its arrow")
        };
        let req = ws.request.as_ref().unwrap();
        let resp = ws.response.as_ref().unwrap();
        assert_eq!(pin_of("Step 1"), (ws.connection, req.first_packet));
        assert_eq!(pin_of("Step 3"), (ws.connection, resp.first_packet));
        let text = cap.frames.iter().find(|f| f.connection == ws.connection && f.opcode == 1).unwrap();
        assert_eq!(pin_of("Step 4"), (ws.connection, text.first_packet));
    }
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

/// Clicks the packets table row whose Info column says `info` (the first such row).
fn click_packet_row(h: &mut Harness<'static, WirescopeApp>, info: &str) {
    h.get_all_by_label_contains(info).next().unwrap_or_else(|| panic!("no row with {info:?}")).click();
    h.run_steps(4);
}

/// The request packet of captures/http-methods.pcapng: tshark's `-Y http.request` finds it as
/// frame 4, `-x` prints its row 0x0040 as `..GET /items HTT`, and `-T fields -e http.request.line`
/// lists its headers `Host: 127.0.0.1:18081`, `User-Agent: curl/7.88.1`, `Accept: */*`.
#[test]
fn the_packets_tab_shows_ascii_and_every_http_header_with_its_explanation() {
    let mut h = app(Some(Source::File(capture("http-methods.pcapng"))));
    h.get_by_label("Packets").click();
    h.run_steps(3);
    click_packet_row(&mut h, "GET /items HTTP/1.1");
    assert_eq!(h.state().view.selection, Some(wirescope::analysis::ladder::Target::Packet(4)));
    h.get_by_label("..GET /items HTT");
    h.get_by_label("P/1.1..Host: 127");
    h.get_by_label("HTTP · GET /items");
    assert_eq!(h.get_all_by_label("GET /items HTTP/1.1").count(), 2, "the Info cell and the request line in the layer");
    for line in ["Host: 127.0.0.1:18081", "User-Agent: curl/7.88.1", "Accept: */*"] {
        h.get_by_label(line);
    }
    // Hovering a header shows its explanation (explain::header_info).
    h.get_by_label("User-Agent: curl/7.88.1").hover();
    h.run_steps(60);
    h.get_by_label_contains("client software");
}

/// tshark: frame 3 of http-methods.pcapng is the client's bare ACK after SYN and SYN-ACK (the
/// handshake's third step); frame 5 is the server's ACK with Ack=85 (GET's 84 bytes + 1).
#[test]
fn only_the_handshake_ack_is_said_to_complete_the_handshake() {
    let mut h = app(Some(Source::File(capture("http-methods.pcapng"))));
    h.get_by_label("Packets").click();
    h.run_steps(3);
    let third = "completes the three-way handshake";
    for (row, says) in
        [("[SYN]", "the client opens the connection"), ("[SYN, ACK]", "handshake step 2"), ("GET /items HTTP/1.1", "84 B of data")]
    {
        click_packet_row(&mut h, row);
        assert!(h.query_by_label_contains(third).is_none(), "{row}");
        h.get_by_label_contains(says);
    }
    // Rows 3 and 5 by their Info text: "45032 → 18081 [ACK] Seq=1 Ack=1" and "18081 → 45032 [ACK] Seq=1 Ack=85".
    click_packet_row(&mut h, "45032 → 18081 [ACK] Seq=1 Ack=1 ");
    assert_eq!(h.state().view.selection, Some(wirescope::analysis::ladder::Target::Packet(3)));
    h.get_by_label_contains(third);
    click_packet_row(&mut h, "18081 → 45032 [ACK] Seq=1 Ack=85 ");
    assert_eq!(h.state().view.selection, Some(wirescope::analysis::ladder::Target::Packet(5)));
    assert!(h.query_by_label_contains(third).is_none());
    h.get_by_label_contains("up to relative number 85");
}

/// tshark on captures/websocket-basics.pcapng: frame 8 is a masked Text frame, FIN, 17 bytes
/// in the 7-bit form, key c026b58a, "Hello, WebSocket!"; frame 10 a Binary frame of 256 bytes in
/// the 16-bit form.
#[test]
fn the_websocket_layer_shows_the_frame_fields() {
    let mut h = app(Some(Source::File(capture("websocket-basics.pcapng"))));
    h.get_by_label("Packets").click();
    h.run_steps(3);
    click_packet_row(&mut h, "WebSocket Text [FIN] [MASKED]");
    assert_eq!(h.state().view.selection, Some(wirescope::analysis::ladder::Target::Packet(8)));
    for l in ["FIN = 1", "opcode = 1 (Text)", "MASK = 1", "payload length = 17 (7-bit form)", "masking key = c0 26 b5 8a"] {
        h.get_by_label(l);
    }
    h.get_by_label("payload, unmasked: \"Hello, WebSocket!\"");
    click_packet_row(&mut h, "WebSocket Binary [FIN] [MASKED]");
    h.get_by_label("payload length = 256 (16-bit form)");
    h.get_by_label("masking key = ff 7b c3 a5");
}

/// http-methods.pcapng has 68 packets, one POST and responses 200, 201 and 204 (tshark).
#[test]
fn the_packet_filter_counts_explains_an_empty_result_clears_and_is_forgotten_with_the_file() {
    let mut h = app(Some(Source::File(capture("http-methods.pcapng"))));
    h.get_by_label("Packets").click();
    h.run_steps(3);
    let filter = h.get_by_role_and_label(eframe::egui::accesskit::Role::TextInput, "Filter (Ctrl+F):");
    filter.focus();
    filter.type_text("method==POST");
    h.run_steps(3);
    h.get_by_label("showing 1 of 68 packets");
    h.state_mut().view.packet_filter = "status>=400".into();
    h.run_steps(3);
    h.get_by_label("showing 0 of 68 packets");
    h.get_by_label("No packet matches \"status>=400\": the statuses in this capture are: 200, 201, 204.");
    h.get_by_label("×").click();
    h.run_steps(3);
    assert!(h.state().view.packet_filter.is_empty());
    assert!(h.query_by_label_contains("showing").is_none() && h.query_by_label("×").is_none());
    // A filter does not carry over to the next file.
    h.state_mut().view.packet_filter = "method==POST".into();
    h.run_steps(2);
    h.state_mut().push_command(wirescope::app::Command::Open(Source::File(capture("websocket-basics.pcapng"))));
    for _ in 0..300 {
        h.step();
        if h.state().is_idle() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    h.run_steps(3);
    assert!(h.state().view.packet_filter.is_empty());
    assert!(h.query_by_label_contains("showing").is_none());
    h.get_by_label("GET /chat HTTP/1.1");
}

/// At 1024x640 the packets table's area is too narrow for the bytes: they go under the layer
/// tree, and still read "..GET /items HTT" (tshark -x, frame 4 of http-methods.pcapng, row 0x0040)
/// across the two 8-byte rows "..GET /i" and "tems HTT" when 16 do not fit.
#[test]
fn the_bytes_are_shown_on_a_small_screen_too() {
    let src = Source::File(capture("http-methods.pcapng"));
    let mut h = Harness::builder().with_size([1024.0, 640.0]).build_eframe(move |cc| WirescopeApp::new(cc, Some(src)));
    for _ in 0..600 {
        h.step();
        if h.state().is_idle() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    h.run_steps(4);
    h.get_by_label("Packets").click();
    h.run_steps(3);
    // The Info column is scrolled out of view here: click the row by its number.
    h.get_all_by_label("4").next().expect("row 4").click();
    h.run_steps(6);
    assert_eq!(h.state().view.selection, Some(wirescope::analysis::ladder::Target::Packet(4)));
    let whole = h.query_by_label("..GET /items HTT").is_some();
    let halves = h.query_by_label("..GET /i").is_some() && h.query_by_label("tems HTT").is_some();
    let seen: Vec<String> =
        h.get_all_by_label_contains("GET").map(|n| n.accesskit_node().value().unwrap_or_default().to_string()).collect();
    assert!(whole || halves, "the ASCII column of row 0x0040 is not shown: {seen:?}");
    h.get_by_label("Host: 127.0.0.1:18081");
}

/// A capture made here: the request head cut into 30-byte segments, then a 101 that carries a
/// first frame in the same segment, and two client frames in one segment. The oracle is what
/// was sent.
#[test]
fn a_head_split_over_packets_and_frames_sharing_packets() {
    use wirescope::synth::{ws_frame, TcpConversation};
    let head = b"GET /split HTTP/1.1\r\nHost: example\r\nAccept: */*\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    let mut w = wirescope::source::PcapWriter::new(Vec::new(), 1).unwrap();
    {
        let out = &mut |ts: i64, data: &[u8]| w.packet(ts, data).unwrap();
        let mut c = TcpConversation::new(([127, 0, 0, 1], 40000), ([127, 0, 0, 1], 8080), 1_700_000_000_000_000_000);
        c.handshake(out);
        c.mss = 30;
        c.send(true, head, out);
        c.mss = 1448;
        let mut resp = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n".to_vec();
        resp.extend(ws_frame(true, 1, None, b"welcome"));
        c.send(false, &resp, out);
        let mut two = ws_frame(true, 1, Some([1, 2, 3, 4]), b"first");
        two.extend(ws_frame(true, 9, Some([5, 6, 7, 8]), b"ping?"));
        c.send(true, &two, out);
        c.close(out);
    }
    let p = std::env::temp_dir().join(format!("wirescope-split-{}.pcap", std::process::id()));
    std::fs::write(&p, w.into_inner()).unwrap();
    let mut h = app(Some(Source::File(p.clone())));
    h.get_by_label("Packets").click();
    h.run_steps(3);
    // Packets 1-3 are the handshake; 4 carries the head's first 30 bytes.
    h.state_mut().view.selection = Some(wirescope::analysis::ladder::Target::Packet(4));
    h.run_steps(4);
    h.get_by_label("HTTP · GET /split");
    h.get_by_label("Host: exa");
    h.get_by_label("The head continues in the next packet.");
    // Packet 5: "mple\r\nAccept: */*\r\nUpgrade: webs".
    h.state_mut().view.selection = Some(wirescope::analysis::ladder::Target::Packet(5));
    h.run_steps(4);
    h.get_by_label("The head continues from packet 4.");
    h.get_by_label("…mple");
    h.get_by_label("Accept: */*");
    // The 101 with the first frame: its head, then the WebSocket layer with "welcome".
    let n101 = h.state().store.as_ref().unwrap().cap.http[0].response.as_ref().unwrap().packet;
    h.state_mut().view.selection = Some(wirescope::analysis::ladder::Target::Packet(n101));
    h.run_steps(4);
    h.get_by_label("HTTP · 101 Switching Protocols");
    assert!(h.get_all_by_label("HTTP/1.1 101 Switching Protocols").count() >= 1);
    h.get_by_label("payload: \"welcome\"");
    h.get_by_label("MASK = 0");
    // Two client frames in one packet.
    let two_at = h.state().store.as_ref().unwrap().cap.frames.iter().find(|f| f.opcode == 9).unwrap().packet;
    h.state_mut().view.selection = Some(wirescope::analysis::ladder::Target::Packet(two_at));
    h.run_steps(4);
    h.get_by_label("WebSocket · 2 frames");
    h.get_by_label("payload, unmasked: \"first\"");
    h.get_by_label("payload, unmasked: \"ping?\"");
    h.get_by_label("masking key = 05 06 07 08");
    h.get_by_label("opcode = 9 (Ping)");
    let _ = std::fs::remove_file(p);
}

/// The details panel's text: every label under it (the panel is what follows the selection).
fn shows(h: &Harness<'_, WirescopeApp>, text: &str) -> bool {
    h.query_all_by_label_contains(text).next().is_some()
}

#[test]
fn clicking_the_connection_after_a_frame_brings_the_worked_example_back() {
    use wirescope::analysis::ladder::Target;
    const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    let mut h = app(Some(Source::File(capture("websocket-basics.pcapng"))));
    assert!(shows(&h, GUID), "a WebSocket connection shows the Sec-WebSocket-Accept worked example");
    // A frame (as a click on its arrow does), then a message row of the table, clicked anywhere.
    let frame = h.state().store.as_ref().unwrap().cap.frames.iter().position(|f| f.opcode == 1).unwrap();
    h.state_mut().push_command(wirescope::app::Command::Select(Target::WsFrame(frame)));
    h.run_steps(3);
    h.get_by_label_contains("WebSocket frame Text");
    assert!(!shows(&h, GUID), "the frame replaced the connection in the details");
    h.get_by_label("Messages").click();
    h.run_steps(3);
    h.get_all_by_label("fragmented message").next().unwrap().click();
    h.run_steps(3);
    assert!(matches!(h.state().view.selection, Some(Target::WsMessage(_))), "a click on a row's payload cell selects its message");
    assert!(!shows(&h, GUID));
    h.get_by_label_contains("#0 WebSocket  127.0.0.1").click();
    h.run_steps(3);
    assert_eq!(h.state().view.selection, None, "the connection itself is selected");
    assert!(shows(&h, GUID), "clicking the connection brings the worked example back");
    h.get_by_label("Sec-WebSocket-Accept check: PASS");
}

#[test]
fn another_connections_item_never_stays_in_the_details_and_back_forward_walk_the_selections() {
    use eframe::egui::{Key, Modifiers};
    let mut h = app(Some(Source::File(capture("http-status-codes.pcapng"))));
    // Connection A (the 301 redirect), then its first exchange from the connection's summary.
    h.get_by_label_contains("/status/301").click();
    h.run_steps(3);
    h.get_by_label_contains("GET /status/301 → 301").click();
    h.run_steps(3);
    h.get_by_label("GET /status/301 HTTP/1.1");
    h.get_by_label_contains("HTTP/1.1 301");
    // Connection B: A's exchange is gone from the details.
    h.get_by_label_contains("/status/302").click();
    h.run_steps(3);
    assert!(!shows(&h, "GET /status/301 HTTP/1.1"), "A's exchange left the details");
    h.get_by_label_contains("GET /status/302 → 302");
    // Even when something sets the item without the connection, another connection's item is not shown.
    let a = h.state().view.selection;
    assert_eq!(a, None);
    let i = h
        .state()
        .store
        .as_ref()
        .unwrap()
        .cap
        .http
        .iter()
        .position(|x| x.request.as_ref().is_some_and(|r| r.target == "/status/404"))
        .unwrap();
    h.state_mut().view.selection = Some(wirescope::analysis::ladder::Target::Http(i));
    h.run_steps(2);
    assert!(!shows(&h, "GET /status/404 HTTP/1.1"));
    h.state_mut().view.selection = None;
    h.run_steps(2);
    // Back: A's exchange; Back again: A itself; Forward twice: B.
    h.get_by_label("← Back").click();
    h.run_steps(3);
    h.get_by_label("GET /status/301 HTTP/1.1");
    h.key_press_modifiers(Modifiers::ALT, Key::ArrowLeft);
    h.run_steps(3);
    assert!(!shows(&h, "GET /status/301 HTTP/1.1"));
    h.get_by_label_contains("GET /status/301 → 301");
    h.get_by_label("Forward →").click();
    h.run_steps(3);
    h.get_by_label("GET /status/301 HTTP/1.1");
    h.key_press_modifiers(Modifiers::ALT, Key::ArrowRight);
    h.run_steps(3);
    h.get_by_label_contains("GET /status/302 → 302");
    assert!(!shows(&h, "GET /status/301 HTTP/1.1"));
    // Plain Right still steps the diagram's replay.
    h.get_by_label("Sequence diagram").click();
    h.get_by_label("|< Restart").click();
    h.run_steps(2);
    assert_eq!(arrows_shown(&h).0, 0);
    h.key_press(Key::ArrowRight);
    h.run_steps(2);
    assert_eq!(arrows_shown(&h).0, 1, "Right is the replay's step key");
    h.get_by_label_contains("GET /status/302 → 302");
}

/// What tshark decoded (captures/expected/*.tsv, written by captures/expected.sh from
/// `tshark -T fields -e frame.number -e tcp.stream ... -e http.response.code`): each TCP stream's
/// status codes, and its frames.
fn tshark_statuses(name: &str) -> std::collections::BTreeMap<u32, (Vec<u64>, Vec<u16>)> {
    let text = std::fs::read_to_string(capture("expected").join(format!("{name}.tsv"))).unwrap();
    let mut m = std::collections::BTreeMap::<u32, (Vec<u64>, Vec<u16>)>::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let (Some(frame), Some(stream)) = (f.first().and_then(|s| s.parse().ok()), f.get(1).and_then(|s| s.parse().ok())) else { continue };
        let e = m.entry(stream).or_default();
        e.0.push(frame);
        e.1.extend(f.get(4).unwrap_or(&"").split(',').filter_map(|c| c.parse::<u16>().ok()));
    }
    m
}

#[test]
fn connection_rows_show_the_status_codes_tshark_reports() {
    let h = app(Some(Source::File(capture("http-status-codes.pcapng"))));
    let theirs = tshark_statuses("http-status-codes");
    assert_eq!(theirs.len(), 19);
    let conns = h.state().store.as_ref().unwrap().cap.connections.clone();
    for (stream, (frames, codes)) in &theirs {
        // The connection that carried tshark's frames for this stream.
        let c = conns.iter().find(|c| frames.iter().all(|f| (c.first_packet..=c.last_packet).contains(f))).unwrap();
        let row = h.get_by_label_contains(&format!("#{} HTTP  ", c.id)).accesskit_node().label().unwrap_or_default().to_string();
        let shown: Vec<u16> =
            row.lines().find_map(|l| l.strip_prefix("status ")).unwrap_or_default().split(' ').filter_map(|c| c.parse().ok()).collect();
        let mut want = codes.clone();
        want.dedup();
        assert_eq!(shown, want, "tcp.stream {stream}: {row}");
        assert!(row.contains("GET /status/") || row.contains(" /"), "the row names the request: {row}");
    }
}

/// tshark's unmasked payloads of the ping frames (websocket.payload.ping, hex), as
/// captures/expected.sh saved them in captures/expected/NAME.tcp.tsv (column 12).
fn tshark_pings(name: &str) -> Option<Vec<String>> {
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    let text = std::fs::read_to_string(capture(&format!("expected/{stem}.tcp.tsv"))).ok()?;
    let hex = |s: &str| (0..s.len() / 2).filter_map(|i| u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()).collect::<Vec<u8>>();
    Some(
        text.lines()
            .filter_map(|l| l.split('\t').nth(11).filter(|p| !p.is_empty()))
            .map(|p| String::from_utf8(hex(p.trim())).unwrap())
            .collect(),
    )
}

#[test]
fn a_ping_that_is_text_reads_as_text_and_json_keeps_the_wire_order() {
    let pings = tshark_pings("websocket-basics.pcapng").expect("captures/expected/websocket-basics.tcp.tsv");
    assert_eq!(pings, ["are you there"], "what tshark reads in the capture's ping");
    let mut h = app(Some(Source::File(capture("websocket-basics.pcapng"))));
    h.get_by_label("Messages").click();
    h.run_steps(3);
    // Ping and its pong, in the table as text.
    assert_eq!(h.get_all_by_label(&pings[0]).count(), 2);
    h.get_all_by_label("Ping").next().unwrap().click();
    h.run_steps(3);
    h.get_by_label_contains("WebSocket Ping");
    assert_eq!(h.get_all_by_label(&pings[0]).count(), 3, "and in the details");
    // The chat message's JSON, pretty, with its keys in the order of the bytes on the wire.
    let store = h.state().store.as_ref().unwrap();
    let wire = store.cap.websocket.iter().find(|m| m.payload.starts_with(b"{")).unwrap().payload.clone();
    let wire = String::from_utf8(wire).unwrap();
    let order = |s: &str| {
        let mut keys: Vec<(usize, &str)> = ["\"type\"", "\"text\""].iter().filter_map(|k| s.find(k).map(|i| (i, *k))).collect();
        keys.sort();
        keys.into_iter().map(|(_, k)| k).collect::<Vec<_>>()
    };
    assert_eq!(order(&wire).len(), 2);
    h.get_all_by_label_contains("\"chat\"").next().unwrap().click();
    h.run_steps(3);
    let node = h.get_by_label_contains("\n  \"type\"");
    let pretty = node.accesskit_node().value().or(node.accesskit_node().label()).unwrap_or_default().to_string();
    assert_eq!(order(&pretty), order(&wire), "{pretty}");
    assert!(pretty.contains("你好"), "escaped characters read as text: {pretty}");
}

#[test]
fn a_lab_run_names_its_connections_after_the_technique_each_shows() {
    let dir = std::env::temp_dir().join(format!("wirescope-ui-roles-{}", std::process::id()));
    let mut h = app(None);
    h.state_mut().live_dir = dir.clone();
    h.get_by_label_contains("5. Ten server events").click();
    h.run_steps(2);
    assert!(step_until(&mut h, 40, |h| h.state().is_idle()), "the lab run did not finish");
    // The scenario's four clients: short polling on /poll, long polling on /long-poll, SSE on /sse,
    // WebSocket on /events (src/lab/scenarios.rs, push_vs_poll).
    for (role, path) in
        [("Short polling", "GET /poll?"), ("Long polling", "GET /long-poll?"), ("SSE", "GET /sse"), ("WebSocket push", "WebSocket /events")]
    {
        let row = h.get_by_label_contains(&format!("\n{role} · {path}")).accesskit_node().label().unwrap_or_default().to_string();
        assert!(row.starts_with('#'), "{row}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A capture with one HTTP exchange (the first connection of http-methods.pcapng, cut out by
/// tshark): the Breakdowns tab shows a table, not plots, with the method and status code tshark
/// reads in it, in English and in Chinese.
#[test]
fn breakdowns_with_one_exchange_show_a_table() {
    // tests/data/http-one-exchange.pcapng is tcp.stream 0 of captures/http-methods.pcapng, cut out
    // with `tshark -Y "tcp.stream == 0" -w`; its method and status as tshark decoded the original
    // (captures/expected/http-methods.tsv).
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/http-one-exchange.pcapng");
    let tsv = std::fs::read_to_string(capture("expected/http-methods.tsv")).unwrap();
    let rows: Vec<Vec<&str>> = tsv.lines().map(|l| l.split('\t').collect::<Vec<_>>()).filter(|f| f.get(1) == Some(&"0")).collect();
    let methods: Vec<String> = rows.iter().filter(|f| !f[2].is_empty()).map(|f| f[2].to_string()).collect();
    let codes: Vec<String> = rows.iter().filter(|f| !f[4].is_empty()).map(|f| f[4].to_string()).collect();
    assert_eq!((methods.len(), codes.len()), (1, 1), "one exchange: {methods:?} {codes:?}");
    let (method, code) = (methods[0].clone(), codes[0].clone());
    let mut h = app(Some(Source::File(path.clone())));
    h.get_by_label("Breakdowns").click();
    h.run_steps(3);
    h.get_by_label("Status code");
    h.get_by_label("Method");
    assert!(h.get_all_by_label(&method).count() >= 1, "the method {method} is in the table");
    assert!(h.get_all_by_label_contains(&format!("{code} ")).count() >= 1, "the status {code} is in the table");
    assert!(h.query_by_label("Status codes by class").is_none(), "no plot for one exchange");
    h.get_by_label("中文").click();
    h.run_steps(3);
    h.get_by_label("统计").click();
    h.run_steps(3);
    h.get_by_label("状态码");
    h.get_by_label("请求方法");
    assert!(h.get_all_by_label(&method).count() >= 1);
    assert!(h.get_all_by_label_contains(&format!("{code} ")).count() >= 1);
    assert!(h.query_by_label("按类别统计的状态码").is_none());
}

/// In Chinese the start page gives each example its Chinese lesson, and a finding reads in Chinese:
/// websocket-close's second connection ends in a TCP reset with no close frame (captures/README.md;
/// tshark shows the RST and no websocket.opcode == 8 on that stream).
#[test]
fn chinese_lessons_and_findings() {
    // tshark's packet facts for the file (captures/expected/websocket-close.tcp.tsv): stream 1 has
    // a segment with RST (0x04) and no close frame (opcode 8).
    let tsv = std::fs::read_to_string(capture("expected/websocket-close.tcp.tsv")).unwrap();
    let rows: Vec<Vec<&str>> = tsv.lines().map(|l| l.split('\t').collect::<Vec<_>>()).filter(|f| f.get(2) == Some(&"1")).collect();
    assert!(rows.iter().any(|f| u16::from_str_radix(f[4].trim_start_matches("0x"), 16).unwrap() & 0x04 != 0), "tshark sees the RST");
    assert!(!rows.iter().any(|f| f.get(10).is_some_and(|o| o.split(',').any(|x| x == "8"))), "and no close frame");
    let mut h = app(None);
    h.get_by_label("中文").click();
    h.run_steps(3);
    h.get_by_label("示例");
    h.get_by_label_contains("升级握手（Key → Accept）");
    h.get_by_label_contains("1006 异常关闭");
    assert!(h.query_by_label_contains("The upgrade (key → accept)").is_none(), "the English lesson is not shown");
    let mut h = app(Some(Source::File(capture("websocket-close.pcapng"))));
    h.get_by_label("中文").click();
    h.run_steps(3);
    h.get_by_label_contains("#1 WebSocket").click();
    h.run_steps(3);
    h.get_by_label("发现的问题");
    h.get_by_label_contains("ws.no_close_frame: TCP 连接在没有 WebSocket 关闭帧的情况下结束");
    h.get_by_label("1 个发现");
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
    // original (tshark's count, saved in captures/expected/; the copy's packets counted as pcapng
    // Enhanced Packet Blocks by walking the file here, not by wirescope's reader).
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
    let original = std::fs::read_to_string(capture("expected/websocket-basics.tcp.tsv")).unwrap().lines().count();
    let blocks = |p: &std::path::Path| {
        let b = std::fs::read(p).unwrap();
        let (mut at, mut epbs) = (0usize, 0usize);
        while at + 12 <= b.len() {
            let kind = u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
            let len = u32::from_le_bytes(b[at + 4..at + 8].try_into().unwrap()) as usize;
            assert!(len >= 12, "a block of {len} bytes at {at}");
            epbs += usize::from(kind == 6);
            at += len;
        }
        assert_eq!(at, b.len(), "the copy ends on a block boundary");
        epbs
    };
    assert!(original > 0);
    assert_eq!(blocks(&copy), original, "the saved copy has every packet");
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

/// At 1366×768 and 1024×640, in English and Chinese, with a second connection compared beside the
/// first: every control of the sequence diagram's toolbar lies inside the window and inside the
/// centre panel (not under a side panel), and the buttons do what they say (the arrow count moves).
#[test]
fn every_diagram_control_is_on_screen_at_classroom_sizes() {
    use wirescope::analysis::explain::Lang;
    for size in [[1366.0, 768.0], [1024.0, 640.0]] {
        for lang in [Lang::En, Lang::Zh] {
            let mut h = app_at(Some(Source::File(capture("http-polling.pcapng"))), size);
            h.state_mut().settings.lang = lang;
            h.state_mut().view.replay.compare_with = Some(1);
            h.run_steps(4);
            let l = |en: &'static str, zh: &'static str| lang.pick(en, zh);
            // The centre panel lies between the tab row's first tab and the details panel's Back button.
            let left = h.get_by_label(l("Sequence diagram", "时序图")).rect().min.x;
            let right = h.get_by_label(l("← Back", "← 后退")).rect().min.x;
            let area = eframe::egui::Rect::from_min_max(eframe::egui::pos2(left - 1.0, 0.0), eframe::egui::pos2(right, size[1]));
            let controls = [
                l("Arrows: messages", "箭头：消息"),
                l("Arrows: packets", "箭头：数据包"),
                l("|< Restart", "|< 重新开始"),
                l("< Back", "< 后退"),
                l("Play", "播放"),
                l("Step >", "单步 >"),
                l("Show all", "全部显示"),
                l("Export", "导出"),
                l("Legend", "图例"),
                l("Compare: #1", "对比： #1"),
            ];
            for c in controls {
                let mut n = 0;
                for node in h.get_all_by_label(c) {
                    let r = node.rect();
                    assert!(area.contains_rect(r), "{c} at {r:?} is outside the centre panel {area:?} at {size:?}");
                    n += 1;
                }
                assert!(n > 0, "{c}");
            }
            // Sliders come with their own labels (several nodes each): all on screen.
            let mut n = 0;
            for node in h.get_all_by_label_contains(l("speed ×", "速度 ×")) {
                let r = node.rect();
                assert!(area.contains_rect(r), "the speed slider at {r:?} is outside the centre panel {area:?} at {size:?}");
                n += 1;
            }
            assert!(n > 0);
            // The comparison menu holds the other connections, by their first request, and the idle switch.
            h.get_all_by_label(l("Compare: #1", "对比： #1")).next().unwrap().click();
            h.run_steps(3);
            h.get_by_label(l("cut idle stretches", "压缩空闲时段"));
            h.get_by_label("#1 GET /long-poll?since=0");
            h.key_press(eframe::egui::Key::Escape);
            h.run_steps(3);
            // Both columns' lanes are drawn: each connection's header names its client.
            let shown = |h: &Harness<'static, WirescopeApp>| {
                let label = h.get_by_label_contains(l("Arrows shown:", "已显示箭头：")).accesskit_node().value().unwrap_or_default();
                let n: Vec<usize> = label.split(|c: char| !c.is_ascii_digit()).filter_map(|s| s.parse().ok()).collect();
                (n[0], n[1])
            };
            h.get_by_label(l("|< Restart", "|< 重新开始")).click();
            h.run_steps(2);
            assert_eq!(shown(&h).0, 0, "{size:?} {lang:?}");
            h.get_by_label(l("Step >", "单步 >")).click();
            h.run_steps(2);
            assert!(shown(&h).0 >= 1);
            h.get_by_label(l("Show all", "全部显示")).click();
            h.run_steps(2);
            let (a, b) = shown(&h);
            assert_eq!(a, b);
            h.get_by_label(l("Legend", "图例")).click();
            h.run_steps(2);
            h.get_by_label(l("HTTP request", "HTTP 请求"));
        }
    }
}

/// A response body cut into three segments, the second sent twice (a retransmission): the third
/// segment's bytes are where the sender put them (61–90 of the 90-byte body, after a 39-byte head), the copy counted once.
#[test]
fn a_retransmitted_segment_does_not_shift_the_body_offsets() {
    use wirescope::synth::TcpConversation;
    let head = b"HTTP/1.1 200 OK\r\nContent-Length: 90\r\n\r\n";
    assert_eq!(head.len(), 39);
    let mut resp = head.to_vec();
    resp.extend(std::iter::repeat_n(b'x', 90));
    let mut frames: Vec<(i64, Vec<u8>)> = Vec::new();
    {
        let out = &mut |ts: i64, data: &[u8]| frames.push((ts, data.to_vec()));
        let mut c = TcpConversation::new(([127, 0, 0, 1], 40001), ([127, 0, 0, 1], 8080), 1_700_000_000_000_000_000);
        c.handshake(out);
        c.send(true, b"GET /body HTTP/1.1\r\nHost: x\r\n\r\n", out);
        c.mss = 50;
        c.send(false, &resp, out);
        c.close(out);
    }
    // Frames: 3 handshake, request + ACK, then the response's segments at 5, 6 and 7.
    let copy = frames[6].clone();
    frames.insert(7, (copy.0 + 1, copy.1));
    let mut w = wirescope::source::PcapWriter::new(Vec::new(), 1).unwrap();
    for (ts, f) in &frames {
        w.packet(*ts, f).unwrap();
    }
    let p = std::env::temp_dir().join(format!("wirescope-retrans-{}.pcap", std::process::id()));
    std::fs::write(&p, w.into_inner()).unwrap();
    let mut h = app(Some(Source::File(p.clone())));
    h.get_by_label("Packets").click();
    h.run_steps(3);
    // Packet 9 is the third segment (packet 8 the retransmitted second).
    h.state_mut().push_command(wirescope::app::Command::Select(wirescope::analysis::ladder::Target::Packet(9)));
    h.run_steps(4);
    // The packet's bytes are read back from the file: it goes only now.
    h.get_by_label_contains("body bytes 61–90");
    let _ = std::fs::remove_file(&p);
}

/// captures/sse.pcapng: the server sent `event: update`, `id: 2`, `data: {"price": 10}` as its
/// second event (captures/sse_scenario.py, captures/expected/sse.events.json). It is a message in
/// the Messages tab; selecting it shows its fields, explained.
#[test]
fn an_sse_event_is_a_message_and_its_details_show_its_fields() {
    let want: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(capture("expected/sse.events.json")).unwrap()).unwrap();
    let second = &want["events"][1];
    let (event, id, data) = (second["event"].as_str().unwrap(), second["id"].as_str().unwrap(), second["data"].as_str().unwrap());
    let mut h = app(Some(Source::File(capture("sse.pcapng"))));
    h.get_by_label("Messages").click();
    h.run_steps(3);
    h.get_by_label(data).click();
    h.run_steps(3);
    assert_eq!(h.state().view.selection, Some(wirescope::analysis::ladder::Target::Sse(1)));
    h.get_by_label(&format!("event: {event}"));
    h.get_by_label(&format!("id: {id}"));
    h.get_by_label_contains("the last event ID");
    h.get_by_label_contains("A Server-Sent Event: the server keeps one HTTP response open");
}

/// An HTTP/2 connection (captures/record-http2.sh: nghttp's five streams on one connection): the
/// details list its streams with their timing, the diagram tags each request and response with its
/// stream, draws the connection frames, and clicking one explains it. At the classroom sizes.
#[test]
fn an_http2_connection_shows_its_streams_and_frames() {
    for size in [[1366.0, 768.0], [1024.0, 640.0]] {
        let mut h = app_at(Some(Source::File(capture("http2-multiplexed.pcapng"))), size);
        h.get_by_label_contains("#0 HTTP/2  127.0.0.1").click();
        h.run_steps(3);
        // The streams table: nghttp opened 13..21 (tshark: captures/expected/http2-multiplexed.h2.tsv).
        h.get_by_label_contains("HTTP/2 streams (5");
        for (s, req) in [("s13", "GET /slow1"), ("s15", "GET /"), ("s17", "GET /gzip"), ("s19", "GET /large"), ("s21", "GET /missing")] {
            h.get_by_label(s);
            h.get_by_label(req);
        }
        h.get_by_label("TTFB");
        // Stream-tagged arrows and connection frames, as many as the first screenful shows: at
        // 1366×768 all five requests, at 1024×640 the first.
        let tagged: Vec<String> = h.get_all_by_label_contains(": [s").filter_map(|n| n.accesskit_node().label()).collect();
        let want = if size[0] > 1300.0 { 5 } else { 1 };
        assert!(tagged.len() >= want, "{tagged:?}");
        assert!(tagged.iter().any(|t| t == "client → server: [s13] GET /slow1"), "{tagged:?}");
        if size[0] < 1300.0 {
            // The rest of the diagram is below the fold there.
            continue;
        }
        h.get_by_label("client → server: [s15] GET /");
        h.get_by_label("server → client: [s15] 200");
        h.get_by_label("server → client: SETTINGS ACK");
        h.get_by_label("client → server: SETTINGS ACK").click();
        h.run_steps(3);
        assert!(
            matches!(h.state().view.selection, Some(wirescope::analysis::ladder::Target::H2Frame(_))),
            "{size:?}: {:?}",
            h.state().view.selection
        );
        h.get_by_label("HTTP/2 SETTINGS →");
        h.get_by_label_contains("ACK: the peer has applied the SETTINGS");
    }
}

/// Steps until the app is idle (a load pushed as a command has finished), bounded.
fn wait_idle(h: &mut Harness<'static, WirescopeApp>) {
    h.run_steps(2);
    assert!(step_until(h, 20, |h| h.state().is_idle()), "the load did not finish");
    h.run_steps(4);
}

/// tshark's decode of a TLS capture with its key log (captures/expected/NAME.tsv, made by
/// captures/expected.sh): each request's method and target.
fn tshark_requests(name: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(capture("expected").join(format!("{name}.tsv"))).unwrap();
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let (m, t) = (f.get(2)?, f.get(3)?);
            (!m.is_empty()).then(|| (m.to_string(), t.to_string()))
        })
        .collect()
}

/// File → Key log file…: a TLS capture with no key log beside it opens encrypted (the details say
/// so and point to the menu); its key log, given through the command the menu and Ctrl+K issue,
/// reloads it decrypted with the requests tshark decodes with the same key log; the choice is
/// remembered for the capture through the settings' serialisation, and used when it opens again;
/// an unreadable key log changes nothing. A bundled example opens decrypted with NAME.keys beside it.
#[test]
fn a_key_log_decrypts_the_open_capture_and_is_remembered_for_it() {
    use wirescope::app::Command;
    let want = tshark_requests("https-tls13");
    assert_eq!(want.len(), 12, "three connections of four requests each (record-tls.sh)");
    let dir = std::env::temp_dir().join(format!("wirescope-keylog-ui-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join("https-tls13.pcapng");
    std::fs::copy(capture("https-tls13.pcapng"), &copy).unwrap();

    let mut h = app(Some(Source::File(copy.clone())));
    assert!(h.state().store.as_ref().unwrap().cap.http.is_empty(), "no HTTP without keys");
    h.state_mut().push_command(Command::SelectConnection(0));
    h.run_steps(3);
    assert!(shows(&h, "encrypted: no key log"), "the details say why nothing is decoded");
    assert!(shows(&h, "TLS_AES_128_GCM_SHA256"), "the suite is in the clear in the ServerHello");
    assert!(shows(&h, "TLS localhost"), "the row names the connection by its SNI");

    h.state_mut().push_command(Command::UseKeyLog(capture("https-tls13.keys")));
    wait_idle(&mut h);
    let got: Vec<(String, String)> = h
        .state()
        .store
        .as_ref()
        .unwrap()
        .cap
        .http
        .iter()
        .filter_map(|x| x.request.as_ref().map(|r| (r.method.to_string(), r.target.clone())))
        .collect();
    let mut sorted = got.clone();
    sorted.sort();
    let mut want_sorted = want.clone();
    want_sorted.sort();
    assert_eq!(sorted, want_sorted, "the requests tshark decodes with the same key log");
    h.state_mut().push_command(Command::SelectConnection(0));
    h.run_steps(3);
    assert!(shows(&h, "decrypted with the key log"));
    assert!(shows(&h, "AES-128-GCM"), "the suite taken apart");
    assert!(shows(&h, "HTTPS GET /hello"), "the row says HTTP inside TLS");
    assert!(shows(&h, "connections' secrets"), "the status bar says what the key log gave");

    // Remembered, through the serialisation eframe stores.
    let abs = |p: &std::path::Path| std::fs::canonicalize(p).unwrap();
    let saved = serde_json::to_string(&h.state().settings).unwrap();
    let back: wirescope::app::settings::Settings = serde_json::from_str(&saved).unwrap();
    assert_eq!(back.keylog_for(&abs(&copy)), Some(&abs(&capture("https-tls13.keys"))));
    h.state_mut().push_command(Command::Open(Source::File(copy.clone())));
    wait_idle(&mut h);
    assert_eq!(h.state().store.as_ref().unwrap().cap.http.len(), want.len(), "opened again with its key log");

    // A key log that cannot be read: said, and the capture stays decrypted.
    h.state_mut().push_command(Command::UseKeyLog(dir.join("missing.keys")));
    h.run_steps(3);
    assert!(shows(&h, "cannot read key log"));
    assert!(h.state().is_idle());
    assert_eq!(h.state().store.as_ref().unwrap().cap.http.len(), want.len());
    let _ = std::fs::remove_dir_all(&dir);

    // A bundled example with its NAME.keys beside it.
    let h = app(Some(Source::File(capture("https-tls12.pcapng"))));
    assert_eq!(h.state().store.as_ref().unwrap().cap.http.len(), tshark_requests("https-tls12").len());
}
