//! Reading a capture file through the engine, in batches, with progress. The I/O edge of analysis.

use crate::engine::{Apps, Engine, FlowOut, Flows};
use crate::flow::Chunk;
use crate::limits::Limits;
use crate::model::{Dir, Event, Nanos, PacketNo, Protocol};
/// The key log a capture is read with (shared with the engine, filled from a file or the capture).
pub use crate::proto::tls::Keys;
use crate::source::{CaptureReader, ReadError};
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender};

/// What a file is decoded with: the limits, and the TLS key log every decoding thread shares
/// (filled from `--keylog` and the file's Decryption Secrets Blocks). A bare [`Limits`] converts
/// to it, with an empty key log.
#[derive(Clone, Default)]
pub struct LoadOptions {
    pub limits: Limits,
    pub keys: Keys,
}

impl From<Limits> for LoadOptions {
    fn from(limits: Limits) -> Self {
        LoadOptions { limits, keys: Keys::default() }
    }
}

/// Packets between two calls of the batch callback.
pub const BATCH: u64 = 4096;

/// Events a load with one decoding thread hands over at most at a time, however few packets made
/// them: a packet of tiny WebSocket frames makes hundreds of messages, and two million empty
/// pings in 3000 packets (issue 15) piled up as 674 MiB of events before the first hand-over.
pub const BATCH_EVENTS: usize = 16 * 1024;

/// With several decoding threads, each batch is decoded in steps of about this many stream bytes
/// (of all threads together), every thread handing over its events after each step: the threads'
/// events are put back in order step by step, so a step must end at the same place for all of
/// them, which a count of bytes dealt (unlike a count of events made) gives. A byte makes at
/// most one event in two (a 2-byte WebSocket frame).
const STEP_BYTES: usize = 64 * 1024;

/// The result of reading a whole file: the engine (finished) and, when the file was cut short or
/// damaged after some packets, a warning to show beside the partial results.
pub struct Loaded {
    pub engine: Engine,
    pub warning: Option<String>,
}

/// Opens `path` and runs every packet through a new engine. `batch` runs every [`BATCH`] packets
/// and once at the end (after `finish`), with the bytes read so far and the file size, so the caller
/// can drain events and show progress; returning false cancels the load.
pub fn load_file(path: &Path, opts: impl Into<LoadOptions>, batch: impl FnMut(&mut Engine, u64, u64) -> bool) -> Result<Loaded, String> {
    let (file, size, name) = open(path)?;
    load_reader(file, size, &name, opts, batch)
}

/// Reads a key log file (NSS format, as SSLKEYLOGFILE writes it). An unreadable file is an
/// error; lines that are not key log lines are counted (`KeyLog::bad_lines`), not fatal.
pub fn read_keylog(path: &Path) -> Result<Keys, String> {
    let name = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read key log {name}: {}", io_reason(&e)))?;
    if meta.is_dir() {
        return Err(format!("cannot read key log {name}: it is a directory"));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read key log {name}: {}", io_reason(&e)))?;
    let keys = Keys::default();
    add_secrets(&keys, &bytes);
    Ok(keys)
}

/// How many connections a key log has secrets for, and how many of its lines were not read.
pub fn keylog_counts(keys: &Keys) -> (usize, u64) {
    keys.read().map_or((0, 0), |k| (k.len(), k.bad_lines))
}

/// Key log text (a file's, or a Decryption Secrets Block's) into `keys`.
fn add_secrets(keys: &Keys, text: &[u8]) {
    if let Ok(mut k) = keys.write() {
        k.add_text(&String::from_utf8_lossy(text));
    }
}

/// Sends a reader's Decryption Secrets Blocks into `keys`.
fn keep_secrets<R: Read>(reader: &mut CaptureReader<R>, keys: &Keys) {
    let keys = keys.clone();
    reader.on_tls_secrets(Box::new(move |text| add_secrets(&keys, text)));
}

/// [`load_file`] with a key log for TLS decryption; the file's Decryption Secrets Blocks are
/// added to `keys` as they are read.
pub fn load_file_keys(path: &Path, limits: Limits, keys: Keys, batch: impl FnMut(&mut Engine, u64, u64) -> bool) -> Result<Loaded, String> {
    load_file(path, LoadOptions { limits, keys }, batch)
}

/// [`load_file_pipelined`] with a key log (see [`load_file_keys`]).
pub fn load_file_pipelined_keys(
    path: &Path,
    limits: Limits,
    keys: Keys,
    batch: impl FnMut(EventBatch, u64, u64) -> bool,
) -> Result<Loaded, String> {
    load_file_pipelined(path, LoadOptions { limits, keys }, batch)
}

/// [`load_reader`] with a key log (see [`load_file_keys`]).
pub fn load_reader_keys<R: Read + Send>(
    src: R,
    size: u64,
    name: &str,
    limits: Limits,
    keys: Keys,
    batch: impl FnMut(&mut Engine, u64, u64) -> bool,
) -> Result<Loaded, String> {
    load_reader(src, size, name, LoadOptions { limits, keys }, batch)
}

/// [`load_reader_sharded`] with a key log (see [`load_file_keys`]).
pub fn load_reader_sharded_keys<R: Read + Send>(
    src: R,
    size: u64,
    name: &str,
    limits: Limits,
    shards: usize,
    keys: Keys,
    batch: impl FnMut(EventBatch, u64, u64) -> bool,
) -> Result<Loaded, String> {
    load_reader_sharded(src, size, name, LoadOptions { limits, keys }, shards, batch)
}

/// The file, its size and its name for messages. No BufReader: the capture reader reads ahead in
/// large blocks itself.
fn open(path: &Path) -> Result<(File, u64, String), String> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|e| format!("cannot open {name}: {}", io_reason(&e)))?;
    let meta = file.metadata().map_err(|e| format!("cannot open {name}: {}", io_reason(&e)))?;
    if meta.is_dir() {
        return Err(format!("cannot open {name}: it is a directory"));
    }
    Ok((file, meta.len(), name))
}

/// Packets (or bytes) per hand-over from the reading thread.
const READ_BATCH: usize = 1024;
const READ_BATCH_BYTES: usize = 4 << 20;

/// Packets read ahead by the reading thread: their bytes back to back, and where each one is.
struct ReadBatch {
    data: Vec<u8>,
    packets: Vec<ReadPacket>,
    /// Bytes of the file consumed after the last packet here (for progress).
    position: u64,
    /// Set on the last batch when reading stopped on an error.
    error: Option<ReadError>,
}

struct ReadPacket {
    number: u64,
    ts_ns: i64,
    link_type: u32,
    at: usize,
    len: usize,
    file_offset: u64,
    comment: Option<String>,
}

/// The same from any reader (a capture held in memory, for instance); `size` is for progress.
///
/// Reading and record framing run on a thread of their own, a few batches ahead of the engine, so
/// that the file's I/O is off the decoder's critical path.
pub fn load_reader<R: Read + Send>(
    src: R,
    size: u64,
    name: &str,
    opts: impl Into<LoadOptions>,
    mut batch: impl FnMut(&mut Engine, u64, u64) -> bool,
) -> Result<Loaded, String> {
    let LoadOptions { limits, keys } = opts.into();
    let mut reader = CaptureReader::new(src).map_err(|e| format!("{name}: {e}"))?;
    keep_secrets(&mut reader, &keys);
    let mut engine = Engine::new(limits);
    engine.set_keys(keys);
    engine.packets_mut().file_comments = reader.file_comments.clone();
    let mut warning = None;
    let mut n = 0u64;
    let failed = std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<ReadBatch>(2);
        // Emptied batches go back to be filled again: fresh buffers would be page-faulted in.
        let (back_tx, back_rx) = std::sync::mpsc::channel::<ReadBatch>();
        let spawned =
            std::thread::Builder::new().name("wirescope-read".into()).spawn_scoped(scope, move || read_ahead(&mut reader, &tx, &back_rx));
        if let Err(e) = spawned {
            return Some(format!("{name}: cannot start the reading thread: {e}"));
        }
        for ReadBatch { mut data, mut packets, position, error } in rx.iter() {
            for p in packets.drain(..) {
                engine.packet(p.number, p.ts_ns, p.link_type, &data[p.at..p.at + p.len], p.file_offset, p.comment);
                n += 1;
                if n.is_multiple_of(BATCH) && !batch(&mut engine, position, size) {
                    warning = Some(format!("loading cancelled after {n} packets"));
                    // Dropping the receiver stops the reading thread at its next hand-over.
                    return None;
                }
            }
            if let Some(e) = error {
                match after_read_error(name, e, n) {
                    Ok((w, cut)) => {
                        warning = Some(w);
                        engine.packets_mut().truncated_at = cut;
                    }
                    Err(e) => return Some(e),
                }
            }
            data.clear();
            let _ = back_tx.send(ReadBatch { data, packets, position: 0, error: None });
        }
        None
    });
    if let Some(e) = failed {
        return Err(e);
    }
    engine.finish();
    batch(&mut engine, size, size);
    Ok(Loaded { engine, warning })
}

/// The reading thread: packets into batches until the end, an error, or the engine hangs up.
fn read_ahead<R: Read>(
    reader: &mut CaptureReader<R>,
    tx: &std::sync::mpsc::SyncSender<ReadBatch>,
    back: &std::sync::mpsc::Receiver<ReadBatch>,
) {
    loop {
        let mut b = back.try_recv().unwrap_or_else(|_| ReadBatch {
            data: Vec::with_capacity(READ_BATCH_BYTES + 64 * 1024),
            packets: Vec::with_capacity(READ_BATCH),
            position: 0,
            error: None,
        });
        let ReadBatch { data, packets, error, .. } = &mut b;
        let done = read_into(reader, error, |p| {
            packets.push(ReadPacket {
                number: p.number,
                ts_ns: p.ts_ns,
                link_type: p.link_type,
                at: data.len(),
                len: p.data.len(),
                file_offset: p.file_offset,
                comment: p.comment,
            });
            data.extend_from_slice(p.data);
            packets.len() >= READ_BATCH || data.len() >= READ_BATCH_BYTES
        });
        b.position = reader.position();
        if tx.send(b).is_err() || done {
            return;
        }
    }
}

/// Events of a pipelined load, in the order one engine makes them, left in the vectors of the
/// decoding threads that made them. Dropping a batch sends those vectors back to their threads to
/// be freed and reused there (freeing on the allocating thread is the allocator's cheap path).
pub struct EventBatch {
    /// Each decoding thread's events of each run of packets: (thread, events).
    parts: Vec<(u32, Vec<Event>)>,
    /// Runs of (part, events) in order.
    order: Vec<(u32, u32)>,
    /// The way back to each decoding thread.
    home: Vec<Option<Sender<Vec<Event>>>>,
}

impl EventBatch {
    fn new(home: Vec<Option<Sender<Vec<Event>>>>) -> Self {
        EventBatch { parts: Vec::new(), order: Vec::new(), home }
    }

    pub fn len(&self) -> usize {
        self.parts.iter().map(|p| p.1.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.parts.iter().all(|p| p.1.is_empty())
    }

    /// The events in order.
    pub fn iter(&self) -> impl Iterator<Item = &Event> + '_ {
        let mut at = vec![0usize; self.parts.len()];
        self.order.iter().flat_map(move |&(part, count)| {
            let (part, count) = (part as usize, count as usize);
            let from = at[part];
            at[part] += count;
            &self.parts[part].1[from..from + count]
        })
    }

    /// The events in order, taken out of the batch.
    pub fn take(&mut self) -> Vec<Event> {
        let mut parts: Vec<_> = self.parts.iter_mut().map(|p| p.1.drain(..)).collect();
        let mut out = Vec::with_capacity(parts.iter().map(|p| p.len()).sum());
        for &(part, count) in &self.order {
            out.extend(parts[part as usize].by_ref().take(count as usize));
        }
        drop(parts);
        self.order.clear();
        out
    }

    /// Adds one run of packets' events from every decoding thread, ordered by the ops that made
    /// them. The events stay in the vectors they were made in.
    fn append(&mut self, outs: &mut [ShardOut]) {
        let first = self.parts.len() as u32;
        let mut at = vec![0usize; outs.len()];
        loop {
            let next = (0..outs.len()).filter_map(|i| outs[i].tags.get(at[i]).map(|t| (t.0, i))).min();
            let Some((_, i)) = next else { break };
            let count = outs[i].tags[at[i]].1;
            let part = first + i as u32;
            match self.order.last_mut() {
                Some((p, n)) if *p == part => *n += count,
                _ => self.order.push((part, count)),
            }
            at[i] += 1;
        }
        for (i, o) in outs.iter_mut().enumerate() {
            self.parts.push((i as u32, std::mem::take(&mut o.events)));
        }
    }
}

impl Drop for EventBatch {
    fn drop(&mut self) {
        for (shard, events) in self.parts.drain(..) {
            if let Some(Some(h)) = self.home.get(shard as usize) {
                let _ = h.send(events);
            }
        }
    }
}

/// Opens `path` and runs it through the engine split over threads: the reading thread also
/// dissects and reassembles (the transport half, [`Flows`]); decoding threads each take a share of
/// the connections (the application half, [`Apps`], one shard each); the calling thread puts their
/// events back in the order one engine would have produced them. For callers that need only events
/// while loading (the command line): `batch` gets the events so far, with the bytes read so far
/// and the file size, every [`BATCH`] packets and once at the end; returning false cancels.
/// The result is the same engine, event for event, as [`load_file`]'s.
pub fn load_file_pipelined(
    path: &Path,
    opts: impl Into<LoadOptions>,
    batch: impl FnMut(EventBatch, u64, u64) -> bool,
) -> Result<Loaded, String> {
    let (file, size, name) = open(path)?;
    load_reader_sharded(file, size, &name, opts, decoding_threads(), batch)
}

/// What the transport half handed over for a run of packets, recorded for one decoding thread.
struct OpBatch {
    /// Stream bytes of the data chunks, back to back.
    data: Vec<u8>,
    ops: Vec<Op>,
    /// The first op not yet replayed (a replay can stop part way, see [`BATCH_EVENTS`]).
    next: usize,
    /// With several decoding threads: where each step but the last ends in `ops` (see
    /// [`STEP_BYTES`]; every thread's batch has as many), and the step to replay next.
    steps: Vec<usize>,
    step: usize,
    /// The place of each op in the order of all ops (of every decoding thread).
    seqs: Vec<u64>,
    /// Packets read into this batch.
    packets: u64,
    position: u64,
    error: Option<ReadError>,
}

/// One [`FlowOut`] call, with a data chunk's bytes moved into [`OpBatch::data`].
enum Op {
    /// Boxed: events of the transport half are rare, and the other ops are a fraction of its size.
    Event(Box<Event>),
    NewConn {
        id: u32,
        first_packet: PacketNo,
        udp: Option<Protocol>,
    },
    Data {
        conn: u32,
        dir: Dir,
        at: usize,
        len: usize,
        packet: PacketNo,
        ts: Nanos,
    },
    Gap {
        conn: u32,
        dir: Dir,
        len: u64,
        packet: PacketNo,
        ts: Nanos,
    },
    End {
        conn: u32,
        dir: Dir,
        packet: PacketNo,
        ts: Nanos,
    },
    Done {
        conn: u32,
        packet: PacketNo,
        finish: bool,
        tcp_closed: bool,
    },
    /// Already replayed (left in place by a replay that stopped part way).
    Replayed,
}

impl OpBatch {
    fn new() -> Self {
        OpBatch {
            data: Vec::with_capacity(READ_BATCH_BYTES + 64 * 1024),
            ops: Vec::with_capacity(READ_BATCH * 3),
            next: 0,
            steps: Vec::new(),
            step: 0,
            seqs: Vec::with_capacity(READ_BATCH * 3),
            packets: 0,
            position: 0,
            error: None,
        }
    }

    /// Replays the recorded calls into this thread's application half, emptying the batch; `tags`
    /// gets (op place, events it produced) for every op that produced events. Ops of a load with
    /// one decoder are not numbered: its events are all one run, and replaying stops once `most`
    /// events wait. Numbered ops are replayed one step at a time. False: the batch is not done,
    /// call again after handing the events over.
    fn replay(&mut self, apps: &mut Apps, tags: &mut Vec<(u64, u32)>, most: usize) -> bool {
        let data = &self.data;
        // A thread given no ops still has its steps (empty ones) to hand over, as the others do.
        if self.seqs.is_empty() && self.steps.is_empty() {
            let before = apps.pending_events();
            while self.next < self.ops.len() {
                let op = std::mem::replace(&mut self.ops[self.next], Op::Replayed);
                self.next += 1;
                apply(op, data, apps);
                if apps.pending_events() - before >= most {
                    break;
                }
            }
            let made = apps.pending_events() - before;
            if made > 0 {
                tags.push((0, made as u32));
            }
            if self.next < self.ops.len() {
                return false;
            }
            self.ops.clear();
            self.next = 0;
        } else {
            let end = self.steps.get(self.step).copied().unwrap_or(self.ops.len()).min(self.ops.len());
            for i in self.next..end {
                let op = std::mem::replace(&mut self.ops[i], Op::Replayed);
                let before = apps.pending_events();
                apply(op, data, apps);
                let made = apps.pending_events() - before;
                if made > 0 {
                    tags.push((self.seqs[i], made as u32));
                }
            }
            self.next = self.next.max(end);
            self.step += 1;
            if self.step <= self.steps.len() {
                return false;
            }
            self.ops.clear();
            self.seqs.clear();
            self.steps.clear();
            self.next = 0;
            self.step = 0;
        }
        self.data.clear();
        true
    }
}

/// One recorded call, made on `apps`.
fn apply(op: Op, data: &[u8], apps: &mut Apps) {
    match op {
        Op::Event(e) => apps.event(*e),
        Op::NewConn { id, first_packet, udp } => apps.new_conn(id, first_packet, udp),
        Op::Data { conn, dir, at, len, packet, ts } => apps.chunk(conn, dir, Chunk::Data { bytes: &data[at..at + len], packet, ts }),
        Op::Gap { conn, dir, len, packet, ts } => apps.chunk(conn, dir, Chunk::Gap { len, packet, ts }),
        Op::End { conn, dir, packet, ts } => apps.chunk(conn, dir, Chunk::End { packet, ts }),
        Op::Done { conn, packet, finish, tcp_closed } => apps.segment_done(conn, packet, finish, tcp_closed),
        Op::Replayed => {}
    }
}

/// Deals the transport half's calls out to the decoding threads' batches: a connection's calls
/// to the thread of its shard, events of the transport half to the first; each numbered.
struct Dealer<'a> {
    parts: &'a mut [OpBatch],
    seq: u64,
    /// Stream bytes dealt since the last step ended (several decoding threads only).
    step_bytes: usize,
}

impl Dealer<'_> {
    fn part(&mut self, conn: u32) -> &mut OpBatch {
        if let [only] = self.parts {
            return only;
        }
        let n = self.parts.len();
        let b = &mut self.parts[conn as usize % n];
        b.seqs.push(self.seq);
        self.seq += 1;
        b
    }
}

impl FlowOut for Dealer<'_> {
    fn event(&mut self, e: Event) {
        self.part(0).ops.push(Op::Event(Box::new(e)));
    }
    fn new_conn(&mut self, id: u32, first_packet: PacketNo, udp: Option<Protocol>) {
        self.part(id).ops.push(Op::NewConn { id, first_packet, udp });
    }
    fn chunk(&mut self, conn: u32, dir: Dir, c: Chunk<'_>) {
        let b = self.part(conn);
        b.ops.push(match c {
            Chunk::Data { bytes, packet, ts } => {
                let at = b.data.len();
                b.data.extend_from_slice(bytes);
                Op::Data { conn, dir, at, len: bytes.len(), packet, ts }
            }
            Chunk::Gap { len, packet, ts } => Op::Gap { conn, dir, len, packet, ts },
            Chunk::End { packet, ts } => Op::End { conn, dir, packet, ts },
        });
        if let (Chunk::Data { bytes, .. }, [_, _, ..]) = (&c, &*self.parts) {
            self.step_bytes += bytes.len();
            if self.step_bytes >= STEP_BYTES {
                self.step_bytes = 0;
                for p in self.parts.iter_mut() {
                    p.steps.push(p.ops.len());
                }
            }
        }
    }
    fn segment_done(&mut self, conn: u32, packet: PacketNo, finish: bool, tcp_closed: bool) {
        self.part(conn).ops.push(Op::Done { conn, packet, finish, tcp_closed });
    }
}

/// What a decoding thread made of one batch: its events, and which op made which of them.
struct ShardOut {
    events: Vec<Event>,
    tags: Vec<(u64, u32)>,
    packets: u64,
    position: u64,
    error: Option<ReadError>,
}

/// One share of the connections being decoded, and the way back for the events it handed out.
struct Shard {
    apps: Apps,
    home: Receiver<Vec<Event>>,
    spares: Vec<Vec<Event>>,
}

impl Shard {
    /// Decodes the batch, or (`most` events made) part of it: then `packets` is 0 and the batch
    /// is to be decoded on; the last part carries its packets and read error.
    fn decode(&mut self, b: &mut OpBatch, most: usize) -> (ShardOut, bool) {
        // Events handed out earlier come back once used: freed here, their vectors reused.
        while let Ok(mut used) = self.home.try_recv() {
            used.clear();
            self.spares.push(used);
        }
        let spare = self.spares.pop().unwrap_or_default();
        let mut tags = Vec::new();
        let done = b.replay(&mut self.apps, &mut tags, most);
        let (packets, error) = if done { (b.packets, b.error.take()) } else { (0, None) };
        (ShardOut { events: self.apps.swap_events(spare), tags, packets, position: b.position, error }, done)
    }
}

/// Where a pipelined load decodes: on the calling thread, or on threads of their own.
enum Decoding<'s> {
    /// `part`: a batch decoded part way (its events handed over first).
    Here {
        shard: Box<Shard>,
        rx: Receiver<OpBatch>,
        back: Sender<OpBatch>,
        part: Option<Box<OpBatch>>,
    },
    Threads {
        from: Vec<Receiver<ShardOut>>,
        handles: Vec<std::thread::ScopedJoinHandle<'s, Apps>>,
    },
}

impl Decoding<'_> {
    /// What every decoder made of the next run of packets; `None` once reading is over.
    fn round(&mut self) -> Option<Vec<ShardOut>> {
        match self {
            Decoding::Here { shard, rx, back, part } => {
                let mut b = match part.take() {
                    Some(b) => *b,
                    None => rx.recv().ok()?,
                };
                let (out, done) = shard.decode(&mut b, BATCH_EVENTS);
                if done {
                    let _ = back.send(b);
                } else {
                    *part = Some(Box::new(b));
                }
                Some(vec![out])
            }
            Decoding::Threads { from, .. } => from.iter().map(|rx| rx.recv().ok()).collect(),
        }
    }

    /// Hangs up and gives back the decoders' application halves (`None` if a thread failed).
    fn finish(self) -> Option<Vec<Apps>> {
        match self {
            Decoding::Here { shard, .. } => Some(vec![shard.apps]),
            Decoding::Threads { from, handles } => {
                drop(from);
                handles.into_iter().map(|h| h.join().ok()).collect()
            }
        }
    }
}

/// Decoders for a pipelined load: one core is left to reading and the caller's printing, the rest
/// decode (at least one, on the calling thread; at most four); `WIRESCOPE_DECODING_THREADS` sets
/// another number (for measuring).
fn decoding_threads() -> usize {
    if let Some(n) = std::env::var("WIRESCOPE_DECODING_THREADS").ok().and_then(|v| v.parse().ok()) {
        return n;
    }
    std::thread::available_parallelism().map_or(1, |n| n.get()).saturating_sub(1).clamp(1, 4)
}

/// [`load_file_pipelined`] from any reader; `size` is for progress.
pub fn load_reader_pipelined<R: Read + Send>(
    src: R,
    size: u64,
    name: &str,
    opts: impl Into<LoadOptions>,
    batch: impl FnMut(EventBatch, u64, u64) -> bool,
) -> Result<Loaded, String> {
    load_reader_sharded(src, size, name, opts, decoding_threads(), batch)
}

/// [`load_reader_pipelined`] with `shards` decoding threads.
pub fn load_reader_sharded<R: Read + Send>(
    src: R,
    size: u64,
    name: &str,
    opts: impl Into<LoadOptions>,
    shards: usize,
    mut batch: impl FnMut(EventBatch, u64, u64) -> bool,
) -> Result<Loaded, String> {
    let LoadOptions { limits, keys } = opts.into();
    // Every shard decodes with the same key log.
    let apps = |shards: u32| {
        let mut a = Apps::shard(limits.clone(), shards);
        a.set_keys(keys.clone());
        a
    };
    let shards = shards.clamp(1, 64);
    let mut reader = CaptureReader::new(src).map_err(|e| format!("{name}: {e}"))?;
    keep_secrets(&mut reader, &keys);
    let mut flows = Flows::new(limits.clone());
    flows.packets.file_comments = reader.file_comments.clone();
    let mut warning = None;
    let mut truncated_at = None;
    let mut n = 0u64;
    let thread_failed = || format!("{name}: a loading thread failed");
    let mut left = None;
    let (failed, parts) = std::thread::scope(|scope| {
        let (back_tx, back_rx) = channel::<OpBatch>();
        let mut to_shards = Vec::new();
        let mut homes = Vec::new();
        // One decoder: on this thread. More: each on a thread of its own.
        let mut decoding = if shards == 1 {
            let (tx, rx) = sync_channel::<OpBatch>(2);
            let (home_tx, home) = channel::<Vec<Event>>();
            to_shards.push(tx);
            homes.push(Some(home_tx));
            Decoding::Here { shard: Box::new(Shard { apps: apps(1), home, spares: Vec::new() }), rx, back: back_tx.clone(), part: None }
        } else {
            let mut from = Vec::new();
            let mut handles = Vec::new();
            for i in 0..shards {
                let (tx, rx) = sync_channel::<OpBatch>(2);
                let (out_tx, out_rx) = sync_channel::<ShardOut>(2);
                let (home_tx, home) = channel::<Vec<Event>>();
                let back = back_tx.clone();
                let mut shard = Shard { apps: apps(shards as u32), home, spares: Vec::new() };
                let spawned = std::thread::Builder::new().name(format!("wirescope-dec{i}")).spawn_scoped(scope, move || {
                    'batches: for mut b in rx.iter() {
                        // Step by step, as every other thread (see STEP_BYTES).
                        loop {
                            let (out, done) = shard.decode(&mut b, usize::MAX);
                            if out_tx.send(out).is_err() {
                                break 'batches;
                            }
                            if done {
                                break;
                            }
                        }
                        let _ = back.send(b);
                    }
                    shard.apps
                });
                match spawned {
                    Ok(h) => handles.push(h),
                    Err(e) => return (Some(format!("{name}: cannot start a decoding thread: {e}")), None),
                }
                to_shards.push(tx);
                from.push(out_rx);
                homes.push(Some(home_tx));
            }
            Decoding::Threads { from, handles }
        };
        drop(back_tx);
        let mut pending = EventBatch::new(homes.clone());
        let spawned = std::thread::Builder::new().name("wirescope-read".into()).spawn_scoped(scope, move || {
            read_and_reassemble(&mut reader, &mut flows, &to_shards, &back_rx);
            flows
        });
        let reading = match spawned {
            Ok(h) => h,
            Err(e) => return (Some(format!("{name}: cannot start the reading thread: {e}")), None),
        };
        let mut failed = None;
        while let Some(mut outs) = decoding.round() {
            pending.append(&mut outs);
            let first = &mut outs[0];
            let before = n;
            n += first.packets;
            let due = n / BATCH > before / BATCH || pending.len() >= BATCH_EVENTS;
            if due && !batch(std::mem::replace(&mut pending, EventBatch::new(homes.clone())), first.position, size) {
                warning = Some(format!("loading cancelled after {n} packets"));
                // Hanging up stops the other threads at their next hand-over.
                break;
            }
            if let Some(e) = first.error.take() {
                match after_read_error(name, e, n) {
                    Ok((w, cut)) => {
                        warning = Some(w);
                        truncated_at = cut;
                    }
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
        }
        left = Some(pending.take());
        drop(pending);
        drop(homes);
        let apps = decoding.finish();
        let flows = reading.join().ok();
        match (flows, apps) {
            (Some(f), Some(a)) => (failed, Some((f, a))),
            _ => (Some(thread_failed()), None),
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    let Some((mut flows, parts)) = parts else { return Err(thread_failed()) };
    if truncated_at.is_some() {
        flows.packets.truncated_at = truncated_at;
    }
    let mut engine = Engine::from_parts(flows, Apps::merge(parts));
    engine.finish();
    let mut rest = EventBatch::new(vec![None]);
    let mut events = left.unwrap_or_default();
    events.append(&mut engine.apps_mut().swap_events(Vec::new()));
    rest.order.push((0, events.len() as u32));
    rest.parts.push((0, events));
    batch(rest, size, size);
    Ok(Loaded { engine, warning })
}

/// The reading thread of a pipelined load: packets through the transport half, recorded in one
/// batch per decoding thread, until the end, an error, or the other side hangs up.
fn read_and_reassemble<R: Read>(
    reader: &mut CaptureReader<R>,
    flows: &mut Flows,
    to: &[std::sync::mpsc::SyncSender<OpBatch>],
    back: &std::sync::mpsc::Receiver<OpBatch>,
) {
    let mut seq = 0;
    loop {
        let mut parts: Vec<OpBatch> = to.iter().map(|_| back.try_recv().unwrap_or_else(|_| OpBatch::new())).collect();
        let mut packets = 0u64;
        let mut error = None;
        let done = {
            let mut dealer = Dealer { parts: &mut parts, seq, step_bytes: 0 };
            let done = read_into(reader, &mut error, |p| {
                flows.packet(p.number, p.ts_ns, p.link_type, p.data, p.file_offset, p.comment, &mut dealer);
                packets += 1;
                packets as usize >= READ_BATCH || dealer.parts.iter().any(|b| b.data.len() >= READ_BATCH_BYTES)
            });
            seq = dealer.seq;
            done
        };
        let position = reader.position();
        parts[0].error = error;
        for (b, tx) in parts.into_iter().zip(to) {
            let b = OpBatch { packets, position, ..b };
            if tx.send(b).is_err() {
                return;
            }
        }
        if done {
            return;
        }
    }
}

/// Reads packets into `take` until it says the batch is full (false), the file ends or reading
/// fails (the error in `error`); true when reading is over.
fn read_into<R: Read>(
    reader: &mut CaptureReader<R>,
    error: &mut Option<ReadError>,
    mut take: impl FnMut(crate::source::RawPacket<'_>) -> bool,
) -> bool {
    loop {
        match reader.next_packet() {
            Ok(Some(p)) => {
                if take(p) {
                    return false;
                }
            }
            Ok(None) => return true,
            Err(e) => {
                *error = Some(e);
                return true;
            }
        }
    }
}

/// What a read error after `n` packets means for the load: a warning to show beside what was
/// decoded (and the packet where the file is cut, if it is), or an error when nothing is usable.
fn after_read_error(name: &str, e: ReadError, n: u64) -> Result<(String, Option<u64>), String> {
    match e {
        ReadError::Truncated { packet } => Ok((
            format!("{name}: the file ends in the middle of packet {packet}; showing the {} packets before it", packet - 1),
            Some(packet),
        )),
        e @ ReadError::Corrupt(_) if n > 0 => Ok((format!("{name}: {e}; showing the {n} packets before it"), None)),
        e => Err(format!("{name}: {e}")),
    }
}

/// The bytes of one packet, read back from its file (the packets table keeps offsets, not bytes).
pub fn read_packet_bytes(path: &Path, offset: u64, len: u32) -> std::io::Result<Vec<u8>> {
    use std::io::{Seek, SeekFrom};
    let mut f = File::open(path)?;
    f.seek(SeekFrom::Start(offset))?;
    let mut buf = vec![0; len.min(1 << 20) as usize];
    f.read_exact(&mut buf)?;
    Ok(buf)
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pcap of `n` Ethernet frames (not IP: counted, not decoded), then `tail` stray bytes.
    fn pcap(n: u32, tail: &[u8]) -> Vec<u8> {
        let mut v = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0];
        v.extend_from_slice(&[0; 8]);
        v.extend_from_slice(&65535u32.to_le_bytes());
        v.extend_from_slice(&1u32.to_le_bytes());
        for i in 0..n {
            v.extend_from_slice(&i.to_le_bytes());
            v.extend_from_slice(&0u32.to_le_bytes());
            v.extend_from_slice(&14u32.to_le_bytes());
            v.extend_from_slice(&14u32.to_le_bytes());
            v.extend_from_slice(&[0xff; 12]);
            v.extend_from_slice(&[0x08, 0x06]);
        }
        v.extend_from_slice(tail);
        v
    }

    #[test]
    fn every_packet_reaches_the_engine_with_progress_to_the_end() {
        let bytes = pcap(10_000, &[]);
        let mut calls = Vec::new();
        let l = load_reader(&bytes[..], bytes.len() as u64, "t", Limits::default(), |e, at, size| {
            calls.push((e.packets().count, at, size));
            true
        })
        .unwrap();
        assert_eq!((l.engine.packets().count, l.engine.packets().non_ip, l.warning), (10_000, 10_000, None));
        // Every BATCH packets, then once at the end; positions never go backwards.
        assert_eq!(calls.iter().map(|c| c.0).collect::<Vec<_>>(), [4096, 8192, 10_000]);
        assert!(calls.windows(2).all(|w| w[0].1 <= w[1].1));
        assert_eq!(calls.last().map(|c| c.1), Some(bytes.len() as u64));
    }

    #[test]
    fn cancelling_stops_reading_and_keeps_what_was_decoded() {
        let bytes = pcap(50_000, &[]);
        let l = load_reader(&bytes[..], bytes.len() as u64, "t", Limits::default(), |e, _, _| e.packets().count < 8192).unwrap();
        assert_eq!(l.engine.packets().count, 8192);
        assert_eq!(l.warning.as_deref(), Some("loading cancelled after 8192 packets"));
    }

    #[test]
    fn a_cut_record_after_the_read_ahead_is_a_warning_naming_it() {
        let bytes = pcap(5000, &[1, 2, 3, 4, 5, 6, 7]);
        let l = load_reader(&bytes[..], bytes.len() as u64, "cut.pcap", Limits::default(), |_, _, _| true).unwrap();
        assert_eq!(l.engine.packets().count, 5000);
        assert_eq!(l.engine.packets().truncated_at, Some(5001));
        assert_eq!(l.warning.as_deref(), Some("cut.pcap: the file ends in the middle of packet 5001; showing the 5000 packets before it"));
    }

    #[test]
    fn two_thread_load_reports_progress_cancels_and_names_a_cut_record() {
        let bytes = pcap(10_000, &[]);
        let mut calls = Vec::new();
        let l = load_reader_pipelined(&bytes[..], bytes.len() as u64, "t", Limits::default(), |_, at, size| {
            calls.push((at, size));
            true
        })
        .unwrap();
        assert_eq!((l.engine.packets().count, l.engine.packets().non_ip, l.warning), (10_000, 10_000, None));
        // Every BATCH packets (twice), then once at the end; positions never go backwards.
        assert_eq!(calls.len(), 3);
        assert!(calls.windows(2).all(|w| w[0].0 <= w[1].0));
        assert_eq!(calls.last(), Some(&(bytes.len() as u64, bytes.len() as u64)));

        let bytes = pcap(50_000, &[]);
        let mut seen = 0;
        let l = load_reader_pipelined(&bytes[..], bytes.len() as u64, "t", Limits::default(), |_, _, _| {
            seen += 1;
            seen < 2
        })
        .unwrap();
        assert_eq!(l.warning.as_deref(), Some("loading cancelled after 8192 packets"));
        assert!(l.engine.packets().count < 50_000, "the reading thread stopped early");

        let bytes = pcap(5000, &[1, 2, 3, 4, 5, 6, 7]);
        let l = load_reader_pipelined(&bytes[..], bytes.len() as u64, "cut.pcap", Limits::default(), |_, _, _| true).unwrap();
        assert_eq!(l.engine.packets().count, 5000);
        assert_eq!(l.engine.packets().truncated_at, Some(5001));
        assert_eq!(l.warning.as_deref(), Some("cut.pcap: the file ends in the middle of packet 5001; showing the 5000 packets before it"));
    }
}
