//! The `wirescope` command line.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use wirescope::export::{self, json::JsonWriter, PayloadLimit};
use wirescope::model::Capture;
use wirescope::{load, Limits};

// The engine allocates many small strings (header names and values); mimalloc halves their cost.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "wirescope", version, about = "HTTP and WebSocket traffic analyzer and teaching tool", long_about = None)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
    /// A capture to open in the window (without one, the start page offers the bundled examples).
    file: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Decode a .pcap/.pcapng file: connections, HTTP exchanges, WebSocket messages, findings.
    Analyze(AnalyzeArgs),
    /// Capture live traffic on a local interface into a .pcapng or .pcap file.
    Capture(CaptureArgs),
    /// Run a classroom scenario on loopback and record it: `wirescope lab list` shows them.
    Lab(LabArgs),
}

#[derive(clap::Args)]
struct LabArgs {
    /// A scenario id or number from `wirescope lab list`, or `list`.
    scenario: String,
    /// Keep the recording here (.pcapng); without it the recording is summarised and removed.
    #[arg(short, long)]
    write: Option<PathBuf>,
    /// Record through the in-app relay (application bytes, no packet capture) even when capturing is allowed.
    #[arg(long)]
    relay: bool,
    /// Narration language.
    #[arg(long, value_enum, default_value = "en")]
    lang: LangArg,
    /// Print only the narration and figures, not the decoded summary.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum LangArg {
    En,
    Zh,
}

#[derive(clap::Args)]
struct CaptureArgs {
    /// The interface (see --list); loopback is `lo` on Linux.
    #[arg(short, long)]
    interface: Option<String>,
    /// A BPF capture filter, e.g. "tcp port 8080" (checked before the capture starts).
    #[arg(short, long)]
    filter: Option<String>,
    /// Stop after this many packets.
    #[arg(short, long)]
    count: Option<u64>,
    /// Stop after this many seconds.
    #[arg(long)]
    duration: Option<f64>,
    /// Write the packets here (.pcapng or .pcap, by the extension); written as FILE.part while
    /// capturing, renamed at the end.
    #[arg(short, long)]
    write: Option<PathBuf>,
    /// Bytes kept of each packet.
    #[arg(long, default_value = "65535")]
    snaplen: i32,
    /// Put the interface in promiscuous mode.
    #[arg(long)]
    promisc: bool,
    /// List the interfaces (loopback first) and exit.
    #[arg(long)]
    list: bool,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    /// A readable summary.
    Text,
    /// The whole model (the contract in README.md).
    Json,
    /// HAR 1.2, WebSocket messages in `_webSocketMessages`.
    Har,
}

#[derive(clap::Args)]
struct AnalyzeArgs {
    /// The capture file (.pcap or .pcapng).
    file: PathBuf,
    #[arg(long, short, value_enum, default_value = "text")]
    format: Format,
    /// Payload bytes printed per WebSocket message in JSON: a number, 0 for none, or "all".
    #[arg(long, default_value = "4096")]
    payload_limit: PayloadLimit,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// WebSocket messages listed per session in the text summary.
    #[arg(long, default_value = "20")]
    messages: usize,
    /// Include every WebSocket frame (header fields) in JSON under "frames".
    #[arg(long)]
    frames: bool,
    /// Most bytes one message may inflate to (content coding, permessage-deflate).
    #[arg(long, default_value = "67108864")]
    max_decompressed: u64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Cmd::Analyze(a)) => analyze(a),
        Some(Cmd::Capture(c)) => capture(c),
        Some(Cmd::Lab(l)) => lab(l),
        None => wirescope::app::run(cli.file.map(wirescope::app::loader::Source::File))
            .map_err(|e| anyhow::anyhow!("cannot open the window: {e}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wirescope: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn analyze(a: AnalyzeArgs) -> Result<()> {
    let mut limits = Limits { max_decompressed: a.max_decompressed, ..Limits::default() };
    let name = a.file.display().to_string();
    let mut out_buf: Vec<u8> = Vec::new();
    let warning = match a.format {
        Format::Json => {
            // Stream records out as they are decoded, keeping only what will be printed. The engine
            // runs on its own thread and hands over events in bounded batches, so decoding and
            // serialising use both cores and memory stays bounded.
            limits.keep_body = 0;
            limits.keep_ws_payload = a.payload_limit.bytes();
            limits.frame_events = a.frames;
            let (payload_limit, frames) = (a.payload_limit, a.frames);
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<wirescope::model::Event>>(4);
            let file = a.file.clone();
            let engine = std::thread::spawn(move || {
                load::load_file(&file, limits, |eng, _, _| tx.send(eng.drain_events().collect()).is_ok())
                    .map(|l| (l.warning, l.engine.packets.clone(), l.engine.connections()))
            });
            let mut result = None;
            let written = emit(&a.output, |o| {
                let mut w = JsonWriter::new(o, payload_limit, frames)?;
                for batch in rx.iter() {
                    for e in &batch {
                        w.event(e)?;
                    }
                }
                let joined = engine.join().map_err(|_| std::io::Error::other("the engine thread panicked"))?;
                let (warning, packets, conns) = joined.map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
                result = Some(warning);
                w.finish(&packets, &conns)
            });
            written?;
            result.flatten()
        }
        Format::Text | Format::Har => {
            if a.format == Format::Text {
                limits.keep_body = 0;
                limits.keep_ws_payload = 256;
            }
            limits.frame_events = false;
            let mut cap = Capture::default();
            let loaded = load::load_file(&a.file, limits, |eng, _, _| {
                for e in eng.drain_events() {
                    cap.apply(e);
                }
                true
            })
            .map_err(anyhow::Error::msg)?;
            cap.packets = loaded.engine.packets.clone();
            cap.connections = loaded.engine.connections();
            if a.format == Format::Text {
                out_buf.extend_from_slice(export::text::summary(&name, &cap, a.messages).as_bytes());
                emit(&a.output, |o| o.write_all(&out_buf))?;
            } else {
                let har = export::har::to_har(&cap);
                emit(&a.output, |o| {
                    serde_json::to_writer_pretty(&mut *o, &har).map_err(std::io::Error::other)?;
                    o.write_all(b"\n")
                })?;
            }
            loaded.warning
        }
    };
    if let Some(w) = warning {
        eprintln!("wirescope: warning: {w}");
    }
    Ok(())
}

fn capture(c: CaptureArgs) -> Result<()> {
    use wirescope::source::live;
    if c.list {
        for i in live::interfaces().map_err(anyhow::Error::msg)? {
            let kind = if i.loopback { " (loopback)" } else { "" };
            println!(
                "{}{kind}{}  {}  {}",
                i.name,
                if i.up { "" } else { " [down]" },
                i.addresses.join(", "),
                i.description.unwrap_or_default()
            );
        }
        return Ok(());
    }
    let Some(interface) = c.interface else { anyhow::bail!("say which interface to capture on with -i (see --list)") };
    let Some(out) = c.write else { anyhow::bail!("say where to write the packets with -w FILE") };
    if let Some(f) = &c.filter {
        live::validate_filter(f).map_err(anyhow::Error::msg)?;
    }
    if c.count.is_none() && c.duration.is_none() {
        eprintln!("wirescope: capturing on {interface} until Ctrl+C; packets go to {}.part until then", out.display());
    }
    let opts = live::LiveOptions {
        interface,
        filter: c.filter,
        snaplen: c.snaplen,
        promiscuous: c.promisc,
        count: c.count,
        duration: c.duration.map(std::time::Duration::from_secs_f64),
    };
    // Ctrl+C (or SIGTERM) ends the capture cleanly: the file is finished and kept.
    static STOP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    let _ = ctrlc::set_handler(|| STOP.store(true, std::sync::atomic::Ordering::Relaxed));
    let stats = wirescope::source::recorder::record(&opts, &out, &STOP, &std::sync::atomic::AtomicBool::new(false), || None, |_| true).map_err(anyhow::Error::msg)?;
    eprintln!(
        "wirescope: captured {} packets on {} (dropped by the kernel: {}, by the interface: {}) → {}",
        stats.packets,
        opts.interface,
        stats.kernel_dropped,
        stats.interface_dropped,
        out.display()
    );
    Ok(())
}

fn lab(a: LabArgs) -> Result<()> {
    use wirescope::lab;
    let zh = a.lang == LangArg::Zh;
    if a.scenario == "list" {
        for (i, s) in lab::SCENARIOS.iter().enumerate() {
            let (t, w) = if zh { (s.title.zh, s.teaches.zh) } else { (s.title.en, s.teaches.en) };
            println!("{:>2}  {:<14} {t}\n                    {w}", i + 1, s.id);
        }
        return Ok(());
    }
    let info = lab::find(&a.scenario).ok_or_else(|| anyhow::anyhow!("no lab scenario \"{}\" (see `wirescope lab list`)", a.scenario))?;
    let keep = a.write.is_some();
    let out = a.write.clone().unwrap_or_else(|| lab::run::temp_capture(info.id));
    let say = lab::Narrator::default();
    say.listen(move |n| println!("  » {}", if zh { &n.zh } else { &n.en }));
    let opts = lab::run::Options { out: out.clone(), capture: !a.relay, relay: true, interface: None };
    let done = lab::run::run(info.id, &opts, say, None).map_err(anyhow::Error::msg)?;
    if let Some(p) = &done.capture_problem {
        eprintln!(
            "wirescope: packet capture not possible ({}); recorded through the relay instead (application bytes, synthetic TCP headers)",
            p.lines().next().unwrap_or(p)
        );
    }
    println!("{}", if zh { info.title.zh } else { info.title.en });
    for f in &done.outcome.figures {
        println!("  {:<44} {}", if zh { &f.zh } else { &f.en }, f.value);
    }
    if let Some(s) = &done.stats {
        eprintln!("wirescope: captured {} packets on loopback (dropped by the kernel: {})", s.packets, s.kernel_dropped);
    }
    let summary = if a.quiet {
        Ok(())
    } else {
        let limits = Limits { keep_body: 0, keep_ws_payload: 256, frame_events: false, ..Limits::default() };
        let mut cap = Capture::default();
        let loaded = load::load_file(&out, limits, |eng, _, _| {
            for e in eng.drain_events() {
                cap.apply(e);
            }
            true
        })
        .map_err(anyhow::Error::msg);
        loaded.and_then(|l| {
            cap.packets = l.engine.packets.clone();
            cap.connections = l.engine.connections();
            println!();
            emit(&None, |w| w.write_all(export::text::summary(&out.display().to_string(), &cap, 20).as_bytes()))
        })
    };
    if keep {
        eprintln!("wirescope: recording written to {}", out.display());
    } else {
        let _ = std::fs::remove_file(&out);
    }
    summary?;
    if let Some(e) = done.error {
        anyhow::bail!("the scenario failed: {e}");
    }
    Ok(())
}

fn emit(path: &Option<PathBuf>, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    match path {
        Some(p) => export::write_atomic(p, write).map_err(|e| match e.kind() {
            // A bad capture is reported as itself, not as a failure to write the output.
            std::io::ErrorKind::InvalidData => anyhow::anyhow!("{e}"),
            _ => anyhow::Error::new(e).context(format!("cannot write {}", p.display())),
        }),
        None => {
            let stdout = std::io::stdout();
            let mut lock = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
            match write(&mut lock).and_then(|_| lock.flush()) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::InvalidData => Err(anyhow::anyhow!("{e}")),
                Err(e) => Err(e).context("writing to standard output"),
            }
        }
    }
}
