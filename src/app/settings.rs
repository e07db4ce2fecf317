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
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            lang: Lang::En,
            dark: true,
            recent: Vec::new(),
            time_format: TimeFormat::Relative,
            diagram_mode: Mode::Messages,
            replay_speed: 1.0,
        }
    }
}

impl Settings {
    pub fn remember(&mut self, path: PathBuf) {
        self.recent.retain(|p| p != &path);
        self.recent.insert(0, path);
        self.recent.truncate(10);
    }
}
