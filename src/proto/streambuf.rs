//! The unconsumed bytes of one stream direction, with the packet each byte came in.

use crate::model::{Nanos, PacketNo};
use std::collections::VecDeque;

#[derive(Debug, Clone, Copy)]
struct Mark {
    /// Stream offset one past the last byte this packet contributed.
    end: u64,
    packet: PacketNo,
    ts: Nanos,
}

#[derive(Default)]
pub struct StreamBuf {
    data: Vec<u8>,
    head: usize,
    /// Stream offset of `data[head]`.
    start: u64,
    marks: VecDeque<Mark>,
    last: Option<Mark>,
}

impl StreamBuf {
    pub fn push(&mut self, bytes: &[u8], packet: PacketNo, ts: Nanos) {
        if self.head > 0 && self.head == self.data.len() {
            self.data.clear();
            self.head = 0;
        } else if self.head > 64 * 1024 && self.head * 2 > self.data.len() {
            self.data.drain(..self.head);
            self.head = 0;
        }
        self.data.extend_from_slice(bytes);
        let end = self.end();
        match self.marks.back_mut() {
            Some(m) if m.packet == packet => m.end = end,
            _ => self.marks.push_back(Mark { end, packet, ts }),
        }
    }

    /// Bytes not yet consumed.
    pub fn bytes(&self) -> &[u8] {
        &self.data[self.head..]
    }

    pub fn len(&self) -> usize {
        self.data.len() - self.head
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Stream offset of the first unconsumed byte.
    pub fn offset(&self) -> u64 {
        self.start
    }

    pub fn end(&self) -> u64 {
        self.start + self.len() as u64
    }

    pub fn consume(&mut self, n: usize) {
        let n = n.min(self.len());
        self.head += n;
        self.start += n as u64;
        while let Some(m) = self.marks.front() {
            if m.end > self.start {
                break;
            }
            self.last = self.marks.pop_front();
        }
        if self.head == self.data.len() {
            self.data.clear();
            self.head = 0;
        }
    }

    /// `n` bytes of packet `packet` were decoded without passing through the buffer (which is empty).
    pub fn skip_direct(&mut self, n: usize, packet: PacketNo, ts: Nanos) {
        if n == 0 {
            return;
        }
        debug_assert!(self.is_empty());
        self.start += n as u64;
        self.last = Some(Mark { end: self.start, packet, ts });
    }

    /// Drops everything buffered and skips `gap` bytes that were never captured.
    pub fn skip_gap(&mut self, gap: u64) {
        let n = self.len();
        self.consume(n);
        self.start += gap;
    }

    /// The packet (and its time) that carried the byte at stream offset `off`.
    pub fn packet_at(&self, off: u64) -> (PacketNo, Nanos) {
        if let Some(l) = self.last.filter(|l| off < l.end) {
            return (l.packet, l.ts);
        }
        for m in &self.marks {
            if m.end > off {
                return (m.packet, m.ts);
            }
        }
        self.marks.back().or(self.last.as_ref()).map(|m| (m.packet, m.ts)).unwrap_or((0, 0))
    }

    /// The leading bytes that came in one packet: how many, that packet and its time.
    pub fn first_run(&self) -> (usize, PacketNo, Nanos) {
        let (packet, ts) = self.packet_at(self.start);
        let end = self.marks.iter().find(|m| m.end > self.start).map_or(self.end(), |m| m.end);
        (usize::try_from(end - self.start).unwrap_or(usize::MAX).clamp(1, self.len().max(1)), packet, ts)
    }

    /// The packet that carried the last consumed byte (where a just-finished message ends).
    pub fn last_consumed_packet(&self) -> (PacketNo, Nanos) {
        if self.start == 0 {
            return self.packet_at(0);
        }
        self.packet_at(self.start - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_offsets_to_packets() {
        let mut b = StreamBuf::default();
        b.push(b"abc", 1, 10);
        b.push(b"de", 2, 20);
        b.push(b"f", 2, 20);
        assert_eq!(b.packet_at(2), (1, 10));
        assert_eq!(b.packet_at(3), (2, 20));
        b.consume(3);
        assert_eq!(b.last_consumed_packet(), (1, 10));
        assert_eq!(b.bytes(), b"def");
        b.consume(3);
        assert_eq!(b.last_consumed_packet(), (2, 20));
        b.skip_gap(5);
        assert_eq!(b.offset(), 11);
        b.push(b"g", 3, 30);
        assert_eq!(b.packet_at(11), (3, 30));
    }
}
