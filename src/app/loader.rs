//! Loading a capture on a background thread: events go to the UI in batches over a channel, with
//! progress, connection snapshots while loading, cancel, and the time it took. The UI thread never
//! waits on it.

use crate::engine::Engine;
use crate::limits::Limits;
use crate::load;
use crate::model::PacketSummary;
use crate::model::{Connection, Event};
use crate::source::recorder::RecordEvent;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
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
    /// A live capture or lab run, written to `path` (as `path.part` while it runs).
    Live {
        path: PathBuf,
        label: String,
    },
}

impl Source {
    pub fn name(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Embedded { name, .. } => (*name).to_string(),
            Source::Live { label, .. } => label.clone(),
        }
    }

    /// The file packet bytes can be read back from, if any.
    pub fn file(&self) -> Option<PathBuf> {
        match self {
            Source::File(p) => Some(p.clone()),
            Source::Embedded { .. } => None,
            Source::Live { path, .. } => {
                let part = crate::source::recorder::part_path(path);
                Some(if part.exists() { part } else { path.clone() })
            }
        }
    }
}

/// What a live loader runs.
#[derive(Debug, Clone)]
pub enum LiveJob {
    Capture(crate::source::live::LiveOptions),
    /// A lab scenario; `relay` forces the recording relay instead of a packet capture.
    Lab {
        scenario: &'static str,
        relay: bool,
    },
}

/// Messages only live runs send.
pub enum LiveMsg {
    Started,
    Stats(crate::source::live::LiveStats),
    Note(crate::lab::Note),
    LabDone { figures: Vec<crate::lab::Figure>, relay: bool, capture_problem: Option<String>, error: Option<String> },
}

/// Where live captures are kept: `$XDG_DATA_HOME/wirescope/captures` (or ~/.local/share/...),
/// so a capture survives a crash or a reboot.
pub fn live_dir() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("wirescope").join("captures")
}

/// A fresh file name in `dir` for a capture called `what`.
pub fn live_path(dir: &std::path::Path, what: &str) -> PathBuf {
    // Milliseconds: two runs started in the same second must not share a file.
    let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    let clean: String = what.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    dir.join(format!("{clean}-{ms}.pcapng"))
}

pub enum LoadMsg {
    Batch(Vec<Event>),
    Progress { read: u64, total: u64, connections: Vec<Connection> },
    Done { packets: Box<PacketSummary>, connections: Vec<Connection>, warning: Option<String>, elapsed: Duration },
    Failed(String),
    Live(LiveMsg),
}

/// When the loader sends the connections' figures while it reads: every `every`, but never more
/// than a fifth of the time (a snapshot of a million connections takes a while, and taking it at
/// a fixed rate would make loading quadratic in the number of connections).
struct Snapshots {
    every: Duration,
    next: Instant,
}

impl Snapshots {
    fn new(every: Duration) -> Self {
        Snapshots { every, next: Instant::now() + every }
    }

    fn due(&self) -> bool {
        Instant::now() >= self.next
    }

    /// Takes a snapshot with `f` and sets when the next one is due.
    fn take<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let t0 = Instant::now();
        let v = f();
        let took = t0.elapsed();
        self.next = Instant::now() + self.every.max(took * 4);
        v
    }
}

pub struct Loader {
    /// Which load this is: messages from an older one are ignored.
    pub id: u64,
    pub rx: Receiver<(u64, LoadMsg)>,
    cancel: Arc<AtomicBool>,
}

impl Loader {
    /// Loads `source` with the TLS key log `keys` (the file's Decryption Secrets Blocks are added
    /// to it as they are read, so the caller can count them afterwards).
    pub fn start(id: u64, source: Source, keys: load::Keys, repaint: impl Fn() + Send + 'static) -> Loader {
        let (tx, rx) = sync_channel(16);
        let cancel = Arc::new(AtomicBool::new(false));
        let stop = cancel.clone();
        std::thread::Builder::new()
            .name("wirescope-loader".into())
            .spawn(move || {
                let t0 = Instant::now();
                let limits = Limits { packet_rows: true, frame_events: true, ..Limits::default() };
                let mut snapshots = Snapshots::new(Duration::from_millis(200));
                let batch = |eng: &mut crate::engine::Engine, read: u64, total: u64| {
                    let events: Vec<Event> = eng.drain_events().collect();
                    if tx.send((id, LoadMsg::Batch(events))).is_err() {
                        return false;
                    }
                    if snapshots.due() {
                        let connections = snapshots.take(|| eng.connections());
                        let _ = tx.send((id, LoadMsg::Progress { read, total, connections }));
                    }
                    repaint();
                    !stop.load(Ordering::Relaxed)
                };
                let opts = load::LoadOptions { limits, keys };
                let result = match &source {
                    Source::File(p) => load::load_file(p, opts, batch),
                    Source::Embedded { name, bytes } => load::load_reader(*bytes, bytes.len() as u64, name, opts, batch),
                    Source::Live { path, .. } => load::load_file(path, opts, batch),
                };
                let msg = match result {
                    Ok(l) => LoadMsg::Done {
                        packets: Box::new(l.engine.packets().clone()),
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

    /// Captures live (or runs a lab scenario) into `path`, decoding as packets arrive. `cancel`
    /// stops the capture (the file is kept); `paused` drops packets while set.
    pub fn live(id: u64, job: LiveJob, path: PathBuf, paused: Arc<AtomicBool>, repaint: impl Fn() + Send + Sync + 'static) -> Loader {
        let (tx, rx) = sync_channel(64);
        let cancel = Arc::new(AtomicBool::new(false));
        let stop = cancel.clone();
        let repaint = Arc::new(repaint);
        std::thread::Builder::new()
            .name("wirescope-live".into())
            .spawn(move || {
                let t0 = Instant::now();
                if let Some(dir) = path.parent() {
                    if let Err(e) = std::fs::create_dir_all(dir) {
                        let _ = tx.send((id, LoadMsg::Failed(format!("cannot create {}: {e}", dir.display()))));
                        repaint();
                        return;
                    }
                }
                let limits = Limits { packet_rows: true, frame_events: true, ..Limits::default() };
                let feeder = Arc::new(std::sync::Mutex::new(Feeder::new(id, limits.clone(), tx.clone(), repaint.clone())));
                let f2 = feeder.clone();
                let on_event = move |ev: RecordEvent| -> bool {
                    let Ok(mut f) = f2.lock() else { return false };
                    f.event(ev)
                };
                let result: Result<Option<LiveMsg>, String> = match job {
                    LiveJob::Capture(opts) => {
                        let tx3 = tx.clone();
                        crate::source::recorder::record_with_secrets(
                            &opts,
                            &path,
                            &stop,
                            &paused,
                            || None,
                            // The request builder's TLS keys, so its own https/wss traffic decrypts.
                            || crate::builder::key_log().take_new(),
                            on_event,
                        )
                        .map(|stats| {
                            // The final counts, drops included, as libpcap reports them at the end.
                            let _ = tx3.send((id, LoadMsg::Live(LiveMsg::Stats(stats))));
                            None
                        })
                    }
                    LiveJob::Lab { scenario, relay } => {
                        let say = crate::lab::Narrator::default();
                        let (tx2, r2) = (tx.clone(), repaint.clone());
                        say.listen(move |n| {
                            let _ = tx2.send((id, LoadMsg::Live(LiveMsg::Note(n.clone()))));
                            r2();
                        });
                        let opts = crate::lab::run::Options {
                            out: path.clone(),
                            capture: !relay,
                            relay: true,
                            interface: None,
                            stop: Some(stop.clone()),
                        };
                        crate::lab::run::run(scenario, &opts, say, Some(Box::new(on_event))).map(|done| {
                            Some(LiveMsg::LabDone {
                                figures: done.outcome.figures,
                                relay: done.mode == crate::lab::run::Mode::Relay,
                                capture_problem: done.capture_problem,
                                error: done.error,
                            })
                        })
                    }
                };
                let finished = match result {
                    Err(e) => {
                        let _ = tx.send((id, LoadMsg::Failed(e)));
                        repaint();
                        return;
                    }
                    Ok(m) => m,
                };
                let relayed = matches!(finished, Some(LiveMsg::LabDone { relay: true, .. }));
                if let Some(m) = finished {
                    let _ = tx.send((id, LoadMsg::Live(m)));
                }
                let Ok(mut f) = feeder.lock() else { return };
                if relayed {
                    // The relay's recording exists only now: decode it as a file.
                    let opts = load::LoadOptions { limits, keys: Default::default() };
                    let loaded = load::load_file(&path, opts, |eng, _, _| {
                        let events: Vec<Event> = eng.drain_events().collect();
                        tx.send((id, LoadMsg::Batch(events))).is_ok()
                    });
                    match loaded {
                        Ok(l) => f.engine = l.engine,
                        Err(e) => {
                            let _ = tx.send((id, LoadMsg::Failed(e)));
                            repaint();
                            return;
                        }
                    }
                } else {
                    f.engine.finish();
                    f.flush(true);
                }
                let _ = tx.send((
                    id,
                    LoadMsg::Done {
                        packets: Box::new(f.engine.packets().clone()),
                        connections: f.engine.connections(),
                        warning: None,
                        elapsed: t0.elapsed(),
                    },
                ));
                repaint();
            })
            .expect("spawn live thread");
        Loader { id, rx, cancel }
    }
}

/// Runs captured packets through an engine and sends the UI what it decoded, in batches: when the
/// file has caught up (so packet bytes can be read back) or every 100 ms.
struct Feeder {
    id: u64,
    engine: Engine,
    /// The key log the engine decrypts with, filled from the recording's secrets as they come.
    keys: load::Keys,
    number: u64,
    tx: SyncSender<(u64, LoadMsg)>,
    repaint: Arc<dyn Fn() + Send + Sync>,
    last: Instant,
    snapshots: Snapshots,
}

impl Feeder {
    fn new(id: u64, limits: Limits, tx: SyncSender<(u64, LoadMsg)>, repaint: Arc<dyn Fn() + Send + Sync>) -> Feeder {
        let keys = load::Keys::default();
        let mut engine = Engine::new(limits);
        engine.set_keys(keys.clone());
        Feeder { id, engine, keys, number: 0, tx, repaint, last: Instant::now(), snapshots: Snapshots::new(Duration::from_millis(250)) }
    }

    fn event(&mut self, ev: RecordEvent) -> bool {
        match ev {
            RecordEvent::Started { .. } => {
                let _ = self.tx.send((self.id, LoadMsg::Live(LiveMsg::Started)));
                (self.repaint)();
            }
            RecordEvent::Packet(p) => {
                self.number += 1;
                self.engine.packet(self.number, p.ts, p.link_type, p.data, p.file_offset, None);
                if self.last.elapsed() > Duration::from_millis(100) {
                    return self.flush(false);
                }
            }
            RecordEvent::Secrets(text) => {
                if let Ok(mut k) = self.keys.write() {
                    k.add_text(text);
                }
            }
            RecordEvent::Flushed => return self.flush(true),
            RecordEvent::Stats(s) => {
                let _ = self.tx.try_send((self.id, LoadMsg::Live(LiveMsg::Stats(s))));
                (self.repaint)();
            }
        }
        true
    }

    /// Sends what was decoded; `false` when the UI has gone away.
    fn flush(&mut self, snapshot: bool) -> bool {
        self.last = Instant::now();
        let events: Vec<Event> = self.engine.drain_events().collect();
        if !events.is_empty() && self.tx.send((self.id, LoadMsg::Batch(events))).is_err() {
            return false;
        }
        if snapshot || self.snapshots.due() {
            let engine = &self.engine;
            let connections = self.snapshots.take(|| engine.connections());
            let _ = self.tx.send((self.id, LoadMsg::Progress { read: self.number, total: 0, connections }));
        }
        (self.repaint)();
        true
    }
}
