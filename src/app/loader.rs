//! Loading a capture on a background thread: events go to the UI in batches over a channel, with
//! progress, connection snapshots while loading, cancel, and the time it took. The UI thread never
//! waits on it.

use crate::engine::PacketSummary;
use crate::limits::Limits;
use crate::load;
use crate::model::{Connection, Event};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where a capture comes from.
#[derive(Debug, Clone)]
pub enum Source {
    File(PathBuf),
    /// A capture compiled into the binary (the first-start example).
    Embedded {
        name: &'static str,
        bytes: &'static [u8],
    },
}

impl Source {
    pub fn name(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Embedded { name, .. } => (*name).to_string(),
        }
    }
}

pub enum LoadMsg {
    Batch(Vec<Event>),
    Progress { read: u64, total: u64, connections: Vec<Connection> },
    Done { packets: Box<PacketSummary>, connections: Vec<Connection>, warning: Option<String>, elapsed: Duration },
    Failed(String),
}

pub struct Loader {
    /// Which load this is: messages from an older one are ignored.
    pub id: u64,
    pub rx: Receiver<(u64, LoadMsg)>,
    cancel: Arc<AtomicBool>,
}

impl Loader {
    pub fn start(id: u64, source: Source, repaint: impl Fn() + Send + 'static) -> Loader {
        let (tx, rx) = sync_channel(16);
        let cancel = Arc::new(AtomicBool::new(false));
        let stop = cancel.clone();
        std::thread::Builder::new()
            .name("wirescope-loader".into())
            .spawn(move || {
                let t0 = Instant::now();
                let limits = Limits { packet_rows: true, frame_events: true, ..Limits::default() };
                let mut last_snapshot = Instant::now();
                let batch = |eng: &mut crate::engine::Engine, read: u64, total: u64| {
                    let events: Vec<Event> = eng.drain_events().collect();
                    if tx.send((id, LoadMsg::Batch(events))).is_err() {
                        return false;
                    }
                    if last_snapshot.elapsed() > Duration::from_millis(200) {
                        last_snapshot = Instant::now();
                        let _ = tx.send((id, LoadMsg::Progress { read, total, connections: eng.connections() }));
                    }
                    repaint();
                    !stop.load(Ordering::Relaxed)
                };
                let result = match &source {
                    Source::File(p) => load::load_file(p, limits, batch),
                    Source::Embedded { name, bytes } => load::load_reader(*bytes, bytes.len() as u64, name, limits, batch),
                };
                let msg = match result {
                    Ok(l) => LoadMsg::Done {
                        packets: Box::new(l.engine.packets.clone()),
                        connections: l.engine.connections(),
                        warning: l.warning,
                        elapsed: t0.elapsed(),
                    },
                    Err(e) => LoadMsg::Failed(e),
                };
                let _ = tx.send((id, msg));
                repaint();
            })
            .expect("spawn loader thread");
        Loader { id, rx, cancel }
    }

    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}
