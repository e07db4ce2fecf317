//! Link-layer pseudo-headers that etherparse does not peel for us.

use super::DissectError;

pub enum Inner<'a> {
    Ethernet(&'a [u8]),
    EtherType(u16, &'a [u8]),
    Ip(&'a [u8]),
}

pub fn link_type_name(lt: u32) -> &'static str {
    match lt {
        0 => "BSD loopback (NULL)",
        1 => "Ethernet",
        12 | 101 => "raw IP",
        108 => "OpenBSD loopback (LOOP)",
        113 => "Linux cooked (SLL)",
        228 => "raw IPv4",
        229 => "raw IPv6",
        239 => "NFLOG",
        276 => "Linux cooked v2 (SLL2)",
        _ => "unsupported",
    }
}

/// Address families used by BSD loopback headers for IPv6 on the various BSDs and macOS.
const AF_INET: u32 = 2;
const AF_INET6: [u32; 3] = [24, 28, 30];

pub fn peel(link_type: u32, data: &[u8]) -> Result<Inner<'_>, DissectError> {
    let short = || DissectError::Malformed(format!("{} header cut short", link_type_name(link_type)));
    match link_type {
        1 => Ok(Inner::Ethernet(data)),
        12 | 101 | 228 | 229 => Ok(Inner::Ip(data)),
        0 | 108 => {
            let h: [u8; 4] = data.get(..4).ok_or_else(short)?.try_into().map_err(|_| short())?;
            // NULL is in the capturing host's byte order: accept either.
            let fam = if link_type == 108 { u32::from_be_bytes(h) } else { u32::from_le_bytes(h).min(u32::from_be_bytes(h)) };
            if fam == AF_INET || AF_INET6.contains(&fam) {
                Ok(Inner::Ip(&data[4..]))
            } else {
                Err(DissectError::NotIp)
            }
        }
        113 => {
            let b = data.get(..16).ok_or_else(short)?;
            Ok(Inner::EtherType(u16::from_be_bytes([b[14], b[15]]), &data[16..]))
        }
        276 => {
            let b = data.get(..20).ok_or_else(short)?;
            Ok(Inner::EtherType(u16::from_be_bytes([b[0], b[1]]), &data[20..]))
        }
        239 => {
            // NFLOG: family, version, resource id, then TLVs (host-order lengths, 4-byte aligned);
            // type 9 carries the packet.
            let mut at = 4;
            if data.len() < 4 {
                return Err(short());
            }
            while at + 4 <= data.len() {
                let len = u16::from_le_bytes([data[at], data[at + 1]]) as usize;
                let ty = u16::from_le_bytes([data[at + 2], data[at + 3]]);
                if len < 4 || at + len > data.len() {
                    return Err(short());
                }
                if ty == 9 {
                    return Ok(Inner::Ip(&data[at + 4..at + len]));
                }
                at += (len + 3) & !3;
            }
            Err(DissectError::NotIp)
        }
        other => Err(DissectError::UnsupportedLink(other)),
    }
}
