//! Server-Sent Events (issue 13): a line that never ends and an event whose data never ends cost
//! bounded memory (the counting allocator), each with its finding; 4N segments hold what N do.

use crate::alloc;
use wirescope::model::{Event, Finding, SseEvent};
use wirescope::synth::TcpConversation;
use wirescope::{Engine, Limits};

const HEAD: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n";
const GZIP_HEAD: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Encoding: gzip\r\n\r\n";

fn limits() -> Limits {
    Limits { max_sse_line: 4096, keep_sse_data: 4096, keep_body: 1024, ..Limits::default() }
}

/// A close-delimited event stream of `segments` copies of `segment`, then `tail`; the events and
/// findings, and what the run cost.
fn stream(segments: usize, segment: &[u8], tail: &[u8]) -> ((Vec<SseEvent>, Vec<Finding>), alloc::Cost) {
    stream_with(HEAD, &vec![segment; segments], tail)
}

/// The same after any head, with segments of their own.
fn stream_with(head: &[u8], segments: &[&[u8]], tail: &[u8]) -> ((Vec<SseEvent>, Vec<Finding>), alloc::Cost) {
    alloc::measure(|| {
        let mut engine = Engine::new(limits());
        let (mut events, mut findings, mut n) = (Vec::new(), Vec::new(), 0u64);
        let drain = |engine: &mut Engine, events: &mut Vec<SseEvent>, findings: &mut Vec<Finding>| {
            for e in engine.drain_events() {
                match e {
                    Event::Sse(e) => events.push(*e),
                    Event::Finding(f) => findings.push(f),
                    _ => {}
                }
            }
        };
        let mut conv = TcpConversation::new(([10, 0, 0, 1], 40000), ([10, 0, 0, 2], 80), 1_700_000_000_000_000_000);
        let mut feed = |engine: &mut Engine, t: i64, f: &[u8]| {
            n += 1;
            engine.packet(n, t, 1, f, 0, None);
        };
        conv.handshake(&mut |t, f| feed(&mut engine, t, f));
        conv.send(true, b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n", &mut |t, f| feed(&mut engine, t, f));
        conv.send(false, head, &mut |t, f| feed(&mut engine, t, f));
        for segment in segments {
            conv.send(false, segment, &mut |t, f| feed(&mut engine, t, f));
            drain(&mut engine, &mut events, &mut findings);
        }
        conv.send(false, tail, &mut |t, f| feed(&mut engine, t, f));
        conv.close(&mut |t, f| feed(&mut engine, t, f));
        engine.finish();
        drain(&mut engine, &mut events, &mut findings);
        (events, findings)
    })
}

fn codes(f: &[Finding]) -> Vec<&'static str> {
    f.iter().map(|f| f.code).collect()
}

#[test]
fn a_line_that_never_ends_is_capped() {
    let seg = vec![b'a'; 1350];
    let run = |n| stream(n, &seg, b"\n\ndata: after\n\n");
    let ((ev1, f1), c1) = run(200);
    let ((ev4, f4), c4) = run(800);
    for (ev, f) in [(&ev1, &f1), (&ev4, &f4)] {
        // The line is "aaaa…" (a field named by all of it, ignored), then a normal event.
        assert_eq!(ev.iter().map(|e| e.data.as_str()).collect::<Vec<_>>(), ["after"]);
        assert_eq!(codes(f), ["sse.line_too_long"]);
    }
    // 270 KB and 1.08 MB of one line: held memory stays near the caps, the same for both.
    assert!(c1.peak < 200_000 && c4.peak < 200_000, "{c1:?} {c4:?}");
    eprintln!("peak {} bytes at N, {} at 4N", c1.peak, c4.peak);
    assert!(c4.peak < c1.peak + 16 * 1024, "{c1:?} {c4:?}");
}

#[test]
fn data_that_never_ends_is_cut() {
    // One event whose data lines never stop: 30 lines of 45 bytes per segment.
    let seg: Vec<u8> = (0..30).flat_map(|_| *b"data: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n").collect();
    let run = |n| stream(n, &seg, b"\n");
    let ((ev1, f1), c1) = run(200);
    let ((ev4, f4), c4) = run(800);
    for (ev, f) in [(&ev1, &f1), (&ev4, &f4)] {
        assert_eq!(ev.len(), 1);
        assert!(ev[0].data_truncated && ev[0].data.len() == 4096, "{}", ev[0].data.len());
        assert_eq!(codes(f), ["sse.data_truncated"]);
    }
    assert!(c1.peak < 200_000 && c4.peak < 200_000, "{c1:?} {c4:?}");
    eprintln!("peak {} bytes at N, {} at 4N", c1.peak, c4.peak);
    assert!(c4.peak < c1.peak + 16 * 1024, "{c1:?} {c4:?}");
}

/// A gzip-coded stream whose data lines never end inflates 1032 times its size at most; the
/// decoded bytes go to the parser a bounded piece at a time, so 8 MiB and 32 MiB of decoded
/// stream hold the same few hundred KiB, far below what they inflate to.
#[test]
fn a_gzip_stream_inflating_to_megabytes_is_parsed_in_bounded_pieces() {
    use std::io::Write;
    let line = b"data: cccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\n";
    let run = |mib: usize| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        for _ in 0..(mib << 20) / line.len() {
            e.write_all(line).unwrap();
        }
        e.write_all(b"\n").unwrap();
        let gz = e.finish().unwrap();
        let segs: Vec<&[u8]> = gz.chunks(1300).collect();
        stream_with(GZIP_HEAD, &segs, b"")
    };
    let ((ev1, f1), c1) = run(8);
    let ((ev4, f4), c4) = run(32);
    for (ev, f) in [(&ev1, &f1), (&ev4, &f4)] {
        assert_eq!(ev.len(), 1);
        assert!(ev[0].data_truncated && ev[0].data.len() == 4096);
        assert_eq!(codes(f), ["sse.data_truncated"]);
    }
    eprintln!("gzip SSE: peak {} bytes for 8 MiB decoded, {} for 32 MiB", c1.peak, c4.peak);
    assert!(c1.peak < 4 << 20 && c4.peak < 4 << 20, "{c1:?} {c4:?}");
}
