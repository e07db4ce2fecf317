//! Frame headers (RFC 6455 §5.2). Parsing consumes nothing on short input.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    pub fin: bool,
    /// RSV1..3 as the top three bits of a nibble: 0b100 = RSV1.
    pub rsv: u8,
    pub opcode: u8,
    pub mask: Option<[u8; 4]>,
    pub payload_len: u64,
    /// 7, 16 or 64.
    pub length_form: u8,
    pub header_len: u8,
}

impl FrameHeader {
    pub fn is_control(&self) -> bool {
        self.opcode >= 8
    }
    /// True when a longer length form was used than the length needs (§5.2 "minimal number of bytes").
    pub fn non_minimal_length(&self) -> bool {
        (self.length_form == 16 && self.payload_len < 126) || (self.length_form == 64 && self.payload_len <= 0xffff)
    }
}

/// `None`: not enough bytes yet.
pub fn parse_header(b: &[u8]) -> Option<FrameHeader> {
    let b0 = *b.first()?;
    let b1 = *b.get(1)?;
    let masked = b1 & 0x80 != 0;
    let (payload_len, length_form, mut at) = match b1 & 0x7f {
        126 => (u16::from_be_bytes([*b.get(2)?, *b.get(3)?]) as u64, 16, 4),
        127 => (u64::from_be_bytes(b.get(2..10)?.try_into().ok()?), 64, 10),
        n => (n as u64, 7, 2),
    };
    let mask = if masked {
        let m: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
        at += 4;
        Some(m)
    } else {
        None
    };
    Some(FrameHeader {
        fin: b0 & 0x80 != 0,
        rsv: (b0 >> 4) & 0x07,
        opcode: b0 & 0x0f,
        mask,
        payload_len,
        length_form,
        header_len: at as u8,
    })
}

/// XORs `data` with the masking key, starting `offset` bytes into the payload (§5.3).
pub fn unmask(data: &mut [u8], key: [u8; 4], offset: u64) {
    let shift = (offset % 4) as usize;
    let k = [key[shift], key[(shift + 1) % 4], key[(shift + 2) % 4], key[(shift + 3) % 4]];
    let word = u32::from_ne_bytes(k);
    let mut chunks = data.chunks_exact_mut(4);
    for c in &mut chunks {
        let v = u32::from_ne_bytes([c[0], c[1], c[2], c[3]]) ^ word;
        c.copy_from_slice(&v.to_ne_bytes());
    }
    for (i, b) in chunks.into_remainder().iter_mut().enumerate() {
        *b ^= k[i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6455_section_5_7_examples() {
        // A single-frame unmasked text message "Hello".
        let h = parse_header(&[0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]).unwrap();
        assert_eq!((h.fin, h.opcode, h.mask, h.payload_len, h.header_len), (true, 1, None, 5, 2));
        // A single-frame masked text message "Hello".
        let f = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
        let h = parse_header(&f).unwrap();
        assert_eq!(h.mask, Some([0x37, 0xfa, 0x21, 0x3d]));
        let mut p = f[6..].to_vec();
        unmask(&mut p, h.mask.unwrap(), 0);
        assert_eq!(p, b"Hello");
        // Fragmented: "Hel" then "lo".
        let a = parse_header(&[0x01, 0x03, 0x48, 0x65, 0x6c]).unwrap();
        let b = parse_header(&[0x80, 0x02, 0x6c, 0x6f]).unwrap();
        assert!(!a.fin && a.opcode == 1 && b.fin && b.opcode == 0);
        // Unmasked ping "Hello" and masked pong "Hello".
        assert_eq!(parse_header(&[0x89, 0x05]).unwrap().opcode, 9);
        assert_eq!(parse_header(&[0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d]).unwrap().opcode, 10);
        // 256 bytes binary in one unmasked frame; 64 KiB in one unmasked frame.
        let h = parse_header(&[0x82, 0x7e, 0x01, 0x00]).unwrap();
        assert_eq!((h.payload_len, h.length_form), (256, 16));
        let h = parse_header(&[0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0]).unwrap();
        assert_eq!((h.payload_len, h.length_form, h.header_len), (65536, 64, 10));
    }

    #[test]
    fn every_prefix_is_need_more() {
        let f = [0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4];
        for cut in 0..f.len() {
            assert!(parse_header(&f[..cut]).is_none(), "cut {cut}");
        }
        assert_eq!(parse_header(&f).unwrap().header_len, 14);
    }

    #[test]
    fn unmask_matches_a_naive_loop_at_any_offset() {
        let key = [1, 2, 3, 250];
        for off in 0..8u64 {
            for len in 0..19 {
                let data: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
                let mut fast = data.clone();
                unmask(&mut fast, key, off);
                let naive: Vec<u8> = data.iter().enumerate().map(|(i, b)| b ^ key[((off as usize) + i) % 4]).collect();
                assert_eq!(fast, naive);
            }
        }
    }
}
