//! Tunnels: the outer headers peeled to reach the packet inside. etherparse 0.21 reads Ethernet II,
//! VLAN tags, MACsec, Linux SLL, ARP, IPv4/IPv6 (with extension headers), TCP, UDP and ICMP, but none
//! of the encapsulations below, so each is read here by hand (a few fixed fields each):
//!
//! | tunnel | found by | header read | inside | identity (`id`) |
//! |---|---|---|---|---|
//! | VXLAN (RFC 7348) | UDP port 4789, I flag set | 8 bytes | Ethernet | VNI |
//! | Geneve (RFC 8926) | UDP port 6081, version 0 | 8 bytes + options | by protocol type | VNI |
//! | GTP-U (3GPP TS 29.281) | UDP port 2152, version 1, G-PDU | 8 bytes + optional fields + extension headers | IPv4/IPv6 | TEID |
//! | Teredo (RFC 4380) | UDP port 3544, IPv6 inside | authentication / origin indication | IPv6 | — |
//! | GRE (RFC 2784, 2890) | IP protocol 47, version 0 | 4 bytes + checksum, key, sequence, routing | by protocol type | key |
//! | ERSPAN I/II/III | GRE protocol 0x88be / 0x22eb | 0 / 8 / 12 (+8) bytes | Ethernet | session |
//! | IP-in-IP, 6in4, 4in6, 6in6 (RFC 2003, 4213) | IP protocol 4 or 41 | — | IPv4/IPv6 | — |
//! | PPPoE session (RFC 2516) | EtherType 0x8864, PPP IPv4/IPv6 | 8 bytes | IPv4/IPv6 | session |
//! | MPLS (RFC 3032) | EtherType 0x8847/0x8848 (or GRE) | the label stack | IPv4/IPv6, or Ethernet after a pseudowire control word | bottom label |
//!
//! A UDP port alone does not make a tunnel: the header must look right (flags, version, message
//! type, an IPv6 header inside Teredo), else the datagram stays plain UDP. Once a header is taken,
//! what is inside must parse; if it does not, the packet is malformed, with the tunnel named.
//!
//! **Connections inside tunnels** are keyed by their inner addresses and ports plus the tunnel's
//! identity ([`TunnelKey`]): the kind, the outer address pair in either order and, where it is the
//! same both ways, the id (VXLAN/Geneve VNI, GRE key, ERSPAN session, PPPoE session). So the same
//! inner 4-tuple in two VNIs, or between two other tunnel endpoints, is two connections, while the
//! two directions of one connection meet. GTP-U TEIDs and MPLS labels are chosen by the receiving
//! end, so each direction carries its own: they are shown, not keyed on (one GTP-U or MPLS path
//! between the same outer endpoints is one tunnel). When tunnels nest, the one nearest the inner
//! packet marks the connection, with the outer addresses of the innermost IP header around it.
//! Nesting deeper than `Limits::max_tunnel_depth` stops decoding ([`super::DissectError::TooDeep`]).

use core::net::IpAddr;
use std::collections::HashMap;

/// One encapsulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TunnelKind {
    Vxlan,
    Geneve,
    GtpU,
    Teredo,
    Gre,
    Erspan1,
    Erspan2,
    Erspan3,
    /// IP protocol 4: IPv4 inside (IPv4 or IPv6 outside).
    Ip4InIp,
    /// IP protocol 41: IPv6 inside (6in4 when IPv4 is outside).
    Ip6InIp,
    Pppoe,
    Mpls,
}

/// The tunnel a packet was found in (the innermost one when they nest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tunnel {
    pub kind: TunnelKind,
    /// Source and destination of the innermost IP header outside the inner packet, as in this
    /// packet (none for MPLS or PPPoE straight on the link).
    pub outer: Option<(IpAddr, IpAddr)>,
    /// VNI, GRE key, ERSPAN session, TEID, PPPoE session or bottom MPLS label.
    pub id: Option<u32>,
    /// How many encapsulations were peeled (1: this one alone).
    pub depth: u8,
}

impl TunnelKind {
    fn name(self, outer_v6: bool) -> &'static str {
        match self {
            TunnelKind::Vxlan => "VXLAN",
            TunnelKind::Geneve => "Geneve",
            TunnelKind::GtpU => "GTP-U",
            TunnelKind::Teredo => "Teredo",
            TunnelKind::Gre => "GRE",
            TunnelKind::Erspan1 => "ERSPAN I",
            TunnelKind::Erspan2 => "ERSPAN II",
            TunnelKind::Erspan3 => "ERSPAN III",
            TunnelKind::Ip4InIp if outer_v6 => "4in6",
            TunnelKind::Ip4InIp => "IP-in-IP",
            TunnelKind::Ip6InIp if outer_v6 => "6in6",
            TunnelKind::Ip6InIp => "6in4",
            TunnelKind::Pppoe => "PPPoE",
            TunnelKind::Mpls => "MPLS",
        }
    }

    fn id_name(self) -> &'static str {
        match self {
            TunnelKind::Vxlan | TunnelKind::Geneve => "VNI",
            TunnelKind::GtpU => "TEID",
            TunnelKind::Gre => "key",
            TunnelKind::Erspan1 | TunnelKind::Erspan2 | TunnelKind::Erspan3 | TunnelKind::Pppoe => "session",
            TunnelKind::Mpls => "label",
            TunnelKind::Teredo | TunnelKind::Ip4InIp | TunnelKind::Ip6InIp => "id",
        }
    }

    /// The id is the same in both directions (so it can tell tunnels apart).
    fn id_is_symmetric(self) -> bool {
        !matches!(self, TunnelKind::GtpU | TunnelKind::Mpls)
    }
}

/// "VXLAN 10.0.0.1→10.0.0.2 VNI 42", "GTP-U 10.0.0.1→10.0.0.2 TEID 0x1234", "MPLS label 16",
/// with "(2 levels)" when tunnels nest.
impl std::fmt::Display for Tunnel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v6 = self.outer.is_some_and(|(a, _)| a.is_ipv6());
        f.write_str(self.kind.name(v6))?;
        if let Some((a, b)) = self.outer {
            write!(f, " {a}→{b}")?;
        }
        if let Some(id) = self.id {
            match self.kind {
                TunnelKind::GtpU => write!(f, " TEID {id:#x}")?,
                TunnelKind::Pppoe => write!(f, " session {id:#06x}")?,
                k => write!(f, " {} {id}", k.id_name())?,
            }
        }
        if self.depth > 1 {
            write!(f, " ({} levels)", self.depth)?;
        }
        Ok(())
    }
}

/// What tells one tunnel from another for connection keying: the kind, the outer addresses in
/// either order, the id where both directions share it, and the nesting depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TunnelKey {
    kind: TunnelKind,
    lo: Option<IpAddr>,
    hi: Option<IpAddr>,
    id: Option<u32>,
    depth: u8,
}

impl Tunnel {
    pub fn key(&self) -> TunnelKey {
        let (lo, hi) = match self.outer {
            Some((a, b)) if a <= b => (Some(a), Some(b)),
            Some((a, b)) => (Some(b), Some(a)),
            None => (None, None),
        };
        let id = if self.kind.id_is_symmetric() { self.id } else { None };
        TunnelKey { kind: self.kind, lo, hi, id, depth: self.depth }
    }
}

/// The tunnels seen in a capture, each under a small number (0: no tunnel), so a connection holds
/// four bytes for its tunnel and the connection table's key grows by as much. One entry per
/// distinct tunnel, at most one per packet.
#[derive(Debug, Default)]
pub struct Tunnels {
    ids: HashMap<TunnelKey, u32>,
    /// The first packet's view of each tunnel (its marking), entry `n - 1` for number `n`.
    seen: Vec<Tunnel>,
}

impl Tunnels {
    /// The number for `t`'s tunnel, 0 for none.
    pub fn intern(&mut self, t: Option<&Tunnel>) -> u32 {
        let Some(t) = t else { return 0 };
        let next = self.seen.len() as u32 + 1;
        let n = *self.ids.entry(t.key()).or_insert(next);
        if n == next {
            self.seen.push(*t);
        }
        n
    }

    /// The tunnel numbered `n` as first seen.
    pub fn get(&self, n: u32) -> Option<&Tunnel> {
        self.seen.get((n as usize).checked_sub(1)?)
    }

    /// The marking of the tunnel numbered `n` (`None` for 0).
    pub fn describe(&self, n: u32) -> Option<String> {
        self.get(n).map(|t| t.to_string())
    }

    pub fn len(&self) -> usize {
        self.seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

/// The layer to read next.
#[derive(Debug, Clone, Copy)]
pub(super) enum Layer<'a> {
    Ethernet(&'a [u8]),
    EtherType(u16, &'a [u8]),
    Ip(&'a [u8]),
}

/// A tunnel header taken: its kind, id and what it carries.
pub(super) type Peeled<'a> = (TunnelKind, Option<u32>, Layer<'a>);

type R<T> = Result<T, String>;

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn rest<'a>(b: &'a [u8], at: usize, what: &str) -> R<&'a [u8]> {
    b.get(at..).ok_or_else(|| format!("{what} header cut short"))
}

/// An EtherType that carries a tunnel (MPLS, PPPoE session, Ethernet bridged in GRE). `Ok(None)`:
/// not one of ours (not IP).
pub(super) fn by_ether_type(ty: u16, b: &[u8]) -> R<Option<Peeled<'_>>> {
    match ty {
        0x8847 | 0x8848 => mpls(b).map(Some),
        0x8864 => pppoe(b),
        _ => Ok(None),
    }
}

/// The MPLS label stack down to the bottom-of-stack bit, then IPv4/IPv6 by the first nibble, or a
/// pseudowire control word (first nibble 0) and Ethernet.
fn mpls(b: &[u8]) -> R<Peeled<'_>> {
    let mut at = 0;
    loop {
        let Some(e) = be32(b, at) else { return Err("MPLS label stack cut short".into()) };
        at += 4;
        if e & 0x100 != 0 {
            let label = e >> 12;
            let inner = rest(b, at, "MPLS")?;
            let layer = match inner.first().map(|f| f >> 4) {
                Some(4 | 6) => Layer::Ip(inner),
                Some(0) => Layer::Ethernet(rest(inner, 4, "MPLS pseudowire control word")?),
                Some(n) => return Err(format!("MPLS payload starts with nibble {n}: neither IP nor a pseudowire control word")),
                None => return Err("MPLS payload is empty".into()),
            };
            return Ok((TunnelKind::Mpls, Some(label), layer));
        }
    }
}

/// PPPoE session stage: version/type 0x11, code 0, session id, length, then the PPP protocol.
/// Other PPP protocols (LCP, IPCP ...) are not IP: `Ok(None)`.
fn pppoe(b: &[u8]) -> R<Option<Peeled<'_>>> {
    let (Some(&vt), Some(&code), Some(session), Some(len), Some(proto)) = (b.first(), b.get(1), be16(b, 2), be16(b, 4), be16(b, 6)) else {
        return Err("PPPoE header cut short".into());
    };
    if vt != 0x11 || code != 0 {
        return Err(format!("PPPoE session header with version/type {vt:#04x}, code {code:#04x} (RFC 2516 needs 0x11, 0)"));
    }
    // `len` counts the PPP protocol field and what follows; padding after it is not payload.
    let end = (6 + usize::from(len)).min(b.len());
    let payload = b.get(8..end.max(8)).unwrap_or_default();
    match proto {
        0x0021 | 0x0057 => Ok(Some((TunnelKind::Pppoe, Some(u32::from(session)), Layer::Ip(payload)))),
        _ => Ok(None),
    }
}

/// Inside an IP packet of protocol `proto`: IP-in-IP, 6in4 and GRE. `Ok(None)`: not a tunnel.
pub(super) fn by_ip_protocol(proto: u8, payload: &[u8]) -> R<Option<Peeled<'_>>> {
    match proto {
        4 => Ok(Some((TunnelKind::Ip4InIp, None, Layer::Ip(payload)))),
        41 => Ok(Some((TunnelKind::Ip6InIp, None, Layer::Ip(payload)))),
        47 => gre(payload),
        _ => Ok(None),
    }
}

/// GRE version 0 (RFC 2784 with RFC 2890's key and sequence number; RFC 1701 routing entries
/// skipped). Version 1 (PPTP's enhanced GRE, carrying PPP) and protocol types that are not IP,
/// Ethernet, MPLS or ERSPAN are `Ok(None)`.
fn gre(b: &[u8]) -> R<Option<Peeled<'_>>> {
    let (Some(&f0), Some(&f1), Some(proto)) = (b.first(), b.get(1), be16(b, 2)) else { return Err("GRE header cut short".into()) };
    if f1 & 0x07 != 0 {
        return Ok(None);
    }
    let (checksum, routing, key, seq) = (f0 & 0x80 != 0, f0 & 0x40 != 0, f0 & 0x20 != 0, f0 & 0x10 != 0);
    let mut at = 4;
    if checksum || routing {
        at += 4;
    }
    let key_value = if key {
        let k = be32(b, at).ok_or("GRE key cut short")?;
        at += 4;
        Some(k)
    } else {
        None
    };
    if seq {
        at += 4;
    }
    if routing {
        // Source route entries: address family, offset, length, then `length` bytes; the last has
        // family 0 and length 0.
        loop {
            let (Some(family), Some(&len)) = (be16(b, at), b.get(at + 3)) else { return Err("GRE routing entries cut short".into()) };
            at += 4 + usize::from(len);
            if family == 0 && len == 0 {
                break;
            }
        }
    }
    let inner = rest(b, at, "GRE")?;
    let peeled = match proto {
        0x0800 | 0x86dd => (TunnelKind::Gre, key_value, Layer::Ip(inner)),
        0x6558 => (TunnelKind::Gre, key_value, Layer::Ethernet(inner)),
        0x8847 | 0x8848 => (TunnelKind::Gre, key_value, Layer::EtherType(proto, inner)),
        // ERSPAN type I has no header of its own and no sequence number; type II has both.
        0x88be if !seq => (TunnelKind::Erspan1, None, Layer::Ethernet(inner)),
        0x88be => {
            let h = be32(inner, 0).ok_or("ERSPAN II header cut short")?;
            if h >> 28 != 1 {
                return Err(format!("ERSPAN II header with version {} (1 expected)", h >> 28));
            }
            let session = be16(inner, 2).ok_or("ERSPAN II header cut short")? & 0x3ff;
            (TunnelKind::Erspan2, Some(u32::from(session)), Layer::Ethernet(rest(inner, 8, "ERSPAN II")?))
        }
        0x22eb => {
            let h = be32(inner, 0).ok_or("ERSPAN III header cut short")?;
            if h >> 28 != 2 {
                return Err(format!("ERSPAN III header with version {} (2 expected)", h >> 28));
            }
            let session = be16(inner, 2).ok_or("ERSPAN III header cut short")? & 0x3ff;
            let flags = *inner.get(11).ok_or("ERSPAN III header cut short")?;
            let frame_type = (inner.get(10).copied().unwrap_or(0) >> 2) & 0x1f;
            if frame_type != 0 {
                return Ok(None);
            }
            // The O flag: an 8-byte platform-specific subheader follows.
            let len = if flags & 0x01 != 0 { 20 } else { 12 };
            (TunnelKind::Erspan3, Some(u32::from(session)), Layer::Ethernet(rest(inner, len, "ERSPAN III")?))
        }
        _ => return Ok(None),
    };
    Ok(Some(peeled))
}

/// UDP-borne tunnels by port, when the header looks right. `Ok(None)`: plain UDP.
pub(super) fn by_udp_port(src: u16, dst: u16, b: &[u8]) -> R<Option<Peeled<'_>>> {
    let port = |p: u16| src == p || dst == p;
    if port(4789) {
        if let Some(p) = vxlan(b)? {
            return Ok(Some(p));
        }
    }
    if port(6081) {
        if let Some(p) = geneve(b)? {
            return Ok(Some(p));
        }
    }
    if port(2152) {
        if let Some(p) = gtp_u(b)? {
            return Ok(Some(p));
        }
    }
    if port(3544) {
        if let Some(p) = teredo(b) {
            return Ok(Some(p));
        }
    }
    Ok(None)
}

/// VXLAN: flags (the I bit says the VNI is valid), 24 reserved bits, the VNI, 8 reserved bits.
fn vxlan(b: &[u8]) -> R<Option<Peeled<'_>>> {
    let (Some(&flags), Some(vni)) = (b.first(), be32(b, 4)) else { return Ok(None) };
    if flags & 0x08 == 0 {
        return Ok(None);
    }
    Ok(Some((TunnelKind::Vxlan, Some(vni >> 8), Layer::Ethernet(rest(b, 8, "VXLAN")?))))
}

/// Geneve: version 0, option length in 4-byte words, protocol type, VNI; options skipped.
fn geneve(b: &[u8]) -> R<Option<Peeled<'_>>> {
    let (Some(&v), Some(proto), Some(vni)) = (b.first(), be16(b, 2), be32(b, 4)) else { return Ok(None) };
    if v >> 6 != 0 {
        return Ok(None);
    }
    let inner = rest(b, 8 + usize::from(v & 0x3f) * 4, "Geneve options")?;
    let layer = match proto {
        0x6558 => Layer::Ethernet(inner),
        0x0800 | 0x86dd => Layer::Ip(inner),
        _ => return Ok(None),
    };
    Ok(Some((TunnelKind::Geneve, Some(vni >> 8), layer)))
}

/// GTP-U version 1, protocol type GTP, message type 255 (G-PDU, user data); echo and error
/// messages are not data (`Ok(None)`). The sequence / N-PDU / next-extension fields are present
/// when any of E, S, PN is set; extension headers are walked by their length (4-byte units).
fn gtp_u(b: &[u8]) -> R<Option<Peeled<'_>>> {
    let (Some(&f), Some(&ty), Some(len), Some(teid)) = (b.first(), b.get(1), be16(b, 2), be32(b, 4)) else { return Ok(None) };
    if f >> 5 != 1 || f & 0x10 == 0 || ty != 0xff {
        return Ok(None);
    }
    let end = (8 + usize::from(len)).min(b.len());
    let b = &b[..end];
    let mut at = 8;
    if f & 0x07 != 0 {
        let mut next = *b.get(11).ok_or("GTP-U optional fields cut short")?;
        at = 12;
        while next != 0 {
            let units = usize::from(*b.get(at).ok_or("GTP-U extension header cut short")?);
            if units == 0 {
                return Err("GTP-U extension header of length 0".into());
            }
            at += units * 4;
            next = *b.get(at - 1).ok_or("GTP-U extension header cut short")?;
        }
    }
    Ok(Some((TunnelKind::GtpU, Some(teid), Layer::Ip(rest(b, at, "GTP-U")?))))
}

/// Teredo: an optional authentication header (0x0001), an optional origin indication (0x0000),
/// then IPv6. Anything else on port 3544 (the qualification exchange's non-IPv6 bytes, other
/// applications) stays UDP.
fn teredo(b: &[u8]) -> Option<Peeled<'_>> {
    let mut at = 0;
    if be16(b, at)? == 0x0001 {
        let (id_len, au_len) = (usize::from(*b.get(at + 2)?), usize::from(*b.get(at + 3)?));
        at += 4 + id_len + au_len + 8 + 1;
    }
    if be16(b, at)? == 0x0000 {
        at += 8;
    }
    let inner = b.get(at..)?;
    (inner.len() >= 40 && inner[0] >> 4 == 6).then_some((TunnelKind::Teredo, None, Layer::Ip(inner)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_meet_both_ways_and_split_by_symmetric_ids() {
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        let t = |kind, outer, id| Tunnel { kind, outer: Some(outer), id: Some(id), depth: 1 };
        assert_eq!(t(TunnelKind::Vxlan, (a, b), 42).key(), t(TunnelKind::Vxlan, (b, a), 42).key());
        assert_ne!(t(TunnelKind::Vxlan, (a, b), 42).key(), t(TunnelKind::Vxlan, (a, b), 43).key());
        // TEIDs differ per direction: one GTP-U path.
        assert_eq!(t(TunnelKind::GtpU, (a, b), 1).key(), t(TunnelKind::GtpU, (b, a), 2).key());
        let mut table = Tunnels::default();
        let one = table.intern(Some(&t(TunnelKind::Vxlan, (a, b), 42)));
        assert_eq!(table.intern(Some(&t(TunnelKind::Vxlan, (b, a), 42))), one);
        assert_ne!(table.intern(Some(&t(TunnelKind::Vxlan, (a, b), 7))), one);
        assert_eq!((table.intern(None), table.len()), (0, 2));
        assert_eq!(table.describe(one).as_deref(), Some("VXLAN 10.0.0.1→10.0.0.2 VNI 42"));
        assert_eq!(table.describe(0), None);
    }

    /// What a peeled header leads to: the kind, id and the layer's first bytes.
    fn peeled(r: R<Option<Peeled<'_>>>) -> Option<(TunnelKind, Option<u32>, &'static str, Vec<u8>)> {
        let (k, id, layer) = r.expect("no error")?;
        let (what, b) = match layer {
            Layer::Ethernet(b) => ("eth", b),
            Layer::EtherType(_, b) => ("ethertype", b),
            Layer::Ip(b) => ("ip", b),
        };
        Some((k, id, what, b.to_vec()))
    }

    /// Field layouts from the RFCs: each optional part skipped by its flag or length.
    #[test]
    fn optional_fields_are_skipped_by_their_flags() {
        let inner = [0x45, 1, 2, 3];
        // GRE with checksum and routing (RFC 1701): checksum+offset, one source route entry of
        // 4 bytes, the null entry, then IPv4.
        let mut g = vec![0xc0, 0, 0x08, 0x00, 0xab, 0xcd, 0, 0, 0x08, 0x00, 0, 4, 9, 9, 9, 9, 0, 0, 0, 0];
        g.extend_from_slice(&inner);
        assert_eq!(peeled(by_ip_protocol(47, &g)), Some((TunnelKind::Gre, None, "ip", inner.to_vec())));
        // PPTP's enhanced GRE (version 1) is not taken.
        assert_eq!(peeled(by_ip_protocol(47, &[0x30, 0x81, 0x88, 0x0b, 0, 0, 0, 0])), None);
        // ERSPAN III with the O flag: an 8-byte platform subheader after the 12-byte header.
        let mut e = vec![0, 0, 0x22, 0xeb, 0x20, 0, 0x00, 0x05, 0, 0, 0, 0, 0, 0, 0, 0x01];
        e.extend_from_slice(&[7; 8]);
        e.extend_from_slice(&inner);
        assert_eq!(peeled(by_ip_protocol(47, &e)), Some((TunnelKind::Erspan3, Some(5), "eth", inner.to_vec())));
        // GTP-U with only the S flag: the 4 optional bytes, no extension header.
        let mut t = vec![0x32, 0xff, 0, 8, 0, 0, 0x01, 0x02, 0, 7, 0, 0];
        t.extend_from_slice(&inner);
        assert_eq!(peeled(by_udp_port(2152, 2152, &t)), Some((TunnelKind::GtpU, Some(0x102), "ip", inner.to_vec())));
        // A GTP-U echo request is signalling, not user data.
        assert_eq!(peeled(by_udp_port(2152, 2152, &[0x32, 0x01, 0, 4, 0, 0, 0, 0, 0, 1, 0, 0])), None);
        // Geneve carrying IPv4 straight (protocol type 0x0800), no options.
        let mut v = vec![0, 0, 0x08, 0x00, 0, 1, 0, 0];
        v.extend_from_slice(&inner);
        assert_eq!(peeled(by_udp_port(1, 6081, &v)), Some((TunnelKind::Geneve, Some(256), "ip", inner.to_vec())));
        // MPLS bottom label then a pseudowire control word: Ethernet.
        let mut m = vec![0, 0x01, 0x01, 64, 0, 0, 0, 0];
        m.extend_from_slice(&inner);
        assert_eq!(peeled(by_ether_type(0x8847, &m)), Some((TunnelKind::Mpls, Some(16), "eth", inner.to_vec())));
        // PPPoE carrying LCP is not IP; a wrong version is an error.
        assert_eq!(peeled(by_ether_type(0x8864, &[0x11, 0, 0, 1, 0, 2, 0xc0, 0x21])), None);
        assert!(by_ether_type(0x8864, &[0x21, 0, 0, 1, 0, 2, 0, 0x21]).is_err());
        // Teredo: an authentication header (client id 2, auth 1, nonce, confirmation) then IPv6;
        // bytes on port 3544 that are not IPv6 stay UDP.
        let mut ipv6 = vec![0x60];
        ipv6.extend_from_slice(&[0; 39]);
        let mut a = vec![0, 1, 2, 1, 9, 9, 9];
        a.extend_from_slice(&[0; 9]);
        a.extend_from_slice(&ipv6);
        assert_eq!(peeled(by_udp_port(3544, 1, &a)), Some((TunnelKind::Teredo, None, "ip", ipv6)));
        assert_eq!(peeled(by_udp_port(3544, 1, &[0x45; 60])), None);
    }

    #[test]
    fn garbage_after_a_tunnel_port_is_an_error_or_plain_udp_never_a_panic() {
        for n in 0..80usize {
            let junk: Vec<u8> = (0..n).map(|i| ((i * 89 + n * 13) % 256) as u8).collect();
            for port in [4789, 6081, 2152, 3544] {
                let _ = by_udp_port(50000, port, &junk);
            }
            for proto in [4, 41, 47] {
                let _ = by_ip_protocol(proto, &junk);
            }
            for ty in [0x8847, 0x8864] {
                let _ = by_ether_type(ty, &junk);
            }
            let mut gre_hdr = vec![0xf0, 0, 0x88, 0xbe];
            gre_hdr.extend_from_slice(&junk);
            let _ = gre(&gre_hdr);
            gre_hdr[0] = 0x40;
            let _ = gre(&gre_hdr);
        }
    }
}
