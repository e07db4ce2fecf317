//! Checking a sequence diagram (the JSON of `wirescope diagram`) for causality against pairs of
//! packets found without the diagram code: from tshark's packet facts (captures/expected/*.tcp.tsv)
//! or from the decoded exchanges and messages of `wirescope analyze`.

use serde_json::Value;
use std::collections::HashMap;

/// "this packet answers that one": the answer may not leave before the cause has arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair {
    pub cause: u64,
    pub answer: u64,
    pub what: &'static str,
    /// Only for packet-mode diagrams (an ACK and the data it acknowledges).
    pub packets_only: bool,
}

/// One TCP packet as tshark decoded it.
#[derive(Debug, Clone)]
pub struct Pkt {
    pub frame: u64,
    pub time: f64,
    pub stream: u64,
    pub src_port: u16,
    pub flags: u16,
    pub seq: u64,
    pub nxtseq: u64,
    pub ack: u64,
    pub len: u64,
    pub request_in: Option<u64>,
    pub opcodes: Vec<u8>,
}

pub fn read_tcp_tsv(path: &std::path::Path) -> Vec<Pkt> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let num = |i: usize| f.get(i).and_then(|s| s.split(',').next()).and_then(|s| s.parse::<u64>().ok());
            Pkt {
                frame: num(0).unwrap(),
                time: f[1].parse().unwrap(),
                stream: num(2).unwrap(),
                src_port: num(3).unwrap() as u16,
                flags: u16::from_str_radix(f[4].trim_start_matches("0x"), 16).unwrap(),
                seq: num(5).unwrap_or(0),
                nxtseq: num(6).unwrap_or(0),
                ack: num(7).unwrap_or(0),
                len: num(8).unwrap_or(0),
                request_in: num(9),
                opcodes: f.get(10).map(|s| s.split(',').filter_map(|o| o.parse().ok()).collect()).unwrap_or_default(),
            }
        })
        .collect()
}

const SYN: u16 = 0x02;
const ACK: u16 = 0x10;
const FIN: u16 = 0x01;
const RST: u16 = 0x04;

/// Causal pairs from tshark's facts, per stream: the handshake by its flags, each response and
/// the request tshark pairs it with, pong and ping, the answering close, and every ACK that
/// acknowledges new data with the latest segment that carried that data.
pub fn tshark_pairs(pkts: &[Pkt]) -> Vec<Pair> {
    let mut out = Vec::new();
    let mut streams: HashMap<u64, Vec<&Pkt>> = HashMap::new();
    for p in pkts {
        streams.entry(p.stream).or_default().push(p);
    }
    for ps in streams.values() {
        let Some(client_port) = ps.iter().find(|p| p.flags & (SYN | ACK) == SYN).map(|p| p.src_port) else { continue };
        let from_client = |p: &Pkt| p.src_port == client_port;
        let mut last_syn = None;
        let mut syn_ack = None;
        let mut third_ack_done = false;
        let mut pings: [Vec<u64>; 2] = [Vec::new(), Vec::new()];
        let mut closed: [Option<u64>; 2] = [None, None];
        let mut acked: [u64; 2] = [0, 0];
        for (i, p) in ps.iter().enumerate() {
            let side = usize::from(!from_client(p));
            if p.flags & (SYN | ACK) == SYN {
                last_syn = Some(p.frame);
            } else if p.flags & (SYN | ACK) == SYN | ACK {
                if let Some(s) = last_syn {
                    out.push(Pair { cause: s, answer: p.frame, what: "SYN-ACK answers SYN", packets_only: false });
                }
                syn_ack = Some(p.frame);
            } else if from_client(p) && p.flags & ACK != 0 && !third_ack_done && p.ack == 1 {
                if let Some(s) = syn_ack {
                    out.push(Pair { cause: s, answer: p.frame, what: "the third ACK answers SYN-ACK", packets_only: false });
                    third_ack_done = true;
                }
            }
            if let Some(q) = p.request_in {
                out.push(Pair { cause: q, answer: p.frame, what: "a response answers its request", packets_only: false });
            }
            for &op in &p.opcodes {
                match op {
                    9 => pings[side].push(p.frame),
                    10 => {
                        if let Some(q) = pings[1 - side].pop() {
                            out.push(Pair { cause: q, answer: p.frame, what: "pong answers ping", packets_only: false });
                        }
                    }
                    8 if closed[side].is_none() => {
                        closed[side] = Some(p.frame);
                        if let Some(q) = closed[1 - side] {
                            out.push(Pair {
                                cause: q,
                                answer: p.frame,
                                what: "the answering close answers the close",
                                packets_only: false,
                            });
                        }
                    }
                    _ => {}
                }
            }
            // An ACK that acknowledges new bytes answers the latest segment (from the other side)
            // that ended exactly there.
            if p.flags & ACK != 0 && p.flags & RST == 0 && p.ack > acked[side] {
                acked[side] = p.ack;
                let carried = |q: &&&Pkt| from_client(q) != from_client(p) && (q.len > 0 || q.flags & (SYN | FIN) != 0);
                if let Some(q) = ps[..i].iter().rev().filter(carried).find(|q| q.nxtseq == p.ack) {
                    out.push(Pair { cause: q.frame, answer: p.frame, what: "an ACK answers the data it acknowledges", packets_only: true });
                }
            }
        }
    }
    out
}

/// Causal pairs from `wirescope analyze --format json`: the handshake from the connection's TCP
/// events, each exchange's request and response, pong and ping, the answering close.
pub fn analysis_pairs(v: &Value) -> Vec<Pair> {
    let mut out = Vec::new();
    let u = |x: &Value| x.as_u64().unwrap();
    for c in v["connections"].as_array().unwrap() {
        let ev = c["tcp_events"].as_array().cloned().unwrap_or_default();
        let find = |k: &str| ev.iter().find(|e| e["kind"] == k).map(|e| u(&e["packet"]));
        if let (Some(sa), Some(a)) = (find("SYN-ACK"), find("ACK")) {
            if let Some(s) = ev.iter().filter(|e| e["kind"] == "SYN" && u(&e["packet"]) < sa).map(|e| u(&e["packet"])).last() {
                out.push(Pair { cause: s, answer: sa, what: "SYN-ACK answers SYN", packets_only: false });
            }
            out.push(Pair { cause: sa, answer: a, what: "the third ACK answers SYN-ACK", packets_only: false });
        }
    }
    for x in v["http"].as_array().unwrap() {
        let (q, r) = (&x["request"], &x["response"]);
        if q.is_object() && r.is_object() && u(&r["first_packet"]) > u(&q["packet"]) {
            out.push(Pair {
                cause: u(&q["packet"]),
                answer: u(&r["first_packet"]),
                what: "a response answers its request",
                packets_only: false,
            });
        }
    }
    let mut by_conn: HashMap<u64, Vec<&Value>> = HashMap::new();
    for m in v["websocket"].as_array().unwrap() {
        by_conn.entry(u(&m["connection"])).or_default().push(m);
    }
    for ms in by_conn.values() {
        let mut pings: [Vec<u64>; 2] = [Vec::new(), Vec::new()];
        let mut closed: [Option<u64>; 2] = [None, None];
        for m in ms {
            let side = usize::from(m["direction"] == "server_to_client");
            match u(&m["opcode"]) {
                9 => pings[side].push(u(&m["packet"])),
                10 => {
                    if let Some(q) = pings[1 - side].pop() {
                        out.push(Pair { cause: q, answer: u(&m["first_packet"]), what: "pong answers ping", packets_only: false });
                    }
                }
                8 if closed[side].is_none() => {
                    closed[side] = Some(u(&m["packet"]));
                    if let Some(q) = closed[1 - side] {
                        out.push(Pair {
                            cause: q,
                            answer: u(&m["first_packet"]),
                            what: "the answering close answers the close",
                            packets_only: false,
                        });
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// The arrow that carries packet `p` in a diagram.
fn carrying(arrows: &[Value], p: u64) -> Option<&Value> {
    let u = |x: &Value| x.as_u64().unwrap();
    arrows.iter().find(|a| u(&a["packet"]) <= p && p <= u(&a["last_packet"]))
}

/// Checks every pair that falls within one of the diagrams; returns how many were checked. Also
/// checks that each arrow arrives no earlier than it departs.
pub fn check(name: &str, diagrams: &[Value], pairs: &[Pair]) -> usize {
    let mut checked = 0;
    for d in diagrams {
        let arrows = d["arrows"].as_array().unwrap();
        let packets_mode = d["mode"] == "packets";
        for (i, a) in arrows.iter().enumerate() {
            let (dep, arr) = (a["depart"].as_f64().unwrap(), a["arrive"].as_f64().unwrap());
            assert!(
                dep >= -1e-9 && arr >= dep - 1e-12,
                "{name} #{} arrow {i} {}: departs {dep}, arrives {arr}",
                d["connection"],
                a["label"]
            );
        }
        for pair in pairs {
            if pair.packets_only && !packets_mode {
                continue;
            }
            let (Some(c), Some(a)) = (carrying(arrows, pair.cause), carrying(arrows, pair.answer)) else { continue };
            if std::ptr::eq(c, a) {
                continue;
            }
            let (arrive, depart) = (c["arrive"].as_f64().unwrap(), a["depart"].as_f64().unwrap());
            assert!(
                depart >= arrive - 1e-9,
                "{name} #{} ({}): {}: packet {} ({}) departs at {depart:.6} s, before packet {} ({}) arrives at {arrive:.6} s",
                d["connection"],
                d["mode"],
                pair.what,
                pair.answer,
                a["label"],
                pair.cause,
                c["label"],
            );
            checked += 1;
        }
    }
    checked
}
