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
    /// The window's language (remembered otherwise).
    #[arg(long, value_enum)]
    lang: Option<LangArg>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Decode a .pcap/.pcapng file: connections, HTTP exchanges, WebSocket messages, findings.
    Analyze(AnalyzeArgs),
    /// Capture live traffic on a local interface into a .pcapng or .pcap file.
    Capture(CaptureArgs),
    /// Run a classroom scenario on loopback and record it: `wirescope lab list` shows them.
    Lab(LabArgs),
    /// Print a connection's sequence diagram as the window draws it (JSON, SVG, Mermaid or PlantUML).
    Diagram(DiagramArgs),
    /// Send one HTTP request (http://) or hold a short WebSocket exchange (ws://) and print it.
    Send(SendArgs),
}

#[derive(clap::Args)]
struct DiagramArgs {
    /// The capture file (.pcap or .pcapng).
    file: PathBuf,
    /// A TLS key log to decrypt TLS with (see `analyze --keylog`).
    #[arg(long, value_name = "FILE")]
    keylog: Option<PathBuf>,
    /// The connection (its number in `analyze`); default: the first WebSocket, else the first one.
    #[arg(long, short)]
    connection: Option<u32>,
    /// Every connection (JSON only: an array, one diagram each).
    #[arg(long, conflicts_with = "connection")]
    all: bool,
    #[arg(long, short, value_enum, default_value = "messages")]
    mode: DiagramMode,
    #[arg(long, short, value_enum, default_value = "json")]
    format: DiagramFormat,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Most bytes all compressed bodies and messages of the file may inflate to together.
    #[arg(long, default_value_t = Limits::default().max_decompressed_per_file)]
    max_decompressed_total: u64,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum DiagramMode {
    Messages,
    Packets,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum DiagramFormat {
    Json,
    Svg,
    Mermaid,
    Plantuml,
}

#[derive(clap::Args)]
struct SendArgs {
    /// http://host:port/path or ws://host:port/path.
    url: String,
    /// HTTP method.
    #[arg(short = 'X', long, default_value = "GET")]
    method: String,
    /// A header, "Name: value" (repeatable; for ws:// they go with the handshake).
    #[arg(short = 'H', long = "header")]
    headers: Vec<String>,
    /// Request body, sent as is.
    #[arg(short, long, conflicts_with_all = ["json", "form"])]
    data: Option<String>,
    /// Request body checked as JSON, with Content-Type: application/json.
    #[arg(long, conflicts_with = "form")]
    json: Option<String>,
    /// A form field name=value (repeatable), sent as application/x-www-form-urlencoded.
    #[arg(long)]
    form: Vec<String>,
    /// Seconds to wait for the connection and the response.
    #[arg(long, default_value = "10")]
    timeout: f64,
    /// Also print the raw bytes sent and received.
    #[arg(long)]
    raw: bool,
    /// WebSocket: a text message to send (repeatable, in order).
    #[arg(short, long = "message")]
    messages: Vec<String>,
    /// WebSocket: a binary message, as hex (repeatable).
    #[arg(long = "binary")]
    binaries: Vec<String>,
    /// WebSocket: send a ping with this payload.
    #[arg(long)]
    ping: Option<String>,
    /// WebSocket: close with CODE or CODE:REASON at the end (default 1000).
    #[arg(long, default_value = "1000")]
    close: String,
    /// WebSocket: subprotocol to ask for (repeatable).
    #[arg(long = "protocol")]
    protocols: Vec<String>,
    /// WebSocket: offer permessage-deflate.
    #[arg(long)]
    deflate: bool,
    /// WebSocket: do not answer the server's pings.
    #[arg(long)]
    no_auto_pong: bool,
    /// https/wss: do not check the server's certificate (like curl -k).
    #[arg(short = 'k', long)]
    insecure: bool,
    /// HTTP: speak HTTP/2 (h2 by ALPN over https, h2c with prior knowledge over http).
    #[arg(long)]
    http2: bool,
    /// https/wss: also trust the CA certificates in this PEM file.
    #[arg(long)]
    cacert: Option<PathBuf>,
    /// WebSocket: seconds to listen for replies before closing.
    #[arg(long, default_value = "1")]
    wait: f64,
}

#[derive(clap::Args)]
struct LabArgs {
    /// A scenario id or number from `wirescope lab list`; `list`; or `serve` to run the lab's
    /// servers alone until Ctrl+C.
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

impl From<LangArg> for wirescope::analysis::explain::Lang {
    fn from(l: LangArg) -> Self {
        match l {
            LangArg::En => Self::En,
            LangArg::Zh => Self::Zh,
        }
    }
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
    /// A TLS key log (NSS format, as SSLKEYLOGFILE writes it) to decrypt TLS with; without it,
    /// $SSLKEYLOGFILE when set. Decryption Secrets Blocks in the file are read as well.
    #[arg(long, value_name = "FILE")]
    keylog: Option<PathBuf>,
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
    /// Include every WebSocket frame (header fields) in JSON under "frames", and every HTTP/2
    /// stream frame under "http2_frames" (connection frames are always there).
    #[arg(long)]
    frames: bool,
    /// Most bytes one message may inflate to (content coding, permessage-deflate).
    #[arg(long, default_value = "67108864")]
    max_decompressed: u64,
    /// Most bytes all compressed bodies and messages of the file may inflate to together; past
    /// it they are counted, not inflated (one finding says so).
    #[arg(long, default_value_t = Limits::default().max_decompressed_per_file)]
    max_decompressed_total: u64,
    /// The language of the text summary (JSON and HAR are the same in both).
    #[arg(long, value_enum, default_value = "en")]
    lang: LangArg,
}

fn main() -> ExitCode {
    // mimalloc asks for transparent huge pages on its arenas; each touched 2 MiB then counts in full,
    // which doubled the peak memory of `analyze` on a large capture (61 MB against 30 MB) for no
    // measurable gain in speed. Best effort: nothing depends on it.
    #[cfg(target_os = "linux")]
    let _ = nix::sys::prctl::set_thp_disable(true);

    let cli = Cli::parse();
    let result = match cli.command {
        Some(Cmd::Analyze(a)) => analyze(a),
        Some(Cmd::Capture(c)) => capture(c),
        Some(Cmd::Lab(l)) => lab(l),
        Some(Cmd::Send(a)) => send(a),
        Some(Cmd::Diagram(a)) => diagram(a),
        None => wirescope::app::run(
            cli.file.map(wirescope::app::loader::Source::File),
            cli.lang
                .map(|l| if l == LangArg::Zh { wirescope::analysis::explain::Lang::Zh } else { wirescope::analysis::explain::Lang::En }),
        )
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

/// The key log to read a capture with: `--keylog`, else $SSLKEYLOGFILE (said on stderr; one that
/// cannot be read is a warning, not an error: browsers and curl create it lazily), else an empty
/// one (the capture's Decryption Secrets Blocks still add to it). What was read is said on stderr,
/// with the lines that were not key log lines, so a useless key log is not silent.
fn keys(arg: &Option<PathBuf>) -> Result<load::Keys> {
    let (path, from_env) = match arg {
        Some(p) => (p.clone(), false),
        None => match std::env::var_os("SSLKEYLOGFILE").filter(|v| !v.is_empty()) {
            Some(p) => (PathBuf::from(p), true),
            None => return Ok(Default::default()),
        },
    };
    let keys = match load::read_keylog(&path) {
        Ok(k) => k,
        Err(e) if from_env => {
            eprintln!("wirescope: warning: SSLKEYLOGFILE is set but {e}; reading without it");
            return Ok(Default::default());
        }
        Err(e) => return Err(anyhow::Error::msg(e)),
    };
    let (secrets, bad) = load::keylog_counts(&keys);
    let source = if from_env { "SSLKEYLOGFILE=" } else { "" };
    let bad = if bad > 0 { format!(", {bad} lines not key log lines (skipped)") } else { String::new() };
    eprintln!("wirescope: TLS keys from {source}{}: secrets for {secrets} connections{bad}", path.display());
    if secrets == 0 {
        eprintln!(
            "wirescope: warning: {} holds no key log lines (CLIENT_RANDOM, CLIENT_TRAFFIC_SECRET_0 …): nothing can be decrypted with it",
            path.display()
        );
    }
    Ok(keys)
}

fn analyze(a: AnalyzeArgs) -> Result<()> {
    let keys = keys(&a.keylog)?;
    let mut limits =
        Limits { max_decompressed: a.max_decompressed, max_decompressed_per_file: a.max_decompressed_total, ..Limits::default() };
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
            let (tx, rx) = std::sync::mpsc::sync_channel::<load::EventBatch>(4);
            let file = a.file.clone();
            let engine = std::thread::Builder::new().name("wirescope-decode".into()).spawn(move || {
                load::load_file_pipelined_keys(&file, limits, keys, |events, _, _| tx.send(events).is_ok())
                    .map(|l| (l.warning, l.engine.packets().clone(), l.engine))
            })?;
            let mut result = None;
            let written = emit(&a.output, |o| {
                let mut w = JsonWriter::new(o, payload_limit, frames)?;
                // A batch dropped once printed goes back to its decoding threads to be freed.
                for batch in rx.iter() {
                    for e in batch.iter() {
                        w.event(e)?;
                    }
                }
                let joined = engine.join().map_err(|_| std::io::Error::other("the engine thread panicked"))?;
                let (warning, packets, engine) = joined.map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
                result = Some(warning);
                // Connections are made and written one at a time: a SYN scan's million connections
                // are never all held as figures at once.
                w.finish(&packets, engine.connections_iter())
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
            // The text summary lists a few messages per connection and counts the rest: those
            // are tallied as they go by, not kept.
            let keep = if a.format == Format::Text { a.messages } else { usize::MAX };
            let mut gathered = export::text::SummaryCapture::new(keep);
            let loaded = load::load_file_pipelined_keys(&a.file, limits, keys, |mut events, _, _| {
                for e in events.take() {
                    gathered.apply(e);
                }
                true
            })
            .map_err(anyhow::Error::msg)?;
            let export::text::SummaryCapture { mut cap, tally, .. } = gathered;
            cap.packets = loaded.engine.packets().clone();
            cap.connections = loaded.engine.connections();
            if a.format == Format::Text {
                out_buf.extend_from_slice(export::text::summary_tallied(&name, &cap, &tally, a.messages, a.lang.into()).as_bytes());
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
    let stats = wirescope::source::recorder::record(&opts, &out, &STOP, &std::sync::atomic::AtomicBool::new(false), || None, |_| true)
        .map_err(anyhow::Error::msg)?;
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

fn send(a: SendArgs) -> Result<()> {
    use wirescope::builder::{self, BodyKind, HttpSpec, WsCommand, WsEvent, WsSpec};
    let headers: Vec<(String, String)> = a
        .headers
        .iter()
        .map(|h| {
            h.split_once(':')
                .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| anyhow::anyhow!("bad header \"{h}\": write it as \"Name: value\""))
        })
        .collect::<Result<_>>()?;
    if !a.timeout.is_finite() || a.timeout <= 0.0 || !a.wait.is_finite() || a.wait < 0.0 {
        anyhow::bail!("--timeout must be positive and --wait not negative");
    }
    let timeout = std::time::Duration::from_secs_f64(a.timeout.min(3600.0));
    let extra_roots_pem = match &a.cacert {
        Some(p) => Some(std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?),
        None => None,
    };
    let tls = wirescope::net::tls::TlsOptions { verify: !a.insecure, extra_roots_pem, ..Default::default() };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let scheme = a.url.split("://").next().unwrap_or("").to_ascii_lowercase();
    if scheme == "ws" || scheme == "wss" {
        let (code, reason) = match a.close.split_once(':') {
            Some((c, r)) => (c.trim().parse::<u16>().map_err(|_| anyhow::anyhow!("bad --close code \"{c}\""))?, r.to_string()),
            None => (a.close.trim().parse::<u16>().map_err(|_| anyhow::anyhow!("bad --close code \"{}\"", a.close))?, String::new()),
        };
        let spec = WsSpec {
            url: a.url.clone(),
            protocols: a.protocols.clone(),
            headers,
            deflate: a.deflate,
            auto_pong: !a.no_auto_pong,
            timeout,
            tls,
        };
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let failed = std::sync::Arc::new(std::sync::Mutex::new(None::<String>));
        let f2 = failed.clone();
        let show = move |e: WsEvent| match e {
            WsEvent::Opened { status, headers, connect } => {
                println!("HTTP/1.1 {status} (opened in {:.1} ms)", connect.as_secs_f64() * 1000.0);
                for (n, v) in headers {
                    println!("{n}: {v}");
                }
                println!();
            }
            WsEvent::Message { who, opcode, payload, at } => {
                let arrow = if who == builder::Who::Me { "→" } else { "←" };
                let name = wirescope::proto::websocket::opcode_name(opcode);
                let body = match opcode {
                    1 => format!("{:?}", String::from_utf8_lossy(&payload)),
                    8 if payload.len() >= 2 => {
                        format!("{} {:?}", u16::from_be_bytes([payload[0], payload[1]]), String::from_utf8_lossy(&payload[2..]))
                    }
                    _ => payload.iter().map(|b| format!("{b:02x}")).collect::<String>(),
                };
                println!("{:>9.1} ms {arrow} {name:<6} {body}", at.as_secs_f64() * 1000.0);
            }
            WsEvent::Closed { code, reason, clean } => {
                println!(
                    "closed{}: {} {reason}",
                    if clean { "" } else { " abnormally" },
                    code.map(|c| c.to_string()).unwrap_or_else(|| "-".into())
                );
            }
            WsEvent::Error(e) => {
                if let Ok(mut f) = f2.lock() {
                    f.get_or_insert(e);
                }
            }
        };
        let mut cmds = Vec::new();
        cmds.extend(a.messages.iter().map(|m| WsCommand::Text(m.clone())));
        for b in &a.binaries {
            let clean: String = b.chars().filter(|c| !c.is_whitespace()).collect();
            if !clean.len().is_multiple_of(2) {
                anyhow::bail!("--binary wants hex digits in pairs: \"{b}\"");
            }
            let bytes = (0..clean.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&clean[i..i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .map_err(|_| anyhow::anyhow!("--binary wants hex: \"{b}\""))?;
            cmds.push(WsCommand::Binary(bytes));
        }
        if let Some(p) = &a.ping {
            cmds.push(WsCommand::Ping(p.clone().into_bytes()));
        }
        let wait = std::time::Duration::from_secs_f64(a.wait.min(600.0));
        rt.block_on(async move {
            let session = tokio::spawn(builder::run_ws(spec, rx, show));
            for c in cmds {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                if tx.send(c).is_err() {
                    break;
                }
            }
            tokio::time::sleep(wait).await;
            let _ = tx.send(WsCommand::Close(code, reason));
            let _ = tokio::time::timeout(timeout, session).await;
        });
        if let Some(e) = failed.lock().ok().and_then(|f| f.clone()) {
            anyhow::bail!(e);
        }
        return Ok(());
    }
    let (body_kind, body) = match (&a.data, &a.json, a.form.is_empty()) {
        (Some(d), _, _) => (BodyKind::Raw, d.clone()),
        (_, Some(j), _) => (BodyKind::Json, j.clone()),
        (_, _, false) => (BodyKind::Form, a.form.join("\n")),
        _ => (BodyKind::Raw, String::new()),
    };
    let spec = HttpSpec {
        method: a.method.clone(),
        url: a.url.clone(),
        query: Vec::new(),
        headers,
        body_kind,
        body,
        timeout,
        tls,
        http2: a.http2,
    };
    let r = rt.block_on(builder::send_http(&spec)).map_err(anyhow::Error::msg)?;
    if a.raw {
        println!("----- sent ({} bytes) -----\n{}", r.raw_sent.len(), String::from_utf8_lossy(&r.raw_sent));
        println!("----- received ({} bytes) -----\n{}", r.raw_received.len(), String::from_utf8_lossy(&r.raw_received));
    } else {
        println!("{} {} {}", r.reply.version, r.reply.status, r.reply.reason);
        for (n, v) in &r.reply.headers {
            println!("{n}: {v}");
        }
        println!();
        let mut out = std::io::stdout().lock();
        out.write_all(&r.reply.body)?;
        if !r.reply.body.ends_with(b"\n") && !r.reply.body.is_empty() {
            println!();
        }
    }
    eprintln!(
        "wirescope: connect {:.1} ms{} · first byte {:.1} ms · total {:.1} ms · sent {} B · received {} B",
        r.connect.as_secs_f64() * 1000.0,
        r.tls.map(|t| format!(" · TLS {:.1} ms", t.as_secs_f64() * 1000.0)).unwrap_or_default(),
        r.reply.first_byte.as_secs_f64() * 1000.0,
        r.reply.total.as_secs_f64() * 1000.0,
        r.raw_sent.len(),
        r.raw_received.len()
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
    if a.scenario == "serve" {
        // The lab's servers alone, for the request builder or any client, until Ctrl+C.
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        return rt.block_on(async {
            let s = lab::servers::Servers::start().await?;
            println!(
                "HTTP       http://{}/  (try /hello, /items, /status codes: /redirect/301 /etag /private /limited /boom, /sse, /chunked)",
                s.http
            );
            println!("WebSocket  ws://{}/echo  ws://{}/chat  ws://{}/tokens  ws://{}/kill", s.ws, s.ws, s.ws, s.ws);
            println!("WebSocket with permessage-deflate  ws://{}/", s.deflate_ws);
            println!("Idle-killing proxy to the WebSocket server  ws://{}/echo", s.idle_proxy);
            let cert = std::env::temp_dir().join(format!("wirescope-lab-cert-{}.pem", std::process::id()));
            wirescope::fs::write_atomic(&cert, |w| w.write_all(s.cert.pem().as_bytes()))?;
            println!(
                "HTTPS (HTTP/1.1 or h2 by ALPN)  https://localhost:{}/hello   WSS  wss://localhost:{}/echo",
                s.https.port(),
                s.wss.port()
            );
            println!("  their certificate, made now: {} (wirescope send ... --cacert that file)", cert.display());
            println!("HTTP/2 without TLS (h2c, prior knowledge)  http://{}/hello", s.h2c);
            println!("Serving on 127.0.0.1 until Ctrl+C.");
            tokio::signal::ctrl_c().await?;
            let _ = std::fs::remove_file(&cert);
            Ok(())
        });
    }
    let info = lab::find(&a.scenario).ok_or_else(|| anyhow::anyhow!("no lab scenario \"{}\" (see `wirescope lab list`)", a.scenario))?;
    let keep = a.write.is_some();
    let out = a.write.clone().unwrap_or_else(|| lab::run::temp_capture(info.id));
    let say = lab::Narrator::default();
    say.listen(move |n| println!("  » {}", if zh { &n.zh } else { &n.en }));
    let opts = lab::run::Options { out: out.clone(), capture: !a.relay, relay: true, interface: None, stop: None };
    let done = lab::run::run(info.id, &opts, say, None).map_err(anyhow::Error::msg)?;
    if let Some(p) = &done.capture_problem {
        eprintln!(
            "wirescope: packet capture not possible ({}); recorded through the relay instead (application bytes, synthetic TCP headers)",
            p.lines().next().unwrap_or(p)
        );
    }
    println!("{}", if zh { info.title.zh } else { info.title.en });
    for f in &done.outcome.figures {
        let (label, value) = f.text(if zh { wirescope::analysis::explain::Lang::Zh } else { wirescope::analysis::explain::Lang::En });
        // Chinese characters take two columns in a terminal.
        let width: usize = label.chars().map(|c| if ('\u{2e80}'..='\u{ffef}').contains(&c) { 2 } else { 1 }).sum();
        println!("  {label}{} {value}", " ".repeat(44usize.saturating_sub(width)));
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
            cap.packets = l.engine.packets().clone();
            cap.connections = l.engine.connections();
            println!();
            let name = if keep { out.display().to_string() } else { format!("{} (not kept: -w FILE keeps it)", info.id) };
            emit(&None, |w| w.write_all(export::text::summary_in(&name, &cap, 20, a.lang.into()).as_bytes()))
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

fn diagram(a: DiagramArgs) -> Result<()> {
    use wirescope::analysis::ladder::{self, MapOptions, Mode, TimeMap};
    let limits = Limits { packet_rows: true, frame_events: true, max_decompressed_per_file: a.max_decompressed_total, ..Limits::default() };
    let keys = keys(&a.keylog)?;
    let mut cap = Capture::default();
    let loaded = load::load_file_keys(&a.file, limits, keys, |eng, _, _| {
        for e in eng.drain_events() {
            cap.apply(e);
        }
        true
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(w) = &loaded.warning {
        eprintln!("wirescope: {w}");
    }
    cap.packets = loaded.engine.packets().clone();
    cap.connections = loaded.engine.connections();
    // A recording made by the lab's relay has made-up TCP headers: draw the application's arrows only.
    let tcp = !cap.packets.comments.first().is_some_and(|(_, c)| c.starts_with(wirescope::lab::relay::MARK));
    let mode = if a.mode == DiagramMode::Packets { Mode::Packets } else { Mode::Messages };
    let ids: Vec<u32> = if a.all {
        cap.connections.iter().map(|c| c.id).collect()
    } else {
        let pick = a.connection.or_else(|| {
            cap.connections
                .iter()
                .find(|c| c.protocol == wirescope::model::Protocol::Websocket)
                .or_else(|| cap.connections.first())
                .map(|c| c.id)
        });
        let Some(id) = pick else { anyhow::bail!("{} has no connections", a.file.display()) };
        if !cap.connections.iter().any(|c| c.id == id) {
            anyhow::bail!("{} has no connection {id} (it has {})", a.file.display(), cap.connections.len());
        }
        vec![id]
    };
    if a.all && a.format != DiagramFormat::Json {
        anyhow::bail!("--all prints JSON only");
    }
    // One pass sorts the capture by connection, so --all costs the capture's size.
    let parts = ladder::Parts::all(&cap);
    let none = ladder::Parts::default();
    let ladders: Vec<ladder::Ladder> =
        ids.iter().map(|id| ladder::ladder_of(&cap, *id, parts.get(id).unwrap_or(&none), mode, tcp)).collect();
    let text = match a.format {
        DiagramFormat::Json if a.all => serde_json::to_string_pretty(&ladders.iter().map(|l| l.to_json()).collect::<Vec<_>>())? + "\n",
        DiagramFormat::Json => serde_json::to_string_pretty(&ladders[0].to_json())? + "\n",
        DiagramFormat::Mermaid => ladder::mermaid(&ladders[0].arrows),
        DiagramFormat::Plantuml => ladder::plantuml(&ladders[0].arrows),
        DiagramFormat::Svg => {
            let l = &ladders[0];
            let c = cap.connections.iter().find(|c| c.id == l.connection);
            let map = TimeMap::new(l.moments(), MapOptions::default());
            let geoms = ladder::layout(l, &map, 10.0);
            let title = format!("#{} {}", l.connection, c.map(|c| c.protocol.label()).unwrap_or(""));
            let (client, server) = c.map(|c| (c.client.as_str(), c.server.as_str())).unwrap_or(("", ""));
            ladder::to_svg(&title, client, server, l, &geoms, &map)
        }
    };
    emit(&a.output, |o| o.write_all(text.as_bytes()))
}

fn emit(path: &Option<PathBuf>, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    match path {
        Some(p) => wirescope::fs::write_atomic(p, write).map_err(|e| match e.kind() {
            // A bad capture is reported as itself, not as a failure to write the output.
            std::io::ErrorKind::InvalidData => anyhow::anyhow!("{e}"),
            _ => anyhow::Error::new(e).context(format!("cannot write {}", p.display())),
        }),
        None => {
            // Standard output through its own file handle: std's stdout is line-buffered and
            // scans every chunk for newlines, which shows in the profile of a large JSON print.
            let stdout = std::io::stdout();
            let lock = stdout.lock();
            let dup = std::os::fd::AsFd::as_fd(&lock).try_clone_to_owned();
            let mut out: Box<dyn Write> = match dup {
                Ok(fd) => Box::new(std::io::BufWriter::with_capacity(1 << 20, std::fs::File::from(fd))),
                Err(_) => Box::new(std::io::BufWriter::with_capacity(1 << 16, lock)),
            };
            match write(&mut out).and_then(|_| out.flush()) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::InvalidData => Err(anyhow::anyhow!("{e}")),
                Err(e) => Err(e).context("writing to standard output"),
            }
        }
    }
}
