//! What is selected (a connection, and maybe one of its items), and Back/Forward through past
//! selections. Pure: no egui; the app keeps the current selection in `View` and asks this type
//! where Back and Forward lead.

use crate::analysis::ladder::Target;

/// One selection: a connection, and maybe an item (HTTP exchange, WebSocket frame or message,
/// packet) of it. `item: None` means the connection itself (its summary in the details panel).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selection {
    pub conn: Option<u32>,
    pub item: Option<Target>,
}

/// Past and future selections around the current one, as a browser keeps them: a new selection
/// drops the future; Back and Forward move the current one between the two stacks.
#[derive(Debug, Clone, Default)]
pub struct History {
    back: Vec<Selection>,
    forward: Vec<Selection>,
}

/// Enough for a lesson; the oldest are dropped first.
const DEPTH: usize = 100;

impl History {
    /// `current` is left for `next`: it becomes the newest past selection (unless nothing changed).
    pub fn go(&mut self, current: Selection, next: Selection) {
        if current == next {
            return;
        }
        if current != (Selection { conn: None, item: None }) {
            self.back.push(current);
            if self.back.len() > DEPTH {
                self.back.remove(0);
            }
        }
        self.forward.clear();
    }

    /// Where Back leads from `current`, if anywhere (`current` is kept for Forward).
    pub fn back(&mut self, current: Selection) -> Option<Selection> {
        let prev = self.back.pop()?;
        self.forward.push(current);
        Some(prev)
    }

    /// Where Forward leads from `current`, if anywhere (`current` is kept for Back).
    pub fn forward(&mut self, current: Selection) -> Option<Selection> {
        let next = self.forward.pop()?;
        self.back.push(current);
        Some(next)
    }

    pub fn can_back(&self) -> bool {
        !self.back.is_empty()
    }

    pub fn can_forward(&self) -> bool {
        !self.forward.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(c: u32) -> Selection {
        Selection { conn: Some(c), item: None }
    }
    fn item(c: u32, t: Target) -> Selection {
        Selection { conn: Some(c), item: Some(t) }
    }

    #[test]
    fn back_and_forward_walk_the_selections_in_order() {
        let mut h = History::default();
        let steps = [conn(0), item(0, Target::WsFrame(3)), conn(1), item(1, Target::Http(2))];
        let mut cur = Selection { conn: None, item: None };
        for s in steps {
            h.go(cur, s);
            cur = s;
        }
        let mut seen = vec![cur];
        while let Some(p) = h.back(cur) {
            cur = p;
            seen.push(cur);
        }
        assert_eq!(seen, steps.iter().rev().copied().collect::<Vec<_>>(), "the empty start is not a step");
        assert!(!h.can_back() && h.can_forward());
        let mut again = vec![cur];
        while let Some(n) = h.forward(cur) {
            cur = n;
            again.push(cur);
        }
        assert_eq!(again, steps.to_vec());
    }

    #[test]
    fn a_new_selection_drops_the_future_and_repeats_are_not_steps() {
        let mut h = History::default();
        h.go(conn(0), conn(1));
        h.go(conn(1), conn(1));
        assert_eq!(h.back(conn(1)), Some(conn(0)));
        assert!(h.can_forward());
        h.go(conn(0), conn(2));
        assert!(!h.can_forward(), "choosing something new forgets what Back had left");
        assert_eq!(h.back(conn(2)), Some(conn(0)));
        assert_eq!(h.back(conn(0)), None);
        assert_eq!(h.forward(conn(0)), Some(conn(2)));
        assert_eq!(h.forward(conn(2)), None);
    }

    #[test]
    fn the_history_is_bounded() {
        let mut h = History::default();
        for c in 0..(DEPTH as u32 + 50) {
            h.go(conn(c), conn(c + 1));
        }
        let mut cur = conn(DEPTH as u32 + 50);
        let mut n = 0;
        while let Some(p) = h.back(cur) {
            cur = p;
            n += 1;
        }
        assert_eq!(n, DEPTH);
        assert_eq!(cur, conn(50), "the oldest were dropped");
    }
}
