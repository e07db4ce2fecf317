//! The replay of a ladder diagram as a small state machine over the diagram's vertical axis: the
//! window turns buttons and keys into these calls and draws what [`Replay::playhead`] says. Pure.

use super::ladder::{step_back, step_forward, Geometry};

/// Replay position and the diagram's per-connection choices (not saved).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Replay {
    /// Position on the diagram's axis; `None` shows everything.
    pub playhead: Option<f32>,
    pub playing: bool,
    /// A step asked for from the keyboard, applied on the next frame: true = forward.
    pub step: Option<bool>,
    /// A second connection drawn beside the selected one.
    pub compare_with: Option<u32>,
    /// Cut long idle stretches; `None`: the default (cut alone, not when comparing).
    pub cut_idle: Option<bool>,
    /// Set by a restart: the view goes back to the top once.
    pub jumped: bool,
}

impl Replay {
    /// Back to the start, nothing shown yet.
    pub fn restart(&mut self) {
        self.playhead = Some(-1.0);
        self.playing = false;
        self.jumped = true;
    }

    /// Whether the view should jump to the playhead now (once after a restart).
    pub fn take_jump(&mut self) -> bool {
        std::mem::take(&mut self.jumped)
    }

    pub fn show_all(&mut self) {
        self.playhead = None;
        self.playing = false;
    }

    /// Play from where it is (from the start when everything is already shown), or pause.
    pub fn toggle_play(&mut self, end: f32) {
        if !self.playing && self.playhead.is_none_or(|p| p >= end) {
            self.playhead = Some(-1.0);
        }
        self.playing = !self.playing;
    }

    /// Applies a pending step: the next arrow appears and lands, or the last one shown goes.
    /// Returns whether a step was taken (the view then follows the playhead).
    pub fn apply_step(&mut self, geoms: &[Geometry], end: f32) -> bool {
        let Some(fwd) = self.step.take() else { return false };
        let head = self.playhead.unwrap_or(if fwd { -1.0 } else { end });
        self.playhead = Some(if fwd { step_forward(geoms, head) } else { step_back(geoms, head) });
        self.playing = false;
        true
    }

    /// Moves the playhead on by `dy` while playing; stops at `end`.
    pub fn advance(&mut self, dy: f32, end: f32) {
        if !self.playing {
            return;
        }
        let head = self.playhead.unwrap_or(-1.0) + dy;
        if head >= end {
            self.playhead = Some(end);
            self.playing = false;
        } else {
            self.playhead = Some(head);
        }
    }

    pub fn scrub(&mut self, y: f32) {
        self.playhead = Some(y);
        self.playing = false;
    }

    pub fn cut_idle(&self) -> bool {
        self.cut_idle.unwrap_or(self.compare_with.is_none())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn play_step_and_scrub() {
        let g = [Geometry { y0: 10.0, y1: 20.0 }, Geometry { y0: 30.0, y1: 40.0 }];
        let mut r = Replay::default();
        r.toggle_play(40.0);
        assert_eq!(r.playhead, Some(-1.0), "playing a fully shown diagram starts from the beginning");
        r.advance(25.0, 40.0);
        assert_eq!(r.playhead, Some(24.0));
        r.advance(100.0, 40.0);
        assert_eq!((r.playhead, r.playing), (Some(40.0), false), "stops at the end");
        r.restart();
        r.step = Some(true);
        r.apply_step(&g, 40.0);
        assert_eq!(r.playhead, Some(20.0), "one step: the first arrow appears and lands");
        r.step = Some(false);
        r.apply_step(&g, 40.0);
        assert!(r.playhead.unwrap() < 10.0);
        r.scrub(35.0);
        assert!(!r.playing);
        r.show_all();
        assert_eq!(r.playhead, None);
        assert!(r.cut_idle());
        r.compare_with = Some(3);
        assert!(!r.cut_idle(), "compare mode keeps waiting visible");
    }
}
