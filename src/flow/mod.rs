//! Connections: who is client and who is server, per-direction TCP reassembly with explicit gaps,
//! handshake/teardown events and per-connection figures. Pure: packets in, ordered chunks out.

mod reassembly;
mod tcp;

pub use reassembly::{Chunk, Reassembler, SegmentKind};
pub use tcp::{guess_server_is_dst, TcpTracker};

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

/// "ip:port", with IPv6 in brackets.
pub fn endpoint(a: SocketAddr) -> String {
    match a {
        SocketAddr::V4(v) => format!("{}:{}", v.ip(), v.port()),
        SocketAddr::V6(v) => format!("[{}]:{}", v.ip(), v.port()),
    }
}
