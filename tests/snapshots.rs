//! Image snapshots of the main views at 1366×768, in English and 中文, rendered on the CPU (wgpu on
//! Mesa's lavapipe) and compared with the committed images in tests/snapshots/. A change in how a
//! view looks fails here until the new image is looked at and committed
//! (`UPDATE_SNAPSHOTS=1 cargo test --test snapshots`).

use egui_kittest::{Harness, SnapshotOptions};
use std::path::PathBuf;
use wirescope::analysis::explain::Lang;
use wirescope::app::loader::Source;
use wirescope::app::{Tab, WirescopeApp};

fn capture(name: &str) -> PathBuf {
    // Relative (tests run in the package root), so the status bar names the file the same on any machine.
    PathBuf::from("captures").join(name)
}

fn loaded(name: &str, lang: Lang) -> Harness<'static, WirescopeApp> {
    let src = Some(Source::File(capture(name)));
    let mut h = Harness::builder().with_size([1366.0, 768.0]).wgpu().build_eframe(move |cc| WirescopeApp::new(cc, src));
    for _ in 0..600 {
        h.step();
        if h.state().is_idle() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(h.state().is_idle(), "{name} did not load");
    h.state_mut().settings.lang = lang;
    h.run_steps(6);
    h
}

/// The status bar says how long loading took: that text may differ between runs.
fn options() -> SnapshotOptions {
    SnapshotOptions::new().max_failed_pixels(600)
}

fn websocket_views(lang: Lang, suffix: &str) {
    let mut h = loaded("websocket-basics.pcapng", lang);
    h.snapshot_options(format!("diagram-{suffix}"), &options());
    h.state_mut().view.tab = Tab::Packets;
    h.run_steps(4);
    h.snapshot_options(format!("packets-{suffix}"), &options());
    h.state_mut().view.tab = Tab::Messages;
    h.run_steps(4);
    h.snapshot_options(format!("messages-{suffix}"), &options());
}

fn breakdowns(lang: Lang, suffix: &str) {
    let mut h = loaded("http-status-codes.pcapng", lang);
    h.state_mut().view.tab = Tab::Breakdowns;
    h.run_steps(6);
    h.snapshot_options(format!("breakdowns-{suffix}"), &options());
}

#[test]
fn websocket_views_in_english() {
    websocket_views(Lang::En, "en");
}

#[test]
fn websocket_views_in_chinese() {
    websocket_views(Lang::Zh, "zh");
}

#[test]
fn breakdowns_in_english() {
    breakdowns(Lang::En, "en");
}

#[test]
fn breakdowns_in_chinese() {
    breakdowns(Lang::Zh, "zh");
}
