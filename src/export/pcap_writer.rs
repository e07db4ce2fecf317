//! Writing classic .pcap files (nanosecond timestamps).

use std::io::{self, Write};

pub struct PcapWriter<W: Write> {
    w: W,
}

impl<W: Write> PcapWriter<W> {
    pub fn new(mut w: W, link_type: u32) -> io::Result<Self> {
        w.write_all(&0xa1b2_3c4du32.to_le_bytes())?;
        w.write_all(&2u16.to_le_bytes())?;
        w.write_all(&4u16.to_le_bytes())?;
        w.write_all(&[0; 8])?;
        w.write_all(&262_144u32.to_le_bytes())?;
        w.write_all(&link_type.to_le_bytes())?;
        Ok(PcapWriter { w })
    }

    pub fn packet(&mut self, ts_ns: i64, data: &[u8]) -> io::Result<()> {
        let sec = (ts_ns.div_euclid(1_000_000_000)) as u32;
        let ns = (ts_ns.rem_euclid(1_000_000_000)) as u32;
        self.w.write_all(&sec.to_le_bytes())?;
        self.w.write_all(&ns.to_le_bytes())?;
        self.w.write_all(&(data.len() as u32).to_le_bytes())?;
        self.w.write_all(&(data.len() as u32).to_le_bytes())?;
        self.w.write_all(data)
    }

    pub fn into_inner(self) -> W {
        self.w
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}
