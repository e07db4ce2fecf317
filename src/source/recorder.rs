//! A live capture written to a file as it runs: `FILE.part` while capturing (flushed often, so a
//! crash keeps what was seen), then synced and renamed to `FILE`. Used by `wirescope capture`, the
//! lab and the app's live view alike.

use super::live::{self, LiveEvent, LiveOptions, LiveStats};
use super::pcap_writer::CaptureWriter;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A writer that knows how many bytes went through it, so each packet's place in the file is known
/// (the app reads packet bytes back from the file by offset).
pub struct Counting<W: Write> {
    inner: W,
    pub written: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(b)?;
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// One recorded packet, as handed to the caller.
pub struct Recorded<'a> {
    pub ts: i64,
    pub link_type: u32,
    pub data: &'a [u8],
    pub orig_len: u32,
    /// Where the packet's bytes start in the file being written.
    pub file_offset: u64,
}

/// What the caller hears while recording.
pub enum RecordEvent<'a> {
    Started {
        link_type: u32,
    },
    Packet(Recorded<'a>),
    /// TLS key-log lines just written to the file as a Decryption Secrets Block, before the packet
    /// that follows: a live view decrypts with them as a reader of the file would.
    Secrets(&'a str),
    /// All packets so far are on disk (readable by offset).
    Flushed,
    Stats(LiveStats),
}

pub fn part_path(out: &Path) -> PathBuf {
    out.with_file_name(format!("{}.part", out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()))
}

/// Whether `out`'s extension asks for .pcapng (anything else is written as classic .pcap).
pub fn wants_pcapng(out: &Path) -> bool {
    out.extension().is_some_and(|e| e.eq_ignore_ascii_case("pcapng"))
}

type Writer = CaptureWriter<Counting<BufWriter<File>>>;

/// Captures as [`live::capture`] does and writes every packet to `out` (format by extension).
/// `comment` is asked once per packet for a note to attach to it (.pcapng only). While `paused` is
/// set, packets are dropped (neither written nor handed on) and counted in `LiveStats::skipped`.
pub fn record(
    opts: &LiveOptions,
    out: &Path,
    stop: &AtomicBool,
    paused: &AtomicBool,
    comment: impl FnMut() -> Option<String>,
    on_event: impl FnMut(RecordEvent) -> bool,
) -> Result<LiveStats, String> {
    record_with_secrets(opts, out, stop, paused, comment, || None, on_event)
}

/// As [`record`]; `secrets` is asked before each packet for TLS key-log lines logged since the
/// last ask (the lab's and the builder's own TLS connections), written as a Decryption Secrets
/// Block ahead of that packet (.pcapng only), so the file decrypts in wirescope and Wireshark.
pub fn record_with_secrets(
    opts: &LiveOptions,
    out: &Path,
    stop: &AtomicBool,
    paused: &AtomicBool,
    mut comment: impl FnMut() -> Option<String>,
    mut secrets: impl FnMut() -> Option<String>,
    mut on_event: impl FnMut(RecordEvent) -> bool,
) -> Result<LiveStats, String> {
    let part = part_path(out);
    let file = File::create(&part).map_err(|e| format!("cannot write {}: {e}", part.display()))?;
    let pcapng = wants_pcapng(out);
    let mut file = Some(file);
    let mut writer: Option<Writer> = None;
    let mut io_err: Option<String> = None;
    let mut last_flush = Instant::now();
    let mut dirty = false;
    let mut skipped = 0u64;
    let open = |f: File, link: u32| -> Result<Writer, String> {
        CaptureWriter::new(Counting { inner: BufWriter::with_capacity(1 << 16, f), written: 0 }, link, &opts.interface, pcapng)
            .map_err(|e| format!("cannot write {}: {e}", part.display()))
    };
    let result = live::capture(opts, stop, |ev| match ev {
        LiveEvent::Started { link_type } => {
            if let Some(f) = file.take() {
                match open(f, link_type) {
                    Ok(w) => writer = Some(w),
                    Err(e) => {
                        io_err = Some(e);
                        stop.store(true, Ordering::Relaxed);
                    }
                }
            }
            if !on_event(RecordEvent::Started { link_type }) {
                stop.store(true, Ordering::Relaxed);
            }
        }
        LiveEvent::Packet { ts, link_type, data, orig_len } => {
            let Some(w) = writer.as_mut() else { return };
            if paused.load(Ordering::Relaxed) {
                skipped += 1;
                return;
            }
            if let Some(keys) = secrets() {
                if let Err(e) = w.tls_secrets(&keys) {
                    io_err.get_or_insert(format!("writing {}: {e}", part.display()));
                    stop.store(true, Ordering::Relaxed);
                    return;
                }
                on_event(RecordEvent::Secrets(&keys));
            }
            let file_offset = w.get_ref().written + w.data_offset();
            let note = comment();
            if let Err(e) = w.packet_with_comment(ts, data, orig_len, note.as_deref()) {
                io_err.get_or_insert(format!("writing {}: {e}", part.display()));
                stop.store(true, Ordering::Relaxed);
                return;
            }
            dirty = true;
            if last_flush.elapsed() > Duration::from_millis(200) && w.flush().is_ok() {
                last_flush = Instant::now();
                dirty = false;
                on_event(RecordEvent::Flushed);
            }
            if !on_event(RecordEvent::Packet(Recorded { ts, link_type, data, orig_len, file_offset })) {
                stop.store(true, Ordering::Relaxed);
            }
        }
        LiveEvent::Idle => {
            if let Some(w) = writer.as_mut() {
                if dirty && w.flush().is_ok() {
                    dirty = false;
                    last_flush = Instant::now();
                    on_event(RecordEvent::Flushed);
                }
            }
        }
        LiveEvent::Stats(mut s) => {
            s.skipped = skipped;
            on_event(RecordEvent::Stats(s));
        }
    });
    let stats = match result {
        Ok(mut s) => {
            s.skipped = skipped;
            s
        }
        Err(e) => {
            let _ = std::fs::remove_file(&part);
            return Err(e);
        }
    };
    if let Some(e) = io_err {
        return Err(e);
    }
    let w = match writer {
        Some(w) => w,
        // Never started (stopped at once): still a valid, empty file.
        None => open(file.take().ok_or("capture file lost")?, stats.link_type)?,
    };
    let finish = || -> std::io::Result<()> {
        let mut f = w.into_inner().inner.into_inner().map_err(|e| e.into_error())?;
        f.flush()?;
        f.sync_all()?;
        crate::fs::replace_with(&part, out)
    };
    finish().map_err(|e| format!("cannot finish {}: {e}", out.display()))?;
    on_event(RecordEvent::Flushed);
    Ok(stats)
}
