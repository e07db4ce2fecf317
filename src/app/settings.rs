//! What the app remembers between runs (eframe persistence). Runtime handles live elsewhere.

use crate::analysis::explain::Lang;
use crate::analysis::ladder::Mode;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum TimeFormat {
    /// Seconds since the first packet.
    #[default]
    Relative,
    /// Seconds since the previous packet shown.
    Delta,
    /// Wall-clock time (UTC).
    Absolute,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub lang: Lang,
    pub dark: bool,
    pub recent: Vec<PathBuf>,
    pub time_format: TimeFormat,
    pub diagram_mode: Mode,
    pub replay_speed: f32,
    /// The whole UI's scale (egui's zoom factor): View → Zoom, Ctrl+= / Ctrl+- / Ctrl+0.
    pub zoom: f32,
    /// The side panels: the connections list (left) and the details (right).
    pub show_connections: bool,
    pub show_details: bool,
    /// The lab's narration and figures, below the views after a lab run.
    pub show_narration: bool,
    /// The key log each capture was last decrypted with (File → Key log file…), newest first:
    /// opening the capture again reads it.
    pub keylogs: Vec<KeyLogFor>,
}

/// A capture file and the TLS key log chosen for it (both absolute).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyLogFor {
    pub capture: PathBuf,
    pub keylog: PathBuf,
}

/// Captures whose key log is remembered, at most.
const KEYLOGS_KEPT: usize = 50;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            lang: Lang::En,
            dark: true,
            recent: Vec::new(),
            time_format: TimeFormat::Relative,
            diagram_mode: Mode::Messages,
            replay_speed: 1.0,
            zoom: 1.0,
            show_connections: true,
            show_details: true,
            show_narration: true,
            keylogs: Vec::new(),
        }
    }
}

impl Settings {
    pub fn remember(&mut self, path: PathBuf) {
        self.recent.retain(|p| p != &path);
        self.recent.insert(0, path);
        self.recent.truncate(10);
    }

    /// Remembers `keylog` as the key log of `capture` (replacing an older choice).
    pub fn remember_keylog(&mut self, capture: PathBuf, keylog: PathBuf) {
        self.keylogs.retain(|k| k.capture != capture);
        self.keylogs.insert(0, KeyLogFor { capture, keylog });
        self.keylogs.truncate(KEYLOGS_KEPT);
    }

    /// The key log remembered for `capture`.
    pub fn keylog_for(&self, capture: &std::path::Path) -> Option<&PathBuf> {
        self.keylogs.iter().find(|k| k.capture == capture).map(|k| &k.keylog)
    }

    /// The zoom to start with: a saved value, kept within what egui allows.
    pub fn zoom_factor(&self) -> f32 {
        if self.zoom.is_finite() {
            self.zoom.clamp(0.5, 3.0)
        } else {
            1.0
        }
    }
}
