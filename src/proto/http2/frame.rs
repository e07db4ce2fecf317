//! HTTP/2 frame layout (RFC 9113 §4.1, §6): the 9-byte header, the registered frame types,
//! SETTINGS parameters and error codes, by number and name. Hand-written: it is a fixed table and
//! a 9-byte header, which no crate offers without a whole HTTP/2 stack around it.

/// The client connection preface (RFC 9113 §3.4).
pub const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// The frame header's length.
pub const HEADER_LEN: usize = 9;

/// SETTINGS_MAX_FRAME_SIZE's initial value and its largest allowed value (RFC 9113 §6.5.2).
pub const DEFAULT_MAX_FRAME: u32 = 16_384;
pub const LARGEST_MAX_FRAME: u32 = (1 << 24) - 1;

/// Flow-control windows start at 65,535 and may not exceed 2^31 - 1 (RFC 9113 §6.9.1).
pub const DEFAULT_WINDOW: i64 = 65_535;
pub const MAX_WINDOW: i64 = (1 << 31) - 1;

pub const DATA: u8 = 0x0;
pub const HEADERS: u8 = 0x1;
pub const PRIORITY: u8 = 0x2;
pub const RST_STREAM: u8 = 0x3;
pub const SETTINGS: u8 = 0x4;
pub const PUSH_PROMISE: u8 = 0x5;
pub const PING: u8 = 0x6;
pub const GOAWAY: u8 = 0x7;
pub const WINDOW_UPDATE: u8 = 0x8;
pub const CONTINUATION: u8 = 0x9;

pub const FLAG_END_STREAM: u8 = 0x1;
pub const FLAG_ACK: u8 = 0x1;
pub const FLAG_END_HEADERS: u8 = 0x4;
pub const FLAG_PADDED: u8 = 0x8;
pub const FLAG_PRIORITY: u8 = 0x20;

/// A frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub len: u32,
    pub kind: u8,
    pub flags: u8,
    /// The stream identifier (the reserved bit cleared).
    pub stream: u32,
}

impl Header {
    /// Reads a header from the first 9 bytes of `b`, if there are that many.
    pub fn parse(b: &[u8]) -> Option<Header> {
        let h: &[u8; HEADER_LEN] = b.get(..HEADER_LEN)?.try_into().ok()?;
        Some(Header {
            len: u32::from_be_bytes([0, h[0], h[1], h[2]]),
            kind: h[3],
            flags: h[4],
            stream: u32::from_be_bytes([h[5], h[6], h[7], h[8]]) & 0x7fff_ffff,
        })
    }

    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

/// The name of a frame type (RFC 9113 §6; Wireshark's `http2.type` names), or none.
pub fn type_name(kind: u8) -> Option<&'static str> {
    Some(match kind {
        DATA => "DATA",
        HEADERS => "HEADERS",
        PRIORITY => "PRIORITY",
        RST_STREAM => "RST_STREAM",
        SETTINGS => "SETTINGS",
        PUSH_PROMISE => "PUSH_PROMISE",
        PING => "PING",
        GOAWAY => "GOAWAY",
        WINDOW_UPDATE => "WINDOW_UPDATE",
        CONTINUATION => "CONTINUATION",
        _ => return None,
    })
}

/// A frame type's name as events carry it: "UNKNOWN(0x0a)" for an unregistered one.
pub fn kind_label(kind: u8) -> std::borrow::Cow<'static, str> {
    match type_name(kind) {
        Some(n) => n.into(),
        None => format!("UNKNOWN(0x{kind:02x})").into(),
    }
}

/// The name of a SETTINGS parameter (RFC 9113 §6.5.2; 8 from RFC 8441, 9 from RFC 9218).
pub fn setting_name(id: u16) -> Option<&'static str> {
    Some(match id {
        1 => "SETTINGS_HEADER_TABLE_SIZE",
        2 => "SETTINGS_ENABLE_PUSH",
        3 => "SETTINGS_MAX_CONCURRENT_STREAMS",
        4 => "SETTINGS_INITIAL_WINDOW_SIZE",
        5 => "SETTINGS_MAX_FRAME_SIZE",
        6 => "SETTINGS_MAX_HEADER_LIST_SIZE",
        8 => "SETTINGS_ENABLE_CONNECT_PROTOCOL",
        9 => "SETTINGS_NO_RFC7540_PRIORITIES",
        _ => return None,
    })
}

/// The name of an error code (RFC 9113 §7).
pub fn error_name(code: u32) -> Option<&'static str> {
    Some(match code {
        0x0 => "NO_ERROR",
        0x1 => "PROTOCOL_ERROR",
        0x2 => "INTERNAL_ERROR",
        0x3 => "FLOW_CONTROL_ERROR",
        0x4 => "SETTINGS_TIMEOUT",
        0x5 => "STREAM_CLOSED",
        0x6 => "FRAME_SIZE_ERROR",
        0x7 => "REFUSED_STREAM",
        0x8 => "CANCEL",
        0x9 => "COMPRESSION_ERROR",
        0xa => "CONNECT_ERROR",
        0xb => "ENHANCE_YOUR_CALM",
        0xc => "INADEQUATE_SECURITY",
        0xd => "HTTP_1_1_REQUIRED",
        _ => return None,
    })
}

/// An error code as details show it: its name, or "0x..." for an unknown one.
pub fn error_label(code: u32) -> String {
    match error_name(code) {
        Some(n) => n.to_string(),
        None => format!("0x{code:x}"),
    }
}

/// The first four bytes of `b` as a big-endian number.
pub fn be32(b: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(..4)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_reads_rfc_9113_layout() {
        // Length 0x000102, type SETTINGS, flag ACK, reserved bit set on stream 5.
        let h = Header::parse(&[0, 1, 2, 4, 1, 0x80, 0, 0, 5]).unwrap();
        assert_eq!(h, Header { len: 258, kind: SETTINGS, flags: 1, stream: 5 });
        assert!(Header::parse(&[0; 8]).is_none());
        assert_eq!(kind_label(0x0a), "UNKNOWN(0x0a)");
        assert_eq!(error_label(0xb), "ENHANCE_YOUR_CALM");
        assert_eq!(error_label(0x42), "0x42");
    }
}
