//! One direction of a TCP stream put back in order.
//!
//! Sequence numbers are compared by wrapping difference, never as raw u32s. Positions in the stream
//! are u64 offsets from the first byte seen. Out-of-order segments wait in a bounded buffer; a hole
//! that is never filled (the capture missed it) comes out as an explicit `Gap` so decoders can
//! resynchronise instead of reading garbage.
//!
//! Overlaps: the first copy of a byte wins (Zeek's and tshark's default policy). A later segment
//! that carries other bytes at an offset already seen is reported as a [`Report::Mismatch`] naming
//! the packet of the first copy; delivered bytes are kept for that comparison until the peer
//! acknowledges them (at most `keep_unacked` bytes).

use crate::model::{Nanos, PacketNo};
use std::collections::{BTreeMap, VecDeque};

/// Segments further than this from the expected sequence number are not part of this stream.
const MAX_JUMP: i64 = 1 << 30;

#[derive(Debug, PartialEq, Eq)]
pub enum Chunk<'a> {
    Data {
        bytes: &'a [u8],
        packet: PacketNo,
        ts: Nanos,
    },
    /// `len` bytes were never captured; `packet` is the packet that revealed the hole.
    Gap {
        len: u64,
        packet: PacketNo,
        ts: Nanos,
    },
    /// No more bytes will come this way (FIN, RST, or the capture ended).
    End {
        packet: PacketNo,
        ts: Nanos,
    },
}

/// What happened to one segment's payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentKind {
    Empty,
    InOrder,
    /// Arrived ahead of a hole; buffered.
    OutOfOrder,
    /// Every byte was seen before.
    Retransmission,
    /// Partly new, partly seen before.
    Overlap,
    /// Too far from the expected sequence number to belong here.
    OutOfWindow,
}

/// The caps one direction works under (fields of [`crate::limits::Limits`]).
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    /// Out-of-order bytes buffered before the first hole is declared a gap.
    pub out_of_order_bytes: usize,
    /// Out-of-order segments buffered (each after a hole, so this bounds the holes too).
    pub out_of_order_segments: usize,
    /// Delivered bytes kept, until acknowledged, to compare retransmissions with.
    pub keep_unacked: usize,
}

impl Caps {
    pub fn new(limits: &crate::limits::Limits) -> Self {
        Caps {
            out_of_order_bytes: limits.max_out_of_order,
            out_of_order_segments: limits.max_out_of_order_segments,
            keep_unacked: limits.keep_unacked,
        }
    }
}

/// Something the tracker turns into a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    /// `packet` carries other bytes than `first_packet` did at stream offset `offset`.
    Mismatch { offset: u64, first_packet: PacketNo, packet: PacketNo },
    /// The out-of-order byte cap forced a gap.
    OutOfOrderBytes { packet: PacketNo },
    /// The out-of-order segment (hole) cap forced a gap.
    OutOfOrderSegments { packet: PacketNo },
    /// Delivered bytes not yet acknowledged exceeded `keep_unacked`: older ones are no longer
    /// compared with retransmissions.
    UnackedDropped { packet: PacketNo },
}

struct Pending {
    data: Vec<u8>,
    packet: PacketNo,
}

#[derive(Default)]
pub struct Reassembler {
    /// Sequence number of the next byte to deliver.
    next: Option<u32>,
    /// Bytes delivered (data and gaps) so far: the stream offset of `next`.
    delivered: u64,
    /// Disjoint pieces ahead of `delivered`, by stream offset; the first copy of a byte is kept.
    pending: BTreeMap<u64, Pending>,
    pending_bytes: usize,
    /// The last delivered bytes not yet acknowledged: stream offsets `delivered - recent.len()`
    /// up to `delivered`, with the packet each run came in (its end offset).
    recent: VecDeque<u8>,
    recent_marks: VecDeque<(u64, PacketNo)>,
}

impl Reassembler {
    /// A SYN fixes the initial sequence number; data starts one after it.
    pub fn syn(&mut self, seq: u32) {
        if self.next.is_none() {
            self.next = Some(seq.wrapping_add(1));
        }
    }

    /// The sequence number of the next byte to deliver, once known.
    pub fn next_seq(&self) -> Option<u32> {
        self.next
    }

    pub fn delivered(&self) -> u64 {
        self.delivered
    }

    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Bytes held (buffered out-of-order and kept unacknowledged).
    pub fn held(&self) -> usize {
        self.pending_bytes + self.recent.len()
    }

    /// Feeds one segment's payload; in-order bytes (and any buffered bytes they unblock) go to `out`.
    #[allow(clippy::too_many_arguments)]
    pub fn segment(
        &mut self,
        seq: u32,
        payload: &[u8],
        packet: PacketNo,
        ts: Nanos,
        caps: &Caps,
        reports: &mut Vec<Report>,
        out: &mut dyn FnMut(Chunk),
    ) -> SegmentKind {
        if payload.is_empty() {
            return SegmentKind::Empty;
        }
        let next = *self.next.get_or_insert(seq);
        let delta = seq.wrapping_sub(next) as i32 as i64;
        if delta.abs() > MAX_JUMP {
            return SegmentKind::OutOfWindow;
        }
        let delivered = self.delivered as i64;
        let start = delivered + delta;
        let end = start + payload.len() as i64;
        let mut seen_before = false;
        if start < delivered {
            seen_before = true;
            let upto = end.min(delivered);
            self.compare_recent(start, &payload[..(upto - start) as usize], packet, reports);
            if end <= delivered {
                return SegmentKind::Retransmission;
            }
        }
        let from = start.max(delivered) as u64;
        let rest = &payload[(from as i64 - start) as usize..];
        let to = from + rest.len() as u64;
        // The common case: in order, nothing buffered in the way.
        if from == self.delivered && self.pending.first_key_value().is_none_or(|(&k, _)| k >= to) {
            self.deliver(rest, packet, ts, caps, reports, out);
            self.drain(packet, ts, caps, reports, out);
            return if seen_before { SegmentKind::Overlap } else { SegmentKind::InOrder };
        }
        let (added, overlapped) = self.insert(from, rest, packet, reports);
        seen_before |= overlapped;
        let in_order = from == self.delivered;
        self.drain(packet, ts, caps, reports, out);
        let mut forced = false;
        while self.pending_bytes > caps.out_of_order_bytes {
            if !forced {
                reports.push(Report::OutOfOrderBytes { packet });
                forced = true;
            }
            self.fill_first_hole(packet, ts, caps, reports, out);
        }
        let mut forced = false;
        while self.pending.len() > caps.out_of_order_segments {
            if !forced {
                reports.push(Report::OutOfOrderSegments { packet });
                forced = true;
            }
            self.fill_first_hole(packet, ts, caps, reports, out);
        }
        match (added, seen_before, in_order) {
            (false, _, _) => SegmentKind::Retransmission,
            (true, true, _) => SegmentKind::Overlap,
            (true, false, true) => SegmentKind::InOrder,
            (true, false, false) => SegmentKind::OutOfOrder,
        }
    }

    /// Buffers the bytes of `[from, from + bytes.len())` that no buffered piece holds yet (the
    /// first copy wins), reporting the first byte that differs. Returns (bytes added, overlapped).
    fn insert(&mut self, from: u64, bytes: &[u8], packet: PacketNo, reports: &mut Vec<Report>) -> (bool, bool) {
        let to = from + bytes.len() as u64;
        let mut over: Vec<(u64, u64)> = Vec::new();
        if let Some((&k, p)) = self.pending.range(..from).next_back() {
            if k + p.data.len() as u64 > from {
                over.push((k, k + p.data.len() as u64));
            }
        }
        for (&k, p) in self.pending.range(from..to) {
            over.push((k, k + p.data.len() as u64));
        }
        let mut mismatch = None;
        let mut pieces: Vec<(u64, u64)> = Vec::new();
        let mut cur = from;
        for &(k, e) in &over {
            if k > cur {
                pieces.push((cur, k));
            }
            let (a, b) = (k.max(from), e.min(to));
            if a < b && mismatch.is_none() {
                let old = &self.pending[&k];
                let mine = &bytes[(a - from) as usize..(b - from) as usize];
                let theirs = &old.data[(a - k) as usize..(b - k) as usize];
                if let Some(i) = mine.iter().zip(theirs).position(|(x, y)| x != y) {
                    mismatch = Some(Report::Mismatch { offset: a + i as u64, first_packet: old.packet, packet });
                }
            }
            cur = cur.max(e);
        }
        if cur < to {
            pieces.push((cur, to));
        }
        reports.extend(mismatch);
        for &(a, b) in &pieces {
            let data = bytes[(a - from) as usize..(b - from) as usize].to_vec();
            self.pending_bytes += data.len();
            self.pending.insert(a, Pending { data, packet });
        }
        (!pieces.is_empty(), !over.is_empty())
    }

    /// Compares bytes already delivered at stream offset `start` with the kept copy.
    fn compare_recent(&self, start: i64, bytes: &[u8], packet: PacketNo, reports: &mut Vec<Report>) {
        let kept_from = self.delivered as i64 - self.recent.len() as i64;
        let skip = (kept_from - start).max(0) as usize;
        if skip >= bytes.len() {
            return;
        }
        let at = (start + skip as i64 - kept_from) as usize;
        let mine = &bytes[skip..];
        let (a, b) = self.recent.as_slices();
        // The kept bytes from `at` on, as at most two slices.
        let (s1, s2) = if at < a.len() { (&a[at..], b) } else { (&b[at - a.len()..], &[][..]) };
        let n1 = s1.len().min(mine.len());
        let diff = mine[..n1]
            .iter()
            .zip(s1)
            .position(|(x, y)| x != y)
            .or_else(|| mine[n1..].iter().zip(s2).position(|(x, y)| x != y).map(|i| i + n1));
        if let Some(i) = diff {
            let offset = (start + (skip + i) as i64) as u64;
            let at = self.recent_marks.partition_point(|(e, _)| *e <= offset);
            let first_packet = self.recent_marks.get(at).map_or(0, |m| m.1);
            reports.push(Report::Mismatch { offset, first_packet, packet });
        }
    }

    /// The peer acknowledged `ack`: bytes below it need not be kept, and any hole below it will
    /// never be filled in this capture.
    #[allow(clippy::too_many_arguments)]
    pub fn acked(&mut self, ack: u32, packet: PacketNo, ts: Nanos, caps: &Caps, reports: &mut Vec<Report>, out: &mut dyn FnMut(Chunk)) {
        let Some(next) = self.next else { return };
        let delta = ack.wrapping_sub(next) as i32 as i64;
        if delta.abs() > MAX_JUMP {
            return;
        }
        let acked_to = self.delivered as i64 + delta;
        let kept_from = self.delivered as i64 - self.recent.len() as i64;
        if acked_to > kept_from {
            self.forget_recent(((acked_to - kept_from) as usize).min(self.recent.len()));
        }
        if delta <= 0 {
            return;
        }
        let acked_to = acked_to as u64;
        while let Some((&first, _)) = self.pending.first_key_value() {
            if first >= acked_to {
                break;
            }
            self.fill_first_hole(packet, ts, caps, reports, out);
        }
        // Acknowledged bytes beyond everything buffered were also missed, but a later segment may
        // still carry them (a capture can see the ACK first); only buffered holes are closed here.
    }

    /// End of stream (FIN, RST or end of capture): deliver everything buffered, holes as gaps,
    /// and free what was kept.
    pub fn flush(&mut self, packet: PacketNo, ts: Nanos, caps: &Caps, reports: &mut Vec<Report>, out: &mut dyn FnMut(Chunk)) {
        while !self.pending.is_empty() {
            self.fill_first_hole(packet, ts, caps, reports, out);
        }
        self.recent = VecDeque::new();
        self.recent_marks = VecDeque::new();
    }

    /// The stream ends at sequence number `seq` (a FIN the peer acknowledged): everything
    /// buffered is delivered, and bytes below `seq` never seen come out as a gap.
    pub fn close_at(&mut self, seq: u32, packet: PacketNo, ts: Nanos, caps: &Caps, reports: &mut Vec<Report>, out: &mut dyn FnMut(Chunk)) {
        while !self.pending.is_empty() {
            self.fill_first_hole(packet, ts, caps, reports, out);
        }
        let Some(next) = self.next else { return };
        let missing = seq.wrapping_sub(next) as i32 as i64;
        if missing > 0 && missing <= MAX_JUMP {
            out(Chunk::Gap { len: missing as u64, packet, ts });
            self.advance(missing as u64);
        }
    }

    fn fill_first_hole(&mut self, packet: PacketNo, ts: Nanos, caps: &Caps, reports: &mut Vec<Report>, out: &mut dyn FnMut(Chunk)) {
        if let Some((&first, _)) = self.pending.first_key_value() {
            if first > self.delivered {
                let len = first - self.delivered;
                out(Chunk::Gap { len, packet, ts });
                self.advance(len);
                self.recent.clear();
                self.recent_marks.clear();
            }
        }
        self.drain(packet, ts, caps, reports, out);
    }

    fn deliver(&mut self, bytes: &[u8], packet: PacketNo, ts: Nanos, caps: &Caps, reports: &mut Vec<Report>, out: &mut dyn FnMut(Chunk)) {
        out(Chunk::Data { bytes, packet, ts });
        self.advance(bytes.len() as u64);
        self.keep(bytes, packet, caps, reports);
    }

    /// Keeps delivered bytes (that came in `packet`) until the peer acknowledges them.
    fn keep(&mut self, bytes: &[u8], packet: PacketNo, caps: &Caps, reports: &mut Vec<Report>) {
        if caps.keep_unacked == 0 {
            return;
        }
        let keep = bytes.len().min(caps.keep_unacked);
        if self.recent.len() + bytes.len() > caps.keep_unacked {
            let over = (self.recent.len() + keep).saturating_sub(caps.keep_unacked);
            // The tracker reports a cap once per connection.
            reports.push(Report::UnackedDropped { packet });
            self.forget_recent(over.min(self.recent.len()));
        }
        self.recent.extend(&bytes[bytes.len() - keep..]);
        match self.recent_marks.back_mut() {
            Some(m) if m.1 == packet => m.0 = self.delivered,
            _ => self.recent_marks.push_back((self.delivered, packet)),
        }
    }

    fn forget_recent(&mut self, n: usize) {
        self.recent.drain(..n);
        let kept_from = self.delivered - self.recent.len() as u64;
        while self.recent_marks.front().is_some_and(|m| m.0 <= kept_from) {
            self.recent_marks.pop_front();
        }
        if self.recent.is_empty() {
            self.recent = VecDeque::new();
            self.recent_marks = VecDeque::new();
        }
    }

    fn advance(&mut self, n: u64) {
        self.delivered += n;
        self.next = self.next.map(|s| s.wrapping_add(n as u32));
    }

    fn drain(&mut self, packet: PacketNo, ts: Nanos, caps: &Caps, reports: &mut Vec<Report>, out: &mut dyn FnMut(Chunk)) {
        while let Some(entry) = self.pending.first_entry() {
            let start = *entry.key();
            if start > self.delivered {
                break;
            }
            let p = entry.remove();
            self.pending_bytes -= p.data.len();
            let skip = (self.delivered - start) as usize;
            if skip < p.data.len() {
                // Buffered bytes become readable with the packet that released them (the one
                // that filled the hole, as tshark shows a reassembled message), but keep the
                // packet they came in for comparing retransmissions.
                out(Chunk::Data { bytes: &p.data[skip..], packet, ts });
                self.advance((p.data.len() - skip) as u64);
                self.keep(&p.data[skip..], p.packet, caps, reports);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const CAPS: Caps = Caps { out_of_order_bytes: 1 << 20, out_of_order_segments: 1 << 16, keep_unacked: 1 << 20 };

    fn collect_with(r: &mut Reassembler, segs: &[(u32, &[u8])], caps: &Caps) -> (Vec<u8>, u64, Vec<Report>) {
        let mut data = Vec::new();
        let mut gaps = 0;
        let mut reports = Vec::new();
        for (i, (seq, p)) in segs.iter().enumerate() {
            r.segment(*seq, p, i as u64 + 1, 0, caps, &mut reports, &mut |c| match c {
                Chunk::Data { bytes, .. } => data.extend_from_slice(bytes),
                Chunk::Gap { len, .. } => gaps += len,
                Chunk::End { .. } => {}
            });
        }
        r.flush(0, 0, caps, &mut reports, &mut |c| match c {
            Chunk::Data { bytes, .. } => data.extend_from_slice(bytes),
            Chunk::Gap { len, .. } => gaps += len,
            Chunk::End { .. } => {}
        });
        (data, gaps, reports)
    }

    fn collect(r: &mut Reassembler, segs: &[(u32, &[u8])]) -> (Vec<u8>, u64) {
        let (d, g, _) = collect_with(r, segs, &CAPS);
        (d, g)
    }

    #[test]
    fn wraps_around_the_sequence_space() {
        let mut r = Reassembler::default();
        r.syn(u32::MAX - 2);
        let (d, g) = collect(&mut r, &[(u32::MAX - 1, b"ab"), (0, b"cd"), (2, b"ef")]);
        assert_eq!((d.as_slice(), g), (&b"abcdef"[..], 0));
    }

    #[test]
    fn a_missing_segment_becomes_a_gap() {
        let mut r = Reassembler::default();
        r.syn(99);
        let (d, g) = collect(&mut r, &[(100, b"abc"), (106, b"ghi")]);
        assert_eq!((d.as_slice(), g), (&b"abcghi"[..], 3));
    }

    #[test]
    fn an_ack_past_a_hole_releases_it() {
        let mut r = Reassembler::default();
        r.syn(0);
        let mut seen = Vec::new();
        let mut rep = Vec::new();
        r.segment(1, b"ab", 1, 0, &CAPS, &mut rep, &mut |c| seen.push(format!("{c:?}")));
        r.segment(5, b"ef", 2, 0, &CAPS, &mut rep, &mut |c| seen.push(format!("{c:?}")));
        assert_eq!(seen.len(), 1);
        r.acked(7, 3, 0, &CAPS, &mut rep, &mut |c| seen.push(format!("{c:?}")));
        assert_eq!(seen.len(), 3);
        assert!(seen[1].contains("Gap { len: 2"), "{seen:?}");
    }

    #[test]
    fn buffer_cap_forces_a_gap() {
        let mut r = Reassembler::default();
        r.syn(0);
        let mut gaps = 0;
        let caps = Caps { out_of_order_bytes: 35, ..CAPS };
        let mut rep = Vec::new();
        for i in 0..10u32 {
            r.segment(100 + i * 10, &[7; 10], 1, 0, &caps, &mut rep, &mut |c| {
                if let Chunk::Gap { len, .. } = c {
                    gaps += len
                }
            });
        }
        assert_eq!(gaps, 99);
        assert!(r.pending_bytes <= 35);
        assert!(rep.iter().all(|r| matches!(r, Report::OutOfOrderBytes { .. })) && !rep.is_empty(), "{rep:?}");
    }

    #[test]
    fn segment_cap_forces_a_gap_and_bounds_the_holes() {
        let mut r = Reassembler::default();
        r.syn(0);
        let caps = Caps { out_of_order_segments: 4, ..CAPS };
        // Ten one-byte segments, each after a one-byte hole: at most four wait.
        let segs: Vec<(u32, &[u8])> = (0..10u32).map(|i| (3 + 2 * i, &b"x"[..])).collect();
        let mut rep = Vec::new();
        for (i, (seq, p)) in segs.iter().enumerate() {
            r.segment(*seq, p, i as u64, 0, &caps, &mut rep, &mut |_| {});
            assert!(r.pending.len() <= 4);
        }
        assert!(rep.contains(&Report::OutOfOrderSegments { packet: 4 }), "{rep:?}");
    }

    #[test]
    fn the_first_copy_wins_and_the_mismatch_names_both_packets() {
        // Delivered first, then a retransmission with other bytes: the kept copy is compared.
        let mut r = Reassembler::default();
        r.syn(0);
        let (d, _, rep) = collect_with(&mut r, &[(1, b"GET /a"), (1, b"PUT /b HTTP")], &CAPS);
        assert_eq!(d, b"GET /a HTTP");
        assert_eq!(rep, vec![Report::Mismatch { offset: 0, first_packet: 1, packet: 2 }]);
        // Buffered first (ahead of a hole), then an overlapping copy with other bytes.
        let mut r = Reassembler::default();
        r.syn(0);
        let (d, _, rep) = collect_with(&mut r, &[(4, b"defg"), (3, b"CDEFGH"), (1, b"ab")], &CAPS);
        assert_eq!(d, b"abCdefgH");
        assert_eq!(rep, vec![Report::Mismatch { offset: 3, first_packet: 1, packet: 2 }]);
    }

    #[test]
    fn acknowledged_bytes_are_no_longer_kept() {
        let mut r = Reassembler::default();
        r.syn(0);
        let mut rep = Vec::new();
        r.segment(1, &[1; 100], 1, 0, &CAPS, &mut rep, &mut |_| {});
        assert_eq!(r.held(), 100);
        r.acked(61, 2, 0, &CAPS, &mut rep, &mut |_| {});
        assert_eq!(r.held(), 40);
        r.acked(101, 3, 0, &CAPS, &mut rep, &mut |_| {});
        assert_eq!(r.held(), 0);
        let caps = Caps { keep_unacked: 50, ..CAPS };
        r.segment(101, &[2; 80], 4, 0, &caps, &mut rep, &mut |_| {});
        assert_eq!(r.held(), 50);
        assert_eq!(rep, vec![Report::UnackedDropped { packet: 4 }]);
    }

    /// Segments of a stream cut at `cuts`, plus duplicates (some overlapping their neighbours)
    /// from `dups`, shuffled from `order`: (start, end) offsets.
    fn segments(len: usize, cuts: &[u16], dups: &[u16], order: &[u32]) -> Vec<(usize, usize)> {
        let mut bounds: Vec<usize> = cuts.iter().map(|c| *c as usize % len).collect();
        bounds.push(0);
        bounds.push(len);
        bounds.sort();
        bounds.dedup();
        let mut segs: Vec<(usize, usize)> = bounds.windows(2).map(|w| (w[0], w[1])).collect();
        for d in dups {
            let a = *d as usize % len;
            let b = (a + 1 + (*d as usize / 7) % 50).min(len);
            segs.push((a, b));
        }
        for (i, o) in order.iter().enumerate() {
            let n = segs.len();
            segs.swap(i % n, *o as usize % n);
        }
        segs
    }

    proptest! {
        /// Any segmentation, reordering and duplication of a stream reassembles to the stream
        /// (the naive model: the bytes themselves).
        #[test]
        fn any_order_gives_the_same_stream(
            data in proptest::collection::vec(any::<u8>(), 1..400),
            cuts in proptest::collection::vec(any::<u16>(), 0..30),
            isn in any::<u32>(),
            order in proptest::collection::vec(any::<u32>(), 0..60),
            dups in proptest::collection::vec(any::<u16>(), 0..10),
        ) {
            let segs = segments(data.len(), &cuts, &dups, &order);
            let mut r = Reassembler::default();
            r.syn(isn);
            let seqs: Vec<(u32, &[u8])> = segs.iter().map(|(a, b)| (isn.wrapping_add(1).wrapping_add(*a as u32), &data[*a..*b])).collect();
            let (out, gaps, reports) = collect_with(&mut r, &seqs, &CAPS);
            prop_assert_eq!(gaps, 0);
            prop_assert_eq!(out, data);
            prop_assert!(reports.is_empty(), "{:?}", reports);
        }

        /// Overlapping copies carrying different bytes: the stream is, at each offset, the byte of
        /// the first segment that covered it (the model, kept here as a plain array), and a
        /// mismatch is reported when and only when some later copy differs from that byte.
        #[test]
        fn overlaps_with_other_bytes_keep_the_first_copy(
            len in 1usize..300,
            cuts in proptest::collection::vec(any::<u16>(), 0..30),
            isn in any::<u32>(),
            order in proptest::collection::vec(any::<u32>(), 0..60),
            dups in proptest::collection::vec(any::<u16>(), 0..12),
            salt in any::<u8>(),
        ) {
            let segs = segments(len, &cuts, &dups, &order);
            // Segment i carries byte (offset * 7 + i * salt) at each offset: copies differ
            // unless salt is 0.
            let payloads: Vec<Vec<u8>> = segs
                .iter()
                .enumerate()
                .map(|(i, (a, b))| (*a..*b).map(|o| (o as u8).wrapping_mul(7).wrapping_add((i as u8).wrapping_mul(salt))).collect())
                .collect();
            let mut model: Vec<Option<u8>> = vec![None; len];
            let mut differs = false;
            for ((a, _), p) in segs.iter().zip(&payloads) {
                for (j, b) in p.iter().enumerate() {
                    match model[a + j] {
                        None => model[a + j] = Some(*b),
                        Some(m) => differs |= m != *b,
                    }
                }
            }
            let expected: Vec<u8> = model.iter().map(|m| m.expect("the cuts cover the stream")).collect();
            let mut r = Reassembler::default();
            r.syn(isn);
            let seqs: Vec<(u32, &[u8])> =
                segs.iter().zip(&payloads).map(|((a, _), p)| (isn.wrapping_add(1).wrapping_add(*a as u32), p.as_slice())).collect();
            let (out, gaps, reports) = collect_with(&mut r, &seqs, &CAPS);
            prop_assert_eq!(gaps, 0);
            prop_assert_eq!(out, expected);
            let mismatches = reports.iter().filter(|r| matches!(r, Report::Mismatch { .. })).count();
            prop_assert_eq!(mismatches > 0, differs, "{:?}", reports);
            for rep in &reports {
                if let Report::Mismatch { first_packet, packet, .. } = rep {
                    prop_assert!(first_packet < packet, "{:?}", rep);
                }
            }
        }
    }
}
