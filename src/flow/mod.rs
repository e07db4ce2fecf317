//! Connections: who is client and who is server, per-direction TCP reassembly with explicit gaps,
//! handshake/teardown events and per-connection figures. Pure: packets in, ordered chunks out.

mod reassembly;
mod tcp;

pub use reassembly::{Caps, Report};
pub use reassembly::{Chunk, Reassembler, SegmentKind};
pub use tcp::{guess_server_is_dst, window_scale, Note, TcpTracker};

use core::net::{IpAddr, SocketAddr};

/// A connection's endpoints in a canonical order, so both directions find the same entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FlowKey {
    pub lo: (IpAddr, u16),
    pub hi: (IpAddr, u16),
    pub udp: bool,
}

impl FlowKey {
    pub fn new(src: SocketAddr, dst: SocketAddr, udp: bool) -> Self {
        let a = (src.ip(), src.port());
        let b = (dst.ip(), dst.port());
        if a <= b {
            FlowKey { lo: a, hi: b, udp }
        } else {
            FlowKey { lo: b, hi: a, udp }
        }
    }
}

/// A fast keyed hasher for the connection table: multiply-rotate mixing with a per-table random
/// key (from the standard library's RandomState), so a capture cannot be crafted to collide.
#[derive(Clone)]
pub struct FlowHasherBuilder(u64);

impl Default for FlowHasherBuilder {
    fn default() -> Self {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u8(0);
        FlowHasherBuilder(h.finish() | 1)
    }
}

impl std::hash::BuildHasher for FlowHasherBuilder {
    type Hasher = FlowHasher;
    fn build_hasher(&self) -> FlowHasher {
        FlowHasher(self.0)
    }
}

pub struct FlowHasher(u64);

impl std::hash::Hasher for FlowHasher {
    fn write(&mut self, bytes: &[u8]) {
        for c in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..c.len()].copy_from_slice(c);
            self.write_u64(u64::from_le_bytes(w));
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0 ^ v).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29);
    }
    fn write_u8(&mut self, v: u8) {
        self.write_u64(v as u64)
    }
    fn write_u16(&mut self, v: u16) {
        self.write_u64(v as u64)
    }
    fn write_u32(&mut self, v: u32) {
        self.write_u64(v as u64)
    }
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64)
    }
    fn finish(&self) -> u64 {
        let x = self.0;
        (x ^ (x >> 32)).wrapping_mul(0xd6e8_feb8_6659_fd93) ^ (x >> 29)
    }
}

/// "ip:port", with IPv6 in brackets.
pub fn endpoint(a: SocketAddr) -> String {
    match a {
        SocketAddr::V4(v) => format!("{}:{}", v.ip(), v.port()),
        SocketAddr::V6(v) => format!("[{}]:{}", v.ip(), v.port()),
    }
}

/// A growable array in fixed-size chunks: growing never copies nor doubles what is held, so a
/// table of a million small connections costs what they hold (plus at most one chunk).
pub struct Slab<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

const SLAB_CHUNK: usize = 1024;

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab { chunks: Vec::new(), len: 0 }
    }
}

impl<T> Slab<T> {
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn push(&mut self, v: T) {
        match self.chunks.last_mut() {
            Some(c) if c.len() < SLAB_CHUNK => c.push(v),
            _ => {
                let mut c = Vec::with_capacity(SLAB_CHUNK);
                c.push(v);
                self.chunks.push(c);
            }
        }
        self.len += 1;
    }
    pub fn get(&self, i: usize) -> Option<&T> {
        self.chunks.get(i / SLAB_CHUNK)?.get(i % SLAB_CHUNK)
    }
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        self.chunks.get_mut(i / SLAB_CHUNK)?.get_mut(i % SLAB_CHUNK)
    }
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().flatten()
    }
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.chunks.iter_mut().flatten()
    }
}

impl<T> std::ops::Index<usize> for Slab<T> {
    type Output = T;
    fn index(&self, i: usize) -> &T {
        &self.chunks[i / SLAB_CHUNK][i % SLAB_CHUNK]
    }
}

impl<T> std::ops::IndexMut<usize> for Slab<T> {
    fn index_mut(&mut self, i: usize) -> &mut T {
        &mut self.chunks[i / SLAB_CHUNK][i % SLAB_CHUNK]
    }
}

impl<T> IntoIterator for Slab<T> {
    type Item = T;
    type IntoIter = std::iter::Flatten<std::vec::IntoIter<Vec<T>>>;
    fn into_iter(self) -> Self::IntoIter {
        self.chunks.into_iter().flatten()
    }
}

impl<T> FromIterator<T> for Slab<T> {
    fn from_iter<I: IntoIterator<Item = T>>(it: I) -> Self {
        let mut s = Slab::default();
        for v in it {
            s.push(v);
        }
        s
    }
}
