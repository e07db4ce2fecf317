//! Reading a capture file through the engine, in batches, with progress. The I/O edge of analysis.

use crate::engine::Engine;
use crate::limits::Limits;
use crate::source::{CaptureReader, ReadError};
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Packets between two calls of the batch callback.
pub const BATCH: u64 = 4096;

/// The result of reading a whole file: the engine (finished) and, when the file was cut short or
/// damaged after some packets, a warning to show beside the partial results.
pub struct Loaded {
    pub engine: Engine,
    pub warning: Option<String>,
}

/// Opens `path` and runs every packet through a new engine. `batch` runs every [`BATCH`] packets
/// and once at the end (after `finish`), with the bytes read so far and the file size, so the caller
/// can drain events and show progress; returning false cancels the load.
pub fn load_file(path: &Path, limits: Limits, batch: impl FnMut(&mut Engine, u64, u64) -> bool) -> Result<Loaded, String> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|e| format!("cannot open {name}: {}", io_reason(&e)))?;
    let meta = file.metadata().map_err(|e| format!("cannot open {name}: {}", io_reason(&e)))?;
    if meta.is_dir() {
        return Err(format!("cannot open {name}: it is a directory"));
    }
    // No BufReader: the capture reader reads ahead in large blocks itself.
    load_reader(file, meta.len(), &name, limits, batch)
}

/// The same from any reader (a capture held in memory, for instance); `size` is for progress.
pub fn load_reader<R: Read>(
    src: R,
    size: u64,
    name: &str,
    limits: Limits,
    mut batch: impl FnMut(&mut Engine, u64, u64) -> bool,
) -> Result<Loaded, String> {
    let mut reader = CaptureReader::new(src).map_err(|e| format!("{name}: {e}"))?;
    let mut engine = Engine::new(limits);
    engine.packets.file_comments = reader.file_comments.clone();
    let mut warning = None;
    let mut n = 0u64;
    loop {
        match reader.next_packet() {
            Ok(Some(p)) => {
                engine.packet(p.number, p.ts_ns, p.link_type, p.data, p.file_offset, p.comment);
                n += 1;
                if n % BATCH == 0 && !batch(&mut engine, reader.position(), size) {
                    warning = Some(format!("loading cancelled after {n} packets"));
                    break;
                }
            }
            Ok(None) => break,
            Err(ReadError::Truncated { packet }) => {
                engine.packets.truncated_at = Some(packet);
                warning =
                    Some(format!("{name}: the file ends in the middle of packet {packet}; showing the {} packets before it", packet - 1));
                break;
            }
            Err(e @ ReadError::Corrupt(_)) if n > 0 => {
                warning = Some(format!("{name}: {e}; showing the {n} packets before it"));
                break;
            }
            Err(e) => return Err(format!("{name}: {e}")),
        }
    }
    engine.finish();
    batch(&mut engine, size, size);
    Ok(Loaded { engine, warning })
}

/// The bytes of one packet, read back from its file (the packets table keeps offsets, not bytes).
pub fn read_packet_bytes(path: &Path, offset: u64, len: u32) -> std::io::Result<Vec<u8>> {
    use std::io::{Seek, SeekFrom};
    let mut f = File::open(path)?;
    f.seek(SeekFrom::Start(offset))?;
    let mut buf = vec![0; len.min(1 << 20) as usize];
    f.read_exact(&mut buf)?;
    Ok(buf)
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}
