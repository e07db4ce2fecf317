//! WebSocket (RFC 6455) as an observer sees it: the upgrade checked, frames decoded both ways,
//! messages assembled across fragments, permessage-deflate (RFC 7692) inflated per direction,
//! every rule break recorded with its section while decoding carries on.

pub mod frame;
pub mod handshake;
mod session;

pub use session::WsSession;

/// What a close code means (RFC 6455 §7.4.1 and the IANA registry).
pub fn close_code_meaning(code: u16) -> &'static str {
    match code {
        1000 => "Normal Closure",
        1001 => "Going Away",
        1002 => "Protocol Error",
        1003 => "Unsupported Data",
        1004 => "Reserved",
        1005 => "No Status Received",
        1006 => "Abnormal Closure",
        1007 => "Invalid Frame Payload Data",
        1008 => "Policy Violation",
        1009 => "Message Too Big",
        1010 => "Mandatory Extension",
        1011 => "Internal Error",
        1012 => "Service Restart",
        1013 => "Try Again Later",
        1014 => "Bad Gateway",
        1015 => "TLS Handshake",
        3000..=3999 => "Registered (libraries, frameworks)",
        4000..=4999 => "Private use (application)",
        _ => "Invalid",
    }
}

/// Codes that may appear in a close frame (RFC 6455 §7.4): 1005, 1006 and 1015 are for reporting only.
pub fn close_code_valid_on_wire(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

pub fn opcode_name(op: u8) -> &'static str {
    match op {
        0 => "Continuation",
        1 => "Text",
        2 => "Binary",
        8 => "Close",
        9 => "Ping",
        10 => "Pong",
        3..=7 => "Reserved (data)",
        _ => "Reserved (control)",
    }
}
