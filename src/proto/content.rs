//! Content codings (gzip, x-gzip, deflate in zlib or raw form, br) decoded whole or as the body streams in,
//! with the output capped: a bomb stops at the cap and becomes a finding.

use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The bytes one engine (one decoding thread) may still inflate for the file being read: every
/// compressed body and message draws on it; once it is spent they are counted, not inflated.
pub struct Budget {
    /// Shared with the decoders of bodies in progress (which cannot see the engine while they
    /// take bytes). One thread uses it: the atomic only makes it `Send`.
    left: Arc<AtomicU64>,
    /// Window bytes the live brotli decoders of this engine may still hold.
    windows: Arc<AtomicU64>,
    /// The per-file figure and this engine's share of it, for the finding.
    total: u64,
    share: u64,
    shards: u32,
    reported: bool,
}

impl Budget {
    pub fn new(total: u64, share: u64, shards: u32, windows: u64) -> Self {
        Budget { left: Arc::new(AtomicU64::new(share)), windows: Arc::new(AtomicU64::new(windows)), total, share, shards, reported: false }
    }

    /// What several engines have left, together (their shards put back together).
    pub fn merged<'a>(parts: impl Iterator<Item = &'a Budget>) -> Self {
        let (mut left, mut windows, mut total, mut reported) = (0u64, 0u64, 0u64, false);
        for p in parts {
            left = left.saturating_add(p.left());
            windows = windows.max(p.windows.load(Ordering::Relaxed));
            total = total.max(p.total);
            reported |= p.reported;
        }
        Budget::new(total, left, 1, windows).with_reported(reported)
    }

    fn with_reported(mut self, reported: bool) -> Self {
        self.reported = reported;
        self
    }

    pub fn left(&self) -> u64 {
        self.left.load(Ordering::Relaxed)
    }

    /// Takes up to `n` bytes from the budget; how many it got.
    pub fn take(&self, n: u64) -> u64 {
        take_from(&self.left, n)
    }

    pub fn handle(&self) -> BudgetHandle {
        BudgetHandle(self.left.clone(), self.windows.clone())
    }

    /// The finding's text the first time the budget is found spent, `None` after.
    pub fn report(&mut self) -> Option<String> {
        if std::mem::replace(&mut self.reported, true) {
            return None;
        }
        let per_thread =
            if self.shards > 1 { format!(" ({} for each of {} decoding threads)", self.share, self.shards) } else { String::new() };
        Some(format!(
            "the file's decompression budget of {} bytes{per_thread} is spent: compressed bodies and messages from here on are counted, not inflated (limit max_decompressed_per_file, --max-decompressed-total)",
            self.total
        ))
    }
}

/// A decoder's hold on its engine's [`Budget`] (decompressed bytes, brotli window bytes).
#[derive(Clone)]
pub struct BudgetHandle(Arc<AtomicU64>, Arc<AtomicU64>);

/// Window bytes a live brotli decoder holds, given back when it is dropped.
struct WindowHold {
    pool: Arc<AtomicU64>,
    bytes: u64,
}

impl WindowHold {
    fn take(pool: &Arc<AtomicU64>, bytes: u64) -> Option<WindowHold> {
        pool.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |l| l.checked_sub(bytes)).ok()?;
        Some(WindowHold { pool: pool.clone(), bytes })
    }
}

impl Drop for WindowHold {
    fn drop(&mut self) {
        self.pool.fetch_add(self.bytes, Ordering::Relaxed);
    }
}

/// The sliding window a brotli stream declares in its first byte (RFC 7932 §9.1, WBITS), which
/// its decoder allocates whole: up to 16 MiB for a body of a few bytes. The value that RFC 7932
/// leaves invalid (0x11) announces the large-window variant, up to 2^30.
fn brotli_window(first: u8) -> u64 {
    let bits = if first & 1 == 0 {
        16
    } else if (first >> 1) & 7 != 0 {
        17 + u32::from((first >> 1) & 7)
    } else {
        match (first >> 4) & 7 {
            0 => 17,
            1 => 30,
            m => 8 + u32::from(m),
        }
    };
    1 << bits
}

impl BudgetHandle {
    fn left(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

fn take_from(left: &AtomicU64, n: u64) -> u64 {
    let mut got = 0;
    let _ = left.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |l| {
        got = n.min(l);
        Some(l - got)
    });
    got
}

/// Counts decoded bytes, keeps the first `keep` of them, refuses to go past `cap` or past what is
/// left of the file's budget.
pub struct CappedSink {
    pub kept: Vec<u8>,
    keep: usize,
    pub total: u64,
    cap: u64,
    pub cap_hit: bool,
    budget: Option<BudgetHandle>,
    /// The file's budget ran out in this body.
    pub budget_hit: bool,
    /// Decoded bytes not yet handed on, when a reader wants them as they come (a Server-Sent
    /// Events stream); drained by the body's owner after each write.
    pub tap: Option<Vec<u8>>,
}

impl CappedSink {
    pub fn new(keep: usize, cap: u64) -> Self {
        CappedSink { kept: Vec::new(), keep, total: 0, cap, cap_hit: false, budget: None, budget_hit: false, tap: None }
    }

    /// Takes bytes that need no decoding (identity).
    pub fn take(&mut self, b: &[u8]) {
        if let Some(t) = &mut self.tap {
            t.extend_from_slice(b);
        }
        let room = self.keep.saturating_sub(self.kept.len());
        self.kept.extend_from_slice(&b[..room.min(b.len())]);
        self.total += b.len() as u64;
    }
}

impl Write for CappedSink {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        if self.cap_hit || self.budget_hit {
            return Err(io::Error::other("decompression limit reached"));
        }
        let mut allowed = b.len().min(usize::try_from(self.cap.saturating_sub(self.total)).unwrap_or(usize::MAX));
        if let Some(budget) = &self.budget {
            let got = take_from(&budget.0, allowed as u64) as usize;
            if got < allowed {
                self.budget_hit = true;
            }
            allowed = got;
        }
        self.take(&b[..allowed]);
        if allowed < b.len() {
            self.cap_hit |= !self.budget_hit;
            return Err(io::Error::other("decompression limit reached"));
        }
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Gzip,
    Deflate,
    Brotli,
}

impl Coding {
    /// The coding named by a Content-Encoding value, if this decoder handles it.
    pub fn from_header(v: &str) -> Option<Coding> {
        let v = v.trim();
        let is = |name: &str| v.eq_ignore_ascii_case(name);
        if is("gzip") || is("x-gzip") {
            Some(Coding::Gzip)
        } else if is("deflate") {
            Some(Coding::Deflate)
        } else if is("br") {
            Some(Coding::Brotli)
        } else {
            None
        }
    }
}

/// A raw-deflate inflater and its output buffer, reused from body to body (building one costs
/// more than inflating a small body).
pub struct Inflater {
    d: flate2::Decompress,
    out: Vec<u8>,
    /// For whole bodies: libdeflate, made on first use, and the buffer it inflates into.
    whole: Option<whole::Whole>,
    plain: Vec<u8>,
}

/// Inflaters of finished bodies, kept for the next body one engine decodes. One pool per engine
/// (per decoding thread) rather than one inflater per connection: a few inflaters in turn stay in
/// the cache, where hundreds of interleaved connections each with its own (40 KiB apiece) kept
/// missing it. Owned by the engine and handed to decoders through their [`Sink`](super::Sink), so
/// decoding keeps no hidden state.
#[derive(Default)]
pub struct InflaterPool {
    // Boxed: decoders hold and hand back boxes, which move between them and the pool for free.
    #[allow(clippy::vec_box)]
    spare: Vec<Box<Inflater>>,
}

impl InflaterPool {
    /// Inflaters kept at most.
    const MAX: usize = 8;

    /// An inflater from the pool, if one is there.
    pub fn take(&mut self) -> Option<Box<Inflater>> {
        self.spare.pop()
    }

    /// Back to the pool (dropped when the pool is full).
    pub fn give_back(&mut self, inflater: Box<Inflater>) {
        if self.spare.len() < Self::MAX {
            self.spare.push(inflater);
        }
    }
}

impl Default for Inflater {
    fn default() -> Self {
        Inflater { d: flate2::Decompress::new(false), out: Vec::with_capacity(32 * 1024), whole: None, plain: Vec::new() }
    }
}

/// Where a gzip or zlib stream is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Collecting header bytes (RFC 1952 §2.3 member header, RFC 1950 §2.2 CMF/FLG).
    Header,
    Body,
    /// Collecting the trailer (gzip: CRC-32 and ISIZE; zlib: Adler-32, not checked).
    Trailer,
    /// After a complete gzip member: another member may follow.
    Between,
    Done,
}

enum Inner {
    /// gzip (RFC 1952), zlib (RFC 1950) or raw deflate, framed here, inflated by a reused inflater.
    Deflate {
        inflater: Box<Inflater>,
        stage: Stage,
        gzip: bool,
        zlib: bool,
        header: HeaderReader,
        /// Trailer bytes so far (at most 8).
        pending: Vec<u8>,
        crc: crc32fast::Hasher,
        size: u32,
    },
    /// Deflate waits for two bytes to tell zlib from raw.
    Undecided(Vec<u8>),
    /// Brotli before its first byte, which tells the window its decoder will allocate.
    BrotliStart,
    Brotli(Box<brotli::DecompressorWriter<CappedSink>>, Option<WindowHold>),
}

/// A decoder for one body. A gzip or deflate body is first collected (up to [`WHOLE_MAX`]
/// compressed bytes) and inflated in one call when it ends; a longer body, or one the one call
/// does not take cleanly (damaged, cut, several gzip members, over the cap), streams through
/// zlib-rs, which gives the exact partial output and error.
pub struct Decoder {
    inner: Inner,
    sink: CappedSink,
    error: Option<String>,
    spare: Option<Box<Inflater>>,
    /// The compressed bytes so far, while the body may still be inflated whole.
    collected: Option<Vec<u8>>,
    /// The file's budget was spent before this body began: it is counted, not inflated.
    skip: bool,
    /// Where brotli decoders take their window bytes from (none: no limit).
    windows: Option<Arc<AtomicU64>>,
}

/// Compressed bytes collected for inflating in one call at most: about the memory a streaming
/// inflater holds for its window anyway.
pub const WHOLE_MAX: usize = 32 * 1024;

/// Output of one whole-body call at most (a larger body streams, under the cap).
const WHOLE_OUT_MAX: usize = 8 << 20;

/// The smallest output buffer a whole-body call starts with, whatever the trailer claims.
const WHOLE_ROOM_FLOOR: usize = 4096;

/// DEFLATE makes at most 258 bytes per 2 bits of input, about 1032 per byte (RFC 1951 §3.2.5:
/// the longest match, coded in the fewest bits).
pub const DEFLATE_MAX_RATIO: usize = 1032;

/// How decoding went.
pub struct Decoded {
    pub sink: CappedSink,
    pub error: Option<String>,
    /// The inflater, for the next body.
    pub inflater: Option<Box<Inflater>>,
    /// Inflated in one call (not streamed).
    pub whole: bool,
    /// The file's decompression budget stopped this body, or was spent before it began (then
    /// nothing of it was inflated). Not an `error`: the body is not at fault.
    pub budget_spent: bool,
}

/// A gzip member header (RFC 1952 §2.3) or a zlib header (RFC 1950 §2.2), read a byte at a time
/// as it arrives: nothing is buffered but the fixed part, so a long FNAME or FEXTRA costs its
/// length once, however it is cut.
#[derive(Debug, Clone, Copy)]
struct HeaderReader {
    gzip: bool,
    fixed: [u8; 10],
    got: u8,
    phase: HeaderPhase,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeaderPhase {
    Fixed,
    /// The two bytes of XLEN (the low one kept).
    XLen(u8, u8),
    /// FEXTRA bytes still to skip.
    Extra(u32),
    Name,
    Comment,
    /// FHCRC bytes still to skip.
    Crc(u8),
    Done,
}

impl HeaderReader {
    fn new(gzip: bool) -> Self {
        HeaderReader { gzip, fixed: [0; 10], got: 0, phase: HeaderPhase::Fixed }
    }

    fn flags(&self) -> u8 {
        self.fixed[3]
    }

    /// The phase after `from` given the flags (FEXTRA, FNAME, FCOMMENT, FHCRC in that order).
    fn after(&self, from: HeaderPhase) -> HeaderPhase {
        let f = self.flags();
        let order = [(HeaderPhase::XLen(0, 0), 0x04), (HeaderPhase::Name, 0x08), (HeaderPhase::Comment, 0x10), (HeaderPhase::Crc(2), 0x02)];
        let start = match from {
            HeaderPhase::Fixed => 0,
            HeaderPhase::XLen(..) | HeaderPhase::Extra(_) => 1,
            HeaderPhase::Name => 2,
            HeaderPhase::Comment => 3,
            HeaderPhase::Crc(_) | HeaderPhase::Done => 4,
        };
        order[start..].iter().find(|(_, bit)| f & bit != 0).map_or(HeaderPhase::Done, |(p, _)| *p)
    }

    /// Reads header bytes from `b`: how many it used (all of them while the header goes on), or
    /// why this is not a header.
    fn feed(&mut self, b: &[u8]) -> Result<usize, String> {
        let mut at = 0;
        while at < b.len() && self.phase != HeaderPhase::Done {
            match self.phase {
                HeaderPhase::Fixed => {
                    let need = if self.gzip { 10 } else { 2 };
                    let n = (need - self.got as usize).min(b.len() - at);
                    self.fixed[self.got as usize..self.got as usize + n].copy_from_slice(&b[at..at + n]);
                    at += n;
                    self.got += n as u8;
                    if self.gzip && self.got >= 3 && (self.fixed[0] != 0x1f || self.fixed[1] != 0x8b || self.fixed[2] != 8) {
                        return Err("not a gzip stream (bad magic or method)".into());
                    }
                    if self.got as usize == need {
                        self.phase = if self.gzip { self.after(HeaderPhase::Fixed) } else { HeaderPhase::Done };
                    }
                }
                HeaderPhase::XLen(0, _) => {
                    self.phase = HeaderPhase::XLen(1, b[at]);
                    at += 1;
                }
                HeaderPhase::XLen(_, lo) => {
                    let len = u16::from_le_bytes([lo, b[at]]);
                    at += 1;
                    self.phase = if len == 0 { self.after(HeaderPhase::Extra(0)) } else { HeaderPhase::Extra(u32::from(len)) };
                }
                HeaderPhase::Extra(left) => {
                    let n = (left as usize).min(b.len() - at);
                    at += n;
                    let left = left - n as u32;
                    self.phase = if left == 0 { self.after(HeaderPhase::Extra(0)) } else { HeaderPhase::Extra(left) };
                }
                p @ (HeaderPhase::Name | HeaderPhase::Comment) => match b[at..].iter().position(|&c| c == 0) {
                    Some(z) => {
                        at += z + 1;
                        self.phase = self.after(p);
                    }
                    None => at = b.len(),
                },
                HeaderPhase::Crc(left) => {
                    let n = usize::from(left).min(b.len() - at);
                    at += n;
                    let left = left - n as u8;
                    self.phase = if left == 0 { HeaderPhase::Done } else { HeaderPhase::Crc(left) };
                }
                HeaderPhase::Done => {}
            }
        }
        Ok(at)
    }

    fn done(&self) -> bool {
        self.phase == HeaderPhase::Done
    }
}

impl Decoder {
    pub fn new(coding: Coding, keep: usize, cap: u64, spare: Option<Box<Inflater>>) -> Self {
        Self::with_budget(coding, keep, cap, spare, None)
    }

    /// The same, drawing on a file's decompression budget.
    pub fn with_budget(coding: Coding, keep: usize, cap: u64, spare: Option<Box<Inflater>>, budget: Option<BudgetHandle>) -> Self {
        let skip = budget.as_ref().is_some_and(|b| b.left() == 0);
        let sink = || CappedSink { budget: budget.clone(), ..CappedSink::new(keep, cap) };
        let (inner, spare, collected) = match coding {
            _ if skip => (Inner::Undecided(Vec::new()), spare, None),
            Coding::Gzip => (Self::deflate(spare, true, false), None, Some(Vec::new())),
            Coding::Deflate => (Inner::Undecided(Vec::new()), spare, Some(Vec::new())),
            Coding::Brotli => (Inner::BrotliStart, spare, None),
        };
        let windows = budget.as_ref().map(|b| b.1.clone());
        Decoder { inner, sink: sink(), error: None, spare, collected, skip, windows }
    }

    /// The same, always streaming (to compare the two ways in tests).
    #[cfg(test)]
    fn streaming(coding: Coding, keep: usize, cap: u64) -> Self {
        Decoder { collected: None, ..Decoder::new(coding, keep, cap, None) }
    }

    /// Streams (never collects the body for one call) and keeps decoded bytes for [`Self::tap`]:
    /// for a reader that wants the body as it arrives.
    pub fn tapped(mut self) -> Self {
        if let Some(c) = self.collected.take() {
            self.stream(&c);
        }
        self.sink.tap = Some(Vec::new());
        self
    }

    /// Decoded bytes since the tap was last drained (when [`Self::tapped`]).
    pub fn tap(&mut self) -> Option<&mut Vec<u8>> {
        match &mut self.inner {
            Inner::Brotli(d, _) => d.get_mut().tap.as_mut(),
            _ => self.sink.tap.as_mut(),
        }
    }

    pub fn write(&mut self, b: &[u8]) {
        if self.skip {
            return;
        }
        if let Some(c) = &mut self.collected {
            if c.len() + b.len() <= WHOLE_MAX {
                c.extend_from_slice(b);
                return;
            }
            let c = std::mem::take(c);
            self.collected = None;
            self.stream(&c);
        }
        self.stream(b);
    }

    /// The collected body inflated in one call, if that takes all of it cleanly; `None` leaves
    /// the decoder as it was.
    fn whole(&mut self, body: &[u8]) -> Option<Box<Inflater>> {
        let (format, inflater) = match &mut self.inner {
            Inner::Deflate { gzip: true, inflater, .. } => (whole::Format::Gzip, inflater),
            Inner::Undecided(_) if body.len() >= 2 => {
                let zlib = body[0] & 0x0f == 8 && (u16::from(body[0]) << 8 | u16::from(body[1])) % 31 == 0;
                let spare = self.spare.get_or_insert_with(Box::default);
                (if zlib { whole::Format::Zlib } else { whole::Format::Raw }, spare)
            }
            _ => return None,
        };
        // The output buffer is sized from a guess, never from a length field alone: gzip's
        // trailer claims the length (mod 2^32) of what it holds, which the sender chooses. The
        // claim is held between a floor (so doubling always grows it: twice zero is zero) and a
        // ceiling (what DEFLATE can make of this many bytes at most, the cap, and the one-call
        // limit); a body that needs more than the ceiling streams instead.
        let limit = WHOLE_OUT_MAX
            .min(usize::try_from(self.sink.cap).unwrap_or(usize::MAX))
            .min(body.len().saturating_mul(DEFLATE_MAX_RATIO).saturating_add(WHOLE_ROOM_FLOOR));
        let claimed = match (format, body.len().checked_sub(4)) {
            (whole::Format::Gzip, Some(at)) => u32::from_le_bytes([body[at], body[at + 1], body[at + 2], body[at + 3]]) as usize,
            _ => body.len().saturating_mul(8),
        };
        let mut room = claimed.max(WHOLE_ROOM_FLOOR).min(limit);
        let Inflater { whole, plain, .. } = &mut **inflater;
        let w = match whole {
            Some(w) => w,
            None => whole.insert(whole::Whole::new()?),
        };
        // Each round at least doubles `room` (at least 1) up to `limit`: a few dozen rounds at most.
        let made = loop {
            if plain.len() < room {
                plain.resize(room, 0);
            }
            match w.inflate(format, body, &mut plain[..room]) {
                whole::Outcome::Done { used, made } if used == body.len() => break made,
                whole::Outcome::NoRoom if room < limit => room = room.saturating_mul(2).max(1).min(limit),
                _ => return None,
            }
        };
        // Under the cap (`made` <= `limit`), but the file's budget may stop it.
        let _ = self.sink.write_all(&plain[..made]);
        if plain.capacity() > 1 << 20 {
            *plain = Vec::new();
        }
        match std::mem::replace(&mut self.inner, Inner::Undecided(Vec::new())) {
            Inner::Deflate { inflater, .. } => Some(inflater),
            _ => self.spare.take(),
        }
    }

    fn start_brotli(&mut self, hold: Option<WindowHold>) {
        let sink = std::mem::replace(&mut self.sink, CappedSink::new(0, 0));
        self.inner = Inner::Brotli(Box::new(brotli::DecompressorWriter::new(sink, 4096)), hold);
    }

    fn deflate(spare: Option<Box<Inflater>>, gzip: bool, zlib: bool) -> Inner {
        let mut inflater = spare.unwrap_or_default();
        inflater.d.reset(false);
        Inner::Deflate {
            inflater,
            stage: if gzip || zlib { Stage::Header } else { Stage::Body },
            gzip,
            zlib,
            header: HeaderReader::new(gzip),
            pending: Vec::new(),
            crc: crc32fast::Hasher::new(),
            size: 0,
        }
    }

    /// Bytes through the streaming decoder.
    fn stream(&mut self, mut b: &[u8]) {
        if self.error.is_some() {
            return;
        }
        if let Inner::Undecided(head) = &mut self.inner {
            head.extend_from_slice(b);
            if head.len() < 2 {
                return;
            }
            let head = std::mem::take(head);
            // RFC 9110 §8.4.1.2: "deflate" means zlib, but servers send raw deflate too.
            let zlib = head[0] & 0x0f == 8 && (u16::from(head[0]) << 8 | u16::from(head[1])) % 31 == 0;
            self.inner = Self::deflate(self.spare.take(), false, zlib);
            return self.stream(&head);
        }
        if let (Inner::BrotliStart, Some(&first)) = (&self.inner, b.first()) {
            let window = brotli_window(first);
            let hold = match &self.windows {
                None => None,
                Some(pool) => match WindowHold::take(pool, window) {
                    Some(h) => Some(h),
                    None => {
                        self.error = Some(format!(
                            "its brotli window of {window} bytes does not fit in what this decoding thread's brotli decoders may hold at once (limit max_brotli_windows); the body is counted, not decoded"
                        ));
                        return;
                    }
                },
            };
            self.start_brotli(hold);
        }
        match &mut self.inner {
            Inner::Brotli(d, _) => {
                if let Err(e) = d.write_all(b) {
                    self.error = Some(e.to_string());
                }
            }
            Inner::BrotliStart => {}
            Inner::Undecided(_) => {}
            Inner::Deflate { inflater, stage, gzip, zlib, header, pending, crc, size } => {
                while !b.is_empty() && self.error.is_none() {
                    match *stage {
                        Stage::Done => return,
                        Stage::Header | Stage::Between => {
                            match header.feed(b) {
                                Ok(n) => b = &b[n..],
                                // Bytes after the last member: not gzip, ignored (as gzip(1) warns).
                                Err(_) if *stage == Stage::Between => {
                                    *stage = Stage::Done;
                                    return;
                                }
                                Err(e) => {
                                    self.error = Some(e);
                                    return;
                                }
                            }
                            if header.done() {
                                *stage = Stage::Body;
                                *crc = crc32fast::Hasher::new();
                                *size = 0;
                                inflater.d.reset(false);
                            }
                        }
                        Stage::Body => {
                            let Inflater { d, out, .. } = &mut **inflater;
                            out.clear();
                            let before = d.total_in();
                            let r = d.decompress_vec(b, out, flate2::FlushDecompress::None);
                            let used = (d.total_in() - before) as usize;
                            b = &b[used..];
                            if !out.is_empty() {
                                crc.update(out);
                                *size = size.wrapping_add(out.len() as u32);
                                if self.sink.write_all(out).is_err() {
                                    self.error = Some("decompression limit reached".into());
                                    return;
                                }
                            }
                            match r {
                                Err(e) => {
                                    self.error = Some(e.to_string());
                                    return;
                                }
                                Ok(flate2::Status::StreamEnd) => {
                                    *stage = if *gzip || *zlib { Stage::Trailer } else { Stage::Done };
                                }
                                Ok(_) if used == 0 && out.is_empty() => return,
                                Ok(_) => {}
                            }
                        }
                        Stage::Trailer => {
                            let need = if *gzip { 8 } else { 4 };
                            let n = (need - pending.len()).min(b.len());
                            pending.extend_from_slice(&b[..n]);
                            b = &b[n..];
                            if pending.len() == need {
                                if *gzip {
                                    let want_crc = u32::from_le_bytes([pending[0], pending[1], pending[2], pending[3]]);
                                    let want_size = u32::from_le_bytes([pending[4], pending[5], pending[6], pending[7]]);
                                    let got_crc = std::mem::replace(crc, crc32fast::Hasher::new()).finalize();
                                    if got_crc != want_crc || *size != want_size {
                                        self.error = Some(if got_crc != want_crc {
                                            format!(
                                                "gzip trailer does not match the data (CRC-32 {got_crc:08x}, trailer says {want_crc:08x})"
                                            )
                                        } else {
                                            format!(
                                                "gzip trailer does not match the data (size mod 2^32 {size}, trailer says {want_size})",
                                                size = *size
                                            )
                                        });
                                        return;
                                    }
                                    *stage = Stage::Between;
                                    *header = HeaderReader::new(true);
                                } else {
                                    *stage = Stage::Done;
                                }
                                pending.clear();
                            }
                        }
                    }
                }
            }
        }
    }

    pub fn finish(mut self) -> Decoded {
        if self.skip {
            let inflater = match self.inner {
                Inner::Deflate { inflater, .. } => Some(inflater),
                _ => self.spare,
            };
            return Decoded { sink: self.sink, error: None, inflater, whole: false, budget_spent: true };
        }
        if let Some(body) = self.collected.take() {
            if let Some(inflater) = self.whole(&body) {
                let budget_spent = self.sink.budget_hit;
                let error = self.sink.cap_hit.then(|| "decompression limit reached".to_string());
                return Decoded { sink: self.sink, error, inflater: Some(inflater), whole: true, budget_spent };
            }
            self.stream(&body);
        }
        if let Inner::Undecided(head) = &mut self.inner {
            if !head.is_empty() {
                let head = std::mem::take(head);
                self.inner = Self::deflate(self.spare.take(), false, false);
                self.stream(&head);
            }
        }
        if matches!(self.inner, Inner::BrotliStart) && self.error.is_none() {
            // An empty body: a decoder (which allocates nothing without input) says what it is.
            self.start_brotli(None);
        }
        let mut error = self.error.take();
        let (sink, inflater) = match self.inner {
            Inner::BrotliStart => (self.sink, self.spare),
            Inner::Brotli(mut d, _hold) => {
                if let Err(e) = d.flush() {
                    error.get_or_insert(e.to_string());
                }
                let s = std::mem::replace(d.get_mut(), CappedSink::new(0, 0));
                if s.cap_hit {
                    error = Some("decompression limit reached".into());
                }
                (s, self.spare)
            }
            Inner::Deflate { inflater, stage, .. } => {
                if error.is_none() && !matches!(stage, Stage::Done | Stage::Between) {
                    error = Some("compressed data ends early".into());
                }
                (self.sink, Some(inflater))
            }
            Inner::Undecided(_) => (self.sink, self.spare),
        };
        if sink.cap_hit {
            error = Some("decompression limit reached".into());
        }
        // Stopped by the file's budget, not by anything wrong with the body (an earlier fault
        // would have stopped decoding before the budget could).
        let budget_spent = sink.budget_hit;
        if budget_spent {
            error = None;
        }
        Decoded { sink, error, inflater, whole: false, budget_spent }
    }
}

/// libdeflate through its C interface: a whole deflate, zlib or gzip stream in one call, about a
/// third faster than zlib-rs on the small bodies typical of HTTP. The `_ex` calls report how much
/// input the stream used, so a body with more after it (a second gzip member, junk) is told apart
/// and left to the streaming path.
mod whole {
    use libdeflate_sys as sys;
    use std::ptr::NonNull;

    pub struct Whole(NonNull<sys::libdeflate_decompressor>);

    // SAFETY: a decompressor is a block of heap memory with no tie to the thread that made it;
    // `&mut self` on every use keeps use exclusive.
    unsafe impl Send for Whole {}

    #[derive(Debug, Clone, Copy)]
    pub enum Format {
        Gzip,
        Zlib,
        Raw,
    }

    pub enum Outcome {
        Done { used: usize, made: usize },
        NoRoom,
        Bad,
    }

    impl Whole {
        pub fn new() -> Option<Whole> {
            // SAFETY: no arguments; a null result (out of memory) is turned into None.
            NonNull::new(unsafe { sys::libdeflate_alloc_decompressor() }).map(Whole)
        }

        pub fn inflate(&mut self, format: Format, input: &[u8], out: &mut [u8]) -> Outcome {
            let (mut used, mut made) = (0usize, 0usize);
            let f = match format {
                Format::Gzip => sys::libdeflate_gzip_decompress_ex,
                Format::Zlib => sys::libdeflate_zlib_decompress_ex,
                Format::Raw => sys::libdeflate_deflate_decompress_ex,
            };
            // SAFETY: the decompressor is live (freed only on drop); libdeflate reads at most
            // `input.len()` bytes from `input`, writes at most `out.len()` bytes to `out`, and
            // writes the two counts through pointers to locals.
            let r =
                unsafe { f(self.0.as_ptr(), input.as_ptr().cast(), input.len(), out.as_mut_ptr().cast(), out.len(), &mut used, &mut made) };
            match r {
                sys::libdeflate_result_LIBDEFLATE_SUCCESS if used <= input.len() && made <= out.len() => Outcome::Done { used, made },
                sys::libdeflate_result_LIBDEFLATE_INSUFFICIENT_SPACE => Outcome::NoRoom,
                _ => Outcome::Bad,
            }
        }
    }

    impl Drop for Whole {
        fn drop(&mut self) {
            // SAFETY: made by libdeflate_alloc_decompressor, freed once, here.
            unsafe { sys::libdeflate_free_decompressor(self.0.as_ptr()) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gz(b: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(b).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn decodes_every_coding_in_pieces() {
        let text = b"hello hello hello hello wirescope".repeat(20);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&text).unwrap();
        let zlib = z.finish().unwrap();
        let mut r = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        r.write_all(&text).unwrap();
        let raw = r.finish().unwrap();
        let mut br = Vec::new();
        {
            let mut w = brotli::CompressorWriter::new(&mut br, 4096, 5, 22);
            w.write_all(&text).unwrap();
        }
        for (coding, bytes) in [(Coding::Gzip, gz(&text)), (Coding::Deflate, zlib), (Coding::Deflate, raw), (Coding::Brotli, br)] {
            let mut d = Decoder::new(coding, 1 << 20, 1 << 20, None);
            for piece in bytes.chunks(1) {
                d.write(piece);
            }
            let out = d.finish();
            assert_eq!(out.error, None, "{coding:?}");
            assert_eq!(out.sink.kept, text, "{coding:?}");
        }
    }

    #[test]
    fn a_bomb_stops_at_the_cap() {
        let bomb = gz(&vec![0u8; 50 << 20]);
        let mut d = Decoder::new(Coding::Gzip, 16, 1 << 20, None);
        d.write(&bomb);
        let out = d.finish();
        assert_eq!(out.sink.total, 1 << 20);
        assert!(out.error.unwrap().contains("limit"));
        assert_eq!(out.sink.kept.len(), 16);
    }

    #[test]
    fn two_gzip_members_a_reused_inflater_and_a_bad_crc() {
        let text = b"first member; ".to_vec();
        let mut both = gz(&text);
        both.extend(gz(b"second member"));
        let mut d = Decoder::new(Coding::Gzip, 1000, 1000, None);
        d.write(&both);
        let out = d.finish();
        assert_eq!(out.error, None);
        assert_eq!(out.sink.kept, b"first member; second member");
        // The inflater goes on to the next body.
        let mut bad = gz(b"hello");
        let n = bad.len();
        bad[n - 8] ^= 1;
        let mut d = Decoder::new(Coding::Gzip, 1000, 1000, out.inflater);
        d.write(&bad);
        assert!(d.finish().error.unwrap().contains("CRC-32"));
        let mut cut = Decoder::new(Coding::Gzip, 1000, 1000, None);
        cut.write(&gz(b"hello")[..12]);
        assert!(cut.finish().error.unwrap().contains("ends early"));
    }

    /// Inflating a whole body in one call gives what streaming gives, byte for byte and error for
    /// error, on clean bodies (taken whole) and on damaged, cut, joined or capped ones (streamed).
    #[test]
    fn whole_bodies_decode_as_streamed_ones() {
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let words: [&[u8]; 6] = [b"header ", b"frame ", b"GET ", b"\x00\x01", b"socket ", b"200 OK "];
        let (mut taken, mut streamed) = (0, 0);
        for case in 0..400 {
            let len = [0, 1, 100, 6000, 40_000, 300_000][case % 6];
            let mut text = Vec::new();
            while text.len() < len {
                text.extend_from_slice(words[next() as usize % 6]);
            }
            text.truncate(len);
            let level = flate2::Compression::new((case / 6 % 10) as u32);
            let (coding, mut bytes) = match case / 60 % 3 {
                0 => {
                    let mut e = flate2::write::GzEncoder::new(Vec::new(), level);
                    e.write_all(&text).unwrap();
                    (Coding::Gzip, e.finish().unwrap())
                }
                1 => {
                    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), level);
                    e.write_all(&text).unwrap();
                    (Coding::Deflate, e.finish().unwrap())
                }
                _ => {
                    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), level);
                    e.write_all(&text).unwrap();
                    (Coding::Deflate, e.finish().unwrap())
                }
            };
            // Damage: a flipped byte, a cut, a second member, junk after the end.
            match next() % 8 {
                0 if !bytes.is_empty() => {
                    let at = next() as usize % bytes.len();
                    bytes[at] ^= 1 << (next() % 8);
                }
                1 => bytes.truncate(next() as usize % (bytes.len() + 1)),
                2 if coding == Coding::Gzip => bytes.extend(gz(b"second member")),
                3 => bytes.extend_from_slice(b"junk"),
                _ => {}
            }
            let cap = if next() % 4 == 0 { 5000 } else { 1 << 20 };
            let keep = [0, 16, 1 << 20][next() as usize % 3];
            let mut a = Decoder::new(coding, keep, cap, None);
            let mut b = Decoder::streaming(coding, keep, cap);
            let piece = 1 + next() as usize % 3000;
            for p in bytes.chunks(piece) {
                a.write(p);
                b.write(p);
            }
            let (a, b) = (a.finish(), b.finish());
            assert_eq!((a.sink.total, &a.sink.kept, &a.error), (b.sink.total, &b.sink.kept, &b.error), "case {case}");
            assert!(!b.whole);
            if a.whole {
                taken += 1;
            } else {
                streamed += 1;
            }
        }
        // Both ways were exercised.
        assert!(taken > 100 && streamed > 50, "{taken} whole, {streamed} streamed");
    }

    /// Issue 15: a trailer claiming 0 bytes made the one-call inflate double a zero-sized buffer
    /// for ever; one claiming 4 GiB must not size a buffer either. Both end, the data is what was
    /// compressed, and the lie is reported as the streaming decoder sees it (RFC 1952 §2.3.1:
    /// ISIZE is the input size mod 2^32).
    #[test]
    fn a_gzip_trailer_that_lies_about_the_size_ends_and_is_reported() {
        let text = b"wirescope reads what was sent, not what the trailer says. ".repeat(10);
        for isize in [0u32, 1, 0xffff_ffff, 8 << 20] {
            let mut body = gz(&text);
            let n = body.len();
            body[n - 4..].copy_from_slice(&isize.to_le_bytes());
            let mut d = Decoder::new(Coding::Gzip, 1 << 20, 64 << 20, None);
            d.write(&body);
            let out = d.finish();
            assert_eq!(out.sink.kept, text, "ISIZE {isize}");
            assert_eq!(out.sink.total, text.len() as u64);
            let said = format!("trailer says {isize}");
            assert!(
                out.error.as_deref().is_some_and(|e| e.contains("trailer does not match") && e.contains(&said)),
                "ISIZE {isize}: {:?}",
                out.error
            );
            assert!(!out.whole, "a lying trailer is not taken by the one-call path");
        }
        // An honest trailer on an empty body: the floor, not zero, sizes the buffer.
        let mut d = Decoder::new(Coding::Gzip, 100, 1000, None);
        d.write(&gz(b""));
        let out = d.finish();
        assert_eq!((out.sink.total, out.error, out.whole), (0, None, true));
    }

    /// A gzip header's optional fields (FEXTRA, FNAME, FCOMMENT, FHCRC) read however the bytes are
    /// cut; a long file name a byte at a time costs its length once, and many members in one
    /// write do not nest calls.
    #[test]
    fn gzip_headers_with_every_optional_field_and_many_members() {
        let text = b"payload".to_vec();
        let plain = gz(&text);
        // RFC 1952 §2.3: FLG bits FHCRC 0x02, FEXTRA 0x04, FNAME 0x08, FCOMMENT 0x10.
        let mut member = vec![0x1f, 0x8b, 8, 0x1e, 0, 0, 0, 0, 0, 255];
        member.extend_from_slice(&3u16.to_le_bytes());
        member.extend_from_slice(b"abc");
        member.extend(std::iter::repeat_n(b'n', 100_000));
        member.push(0);
        member.extend_from_slice(b"comment\0");
        member.extend_from_slice(&[0xaa, 0xbb]);
        member.extend_from_slice(&plain[10..]);
        for piece in [1, 7, 4096, 1 << 20] {
            let mut d = Decoder::new(Coding::Gzip, 100, 1000, None);
            for p in member.chunks(piece) {
                d.write(p);
            }
            let out = d.finish();
            assert_eq!((out.sink.kept.as_slice(), out.error), (&text[..], None), "pieces of {piece}");
        }
        let empty = gz(b"");
        let many: Vec<u8> = std::iter::repeat_n(&empty[..], 20_000).flatten().copied().collect();
        let mut d = Decoder::new(Coding::Gzip, 100, 1000, None);
        d.write(&many);
        let out = d.finish();
        assert_eq!((out.sink.total, out.error), (0, None));
    }

    #[test]
    fn garbage_is_an_error() {
        let mut d = Decoder::new(Coding::Gzip, 100, 1000, None);
        d.write(b"definitely not gzip");
        assert!(d.finish().error.is_some());
    }
}
