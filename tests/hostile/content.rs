//! Content coding, WebSocket and Socket.IO under attack: length fields that lie, a per-file
//! decompression budget, floods of tiny messages.

use wirescope::synth::{ws_frame, TcpConversation};

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
    let mut w = wirescope::export::pcap_writer::PcapWriter::new(file, 1).unwrap();
    ping_flood(n, answer, &mut |ts, p| w.packet(ts, p).unwrap());
    w.flush().unwrap();
    std::io::stdout().flush().unwrap();
}
