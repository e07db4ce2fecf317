//! Writing what was decoded: JSON (the documented contract), HAR 1.2, the text summary, and the
//! atomic file write they share.

pub mod compact;
pub mod har;
pub mod json;
pub mod pcap_writer;
pub mod records;
pub mod text;

use std::io::Write;
use std::path::Path;

/// Writes a file so that a reader sees either the old file or the whole new one, never a part.
pub fn write_atomic(path: &Path, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let f = std::fs::File::create(&tmp)?;
        let mut w = std::io::BufWriter::new(f);
        write(&mut w)?;
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Copies a capture to `to` (atomically) as .pcapng or .pcap by the extension, packet comments kept
/// in .pcapng. A source that ends mid-packet (a capture still being written) is copied up to there.
/// Gives the number of packets written.
pub fn save_capture(from: impl std::io::Read, to: &Path) -> std::io::Result<u64> {
    use crate::source::{CaptureReader, ReadError};
    let bad = |e: String| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
    let mut r = CaptureReader::new(from).map_err(|e| bad(e.to_string()))?;
    let pcapng = crate::source::recorder::wants_pcapng(to);
    let mut n = 0;
    write_atomic(to, |w| {
        let mut out: Option<pcap_writer::CaptureWriter<&mut dyn Write>> = None;
        loop {
            let p = match r.next_packet() {
                Ok(Some(p)) => p,
                Ok(None) | Err(ReadError::Truncated { .. }) => break,
                Err(e) => return Err(bad(e.to_string())),
            };
            if out.is_none() {
                out = Some(pcap_writer::CaptureWriter::new(&mut *w, p.link_type, "wirescope", pcapng)?);
            }
            if let Some(o) = out.as_mut() {
                o.packet_with_comment(p.ts_ns, p.data, p.orig_len, p.comment.as_deref())?;
            }
            n += 1;
        }
        if out.is_none() {
            pcap_writer::CaptureWriter::new(&mut *w, 1, "wirescope", pcapng)?;
        }
        Ok(())
    })?;
    Ok(n)
}

/// How many payload bytes to print per message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadLimit {
    Bytes(usize),
    All,
}

impl PayloadLimit {
    pub fn bytes(self) -> usize {
        match self {
            PayloadLimit::Bytes(n) => n,
            PayloadLimit::All => usize::MAX,
        }
    }
}

impl std::str::FromStr for PayloadLimit {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s.eq_ignore_ascii_case("all") {
            return Ok(PayloadLimit::All);
        }
        s.parse().map(PayloadLimit::Bytes).map_err(|_| format!("expected a number of bytes or \"all\", got \"{s}\""))
    }
}
