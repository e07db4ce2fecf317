//! One direction of a TCP stream put back in order.
//!
//! Sequence numbers are compared by wrapping difference, never as raw u32s. Positions in the stream
//! are u64 offsets from the first byte seen. Out-of-order segments wait in a bounded buffer; a hole
//! that is never filled (the capture missed it) comes out as an explicit `Gap` so decoders can
//! resynchronise instead of reading garbage.

use crate::model::{Nanos, PacketNo};
use std::collections::BTreeMap;

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

/// Bytes waiting ahead of a hole (delivered as the filling packet's: see `drain`).
struct Pending {
    data: Vec<u8>,
}

#[derive(Default)]
pub struct Reassembler {
    /// Sequence number of the next byte to deliver.
    next: Option<u32>,
    /// Bytes delivered (data and gaps) so far: the stream offset of `next`.
    delivered: u64,
    pending: BTreeMap<u64, Pending>,
    pending_bytes: usize,
}

impl Reassembler {
    /// A SYN fixes the initial sequence number; data starts one after it.
    pub fn syn(&mut self, seq: u32) {
        if self.next.is_none() {
            self.next = Some(seq.wrapping_add(1));
        }
    }

    pub fn delivered(&self) -> u64 {
        self.delivered
    }

    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Feeds one segment's payload; in-order bytes (and any buffered bytes they unblock) go to `out`.
    pub fn segment(
        &mut self,
        seq: u32,
        payload: &[u8],
        packet: PacketNo,
        ts: Nanos,
        cap: usize,
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
        let start = self.delivered as i64 + delta;
        let end = start + payload.len() as i64;
        if end <= self.delivered as i64 {
            return SegmentKind::Retransmission;
        }
        if start <= self.delivered as i64 {
            let skip = (self.delivered as i64 - start) as usize;
            self.deliver(&payload[skip..], packet, ts, out);
            self.drain(packet, ts, out);
            return if skip > 0 { SegmentKind::Overlap } else { SegmentKind::InOrder };
        }
        // Ahead of a hole.
        let start = start as u64;
        if let Some(p) = self.pending.get(&start) {
            if p.data.len() >= payload.len() {
                return SegmentKind::Retransmission;
            }
        }
        if let Some(old) = self.pending.insert(start, Pending { data: payload.to_vec() }) {
            self.pending_bytes -= old.data.len();
        }
        self.pending_bytes += payload.len();
        if self.pending_bytes > cap {
            self.fill_first_hole(packet, ts, out);
        }
        SegmentKind::OutOfOrder
    }

    /// The peer acknowledged `ack`: any hole below it will never be filled in this capture.
    pub fn acked(&mut self, ack: u32, packet: PacketNo, ts: Nanos, out: &mut dyn FnMut(Chunk)) {
        let Some(next) = self.next else { return };
        let delta = ack.wrapping_sub(next) as i32 as i64;
        if delta <= 0 || delta > MAX_JUMP {
            return;
        }
        let acked_to = self.delivered + delta as u64;
        while let Some((&first, _)) = self.pending.first_key_value() {
            if first >= acked_to {
                break;
            }
            self.fill_first_hole(packet, ts, out);
        }
        // Acknowledged bytes beyond everything buffered were also missed, but a later segment may
        // still carry them (a capture can see the ACK first); only buffered holes are closed here.
    }

    /// End of stream (FIN, RST or end of capture): deliver everything buffered, holes as gaps.
    pub fn flush(&mut self, packet: PacketNo, ts: Nanos, out: &mut dyn FnMut(Chunk)) {
        while !self.pending.is_empty() {
            self.fill_first_hole(packet, ts, out);
        }
    }

    fn fill_first_hole(&mut self, packet: PacketNo, ts: Nanos, out: &mut dyn FnMut(Chunk)) {
        if let Some((&first, _)) = self.pending.first_key_value() {
            if first > self.delivered {
                let len = first - self.delivered;
                out(Chunk::Gap { len, packet, ts });
                self.advance(len);
            }
        }
        self.drain(packet, ts, out);
    }

    fn deliver(&mut self, bytes: &[u8], packet: PacketNo, ts: Nanos, out: &mut dyn FnMut(Chunk)) {
        out(Chunk::Data { bytes, packet, ts });
        self.advance(bytes.len() as u64);
    }

    fn advance(&mut self, n: u64) {
        self.delivered += n;
        self.next = self.next.map(|s| s.wrapping_add(n as u32));
    }

    /// Delivers the buffered segments that now follow on, as bytes of `packet` (at `ts`): the
    /// packet that filled the hole completes them, as tshark attributes a reassembled PDU to the
    /// frame that completed it (a message behind a reordered segment ends when the hole is filled,
    /// not when its last bytes first arrived).
    fn drain(&mut self, packet: PacketNo, ts: Nanos, out: &mut dyn FnMut(Chunk)) {
        while let Some(entry) = self.pending.first_entry() {
            let start = *entry.key();
            if start > self.delivered {
                break;
            }
            let p = entry.remove();
            self.pending_bytes -= p.data.len();
            let skip = (self.delivered - start) as usize;
            if skip < p.data.len() {
                self.deliver(&p.data[skip..], packet, ts, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn collect(r: &mut Reassembler, segs: &[(u32, &[u8])]) -> (Vec<u8>, u64) {
        let mut data = Vec::new();
        let mut gaps = 0;
        for (i, (seq, p)) in segs.iter().enumerate() {
            r.segment(*seq, p, i as u64 + 1, 0, 1 << 20, &mut |c| match c {
                Chunk::Data { bytes, .. } => data.extend_from_slice(bytes),
                Chunk::Gap { len, .. } => gaps += len,
                Chunk::End { .. } => {}
            });
        }
        r.flush(0, 0, &mut |c| match c {
            Chunk::Data { bytes, .. } => data.extend_from_slice(bytes),
            Chunk::Gap { len, .. } => gaps += len,
            Chunk::End { .. } => {}
        });
        (data, gaps)
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
        r.segment(1, b"ab", 1, 0, 1 << 20, &mut |c| seen.push(format!("{c:?}")));
        r.segment(5, b"ef", 2, 0, 1 << 20, &mut |c| seen.push(format!("{c:?}")));
        assert_eq!(seen.len(), 1);
        r.acked(7, 3, 0, &mut |c| seen.push(format!("{c:?}")));
        assert_eq!(seen.len(), 3);
        assert!(seen[1].contains("Gap { len: 2"), "{seen:?}");
    }

    /// tshark puts a reassembled PDU in the frame that completed it: bytes waiting behind a hole
    /// become readable with the packet that fills the hole (captures/lossy-websocket.pcapng:
    /// tshark's frames 24, 65, 173… where the last bytes first came in 22, 61, 169…).
    #[test]
    fn bytes_behind_a_hole_come_with_the_packet_that_fills_it() {
        let mut r = Reassembler::default();
        r.syn(0);
        let mut seen = Vec::new();
        for (seq, data, packet) in [(1, b"ab", 1), (5, b"ef", 2), (3, b"cd", 3)] {
            r.segment(seq, data, packet, packet as i64 * 10, 1 << 20, &mut |c| {
                if let Chunk::Data { bytes, packet, ts } = c {
                    seen.push((bytes.to_vec(), packet, ts));
                }
            });
        }
        assert_eq!(seen, vec![(b"ab".to_vec(), 1, 10), (b"cd".to_vec(), 3, 30), (b"ef".to_vec(), 3, 30)]);
    }

    #[test]
    fn buffer_cap_forces_a_gap() {
        let mut r = Reassembler::default();
        r.syn(0);
        let mut gaps = 0;
        for i in 0..10u32 {
            r.segment(100 + i * 10, &[7; 10], 1, 0, 35, &mut |c| {
                if let Chunk::Gap { len, .. } = c {
                    gaps += len
                }
            });
        }
        assert_eq!(gaps, 99);
        assert!(r.pending_bytes <= 35);
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
            let mut bounds: Vec<usize> = cuts.iter().map(|c| *c as usize % data.len()).collect();
            bounds.push(0);
            bounds.push(data.len());
            bounds.sort();
            bounds.dedup();
            let mut segs: Vec<(usize, usize)> = bounds.windows(2).map(|w| (w[0], w[1])).collect();
            // Duplicates, some overlapping their neighbours.
            for d in &dups {
                let a = *d as usize % data.len();
                let b = (a + 1 + (*d as usize / 7) % 50).min(data.len());
                segs.push((a, b));
            }
            // Shuffle deterministically from `order`.
            for (i, o) in order.iter().enumerate() {
                let n = segs.len();
                segs.swap(i % n, *o as usize % n);
            }
            // The first segment must come first for a mid-stream start; with a SYN any order works.
            let mut r = Reassembler::default();
            r.syn(isn);
            let seqs: Vec<(u32, &[u8])> = segs.iter().map(|(a, b)| (isn.wrapping_add(1).wrapping_add(*a as u32), &data[*a..*b])).collect();
            let (out, gaps) = collect(&mut r, &seqs);
            prop_assert_eq!(gaps, 0);
            prop_assert_eq!(out, data);
        }
    }
}
