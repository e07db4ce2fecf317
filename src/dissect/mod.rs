//! A raw packet to its network and transport layers. Link layers are peeled here (Ethernet with
//! VLAN tags, Linux cooked v1/v2, BSD loopback, raw IP, NFLOG); IP and TCP/UDP through etherparse
//! (plain IPv4/TCP, the common case, read directly); tunnels (VXLAN, Geneve, GTP-U, Teredo, GRE and
//! ERSPAN, IP-in-IP and 6in4, PPPoE, MPLS) are peeled in [`tunnel`], and the packet inside is what
//! is returned, with the tunnel it came in.
//! Checksums are never verified: loopback captures carry unfinished ones.
pub mod fields;
mod link;
pub mod tunnel;

pub use link::link_type_name;
pub use tunnel::{Tunnel, TunnelKind, Tunnels};

use core::net::IpAddr;
use etherparse::{LaxIpSlice, TcpSlice, UdpSlice};

/// TCP flag bits as on the wire (byte 13 of the header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TcpFlags(pub u8);

impl TcpFlags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;

    pub fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }
    pub fn syn(self) -> bool {
        self.has(Self::SYN)
    }
    pub fn ack(self) -> bool {
        self.has(Self::ACK)
    }
    pub fn fin(self) -> bool {
        self.has(Self::FIN)
    }
    pub fn rst(self) -> bool {
        self.has(Self::RST)
    }
}

impl std::fmt::Display for TcpFlags {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names =
            [(Self::SYN, "SYN"), (Self::FIN, "FIN"), (Self::RST, "RST"), (Self::PSH, "PSH"), (Self::ACK, "ACK"), (Self::URG, "URG")];
        let list: Vec<&str> = names.iter().filter(|(b, _)| self.has(*b)).map(|(_, n)| *n).collect();
        write!(f, "[{}]", list.join(", "))
    }
}

#[derive(Debug, Clone, Copy)]
pub struct TcpSegment<'a> {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: TcpFlags,
    pub window: u16,
    /// The TCP options (window scale is read from them).
    pub options: &'a [u8],
    pub payload: &'a [u8],
}

#[derive(Debug, Clone, Copy)]
pub enum Transport<'a> {
    Tcp(TcpSegment<'a>),
    Udp {
        src_port: u16,
        dst_port: u16,
        payload: &'a [u8],
    },
    /// Another IP protocol, or a fragment whose transport header is elsewhere.
    Other {
        protocol: u8,
    },
}

#[derive(Debug, Clone, Copy)]
pub struct Decoded<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub transport: Transport<'a>,
    /// Part of a fragmented IPv4/IPv6 datagram (fragments are flagged, not reassembled).
    pub fragment: bool,
    /// The IP header claims more bytes than were captured (snap length).
    pub cut_short: bool,
    /// The tunnel the packet was carried in (the innermost one when they nest).
    pub tunnel: Option<Tunnel>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DissectError {
    UnsupportedLink(u32),
    /// Not IP (ARP, LLDP ...): nothing for this analyzer.
    NotIp,
    Malformed(String),
    /// Tunnels nested deeper than the limit given (`Limits::max_tunnel_depth`).
    TooDeep(u8),
}

/// Peels the link layer, parses IP and TCP/UDP, and peels up to `max_tunnel_depth` tunnels
/// around the packet inside.
pub fn dissect(link_type: u32, data: &[u8], max_tunnel_depth: u8) -> Result<Decoded<'_>, DissectError> {
    peel_all(link_type, data, max_tunnel_depth).map(|(d, _)| d)
}

/// [`dissect`], with the inner IP header's bytes.
fn peel_all(link_type: u32, data: &[u8], max_tunnel_depth: u8) -> Result<(Decoded<'_>, &[u8]), DissectError> {
    use tunnel::Layer;
    let mut layer = match link::peel(link_type, data)? {
        link::Inner::Ethernet(b) => Layer::Ethernet(b),
        link::Inner::EtherType(t, b) => Layer::EtherType(t, b),
        link::Inner::Ip(b) => Layer::Ip(b),
    };
    let mut tunnel: Option<Tunnel> = None;
    let mut outer_ip = None;
    let mut outer_cut = false;
    let inside = |e: String, t: &Option<Tunnel>| match t {
        Some(t) => DissectError::Malformed(format!("inside {t}: {e}")),
        None => DissectError::Malformed(e),
    };
    loop {
        let ip = match layer {
            Layer::Ethernet(b) => {
                let (ty, payload) = ethernet_payload(b).map_err(|e| inside(e, &tunnel))?;
                layer = Layer::EtherType(ty, payload);
                continue;
            }
            Layer::EtherType(0x0800 | 0x86dd, b) => b,
            Layer::EtherType(ty, b) => match tunnel::by_ether_type(ty, b).map_err(|e| inside(e, &tunnel))? {
                Some(p) => {
                    layer = enter(&mut tunnel, outer_ip, p, max_tunnel_depth)?;
                    continue;
                }
                None => return Err(DissectError::NotIp),
            },
            Layer::Ip(b) => b,
        };
        let (mut d, ip_payload) = match plain_ipv4_tcp(ip) {
            Some(d) => (d, &[][..]),
            None => ip_general(ip).map_err(|e| inside(e, &tunnel))?,
        };
        d.cut_short |= outer_cut;
        let peeled = match d.transport {
            _ if d.fragment => Ok(None),
            Transport::Udp { src_port, dst_port, payload } => tunnel::by_udp_port(src_port, dst_port, payload),
            Transport::Other { protocol } => tunnel::by_ip_protocol(protocol, ip_payload),
            Transport::Tcp(_) => Ok(None),
        }
        .map_err(|e| inside(e, &tunnel))?;
        match peeled {
            None => {
                d.tunnel = tunnel;
                return Ok((d, ip));
            }
            Some(p) => {
                outer_ip = Some((d.src, d.dst));
                outer_cut = d.cut_short;
                layer = enter(&mut tunnel, outer_ip, p, max_tunnel_depth)?;
            }
        }
    }
}

/// A tunnel's header was read: what it carries is next, unless the nesting is too deep.
fn enter<'a>(
    tunnel: &mut Option<Tunnel>,
    outer: Option<(IpAddr, IpAddr)>,
    (kind, id, next): tunnel::Peeled<'a>,
    max_depth: u8,
) -> Result<tunnel::Layer<'a>, DissectError> {
    let depth = tunnel.map_or(0, |t| t.depth);
    if depth >= max_depth {
        return Err(DissectError::TooDeep(max_depth));
    }
    *tunnel = Some(Tunnel { kind, outer, id, depth: depth + 1 });
    Ok(next)
}

/// IPv4 or IPv6 (extension headers walked) and TCP/UDP, through etherparse; with the IP payload
/// (where another protocol's header starts).
fn ip_general(ip: &[u8]) -> Result<(Decoded<'_>, &[u8]), String> {
    let (slice, _ext_err) = LaxIpSlice::from_slice(ip).map_err(|e| e.to_string())?;
    let (src, dst) = (slice.source_addr(), slice.destination_addr());
    let p = slice.payload();
    let (fragment, cut_short, proto, payload) = (p.fragmented, p.incomplete, p.ip_number.0, p.payload);
    let transport = if fragment {
        Transport::Other { protocol: proto }
    } else {
        match proto {
            6 => match TcpSlice::from_slice(payload) {
                Ok(t) => Transport::Tcp(TcpSegment {
                    src_port: t.source_port(),
                    dst_port: t.destination_port(),
                    seq: t.sequence_number(),
                    ack: t.acknowledgment_number(),
                    flags: TcpFlags(t.header_slice().get(13).copied().unwrap_or(0)),
                    window: t.window_size(),
                    options: payload.get(20..usize::from(payload.get(12).map_or(0, |b| b >> 4)) * 4).unwrap_or(&[]),
                    payload: t.payload(),
                }),
                Err(e) => return Err(e.to_string()),
            },
            17 => match UdpSlice::from_slice_lax(payload) {
                Ok(u) => Transport::Udp { src_port: u.source_port(), dst_port: u.destination_port(), payload: u.payload() },
                Err(e) => return Err(e.to_string()),
            },
            other => Transport::Other { protocol: other },
        }
    };
    Ok((Decoded { src, dst, transport, fragment, cut_short, tunnel: None }, payload))
}

/// The common case read directly: IPv4 without options, not a fragment, carrying one whole TCP
/// segment, all of it captured. Anything else (options, fragments, a header or length that does
/// not add up, a snap length cut) is `None` and goes through etherparse. The result is the same
/// as etherparse's; this only skips its general walk, which was a fifth of the reading thread.
fn plain_ipv4_tcp(ip: &[u8]) -> Option<Decoded<'_>> {
    let h: &[u8; 40] = ip.get(..40)?.try_into().ok()?;
    // Version 4, header length 5 words; no more fragments, offset 0 (DF may be set); TCP.
    if h[0] != 0x45 || u16::from_be_bytes([h[6], h[7]]) & 0x3fff != 0 || h[9] != 6 {
        return None;
    }
    let total = usize::from(u16::from_be_bytes([h[2], h[3]]));
    let tcp_len = usize::from(h[32] >> 4) * 4;
    if total > ip.len() || tcp_len < 20 || 20 + tcp_len > total {
        return None;
    }
    let be16 = |i: usize| u16::from_be_bytes([h[i], h[i + 1]]);
    let be32 = |i: usize| u32::from_be_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
    Some(Decoded {
        src: IpAddr::from([h[12], h[13], h[14], h[15]]),
        dst: IpAddr::from([h[16], h[17], h[18], h[19]]),
        transport: Transport::Tcp(TcpSegment {
            src_port: be16(20),
            dst_port: be16(22),
            seq: be32(24),
            ack: be32(28),
            flags: TcpFlags(h[33]),
            window: be16(34),
            options: &ip[40..20 + tcp_len],
            payload: &ip[20 + tcp_len..total],
        }),
        fragment: false,
        cut_short: false,
        tunnel: None,
    })
}

/// Ethernet II, walking 802.1Q / 802.1ad (QinQ) tags: the EtherType and what follows it.
fn ethernet_payload(b: &[u8]) -> Result<(u16, &[u8]), String> {
    let mut at = 12;
    loop {
        let Some(t) = b.get(at..at + 2) else { return Err("Ethernet header cut short".into()) };
        let ty = u16::from_be_bytes([t[0], t[1]]);
        match ty {
            0x8100 | 0x88a8 | 0x9100 if at < 12 + 4 * 8 => at += 4,
            _ => return Ok((ty, &b[at + 2..])),
        }
    }
}

/// Byte offsets in the frame where the IP header, the transport header and the payload start
/// (for highlighting layers in a hex dump). Inside a tunnel, these are the inner packet's.
pub fn layer_offsets(link_type: u32, data: &[u8]) -> Option<(usize, usize, usize)> {
    let base = data.as_ptr() as usize;
    let (d, ip) = peel_all(link_type, data, crate::limits::Limits::default().max_tunnel_depth).ok()?;
    let (slice, _) = LaxIpSlice::from_slice(ip).ok()?;
    let transport = slice.payload().payload;
    let payload = match d.transport {
        Transport::Tcp(t) => t.payload,
        Transport::Udp { payload, .. } => payload,
        Transport::Other { .. } => transport,
    };
    let off = |s: &[u8]| (s.as_ptr() as usize).saturating_sub(base).min(data.len());
    Some((off(ip), off(transport), if payload.is_empty() { data.len() } else { off(payload) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-built IPv4/TCP packet: 127.0.0.1:40000 -> 127.0.0.1:80, SYN|ACK, payload "hi".
    fn ipv4_tcp(payload: &[u8]) -> Vec<u8> {
        let total = 20 + 20 + payload.len();
        let mut v = vec![0x45, 0, (total >> 8) as u8, total as u8, 0, 0, 0x40, 0, 64, 6, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1];
        v.extend_from_slice(&40000u16.to_be_bytes());
        v.extend_from_slice(&80u16.to_be_bytes());
        v.extend_from_slice(&1000u32.to_be_bytes());
        v.extend_from_slice(&2000u32.to_be_bytes());
        v.extend_from_slice(&[0x50, 0x12, 0xff, 0xff, 0xde, 0xad, 0, 0]); // bogus checksum on purpose
        v.extend_from_slice(payload);
        v
    }

    fn check(d: &Decoded) {
        let Transport::Tcp(t) = d.transport else { panic!("not tcp") };
        assert_eq!((t.src_port, t.dst_port, t.seq, t.ack), (40000, 80, 1000, 2000));
        assert!(t.flags.syn() && t.flags.ack() && !t.flags.fin());
        assert_eq!(t.payload, b"hi");
        assert_eq!(d.src.to_string(), "127.0.0.1");
    }

    #[test]
    fn every_link_type_reaches_tcp() {
        let ip = ipv4_tcp(b"hi");
        let mut eth = vec![0; 12];
        eth.extend_from_slice(&[0x81, 0x00, 0, 5, 0x88, 0xa8, 0, 6, 0x08, 0x00]); // 802.1Q + QinQ tags
        eth.extend_from_slice(&ip);
        let mut eth_plain = vec![0; 12];
        eth_plain.extend_from_slice(&[0x08, 0x00]);
        eth_plain.extend_from_slice(&ip);
        let mut null = 2u32.to_le_bytes().to_vec();
        null.extend_from_slice(&ip);
        let mut lo = 2u32.to_be_bytes().to_vec();
        lo.extend_from_slice(&ip);
        let mut sll = vec![0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00];
        sll.extend_from_slice(&ip);
        let mut sll2 = vec![0x08, 0x00, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0];
        sll2.extend_from_slice(&ip);
        let mut nflog = vec![2, 0, 0, 0];
        nflog.extend_from_slice(&8u16.to_le_bytes());
        nflog.extend_from_slice(&1u16.to_le_bytes());
        nflog.extend_from_slice(&[0, 0, 0, 0]);
        nflog.extend_from_slice(&((4 + ip.len()) as u16).to_le_bytes());
        nflog.extend_from_slice(&9u16.to_le_bytes());
        nflog.extend_from_slice(&ip);
        for (lt, bytes) in [
            (1, &eth),
            (1, &eth_plain),
            (0, &null),
            (108, &lo),
            (113, &sll),
            (276, &sll2),
            (12, &ip),
            (101, &ip),
            (228, &ip),
            (239, &nflog),
        ] {
            let d = dissect(lt, bytes, 8).unwrap_or_else(|e| panic!("link {lt}: {e:?}"));
            check(&d);
        }
    }

    /// The direct IPv4/TCP path agrees with etherparse's general one on every packet it takes,
    /// and leaves the rest (options, fragments, bad lengths, cut packets) to it.
    #[test]
    fn the_direct_path_agrees_with_etherparse() {
        let same = |a: &Decoded, b: &Decoded| {
            let (Transport::Tcp(x), Transport::Tcp(y)) = (a.transport, b.transport) else { return false };
            (a.src, a.dst, a.fragment, a.cut_short) == (b.src, b.dst, b.fragment, b.cut_short)
                && (x.src_port, x.dst_port, x.seq, x.ack, x.flags, x.window, x.payload)
                    == (y.src_port, y.dst_port, y.seq, y.ack, y.flags, y.window, y.payload)
        };
        let base = ipv4_tcp(b"GET / HTTP/1.1\r\n\r\n");
        let mut taken = 0;
        let mut s: u32 = 7;
        for i in 0..20_000 {
            let mut p = base.clone();
            // One to three bytes of the headers changed, sometimes padding added or the end cut.
            for _ in 0..1 + i % 3 {
                s = s.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                let at = (s >> 8) as usize % 40;
                p[at] = (s >> 20) as u8;
            }
            match i % 4 {
                1 => p.extend_from_slice(&[0; 6]),
                2 => p.truncate((s >> 4) as usize % p.len()),
                _ => {}
            }
            if let Some(fast) = plain_ipv4_tcp(&p) {
                taken += 1;
                let (slow, _) = ip_general(&p).unwrap_or_else(|e| panic!("etherparse refused what the direct path took: {e:?} {p:?}"));
                assert!(same(&fast, &slow), "{fast:?} != {slow:?} for {p:?}");
            }
        }
        assert!(taken > 1000, "the direct path took only {taken} packets");
        check(&plain_ipv4_tcp(&ipv4_tcp(b"hi")).expect("a plain packet takes the direct path"));
        // Ethernet padding after the IP datagram is not payload.
        let mut padded = ipv4_tcp(b"hi");
        padded.extend_from_slice(&[0; 4]);
        check(&plain_ipv4_tcp(&padded).unwrap());
        // Options, a fragment, a cut datagram: not for the direct path.
        let mut opts = ipv4_tcp(b"hi");
        opts[0] = 0x46;
        let mut frag = ipv4_tcp(b"hi");
        frag[6] = 0x20;
        let cut = &base[..base.len() - 1];
        assert!(plain_ipv4_tcp(&opts).is_none() && plain_ipv4_tcp(&frag).is_none() && plain_ipv4_tcp(cut).is_none());
        assert!(dissect(12, cut, 8).unwrap().cut_short);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for n in 0..60 {
            let junk: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
            for lt in [0, 1, 12, 101, 108, 113, 228, 229, 239, 276, 9999] {
                let _ = dissect(lt, &junk, 8);
            }
        }
        assert_eq!(dissect(9999, b"x", 8).err(), Some(DissectError::UnsupportedLink(9999)));
    }
}
