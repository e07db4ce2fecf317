//! Where packets come from: capture files (and, later, live interfaces). This is the I/O edge;
//! everything after it is pure.

pub mod live;
pub mod pcapfile;

pub use pcapfile::{CaptureReader, FileFormat, RawPacket, ReadError};
