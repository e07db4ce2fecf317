//! Running one scenario end to end: start the servers, start capturing on loopback (filtered to the
//! lab's ports) or fall back to the recording relay, run the client script, finish the file.
//! Blocking: call it from a thread of its own (the CLI's main thread, the app's lab thread).

use super::relay::Relay;
use super::scenarios::{self, Ctx};
use super::servers::Servers;
use super::{Narrator, Note, Outcome};
use crate::source::live::{self, LiveOptions, LiveStats};
use crate::source::recorder::{self, RecordEvent};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Real packets captured on the loopback interface.
    Capture,
    /// Application bytes recorded by the relay (capturing was not permitted or not wanted).
    Relay,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub out: PathBuf,
    /// Try a packet capture first.
    pub capture: bool,
    /// Fall back to the relay when capturing is not possible.
    pub relay: bool,
    /// Capture interface (default: the first loopback interface).
    pub interface: Option<String>,
    /// Set from outside to end the run early (the app's Stop): the script is abandoned and the
    /// recording so far is kept.
    pub stop: Option<Arc<AtomicBool>>,
}

pub struct Finished {
    pub outcome: Outcome,
    pub notes: Vec<Note>,
    pub mode: Mode,
    /// Why capturing was not used, when the relay stood in.
    pub capture_problem: Option<String>,
    pub stats: Option<LiveStats>,
    pub out: PathBuf,
    /// The scenario's own failure (the file is written all the same).
    pub error: Option<String>,
}

pub type OnPacket = Box<dyn for<'a> FnMut(RecordEvent<'a>) -> bool + Send>;

fn loopback() -> String {
    live::interfaces().ok().and_then(|v| v.into_iter().find(|i| i.loopback).map(|i| i.name)).unwrap_or_else(|| "lo".into())
}

/// Runs scenario `id`, writing what it did to `opts.out`. `on_packet` sees every captured packet
/// as it is written (not called in relay mode: the file is complete when this returns).
pub fn run(id: &str, opts: &Options, say: Narrator, on_packet: Option<OnPacket>) -> Result<Finished, String> {
    let info = super::find(id).ok_or_else(|| format!("no lab scenario \"{id}\" (see `wirescope lab list`)"))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("wirescope-lab")
        .build()
        .map_err(|e| format!("cannot start the lab runtime: {e}"))?;
    let servers = rt.block_on(Servers::start()).map_err(|e| format!("cannot start the lab servers on 127.0.0.1: {e}"))?;
    let pending: Arc<Mutex<Vec<String>>> = Arc::default();
    let p2 = pending.clone();
    say.listen(move |n| {
        if let Ok(mut p) = p2.lock() {
            p.push(format!("{}\n{}", n.en, n.zh));
        }
    });
    let stop = Arc::new(AtomicBool::new(false));
    let user_stop = opts.stop.clone().unwrap_or_default();
    let mut capture_problem = None;
    let mut thread = None;
    if opts.capture {
        let iface = opts.interface.clone().unwrap_or_else(loopback);
        let filter = format!("tcp and ({})", servers.ports().iter().map(|p| format!("port {p}")).collect::<Vec<_>>().join(" or "));
        let lopts =
            LiveOptions { interface: iface, filter: Some(filter), snaplen: 262_144, promiscuous: false, count: None, duration: None };
        let (tx, rx) = std::sync::mpsc::channel::<Result<(), String>>();
        let (out, stop2, pending, keys) = (opts.out.clone(), stop.clone(), pending.clone(), servers.keys.clone());
        let mut on_packet = on_packet;
        let handle = std::thread::Builder::new()
            .name("wirescope-lab-capture".into())
            .spawn(move || {
                let tx2 = tx.clone();
                let r = recorder::record_with_secrets(
                    &lopts,
                    &out,
                    &stop2,
                    &AtomicBool::new(false),
                    || pending.lock().ok().and_then(|mut p| (!p.is_empty()).then(|| p.drain(..).collect::<Vec<_>>().join("\n"))),
                    || keys.take_new(),
                    |ev| {
                        if let RecordEvent::Started { .. } = ev {
                            let _ = tx2.send(Ok(()));
                        }
                        on_packet.as_mut().is_none_or(|f| f(ev))
                    },
                );
                if let Err(e) = &r {
                    let _ = tx.send(Err(e.clone()));
                }
                r
            })
            .map_err(|e| format!("cannot start the capture thread: {e}"))?;
        match rx.recv_timeout(Duration::from_secs(10)) {
            Ok(Ok(())) => thread = Some(handle),
            Ok(Err(e)) => {
                let _ = handle.join();
                capture_problem = Some(e);
            }
            Err(_) => {
                stop.store(true, Ordering::Relaxed);
                let _ = handle.join();
                capture_problem = Some("the capture did not start within 10 s".into());
            }
        }
    }
    let relay = if thread.is_none() {
        if !opts.relay {
            return Err(capture_problem.unwrap_or_else(|| "neither capture nor relay allowed".into()));
        }
        Some(rt.block_on(Relay::start(&servers.targets())).map_err(|e| format!("cannot start the recording relay: {e}"))?)
    } else {
        None
    };
    say.say(format!("Scenario: {}. {}", info.title.en, info.teaches.en), format!("场景：{}。{}", info.title.zh, info.teaches.zh));
    let cx = Ctx { servers: &servers, relay: relay.as_ref(), say: say.clone() };
    let result = rt.block_on(async {
        let stopped = async {
            while !user_stop.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        let r = tokio::select! {
            r = tokio::time::timeout(Duration::from_secs(60), scenarios::run(info.id, &cx)) => r,
            () = stopped => Ok(Err("stopped before the end".to_string())),
        };
        // Let the last ACKs and FINs go by before the capture stops.
        tokio::time::sleep(Duration::from_millis(400)).await;
        r
    });
    let (outcome, error) = match result {
        Ok(Ok(o)) => (o, None),
        Ok(Err(e)) => (Outcome::default(), Some(e)),
        Err(_) => (Outcome::default(), Some("the scenario did not finish within 60 s".into())),
    };
    let notes = say.notes();
    let mut stats = None;
    let mode = if let Some(t) = thread {
        stop.store(true, Ordering::Relaxed);
        stats = Some(t.join().map_err(|_| "the capture thread failed".to_string())??);
        Mode::Capture
    } else {
        let relay = relay.as_ref().ok_or("relay missing")?;
        let n: Vec<(i64, String)> = notes.iter().map(|n| (n.ts_ns, format!("{}\n{}", n.en, n.zh))).collect();
        crate::fs::write_atomic(&opts.out, |w| relay.write_pcapng(w, &n, &servers.keys.all()))
            .map_err(|e| format!("cannot write {}: {e}", opts.out.display()))?;
        Mode::Relay
    };
    rt.shutdown_timeout(Duration::from_secs(1));
    Ok(Finished { outcome, notes, mode, capture_problem, stats, out: opts.out.clone(), error })
}

/// A temporary file name for a lab run's capture.
pub fn temp_capture(id: &str) -> PathBuf {
    std::env::temp_dir().join(format!("wirescope-lab-{id}-{}-{}.pcapng", std::process::id(), super::now_ns()))
}
