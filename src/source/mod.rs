//! Where packets come from: capture files and live interfaces (written to a file as they run),
//! and capture files written back (`pcap_writer`). This is the I/O edge; everything after it is pure.

pub mod live;
pub mod pcap_writer;
pub mod pcapfile;
pub mod recorder;

pub use pcap_writer::{save_capture, CaptureWriter, PcapNgWriter, PcapWriter};
pub use pcapfile::{CaptureReader, FileFormat, RawPacket, ReadError};
