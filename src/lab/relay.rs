//! The recording relay: when packets cannot be captured (no permission), the lab's clients talk to
//! the servers through this relay on loopback, which records the bytes each way with timestamps.
//! The recording becomes a .pcapng whose TCP/IP headers are made up (the handshake and the
//! segmentation are not what the kernel did) but whose application bytes and times are real; the
//! file says so in its first packet's comment, and the app shows it as application-level traffic.

use crate::source::PcapNgWriter;
use crate::synth::TcpConversation;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The first packet comment of a relay recording; the app looks for it.
pub const MARK: &str = "wirescope relay recording (packet capture was not permitted): application bytes and times are real; \
                        TCP/IP headers are synthetic, so TCP flags, segment sizes and RTTs mean nothing";

#[derive(Debug, Clone)]
enum Step {
    Data { from_client: bool, bytes: Vec<u8> },
    Close { from_client: bool, reset: bool },
}

#[derive(Debug, Clone)]
struct Conn {
    client: SocketAddr,
    server: SocketAddr,
    opened: i64,
    steps: Vec<(i64, Step)>,
}

/// Caps what one recording keeps (the lab's scenarios use a few hundred KB).
const MAX_RECORDED: usize = 64 << 20;

#[derive(Default)]
pub struct Log {
    conns: Mutex<Vec<Conn>>,
    bytes: Mutex<usize>,
}

impl Log {
    fn push(&self, i: usize, step: Step) {
        if let Step::Data { bytes, .. } = &step {
            let Ok(mut total) = self.bytes.lock() else { return };
            if *total + bytes.len() > MAX_RECORDED {
                return;
            }
            *total += bytes.len();
        }
        if let Ok(mut c) = self.conns.lock() {
            if let Some(c) = c.get_mut(i) {
                c.steps.push((super::now_ns(), step));
            }
        }
    }
}

pub struct Relay {
    fronts: HashMap<SocketAddr, SocketAddr>,
    pub log: Arc<Log>,
}

impl Relay {
    /// One listening front per target.
    pub async fn start(targets: &[SocketAddr]) -> std::io::Result<Relay> {
        let log = Arc::new(Log::default());
        let mut fronts = HashMap::new();
        for &t in targets {
            let l = TcpListener::bind("127.0.0.1:0").await?;
            fronts.insert(t, l.local_addr()?);
            tokio::spawn(front(l, t, log.clone()));
        }
        Ok(Relay { fronts, log })
    }

    /// Where a client should connect to reach `target` through the relay.
    pub fn front(&self, target: SocketAddr) -> SocketAddr {
        self.fronts.get(&target).copied().unwrap_or(target)
    }

    pub fn connections(&self) -> usize {
        self.log.conns.lock().map(|c| c.len()).unwrap_or(0)
    }

    /// The recording as Ethernet/IPv4/TCP packets, in time order, with `notes` (time, text) as packet
    /// comments on the first packet at or after each note.
    /// `tls_keys`: key-log lines of the TLS connections relayed, embedded ahead of every packet
    /// as a Decryption Secrets Block (none: no block).
    pub fn write_pcapng(&self, w: impl std::io::Write, notes: &[(i64, String)], tls_keys: &[String]) -> std::io::Result<()> {
        let conns = self.log.conns.lock().map(|c| c.clone()).unwrap_or_default();
        let mut frames: Vec<(i64, usize, Vec<u8>)> = Vec::new();
        for c in &conns {
            let ip = |a: SocketAddr| match a.ip() {
                IpAddr::V4(v) => v.octets(),
                IpAddr::V6(_) => [127, 0, 0, 1],
            };
            let mut conv = TcpConversation::new((ip(c.client), c.client.port()), (ip(c.server), c.server.port()), c.opened);
            conv.step = 1_000;
            let mut out = |ts: i64, f: &[u8]| frames.push((ts, frames.len(), f.to_vec()));
            conv.handshake(&mut out);
            for (ts, s) in &c.steps {
                conv.ts = conv.ts.max(*ts);
                match s {
                    Step::Data { from_client, bytes } => conv.send(*from_client, bytes, &mut out),
                    Step::Close { from_client, reset: true } => {
                        conv.reset(*from_client, &mut out);
                        break;
                    }
                    Step::Close { from_client, reset: false } => {
                        conv.close_from(*from_client, &mut out);
                        break;
                    }
                }
            }
        }
        frames.sort_by_key(|(ts, i, _)| (*ts, *i));
        let mut w = PcapNgWriter::new(w, 1, "wirescope-relay")?;
        if !tls_keys.is_empty() {
            w.tls_secrets(&tls_keys.join("\n"))?;
        }
        let mut notes = notes.iter().peekable();
        for (n, (ts, _, f)) in frames.iter().enumerate() {
            let mut comment: Vec<String> = Vec::new();
            if n == 0 {
                comment.push(MARK.to_string());
            }
            while let Some((t, text)) = notes.peek() {
                if *t <= *ts || n + 1 == frames.len() {
                    comment.push(text.clone());
                    notes.next();
                } else {
                    break;
                }
            }
            let c = (!comment.is_empty()).then(|| comment.join("\n"));
            w.packet_with_comment(*ts, f, f.len() as u32, c.as_deref())?;
        }
        w.flush()
    }
}

async fn front(l: TcpListener, target: SocketAddr, log: Arc<Log>) {
    loop {
        let Ok((down, client)) = l.accept().await else { continue };
        let log = log.clone();
        tokio::spawn(async move {
            let Ok(up) = TcpStream::connect(target).await else { return };
            let _ = (down.set_nodelay(true), up.set_nodelay(true));
            let i = {
                let Ok(mut c) = log.conns.lock() else { return };
                c.push(Conn { client, server: target, opened: super::now_ns(), steps: Vec::new() });
                c.len() - 1
            };
            let (mut down, mut up) = (down, up);
            let (mut a, mut b) = (vec![0u8; 16 * 1024], vec![0u8; 16 * 1024]);
            // One side ending ends the relayed connection: the lab's peers close both ways at once.
            loop {
                tokio::select! {
                    r = down.read(&mut a) => match r {
                        Ok(0) => { log.push(i, Step::Close { from_client: true, reset: false }); let _ = up.shutdown().await; break; }
                        Ok(n) => {
                            log.push(i, Step::Data { from_client: true, bytes: a[..n].to_vec() });
                            if up.write_all(&a[..n]).await.is_err() { break; }
                        }
                        Err(_) => { log.push(i, Step::Close { from_client: true, reset: true }); let _ = up.set_zero_linger(); break; }
                    },
                    r = up.read(&mut b) => match r {
                        Ok(0) => { log.push(i, Step::Close { from_client: false, reset: false }); let _ = down.shutdown().await; break; }
                        Ok(n) => {
                            log.push(i, Step::Data { from_client: false, bytes: b[..n].to_vec() });
                            if down.write_all(&b[..n]).await.is_err() { break; }
                        }
                        // The server reset the connection: pass the reset on.
                        Err(_) => { log.push(i, Step::Close { from_client: false, reset: true }); let _ = down.set_zero_linger(); break; }
                    },
                }
            }
        });
    }
}
