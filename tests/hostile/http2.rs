//! HTTP/2 (issue 13): the floods of the HTTP/2 denial-of-service attacks (CONTINUATION 2024,
//! SETTINGS and PING (CVE-2019-9512/9515), rapid reset (CVE-2023-44487), streams never closed), an
//! HPACK size update of 2^32 and a frame announcing 16 MiB. Each is a finding; memory held (the
//! counting allocator) and events made stay flat from N to 4N, never timed.

use crate::alloc;
use wirescope::model::{Event, Finding};
use wirescope::synth::TcpConversation;
use wirescope::{Engine, Limits};

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut v = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags];
    v.extend_from_slice(&stream.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

/// What a run produced, counted (events are dropped as they come, as a streaming export does).
#[derive(Default)]
struct Tally {
    findings: Vec<Finding>,
    h2_frames: u64,
    exchanges: u64,
}

impl Tally {
    fn count(&self, code: &str) -> usize {
        self.findings.iter().filter(|f| f.code == code).count()
    }
}

fn drain(engine: &mut Engine, t: &mut Tally) {
    for e in engine.drain_events() {
        match e {
            Event::Finding(f) => t.findings.push(f),
            Event::H2Frame(_) => t.h2_frames += 1,
            Event::Http(_) => t.exchanges += 1,
            _ => {}
        }
    }
}

/// A prior-knowledge connection: the client sends the preface, then `client` in segments of
/// `batch` bytes. Returns the tally and the allocator's figures for the whole run.
fn h2c(limits: Limits, client: &[u8]) -> (Tally, alloc::Cost) {
    alloc::measure(|| {
        let mut engine = Engine::new(limits);
        let mut t = Tally::default();
        let mut packets = 0u64;
        let mut conv = TcpConversation::new(([10, 0, 0, 1], 40000), ([10, 0, 0, 2], 80), 1_700_000_000_000_000_000);
        let mut feed = |engine: &mut Engine, t: &mut Tally, ts: i64, f: &[u8]| {
            packets += 1;
            engine.packet(packets, ts, 1, f, 0, None);
            if engine.pending_events() > 256 {
                drain(engine, t);
            }
        };
        let mut out: Vec<(i64, Vec<u8>)> = Vec::new();
        conv.handshake(&mut |ts, f| out.push((ts, f.to_vec())));
        conv.send(true, PREFACE, &mut |ts, f| out.push((ts, f.to_vec())));
        conv.send(false, &frame(4, 0, 0, &[]), &mut |ts, f| out.push((ts, f.to_vec())));
        for (ts, f) in out.drain(..) {
            feed(&mut engine, &mut t, ts, &f);
        }
        for chunk in client.chunks(60_000) {
            conv.send(true, chunk, &mut |ts, f| out.push((ts, f.to_vec())));
            for (ts, f) in out.drain(..) {
                feed(&mut engine, &mut t, ts, &f);
            }
        }
        conv.close(&mut |ts, f| out.push((ts, f.to_vec())));
        for (ts, f) in out.drain(..) {
            feed(&mut engine, &mut t, ts, &f);
        }
        engine.finish();
        drain(&mut engine, &mut t);
        t
    })
}

/// A HEADERS frame without END_HEADERS, then `n` CONTINUATION frames of 1000 bytes (literal
/// header fields, never ending) and `n` empty ones.
fn continuation_flood(n: usize) -> Vec<u8> {
    let mut v = frame(1, 0, 1, &[0x82]);
    for _ in 0..n {
        v.extend(frame(9, 0, 1, &[0x40; 1000]));
        v.extend(frame(9, 0, 1, &[]));
    }
    v
}

#[test]
fn continuation_flood_is_capped() {
    let limits = Limits::default;
    let (small, c1) = h2c(limits(), &continuation_flood(1000));
    let (big, c4) = h2c(limits(), &continuation_flood(4000));
    for t in [&small, &big] {
        assert_eq!(t.count("h2.header_block_limit"), 1, "{:?}", t.findings);
        assert_eq!(t.count("h2.continuation_flood"), 1);
    }
    // Events stop at the cap (HEADERS, CONTINUATIONs up to the cap, the two SETTINGS) ...
    let cap = u64::from(limits().h2_max_continuations);
    assert_eq!(big.h2_frames, small.h2_frames);
    assert!(big.h2_frames <= cap + 4, "{}", big.h2_frames);
    // ... and the memory held does not grow with the flood: 4 MB more input, the same peak give or
    // take the TCP segment buffers (the block is kept up to h2_max_header_block, 256 KiB).
    eprintln!("continuation flood: N {c1:?} / 4N {c4:?}; frame events {} / {}", small.h2_frames, big.h2_frames);
    assert!(c4.peak < c1.peak + 256 * 1024, "N: {c1:?}, 4N: {c4:?}");
    assert!(c4.peak < 4 * 1024 * 1024, "{c4:?}");
}

#[test]
fn settings_ping_and_rst_floods_are_capped() {
    let limits = Limits::default();
    for (kind, code, payload, stream) in [
        (4u8, "h2.settings_flood", vec![0, 3, 0, 0, 0, 100], 0u32),
        (6, "h2.ping_flood", vec![7; 8], 0),
        (3, "h2.rst_flood", 8u32.to_be_bytes().to_vec(), 1),
    ] {
        let flood = |n: usize| {
            let mut v = Vec::new();
            for i in 0..n {
                let s = if stream == 0 { 0 } else { 1 + 2 * i as u32 };
                if stream != 0 {
                    // Rapid reset: open a stream, reset it at once.
                    v.extend(frame(1, 5, s, &[0x82, 0x86, 0x84]));
                }
                v.extend(frame(kind, 0, s, &payload));
            }
            v
        };
        let (small, c1) = h2c(limits.clone(), &flood(2000));
        let (big, c4) = h2c(limits.clone(), &flood(8000));
        for t in [&small, &big] {
            assert_eq!(t.count(code), 1, "{code}: {:?}", t.findings.iter().map(|f| f.code).collect::<std::collections::BTreeSet<_>>());
        }
        if stream == 0 {
            // Connection frames always show, up to the cap (1000) and the two first SETTINGS.
            assert_eq!(small.h2_frames, big.h2_frames, "{code}");
            assert!(big.h2_frames <= 1002, "{code}: {}", big.h2_frames);
        } else {
            // Reset streams are exchanges (answered by nothing), counted, not held.
            assert_eq!(big.exchanges, 8000);
            assert_eq!(big.count("h2.rst_stream"), 1, "one per error code");
        }
        eprintln!("{code}: N {c1:?} / 4N {c4:?}; frame events {} / {}", small.h2_frames, big.h2_frames);
        assert!(c4.peak < c1.peak + 512 * 1024, "{code}: N {c1:?}, 4N {c4:?}");
    }
}

#[test]
fn streams_never_closed_are_capped() {
    let limits = Limits::default();
    let streams = |n: u32| {
        let mut v = Vec::new();
        for i in 0..n {
            // HEADERS with END_HEADERS, no END_STREAM: the stream stays open.
            v.extend(frame(1, 4, 1 + 2 * i, &[0x83, 0x86, 0x84]));
            v.extend(frame(0, 0, 1 + 2 * i, b"abc"));
        }
        v
    };
    let (small, c1) = h2c(limits.clone(), &streams(1000));
    let (big, c4) = h2c(limits.clone(), &streams(4000));
    for t in [&small, &big] {
        // Found once when the cap is hit, and summed up at the end.
        assert_eq!(t.count("h2.stream_limit"), 2);
        assert_eq!(t.exchanges, limits.h2_max_streams as u64);
    }
    eprintln!("open streams: N {c1:?} / 4N {c4:?}");
    assert!(c4.peak < c1.peak + 512 * 1024, "N {c1:?}, 4N {c4:?}");
}

#[test]
fn hpack_size_update_of_2_pow_32_and_a_16_mib_frame() {
    // 0x3f then 2^32 - 31 in six octets: more than a 32-bit table size can be.
    let mut v = frame(1, 5, 1, &[0x3f, 0xe1, 0xff, 0xff, 0xff, 0x0f, 0x82]);
    // A DATA frame announcing 2^24 - 1 bytes (over SETTINGS_MAX_FRAME_SIZE), of which 100 come.
    v.extend([0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 3]);
    v.extend([0u8; 100]);
    let (t, cost) = h2c(Limits::default(), &v);
    assert_eq!(t.count("h2.hpack_error"), 1, "{:?}", t.findings);
    assert_eq!(t.count("h2.frame_size_error"), 1, "{:?}", t.findings);
    // Nothing was allocated from either length.
    assert!(cost.peak < 1024 * 1024, "{cost:?}");
}
