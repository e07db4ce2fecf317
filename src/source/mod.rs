//! Where packets come from: capture files and live interfaces (written to a file as they run). This is the I/O edge;
//! everything after it is pure.

pub mod live;
pub mod pcapfile;
pub mod recorder;

pub use pcapfile::{CaptureReader, FileFormat, RawPacket, ReadError};
