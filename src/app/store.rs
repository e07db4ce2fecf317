//! The UI's copy of what the engine decoded, fed from the loader in batches. Drawing reads it;
//! only the app's command handling changes it.

use super::loader::{LiveMsg, LoadMsg, Source};
use crate::model::{Capture, Dir, Event, RowKind};
use crate::proto::websocket::opcode_name;
use std::collections::HashMap;
use std::time::Duration;

/// Distinct for every store, so caches of one capture never serve another.
static NEXT_STORE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

#[derive(Default)]
pub struct Store {
    /// Which capture this is (unique per store) and how many loader messages it has taken: what
    /// the views' caches are keyed on.
    pub id: u64,
    pub generation: u64,
    pub source: Option<Source>,
    pub cap: Capture,
    /// Protocol column and Info text for packets that carry an HTTP message or WebSocket frame.
    pub overlay: HashMap<u64, (&'static str, String)>,
    /// First sequence number seen per (connection, direction), for relative Seq/Ack.
    seq_base: HashMap<(u32, bool), u32>,
    pub progress: Option<(u64, u64)>,
    pub loaded: bool,
    pub load_time: Option<Duration>,
    pub error: Option<String>,
    pub warning: Option<String>,
    /// A recording of application bytes (the lab's relay): its TCP/IP headers are made up, so the
    /// views leave out what only TCP would tell (handshake, teardown, segments).
    pub app_level: bool,
    /// Set for a live capture or lab run.
    pub live: Option<super::live_ui::LiveState>,
}

/// What applying one loader message did.
#[derive(Debug, PartialEq)]
pub enum Applied {
    Continue,
    /// The load or capture ended well; `opened` is the file, for Recent.
    Finished {
        opened: Option<std::path::PathBuf>,
    },
    Failed,
}

impl Store {
    /// Every change the loader thread reports goes through here (the one place the store changes
    /// from outside the UI's own commands).
    pub fn apply_msg(&mut self, msg: LoadMsg) -> Applied {
        self.generation += 1;
        match msg {
            LoadMsg::Batch(events) => events.into_iter().for_each(|e| self.apply(e)),
            LoadMsg::Progress { read, total, connections } => {
                if self.live.is_none() {
                    self.progress = Some((read, total));
                }
                self.cap.connections = connections;
            }
            LoadMsg::Live(m) => {
                if let Some(live) = &mut self.live {
                    match m {
                        LiveMsg::Started => live.started = true,
                        LiveMsg::Stats(s) => live.stats = Some(s),
                        LiveMsg::Note(n) => live.notes.push(n),
                        LiveMsg::LabDone { figures, relay, capture_problem, error } => {
                            live.figures = figures;
                            live.relayed = relay;
                            live.capture_problem = capture_problem;
                            live.lab_error = error;
                        }
                    }
                }
            }
            LoadMsg::Done { packets, connections, warning, elapsed } => {
                self.cap.packets = *packets;
                self.cap.connections = connections;
                // A recording made by the lab's relay says so in its first comment: its TCP
                // headers are made up, so flags and timings below the application mean nothing.
                let relayed = self.cap.packets.comments.first().is_some_and(|(_, c)| c.starts_with(crate::lab::relay::MARK));
                self.app_level = relayed;
                self.warning = warning.or_else(|| {
                    relayed.then(|| {
                        "application-level recording (lab relay): the bytes and times are real, the TCP/IP headers are synthetic"
                            .to_string()
                    })
                });
                self.load_time = Some(elapsed);
                self.loaded = true;
                self.progress = None;
                if let Some(live) = &mut self.live {
                    live.running = false;
                    self.load_time = None;
                }
                let opened = match &self.source {
                    Some(Source::File(p)) => Some(p.clone()),
                    _ => None,
                };
                return Applied::Finished { opened };
            }
            LoadMsg::Failed(e) => {
                if let Some(live) = &mut self.live {
                    live.running = false;
                }
                self.error = Some(e);
                self.progress = None;
                return Applied::Failed;
            }
        }
        Applied::Continue
    }

    pub fn new(source: Source) -> Store {
        let id = NEXT_STORE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Store { id, source: Some(source), progress: Some((0, 1)), ..Store::default() }
    }

    pub fn apply(&mut self, e: Event) {
        match &e {
            Event::Packet(r) => {
                if let (Some(c), Some(d), RowKind::Tcp { seq, flags, .. }) = (r.connection, r.direction, r.kind) {
                    let syn = flags & 0x02 != 0;
                    self.seq_base.entry((c, d == Dir::ClientToServer)).or_insert(if syn { seq } else { seq.wrapping_sub(1) });
                }
            }
            Event::Http(x) if x.stream.is_some() => {
                // HTTP/2: one packet may carry frames of several streams and of the connection.
                let tag = crate::analysis::ladder::stream_tag(x.stream);
                let mut add = |p: u64, text: String| {
                    let e = self.overlay.entry(p).or_insert(("HTTP/2", String::new()));
                    if e.0 != "HTTP/2" {
                        *e = ("HTTP/2", String::new());
                    }
                    if e.1.split(", ").count() < 4 {
                        if !e.1.is_empty() {
                            e.1.push_str(", ");
                        }
                        e.1.push_str(&text);
                    }
                };
                if let Some(r) = &x.request {
                    add(r.first_packet, format!("{tag}{} {}", r.method, r.target));
                }
                for r in x.interim.iter().chain(&x.response) {
                    add(r.first_packet, format!("{tag}{}", r.status));
                }
            }
            Event::H2Frame(f) if crate::analysis::ladder::h2_drawn(f) => {
                let e = self.overlay.entry(f.packet).or_insert(("HTTP/2", String::new()));
                if e.0 == "HTTP/2" && e.1.split(", ").count() < 4 {
                    if !e.1.is_empty() {
                        e.1.push_str(", ");
                    }
                    e.1.push_str(&crate::analysis::ladder::h2_label(f, 40));
                }
            }
            Event::Http(x) => {
                if let Some(r) = &x.request {
                    self.overlay.insert(r.packet, ("HTTP", format!("{} {} {}", r.method, r.target, r.version)));
                }
                for i in &x.interim {
                    self.overlay.insert(i.packet, ("HTTP", format!("{} {} {}", i.version, i.status, i.reason)));
                }
                if let Some(r) = &x.response {
                    self.overlay.insert(r.packet, ("HTTP", format!("{} {} {}", r.version, r.status, r.reason)));
                }
            }
            Event::WsFrame(f) => {
                let mut text = format!("WebSocket {}", opcode_name(f.opcode));
                if f.fin {
                    text.push_str(" [FIN]");
                }
                if f.masked {
                    text.push_str(" [MASKED]");
                }
                let e = self.overlay.entry(f.packet).or_insert(("WebSocket", String::new()));
                e.0 = "WebSocket";
                if e.1.starts_with("WebSocket") || e.1.is_empty() {
                    if e.1.is_empty() {
                        e.1 = text;
                    } else {
                        e.1 = format!("{}, {}", e.1, text.trim_start_matches("WebSocket "));
                    }
                }
            }
            Event::Sse(x) => {
                self.overlay.entry(x.packet).or_insert(("SSE", crate::analysis::ladder::sse_label(x, 60)));
            }
            _ => {}
        }
        self.cap.apply(e);
    }

    /// Relative sequence and acknowledgement numbers, as Wireshark shows them.
    pub fn relative(&self, conn: u32, dir: Dir, seq: u32, ack: u32) -> (u32, u32) {
        let mine = self.seq_base.get(&(conn, dir == Dir::ClientToServer)).copied().unwrap_or(seq);
        let theirs = self.seq_base.get(&(conn, dir != Dir::ClientToServer)).copied().unwrap_or(ack);
        (seq.wrapping_sub(mine), ack.wrapping_sub(theirs))
    }

    /// Protocol and Info columns of a packet row.
    pub fn describe(&self, i: usize) -> (String, String) {
        let r = &self.cap.rows[i];
        if let Some((p, info)) = self.overlay.get(&r.number) {
            return ((*p).to_string(), info.clone());
        }
        match r.kind {
            RowKind::Tcp { flags, seq, ack, window, payload } => {
                let f = crate::dissect::TcpFlags(flags);
                let (s, a) = match (r.connection, r.direction) {
                    (Some(c), Some(d)) => self.relative(c, d, seq, ack),
                    _ => (seq, ack),
                };
                let ack_part = if f.ack() { format!(" Ack={a}") } else { String::new() };
                let proto = r
                    .connection
                    .and_then(|c| self.cap.connections.get(c as usize))
                    .map(|c| c.protocol.label())
                    .filter(|_| payload > 0)
                    .unwrap_or("TCP");
                (proto.to_string(), format!("{} → {} {f} Seq={s}{ack_part} Win={window} Len={payload}", r.src_port, r.dst_port))
            }
            RowKind::Udp { payload } => ("UDP".into(), format!("{} → {} Len={payload}", r.src_port, r.dst_port)),
            RowKind::OtherIp { protocol } => ("IP".into(), format!("IP protocol {protocol}")),
            RowKind::NotIp => ("—".into(), "not IP".into()),
            RowKind::Malformed => ("—".into(), "malformed".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loader_messages_change_the_store_in_one_place() {
        // A file that failed: an error, no progress bar, and nothing for Recent.
        let mut s = Store::new(Source::File("/x/broken.pcap".into()));
        assert_eq!(s.apply_msg(LoadMsg::Progress { read: 5, total: 10, connections: Vec::new() }), Applied::Continue);
        assert_eq!(s.progress, Some((5, 10)));
        assert_eq!(s.apply_msg(LoadMsg::Failed("not a capture".into())), Applied::Failed);
        assert_eq!((s.error.as_deref(), s.progress), (Some("not a capture"), None));
        // A file that opened: loaded, timed, and named for Recent.
        let mut s = Store::new(Source::File("/x/good.pcapng".into()));
        let done = LoadMsg::Done { packets: Box::default(), connections: Vec::new(), warning: None, elapsed: Duration::from_millis(7) };
        assert_eq!(s.apply_msg(done), Applied::Finished { opened: Some("/x/good.pcapng".into()) });
        assert!(s.loaded && s.error.is_none() && s.progress.is_none());
        assert_eq!(s.load_time, Some(Duration::from_millis(7)));
    }
}
