//! Sans-IO application decoders fed by reassembled stream chunks. Each keeps per-direction state,
//! consumes what it can, waits for more on short input, reports rule breaks as findings and carries on.

pub mod content;
pub mod decoder;
pub mod detect;
pub mod handover;
pub mod http1;
pub mod http2;
pub mod opaque;
pub mod quic;
pub mod socketio;
pub mod sse;
pub mod streambuf;
pub mod tls;
pub mod websocket;

pub use decoder::{Figures, Finish, Shared, StreamDecoder};
pub use detect::Sniffer;
pub use opaque::Opaque;
pub use streambuf::StreamBuf;

use crate::model::{ConnId, Finding, PacketNo, Severity};

/// What decoders make, and the reusable scratch they share: one per engine (per decoding thread).
pub struct Output {
    pub events: Vec<crate::model::Event>,
    pub inflaters: content::InflaterPool,
    /// What is left of the file's decompression budget for this engine.
    pub budget: content::Budget,
    /// Findings this engine may still record for the file (its share of
    /// [`Limits::max_findings_per_file`](crate::limits::Limits::max_findings_per_file)), and
    /// whether the finding saying the cap was reached was made.
    pub findings_left: u64,
    pub findings_capped: bool,
    findings_cap: u64,
    /// Limits.max_sse_line and keep_sse_data, for event-stream bodies (kept here, per engine,
    /// rather than in every connection's decoder).
    pub sse_caps: (usize, usize),
}

impl Default for Output {
    fn default() -> Self {
        Output::for_shard(&crate::limits::Limits::default(), 1)
    }
}

impl Output {
    /// The output of one of `shards` decoding threads: it gets an equal share of
    /// [`Limits::max_decompressed_per_file`](crate::limits::Limits::max_decompressed_per_file).
    pub fn for_shard(limits: &crate::limits::Limits, shards: u32) -> Self {
        let share = limits.max_decompressed_per_file.div_ceil(u64::from(shards.max(1)));
        Output {
            events: Vec::new(),
            inflaters: content::InflaterPool::default(),
            budget: content::Budget::new(limits.max_decompressed_per_file, share, shards.max(1), limits.max_brotli_windows),
            findings_left: limits.max_findings_per_file.div_ceil(u64::from(shards.max(1))),
            findings_capped: false,
            findings_cap: limits.max_findings_per_file,
            sse_caps: (limits.max_sse_line, limits.keep_sse_data),
        }
    }

    /// The output of shards put back together (for the connections still open at the end):
    /// what all of them have left of the budget.
    pub fn merged<'a>(parts: impl IntoIterator<Item = &'a Output>, events: Vec<crate::model::Event>) -> Self {
        let parts: Vec<&Output> = parts.into_iter().collect();
        let budget = content::Budget::merged(parts.iter().map(|p| &p.budget));
        Output {
            events,
            inflaters: content::InflaterPool::default(),
            budget,
            findings_left: parts.iter().map(|p| p.findings_left).sum(),
            findings_capped: parts.iter().any(|p| p.findings_capped),
            findings_cap: parts.first().map_or(0, |p| p.findings_cap),
            sse_caps: parts.first().map_or_else(|| Output::default().sse_caps, |p| p.sse_caps),
        }
    }
}

/// Where decoders put what they find.
pub struct Sink<'a> {
    pub conn: ConnId,
    pub out: &'a mut Output,
    pub findings_left: &'a mut u32,
    pub findings_dropped: &'a mut u32,
}

impl Sink<'_> {
    pub fn finding(&mut self, packet: PacketNo, severity: Severity, code: &'static str, message: String) {
        if *self.findings_left == 0 {
            *self.findings_dropped += 1;
            return;
        }
        if self.out.findings_left == 0 {
            if !self.out.findings_capped {
                self.out.findings_capped = true;
                let message = format!(
                    "more than {} findings in this file: further ones are not recorded (max_findings_per_file)",
                    self.out.findings_cap
                );
                self.out.events.push(crate::model::Event::Finding(Finding {
                    connection: None,
                    packet,
                    severity: Severity::Info,
                    code: "findings.file_limit",
                    message,
                }));
            }
            return;
        }
        self.out.findings_left -= 1;
        *self.findings_left -= 1;
        self.out.events.push(crate::model::Event::Finding(Finding { connection: Some(self.conn), packet, severity, code, message }));
    }

    pub fn event(&mut self, e: crate::model::Event) {
        self.out.events.push(e);
    }

    /// A reusable inflater for a compressed body, if one is spare.
    pub fn inflater(&mut self) -> Option<Box<content::Inflater>> {
        self.out.inflaters.take()
    }

    /// A decoder for a body in `coding`, keeping `keep` bytes, inflating at most `cap` bytes and
    /// what is left of the file's budget; with a reused inflater.
    pub fn decoder(&mut self, coding: content::Coding, keep: usize, cap: u64) -> content::Decoder {
        let inflater = self.out.inflaters.take();
        content::Decoder::with_budget(coding, keep, cap, inflater, Some(self.out.budget.handle()))
    }

    /// A body's decoding is over: its inflater goes back to the pool, and a body the file's
    /// budget stopped (or left uninflated) is reported, once.
    pub fn decoded(&mut self, d: &mut content::Decoded, packet: PacketNo) {
        if let Some(i) = d.inflater.take() {
            self.out.inflaters.give_back(i);
        }
        if d.budget_spent {
            self.budget_spent(packet);
        }
    }

    /// The file's decompression budget ran out here: one finding (per decoding thread) names it.
    pub fn budget_spent(&mut self, packet: PacketNo) {
        if let Some(message) = self.out.budget.report() {
            // Once per file: not counted against this connection's findings.
            let f =
                Finding { connection: Some(self.conn), packet, severity: Severity::Warning, code: "content.decompression_budget", message };
            self.out.events.push(crate::model::Event::Finding(f));
        }
    }

    /// A content-coded body is over (HTTP/1 and HTTP/2 alike): the decoder's last bytes go to the
    /// body's event stream parser if it has one, the inflater goes back, a decoding error or cap
    /// is a finding. Returns the decoded length, the bytes kept and whether they were cut.
    pub fn finish_body(
        &mut self,
        d: content::Decoder,
        sse: Option<&mut sse::SseParser>,
        packet: PacketNo,
        ts: crate::model::Nanos,
    ) -> (u64, Vec<u8>, bool) {
        let mut out = d.finish();
        if let (Some(p), Some(t)) = (sse, out.sink.tap.take()) {
            p.feed(&t, packet, ts, self);
        }
        self.decoded(&mut out, packet);
        if let Some(e) = out.error {
            let code = if e.contains("limit") { "http.decompression_limit" } else { "http.content_decoding_failed" };
            self.finding(packet, Severity::Warning, code, format!("content decoding: {e}"));
        }
        let truncated = out.sink.total > out.sink.kept.len() as u64 || out.budget_spent;
        (out.sink.total, out.sink.kept, truncated)
    }

    /// An inflater whose body is done, for the next body.
    pub fn give_back_inflater(&mut self, i: Box<content::Inflater>) {
        self.out.inflaters.give_back(i);
    }
}
