//! Any bytes as one TCP conversation on loopback, cut into segments both ways: reaches the HTTP,
//! WebSocket, Socket.IO and content-coding decoders far faster than whole capture files do.
//!
//! Input layout: byte 0 picks a preamble (none, a WebSocket upgrade, or one with
//! permessage-deflate; bit 0x20: a per-file decompression budget of 2 KiB, so that bodies and
//! messages past it are reached), then records of [direction and length byte][payload...] until
//! the end.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirescope::engine::Engine;
use wirescope::export::{self, json::JsonWriter, PayloadLimit};
use wirescope::model::Capture;
use wirescope::synth::TcpConversation;
use wirescope::Limits;

const UPGRADE: &[u8] = b"GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
const ACCEPT: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
const ACCEPT_DEFLATE: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=10\r\n\r\n";

fuzz_target!(|data: &[u8]| {
    let Some((&mode, mut rest)) = data.split_first() else { return };
    let mut packets: Vec<(i64, Vec<u8>)> = Vec::new();
    let mut out = |ts: i64, p: &[u8]| packets.push((ts, p.to_vec()));
    let mut conv = TcpConversation::new(([127, 0, 0, 1], 40000), ([127, 0, 0, 1], 8080), 1_000_000_000);
    conv.mss = 64;
    conv.handshake(&mut out);
    match mode % 3 {
        1 => {
            conv.send(true, UPGRADE, &mut out);
            conv.send(false, ACCEPT, &mut out);
        }
        2 => {
            conv.send(true, UPGRADE, &mut out);
            conv.send(false, ACCEPT_DEFLATE, &mut out);
        }
        _ => {}
    }
    while let Some((&ctl, tail)) = rest.split_first() {
        let n = usize::from(ctl & 0x7f).min(tail.len());
        conv.send(ctl & 0x80 == 0, &tail[..n], &mut out);
        rest = &tail[n..];
    }
    if mode & 0x80 != 0 {
        conv.reset(mode & 0x40 != 0, &mut out);
    } else if mode & 0x40 != 0 {
        conv.close(&mut out);
    }

    let budget = if mode & 0x20 != 0 { 2048 } else { 1 << 30 };
    let mut engine = Engine::new(Limits { max_decompressed: 1 << 20, max_decompressed_per_file: budget, ..Limits::default() });
    let mut cap = Capture::default();
    let mut json = Vec::new();
    let Ok(mut w) = JsonWriter::new(&mut json, PayloadLimit::All, true) else { return };
    for (i, (ts, p)) in packets.iter().enumerate() {
        engine.packet(i as u64 + 1, *ts, 1, p, 0, None);
    }
    engine.finish();
    for e in engine.drain_events() {
        let _ = w.event(&e);
        cap.apply(e);
    }
    cap.packets = engine.packets().clone();
    cap.connections = engine.connections();
    let _ = w.finish(&cap.packets, &cap.connections);
    let _ = export::text::summary("fuzz", &cap, 20);
    let _ = export::har::to_har(&cap);
});
