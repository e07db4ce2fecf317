//! The JSON contract (README.md): `packets`, `connections`, `http`, `websocket`, `sse`,
//! `http2_frames`, `findings`.
//!
//! Records are serialised as the engine produces them. The `http` array, usually the largest, goes
//! straight to the output; `websocket`, `sse`, `frames`, `http2_frames` and `findings` wait in spill buffers (moved to an
//! unlinked temporary file past a few MiB); `packets` and `connections`, known only at the end,
//! come last. Printing a large capture so needs memory for the connections only. (JSON object keys
//! have no order; readers find them by name.)

use super::PayloadLimit;
use crate::model::PacketSummary;
use crate::model::{Connection, Event, WsMessage};
use base64::Engine as _;
use serde::Serialize;
use std::fs::File;
use std::io::{self, Read, Seek, Write};

const SPILL_AT: usize = 1 << 20;

/// A JSON array being written: elements in memory, then on disk.
#[derive(Default)]
struct Spill {
    mem: Vec<u8>,
    file: Option<File>,
    count: u64,
}

impl Spill {
    fn push(&mut self, v: &impl Serialize) -> io::Result<()> {
        self.push_with(|out| super::compact::to_vec_into(out, v).map_err(io::Error::other))
    }

    /// Appends an element that `write` prints.
    fn push_with(&mut self, write: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> io::Result<()> {
        if self.count > 0 {
            self.mem.push(b',');
        }
        self.count += 1;
        write(&mut self.mem)?;
        if self.mem.len() > SPILL_AT {
            if self.file.is_none() {
                self.file = Some(temp_file()?);
            }
            if let Some(f) = &mut self.file {
                f.write_all(&self.mem)?;
            }
            self.mem.clear();
        }
        Ok(())
    }

    fn write_to(&mut self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(b"[")?;
        if let Some(f) = &mut self.file {
            f.rewind()?;
            let mut buf = vec![0; 1 << 20];
            loop {
                let n = f.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                out.write_all(&buf[..n])?;
            }
        }
        out.write_all(&self.mem)?;
        out.write_all(b"]")
    }
}

/// A temporary file that disappears when closed (unlinked right after creation).
fn temp_file() -> io::Result<File> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let path = std::env::temp_dir().join(format!("wirescope-{}-{}.spill", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
    let f = std::fs::OpenOptions::new().read(true).write(true).create_new(true).open(&path)?;
    let _ = std::fs::remove_file(&path);
    Ok(f)
}

/// A WebSocket message as printed: the model's fields, then its payload as text or base64 and
/// whether that is shorter than the message.
pub struct WsOut<'a> {
    pub msg: &'a WsMessage,
    pub text: Option<std::borrow::Cow<'a, str>>,
    pub data_base64: Option<String>,
    /// True when the printed payload is shorter than the message.
    pub payload_truncated: bool,
}

/// Written out field by field rather than derived with the message flattened in: flattening goes
/// through serde's map path (several times slower), and it printed `payload_truncated` twice (the
/// model's flag about the kept bytes, then this one about the printed bytes).
impl Serialize for WsOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let m = self.msg;
        let mut st = s.serialize_struct("WsOut", 15)?;
        st.serialize_field("connection", &m.connection)?;
        st.serialize_field("direction", &m.direction)?;
        st.serialize_field("opcode", &m.opcode)?;
        st.serialize_field("frames", &m.frames)?;
        st.serialize_field("compressed", &m.compressed)?;
        st.serialize_field("len", &m.len)?;
        st.serialize_field("wire_len", &m.wire_len)?;
        st.serialize_field("packet", &m.packet)?;
        st.serialize_field("first_packet", &m.first_packet)?;
        st.serialize_field("time", &m.time)?;
        st.serialize_field("close_code", &m.close_code)?;
        st.serialize_field("close_reason", &m.close_reason)?;
        if let Some(t) = &self.text {
            st.serialize_field("text", t)?;
        }
        if let Some(b) = &self.data_base64 {
            st.serialize_field("data_base64", b)?;
        }
        st.serialize_field("payload_truncated", &self.payload_truncated)?;
        st.end()
    }
}

impl<'a> WsOut<'a> {
    pub fn new(msg: &'a WsMessage, limit: PayloadLimit) -> Self {
        let n = limit.bytes().min(msg.payload.len());
        let shown = &msg.payload[..n];
        let payload_truncated = (n as u64) < msg.len;
        let (text, data_base64) = if limit == PayloadLimit::Bytes(0) {
            (None, None)
        } else if msg.opcode == 1 {
            // Validated with SIMD first: the lossy conversion is for the rare invalid text.
            let text = match simdutf8::basic::from_utf8(shown) {
                Ok(s) => std::borrow::Cow::Borrowed(s),
                Err(_) => String::from_utf8_lossy(shown),
            };
            (Some(text), None)
        } else {
            (None, Some(base64::engine::general_purpose::STANDARD.encode(shown)))
        };
        WsOut { msg, text, data_base64, payload_truncated }
    }
}

pub struct JsonWriter<'w> {
    out: &'w mut dyn Write,
    limit: PayloadLimit,
    http_count: u64,
    scratch: Vec<u8>,
    websocket: Spill,
    frames: Spill,
    http2_frames: Spill,
    sse: Spill,
    findings: Spill,
    with_frames: bool,
}

impl<'w> JsonWriter<'w> {
    pub fn new(out: &'w mut dyn Write, limit: PayloadLimit, with_frames: bool) -> io::Result<Self> {
        out.write_all(b"{\"http\":[")?;
        Ok(JsonWriter {
            out,
            limit,
            http_count: 0,
            scratch: Vec::with_capacity((1 << 20) + (1 << 16)),
            websocket: Spill::default(),
            frames: Spill::default(),
            http2_frames: Spill::default(),
            sse: Spill::default(),
            findings: Spill::default(),
            with_frames,
        })
    }

    pub fn event(&mut self, e: &Event) -> io::Result<()> {
        match e {
            Event::Http(x) => {
                if self.http_count > 0 {
                    self.scratch.push(b',');
                }
                self.http_count += 1;
                super::records::exchange(&mut self.scratch, x);
                // Handed over in blocks as large as the output's buffer, which then passes them
                // through instead of copying them.
                if self.scratch.len() >= 1 << 20 {
                    self.out.write_all(&self.scratch)?;
                    self.scratch.clear();
                }
                Ok(())
            }
            Event::WsMessage(m) => self.websocket.push_with(|out| {
                super::records::ws_message(out, &WsOut::new(m, self.limit));
                Ok(())
            }),
            Event::WsFrame(f) if self.with_frames => self.frames.push(f),
            Event::WsFrame(_) => Ok(()),
            Event::Finding(f) => self.findings.push(f),
            Event::Packet(_) => Ok(()),
            // Connection frames and RST_STREAM always come; stream frames only with frame events on.
            Event::H2Frame(f) => self.http2_frames.push(f),
            Event::Sse(e) => self.sse.push(e),
            // For the window's ladder only.
            Event::TlsRecord(_) => Ok(()),
        }
    }

    pub fn finish(
        mut self,
        packets: &PacketSummary,
        connections: impl IntoIterator<Item = impl std::borrow::Borrow<Connection>>,
    ) -> io::Result<()> {
        let out = &mut *self.out;
        out.write_all(&self.scratch)?;
        out.write_all(b"],\"websocket\":")?;
        self.websocket.write_to(out)?;
        if self.with_frames {
            out.write_all(b",\"frames\":")?;
            self.frames.write_to(out)?;
        }
        out.write_all(b",\"http2_frames\":")?;
        self.http2_frames.write_to(out)?;
        out.write_all(b",\"sse\":")?;
        self.sse.write_to(out)?;
        out.write_all(b",\"findings\":")?;
        self.findings.write_to(out)?;
        // Built in memory and written at once: serde_json's writer makes a call per token.
        let mut tail = std::mem::take(&mut self.scratch);
        tail.clear();
        tail.extend_from_slice(b",\"packets\":");
        super::compact::to_vec_into(&mut tail, packets).map_err(io::Error::other)?;
        tail.extend_from_slice(b",\"connections\":[");
        for (i, c) in connections.into_iter().enumerate() {
            if i > 0 {
                tail.push(b',');
            }
            super::compact::to_vec_into(&mut tail, c.borrow()).map_err(io::Error::other)?;
            if tail.len() > 1 << 20 {
                out.write_all(&tail)?;
                tail.clear();
            }
        }
        tail.extend_from_slice(b"]}\n");
        out.write_all(&tail)
    }
}
