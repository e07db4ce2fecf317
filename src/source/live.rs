//! Live capture on a local interface through libpcap (the `pcap` crate). Non-blocking reads with a
//! short sleep when idle, so a stop request or a time limit is honoured even when no traffic comes
//! (a blocking `next_packet` can wait for ever on a quiet interface).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Interface {
    pub name: String,
    pub description: Option<String>,
    pub addresses: Vec<String>,
    pub loopback: bool,
    pub up: bool,
}

/// Interfaces, loopback first.
pub fn interfaces() -> Result<Vec<Interface>, String> {
    let mut v: Vec<Interface> = pcap::Device::list()
        .map_err(|e| format!("cannot list interfaces: {e}"))?
        .into_iter()
        .map(|d| Interface {
            loopback: d.flags.is_loopback(),
            up: d.flags.is_up(),
            addresses: d.addresses.iter().map(|a| a.addr.to_string()).collect(),
            description: d.desc,
            name: d.name,
        })
        .collect();
    v.sort_by_key(|i| (!i.loopback, !i.up, i.name.clone()));
    Ok(v)
}

/// Checks a BPF capture filter before any capture starts.
pub fn validate_filter(filter: &str) -> Result<(), String> {
    let dead = pcap::Capture::dead(pcap::Linktype::ETHERNET).map_err(|e| e.to_string())?;
    dead.compile(filter, true).map(|_| ()).map_err(|e| format!("invalid capture filter \"{filter}\": {e}"))
}

#[derive(Debug, Clone)]
pub struct LiveOptions {
    pub interface: String,
    pub filter: Option<String>,
    pub snaplen: i32,
    pub promiscuous: bool,
    pub count: Option<u64>,
    pub duration: Option<Duration>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveStats {
    pub link_type: u32,
    pub packets: u64,
    pub kernel_dropped: u32,
    pub interface_dropped: u32,
    /// Packets seen while paused (not kept).
    pub skipped: u64,
}

/// Why a capture could not start, said so that a person can act on it.
pub fn explain_open_error(interface: &str, e: &pcap::Error) -> String {
    let text = e.to_string();
    let lower = text.to_lowercase();
    if lower.contains("permission") || lower.contains("not permitted") {
        format!(
            "cannot capture on {interface}: permission denied ({text}). Capturing needs root or the raw-socket capabilities: \
             run as root, or grant them once with `sudo setcap cap_net_raw,cap_net_admin=eip {}`",
            std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_else(|_| "/path/to/wirescope".into())
        )
    } else if lower.contains("no such device") || lower.contains("doesn't exist") {
        format!("cannot capture on {interface}: no such interface (see `wirescope capture --list`)")
    } else {
        format!("cannot capture on {interface}: {text}")
    }
}

/// What a running capture reports to its caller.
pub enum LiveEvent<'a> {
    /// The interface is open and the filter set: traffic from now on is seen.
    Started { link_type: u32 },
    /// A packet: nanoseconds since the epoch, link type, captured bytes, original length.
    Packet { ts: i64, link_type: u32, data: &'a [u8], orig_len: u32 },
    /// Nothing arrived for a moment (a chance to flush files and update views).
    Idle,
    /// Packet and drop counts so far, about once a second.
    Stats(LiveStats),
}

/// Captures until `count` packets, `duration`, or `stop`.
pub fn capture(opts: &LiveOptions, stop: &AtomicBool, mut on_event: impl FnMut(LiveEvent)) -> Result<LiveStats, String> {
    if let Some(f) = &opts.filter {
        validate_filter(f)?;
    }
    let inactive = pcap::Capture::from_device(opts.interface.as_str()).map_err(|e| explain_open_error(&opts.interface, &e))?;
    let active = inactive
        .promisc(opts.promiscuous)
        .snaplen(opts.snaplen)
        // A 64 MiB ring, filled without immediate mode: libpcap then uses TPACKET_V3, which packs
        // packets tightly into blocks handed over every 50 ms or when full. Immediate mode falls
        // back to one snaplen-sized slot per packet, and at 100 k packets/s the ring overflowed.
        .buffer_size(64 << 20)
        .timeout(50)
        .immediate_mode(false)
        .open()
        .map_err(|e| explain_open_error(&opts.interface, &e))?;
    let mut cap = active.setnonblock().map_err(|e| explain_open_error(&opts.interface, &e))?;
    if let Some(f) = &opts.filter {
        cap.filter(f, true).map_err(|e| format!("invalid capture filter \"{f}\": {e}"))?;
    }
    let link = cap.get_datalink().0 as u32;
    on_event(LiveEvent::Started { link_type: link });
    let start = Instant::now();
    let mut idle_said = false;
    let mut last_stats = Instant::now();
    let mut stats = LiveStats { link_type: link, ..LiveStats::default() };
    loop {
        if stop.load(Ordering::Relaxed)
            || opts.count.is_some_and(|c| stats.packets >= c)
            || opts.duration.is_some_and(|d| start.elapsed() >= d)
        {
            break;
        }
        if last_stats.elapsed() >= Duration::from_secs(1) {
            last_stats = Instant::now();
            if let Ok(s) = cap.stats() {
                stats.kernel_dropped = s.dropped;
                stats.interface_dropped = s.if_dropped;
            }
            on_event(LiveEvent::Stats(stats.clone()));
        }
        match cap.next_packet() {
            Ok(p) => {
                let ts = p.header.ts.tv_sec * 1_000_000_000 + p.header.ts.tv_usec * 1000;
                stats.packets += 1;
                idle_said = false;
                on_event(LiveEvent::Packet { ts, link_type: link, data: p.data, orig_len: p.header.len });
            }
            Err(pcap::Error::TimeoutExpired) => {
                if !idle_said {
                    idle_said = true;
                    on_event(LiveEvent::Idle);
                }
                std::thread::sleep(Duration::from_millis(2))
            }
            Err(pcap::Error::NoMorePackets) => break,
            Err(e) => return Err(format!("capture on {} failed: {e}", opts.interface)),
        }
    }
    if let Ok(s) = cap.stats() {
        stats.kernel_dropped = s.dropped;
        stats.interface_dropped = s.if_dropped;
    }
    Ok(stats)
}
