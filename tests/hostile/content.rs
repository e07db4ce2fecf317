//! Content coding, WebSocket and Socket.IO under attack: length fields that lie, a per-file
//! decompression budget, floods of tiny messages.

use crate::alloc;
use std::io::Write;
use wirescope::engine::Engine;
use wirescope::model::{Event, HttpResponse, WsMessage};
use wirescope::synth::{ws_frame, TcpConversation};
use wirescope::Limits;

/// Runs packets through one engine, handing the events to `each` as they come (as `analyze`
/// streams them); returns the findings' (code, message).
fn run(limits: Limits, packets: &[(i64, Vec<u8>)], mut each: impl FnMut(&Event)) -> Vec<(&'static str, String)> {
    let mut engine = Engine::new(limits);
    let mut findings = Vec::new();
    let mut take = |engine: &mut Engine| {
        for e in engine.drain_events() {
            if let Event::Finding(f) = &e {
                findings.push((f.code, f.message.clone()));
            }
            each(&e);
        }
    };
    for (i, (ts, p)) in packets.iter().enumerate() {
        engine.packet(i as u64 + 1, *ts, 1, p, 0, None);
        take(&mut engine);
    }
    engine.finish();
    take(&mut engine);
    findings
}

fn gzip(text: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(text).unwrap();
    e.finish().unwrap()
}

/// Text that compresses well but not to nothing: `n` bytes of numbered lines.
fn lines(n: usize, salt: u32) -> Vec<u8> {
    let mut t = Vec::new();
    let mut i = 0u32;
    while t.len() < n {
        t.extend_from_slice(format!("line {i} of body {salt}: the quick brown fox\n").as_bytes());
        i += 1;
    }
    t.truncate(n);
    t
}

/// One keep-alive HTTP connection: a GET answered by each of `bodies` (gzip, Content-Length).
fn http_gzip(bodies: &[Vec<u8>]) -> Vec<(i64, Vec<u8>)> {
    let mut packets = Vec::new();
    let mut out = |ts: i64, p: &[u8]| packets.push((ts, p.to_vec()));
    let mut conv = TcpConversation::new(([10, 0, 0, 1], 40001), ([10, 0, 0, 2], 80), 1_000_000_000);
    conv.handshake(&mut out);
    for b in bodies {
        conv.send(true, b"GET /x HTTP/1.1\r\nHost: x\r\n\r\n", &mut out);
        let mut resp = format!("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n", b.len()).into_bytes();
        resp.extend_from_slice(b);
        conv.send(false, &resp, &mut out);
    }
    conv.close(&mut out);
    packets
}

fn responses(limits: Limits, packets: &[(i64, Vec<u8>)]) -> (Vec<HttpResponse>, Vec<(&'static str, String)>) {
    let mut rs = Vec::new();
    let findings = run(limits, packets, |e| {
        if let Event::Http(x) = e {
            rs.extend(x.response.clone());
        }
    });
    (rs, findings)
}

/// Issue 15: a gzip body whose trailer claims 0 bytes (or 4 GiB) hung `analyze`. Through the
/// whole engine it ends, the body is what the test compressed, and the lie is a finding.
#[test]
fn a_gzip_trailer_claiming_zero_or_four_gib_ends() {
    let text = lines(600, 1);
    for isize in [0u32, 0xffff_ffff] {
        let mut body = gzip(&text);
        let n = body.len();
        body[n - 4..].copy_from_slice(&isize.to_le_bytes());
        let ((rs, findings), cost) = alloc::measure(|| responses(Limits::default(), &http_gzip(&[body.clone()])));
        assert_eq!(rs.len(), 1);
        assert_eq!((rs[0].body_len, rs[0].wire_body_len), (text.len() as u64, body.len() as u64), "ISIZE {isize:#x}");
        assert!(rs[0].body.as_ref().is_some_and(|b| b.bytes == text && !b.truncated));
        let bad: Vec<_> = findings.iter().filter(|f| f.0 == "http.content_decoding_failed").collect();
        assert!(bad.len() == 1 && bad[0].1.contains("trailer does not match"), "{findings:?}");
        // No buffer sized from the claim: 4 GiB claimed, far less than 1 MiB held at the peak.
        assert!(cost.peak < 1 << 20, "ISIZE {isize:#x}: {cost:?}");
    }
}

/// The file's decompression budget: three bodies of 10 000 bytes with a budget of 15 000. The
/// first inflates whole, the second up to the budget, the third not at all; every body's wire
/// bytes are still counted, and one finding names the budget.
#[test]
fn the_per_file_budget_counts_bodies_past_it() {
    let texts = [lines(10_000, 1), lines(10_000, 2), lines(10_000, 3)];
    let bodies: Vec<Vec<u8>> = texts.iter().map(|t| gzip(t)).collect();
    let limits = Limits { max_decompressed_per_file: 15_000, ..Limits::default() };
    let (rs, findings) = responses(limits, &http_gzip(&bodies));
    assert_eq!(rs.len(), 3);
    assert_eq!(rs.iter().map(|r| r.body_len).collect::<Vec<_>>(), [10_000, 5_000, 0]);
    assert_eq!(rs.iter().map(|r| r.wire_body_len).collect::<Vec<_>>(), bodies.iter().map(|b| b.len() as u64).collect::<Vec<_>>());
    let second = rs[1].body.as_ref().map(|b| (b.bytes == texts[1][..5_000], b.truncated));
    assert_eq!(second, Some((true, true)), "the second body: its first 5000 bytes, marked truncated");
    let budget: Vec<_> = findings.iter().filter(|f| f.0 == "content.decompression_budget").collect();
    assert_eq!(budget.len(), 1, "{findings:?}");
    assert!(budget[0].1.contains("15000 bytes"), "{}", budget[0].1);
    // Not a fault of the bodies: no per-body decoding finding.
    assert!(!findings.iter().any(|f| f.0.starts_with("http.decompression") || f.0 == "http.content_decoding_failed"), "{findings:?}");
    // Under a budget that covers them, the same bodies all inflate, with no finding.
    let (rs, findings) = responses(Limits::default(), &http_gzip(&bodies));
    assert_eq!(rs.iter().map(|r| r.body_len).collect::<Vec<_>>(), [10_000; 3]);
    assert!(findings.iter().all(|f| f.0 != "content.decompression_budget"));
}

const UPGRADE: &[u8] = b"GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
const ACCEPT: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

/// A WebSocket session whose server sends `n` empty pings, packed into full segments; the client
/// answers every `answer_every`th of them (0: none) with a pong carrying the ping's number.
fn ping_flood(n: usize, answer_every: usize, out: &mut dyn FnMut(i64, &[u8])) {
    let mut conv = TcpConversation::new(([10, 0, 0, 1], 40000), ([10, 0, 0, 2], 80), 1_000_000_000);
    conv.handshake(out);
    conv.send(true, UPGRADE, out);
    conv.send(false, ACCEPT, out);
    let mut batch = Vec::new();
    for i in 0..n {
        let answered = answer_every != 0 && i % answer_every == 0;
        let payload = if answered { (i as u32).to_be_bytes().to_vec() } else { Vec::new() };
        batch.extend(ws_frame(true, 9, None, &payload));
        if answered {
            conv.send(false, &batch, out);
            batch.clear();
            conv.send(true, &ws_frame(true, 10, Some([1, 2, 3, 4]), &payload), out);
        } else if batch.len() >= 1448 {
            conv.send(false, &batch, out);
            batch.clear();
        }
    }
    conv.send(false, &batch, out);
    conv.close(out);
}

/// Writes the ping flood to a file, for measuring the whole program:
/// `WS_FLOOD=/tmp/pings.pcap WS_FLOOD_N=2000000 cargo test --test hostile write_ping_flood -- --ignored`
/// then `/usr/bin/time -v target/debug/wirescope analyze /tmp/pings.pcap --format json > /dev/null`.
#[test]
#[ignore]
fn write_ping_flood() {
    use std::io::Write;
    let path = std::env::var("WS_FLOOD").unwrap_or_else(|_| "/tmp/pings.pcap".into());
    let n = std::env::var("WS_FLOOD_N").ok().and_then(|s| s.parse().ok()).unwrap_or(2_000_000);
    let answer = std::env::var("WS_FLOOD_ANSWER").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    let file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut w = wirescope::source::pcap_writer::PcapWriter::new(file, 1).unwrap();
    ping_flood(n, answer, &mut |ts, p| w.packet(ts, p).unwrap());
    w.flush().unwrap();
    std::io::stdout().flush().unwrap();
}

/// What the engine holds per ping of a flood, events streamed out as they come (each one looked
/// at, then dropped, as `analyze --format json` does): (peak bytes held, pings seen, pongs seen
/// with the payload of a ping the server sent).
fn flood_cost(n: usize, answer_every: usize) -> (alloc::Cost, usize, usize) {
    let mut packets = Vec::new();
    ping_flood(n, answer_every, &mut |ts, p| packets.push((ts, p.to_vec())));
    // Allocated before measuring: which ping numbers the server sent (a pong must echo one,
    // RFC 6455 §5.5.3).
    let mut sent = vec![false; n];
    let (mut pings, mut pongs) = (0, 0);
    let limits = Limits { frame_events: false, ..Limits::default() };
    let number = |m: &WsMessage| <[u8; 4]>::try_from(&m.payload[..]).ok().map(|b| u32::from_be_bytes(b) as usize).filter(|&i| i < n);
    let (_, cost) = alloc::measure(|| {
        run(limits, &packets, |e| {
            if let Event::WsMessage(m) = e {
                match (m.opcode, number(m)) {
                    (9, i) => {
                        pings += 1;
                        if let Some(i) = i {
                            sent[i] = true;
                        }
                    }
                    (10, Some(i)) if sent[i] && i % answer_every == 0 => pongs += 1,
                    _ => {}
                }
            }
        })
    });
    (cost, pings, pongs)
}

/// Issue 15: two million empty pings took 674 MiB. Per ping the engine now holds nothing that
/// lasts: at N and 4N pings the peak stays under a fixed bound (the capture's packets, which the
/// test itself holds, are outside the measure), and the answered pings still find their pongs.
#[test]
fn a_ping_flood_streams_out() {
    let n = 50_000;
    let (small, pings, pongs) = flood_cost(n, 100);
    assert_eq!((pings, pongs), (n, n / 100));
    let (large, pings, pongs) = flood_cost(4 * n, 100);
    assert_eq!((pings, pongs), (4 * n, 4 * n / 100));
    // Four times the pings, the same peak: nothing is held per ping (no queue of unanswered
    // pings, no message table). The absolute bound, 256 KiB for 200 000 pings (about 1.3 bytes
    // per ping, a ping being 2 bytes on the wire), is the buffers of one connection.
    assert!(large.peak <= small.peak + (16 << 10), "{small:?} then {large:?}");
    assert!(large.peak < 256 << 10, "{large:?}");
    eprintln!("ping flood: {small:?} at {n}, {large:?} at {}", 4 * n);
}

/// The same flood through the loader `analyze` uses (one decoding thread, on this thread, so the
/// counting allocator sees every event): events are handed over in bounded batches, not held
/// until enough packets have gone by (2 million pings fit in 3000 packets: all their events were
/// held at once, 674 MiB).
#[test]
fn a_ping_flood_is_handed_over_in_bounded_batches() {
    let load = |n: usize| {
        let mut w = wirescope::source::pcap_writer::PcapWriter::new(Vec::new(), 1).unwrap();
        ping_flood(n, 0, &mut |ts, p| w.packet(ts, p).unwrap());
        let file = w.into_inner();
        let limits = Limits { frame_events: false, keep_body: 0, ..Limits::default() };
        let mut messages = 0usize;
        let (r, cost) = alloc::measure(|| {
            wirescope::load::load_reader_sharded(std::io::Cursor::new(&file), file.len() as u64, "flood", limits, 1, |batch, _, _| {
                messages += batch.iter().filter(|e| matches!(e, Event::WsMessage(_))).count();
                true
            })
        });
        assert!(r.is_ok());
        assert_eq!(messages, n);
        cost
    };
    let (small, large) = (load(100_000), load(400_000));
    eprintln!("loaded ping flood: {small:?}, then 4x: {large:?}");
    // Past the first batches the peak does not grow with the count; 400 000 pings held at once
    // would be more than 60 MB.
    assert!(large.peak <= small.peak + (1 << 20), "{small:?} then {large:?}");
    assert!(large.peak < 32 << 20, "{large:?}");
}

/// Several decoding threads hand their events over step by step (a step ends at the same stream
/// byte for all of them): the order is still the one engine's, event for event, on interleaved
/// floods long enough for many steps.
#[test]
fn a_flood_on_several_connections_loads_the_same_on_one_and_on_several_threads() {
    let mut w = wirescope::source::pcap_writer::PcapWriter::new(Vec::new(), 1).unwrap();
    let mut convs: Vec<TcpConversation> =
        (0..5u16).map(|i| TcpConversation::new(([10, 0, 0, 1], 41000 + i), ([10, 0, 0, 2], 80), 1_000_000_000 + i64::from(i))).collect();
    let mut out = |ts: i64, p: &[u8]| w.packet(ts, p).unwrap();
    for c in &mut convs {
        c.handshake(&mut out);
        c.send(true, UPGRADE, &mut out);
        c.send(false, ACCEPT, &mut out);
    }
    for round in 0..60u32 {
        for (i, c) in convs.iter_mut().enumerate() {
            // Pings of every size from 0 to 9 bytes, a pong now and then, a text message.
            let pings: Vec<u8> = (0..300u32).flat_map(|k| ws_frame(true, 9, None, &vec![b'p'; (k % 10) as usize])).collect();
            c.send(false, &pings, &mut out);
            if round % 7 == i as u32 % 7 {
                c.send(true, &ws_frame(true, 10, Some([9, 8, 7, 6]), b"ppp"), &mut out);
                c.send(true, &ws_frame(true, 1, Some([1, 2, 3, 4]), format!("hello {round}").as_bytes()), &mut out);
            }
        }
    }
    for c in &mut convs {
        c.close(&mut out);
    }
    let file = w.into_inner();
    let limits = Limits { frame_events: true, ..Limits::default() };
    let mut one = Vec::new();
    wirescope::load::load_reader(&file[..], file.len() as u64, "f", limits.clone(), |eng, _, _| {
        one.extend(eng.drain_events().map(|e| format!("{e:?}")));
        true
    })
    .unwrap();
    assert!(one.len() > 5 * 60 * 300 * 2, "{} events", one.len());
    for shards in [1, 2, 3] {
        let mut many = Vec::new();
        wirescope::load::load_reader_sharded(&file[..], file.len() as u64, "f", limits.clone(), shards, |b, _, _| {
            many.extend(b.iter().map(|e| format!("{e:?}")));
            true
        })
        .unwrap();
        assert_eq!(one.len(), many.len(), "{shards} threads");
        if let Some(i) = (0..one.len()).find(|&i| one[i] != many[i]) {
            panic!("{shards} threads: event {i} differs:\n{}\n{}", one[i], many[i]);
        }
    }
}

/// A brotli stream's first byte declares its window (RFC 7932 §9.1), which the decoder allocates
/// whole: 16 MiB for a 23-byte body. Bodies left open on many connections held 16 MiB each; now
/// the live windows of a decoding thread have a cap, past which a body is counted, not decoded,
/// with a finding naming the limit; a window is given back when its body ends.
#[test]
fn brotli_windows_held_at_once_are_capped() {
    let mut first = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut first, 4096, 5, 24);
        w.write_all(b"hello brotli hello brotli").unwrap();
        w.flush().unwrap();
        // The stream goes on (never finished here): the decoder must keep its window.
        std::mem::forget(w);
    }
    let whole = {
        let mut v = Vec::new();
        let mut w = brotli::CompressorWriter::new(&mut v, 4096, 5, 24);
        w.write_all(&lines(20_000, 7)).unwrap();
        drop(w);
        v
    };
    let limits = || Limits { max_brotli_windows: 32 << 20, ..Limits::default() };
    let run_open = |n: u16| {
        let mut packets = Vec::new();
        let mut out = |ts: i64, p: &[u8]| packets.push((ts, p.to_vec()));
        let mut convs: Vec<TcpConversation> =
            (0..n).map(|i| TcpConversation::new(([10, 0, 0, 1], 42000 + i), ([10, 0, 0, 2], 80), 1_000_000_000)).collect();
        for c in &mut convs {
            c.handshake(&mut out);
            c.send(true, b"GET /x HTTP/1.1\r\nHost: x\r\n\r\n", &mut out);
            let mut resp = b"HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 100000\r\n\r\n".to_vec();
            resp.extend_from_slice(&first);
            c.send(false, &resp, &mut out);
        }
        let (findings, cost) = alloc::measure(|| run(limits(), &packets, |_| {}));
        let refused = findings.iter().filter(|f| f.1.contains("max_brotli_windows")).count();
        (refused, cost)
    };
    let (refused, small) = run_open(4);
    assert_eq!(refused, 2, "two 16 MiB windows fit in 32 MiB");
    let (refused, large) = run_open(16);
    assert_eq!(refused, 14);
    // The window of the refused bodies is never allocated: 16 open bodies cost what 4 do.
    assert!(large.peak < (32 << 20) + (4 << 20), "{large:?}");
    assert!(large.peak < small.peak + (1 << 20), "{small:?} then {large:?}");
    // One connection, one body after another: each gives its window back, all decode.
    let (rs, findings) = responses(limits(), &http_gzip_like(&[whole.clone(), whole.clone(), whole.clone()], "br"));
    assert_eq!(rs.iter().map(|r| r.body_len).collect::<Vec<_>>(), [20_000; 3], "{findings:?}");
}

/// [`http_gzip`] with another Content-Encoding.
fn http_gzip_like(bodies: &[Vec<u8>], coding: &str) -> Vec<(i64, Vec<u8>)> {
    let mut packets = Vec::new();
    let mut out = |ts: i64, p: &[u8]| packets.push((ts, p.to_vec()));
    let mut conv = TcpConversation::new(([10, 0, 0, 1], 40002), ([10, 0, 0, 2], 80), 1_000_000_000);
    conv.handshake(&mut out);
    for b in bodies {
        conv.send(true, b"GET /x HTTP/1.1\r\nHost: x\r\n\r\n", &mut out);
        let mut resp = format!("HTTP/1.1 200 OK\r\nContent-Encoding: {coding}\r\nContent-Length: {}\r\n\r\n", b.len()).into_bytes();
        resp.extend_from_slice(b);
        conv.send(false, &resp, &mut out);
    }
    conv.close(&mut out);
    packets
}
