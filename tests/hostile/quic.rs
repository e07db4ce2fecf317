//! QUIC Initial packets built to break or cost (issue 13): truncated long headers, Length fields
//! past the datagram, CRYPTO frames at far-out offsets and in huge numbers, frames an Initial may
//! not carry, versions without keys. No panic, memory bounded (the counting allocator), and a
//! finding for each. The protected packets are sealed here with ring (AES-128-GCM and the AES
//! header-protection mask, RFC 9001 §5.3-5.4) from the RFC 9001 A.1 keys of their DCID.

use super::alloc;
use etherparse::PacketBuilder;
use ring::aead;
use wirescope::model::{Capture, Protocol};
use wirescope::proto::quic::{initial_material, V1};
use wirescope::{Engine, Limits};

const DCID: [u8; 8] = [0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08];

/// One UDP datagram from the client (port `sport`) to 443, in an Ethernet frame.
fn udp(sport: u16, payload: &[u8]) -> Vec<u8> {
    let b = PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]).ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64).udp(sport, 443);
    let mut v = Vec::with_capacity(b.size(payload.len()));
    b.write(&mut v, payload).unwrap();
    v
}

/// A client Initial (QUIC v1, packet number `pn` in 4 bytes) carrying `frames`, padded to 1200
/// bytes, protected with the client keys of DCID.
fn initial(pn: u32, frames: &[u8]) -> Vec<u8> {
    initial_to(&DCID, pn, frames)
}

/// [`initial`] to another DCID (its keys come from it).
fn initial_to(dcid: &[u8; 8], pn: u32, frames: &[u8]) -> Vec<u8> {
    let (_, c, _) = initial_material(V1, dcid).unwrap();
    let mut plain = frames.to_vec();
    let room = 1200usize.saturating_sub(1 + 4 + 1 + 8 + 1 + 1 + 2 + 4 + 16);
    if plain.len() < room {
        plain.resize(room, 0);
    }
    let len = 4 + plain.len() + 16;
    assert!(len < 0x4000);
    let mut out = vec![0xc3];
    out.extend_from_slice(&V1.to_be_bytes());
    out.push(8);
    out.extend_from_slice(dcid);
    out.push(0); // SCID
    out.push(0); // token length
    out.extend_from_slice(&(0x4000 | len as u16).to_be_bytes());
    let pn_offset = out.len();
    out.extend_from_slice(&pn.to_be_bytes());
    let key = aead::LessSafeKey::new(aead::UnboundKey::new(&aead::AES_128_GCM, &c.key).unwrap());
    let mut nonce: [u8; 12] = c.iv.as_slice().try_into().unwrap();
    for (n, b) in nonce[4..].iter_mut().zip(u64::from(pn).to_be_bytes()) {
        *n ^= b;
    }
    key.seal_in_place_append_tag(aead::Nonce::assume_unique_for_key(nonce), aead::Aad::from(&out[..]), &mut plain).unwrap();
    out.extend_from_slice(&plain);
    let hp = aead::quic::HeaderProtectionKey::new(&aead::quic::AES_128, &c.hp).unwrap();
    let mask = hp.new_mask(&out[pn_offset + 4..pn_offset + 20]).unwrap();
    out[0] ^= mask[0] & 0x0f;
    for i in 0..4 {
        out[pn_offset + i] ^= mask[1 + i];
    }
    out
}

fn varint(v: u64, out: &mut Vec<u8>) {
    match v {
        0..=0x3f => out.push(v as u8),
        0x40..=0x3fff => out.extend_from_slice(&(0x4000 | v as u16).to_be_bytes()),
        0x4000..=0x3fff_ffff => out.extend_from_slice(&(0x8000_0000 | v as u32).to_be_bytes()),
        _ => out.extend_from_slice(&(0xc000_0000_0000_0000 | v).to_be_bytes()),
    }
}

fn crypto(offset: u64, data: &[u8], out: &mut Vec<u8>) {
    out.push(0x06);
    varint(offset, out);
    varint(data.len() as u64, out);
    out.extend_from_slice(data);
}

fn run_with(limits: Limits, datagrams: &[Vec<u8>]) -> Capture {
    let mut e = Engine::new(limits);
    let mut cap = Capture::default();
    for (i, f) in datagrams.iter().enumerate() {
        e.packet(i as u64 + 1, 1_700_000_000_000_000_000 + i as i64 * 1000, 1, f, 0, None);
        for ev in e.drain_events() {
            cap.apply(ev);
        }
    }
    e.finish();
    for ev in e.drain_events() {
        cap.apply(ev);
    }
    cap.connections = e.connections();
    cap
}

fn codes(cap: &Capture) -> Vec<&'static str> {
    cap.findings.iter().map(|f| f.code).collect()
}

#[test]
fn a_sealed_initial_is_read() {
    // The test's own sealing is right: a ClientHello-less CRYPTO frame decrypts and is counted.
    let mut f = Vec::new();
    crypto(0, b"\x01\x00\x00\x02hi", &mut f);
    let cap = run_with(Limits::default(), &[udp(50000, &initial(0, &f))]);
    let q = cap.connections[0].quic.as_ref().unwrap();
    assert_eq!((q.initial_packets_client_to_server, q.initials_decrypted), (1, 1));
    assert!(codes(&cap).contains(&"quic.bad_hello"), "{:?}", cap.findings);
}

#[test]
fn truncated_long_headers_are_findings_on_every_cut() {
    let whole = initial(0, &[0x01]);
    // Cuts inside the header and the Length, each datagram its own flow (another source port).
    let datagrams: Vec<Vec<u8>> = (1..60).map(|cut| udp(40000 + cut as u16, &whole[..cut])).collect();
    let cap = run_with(Limits::default(), &datagrams);
    let quic = cap.connections.iter().filter(|c| c.protocol == Protocol::Quic).count();
    assert_eq!(quic, 59);
    let malformed = cap.findings.iter().filter(|f| f.code == "quic.malformed").count();
    // A cut before the packet number leaves a header that cannot be read: every one is a finding.
    assert!(malformed >= 20, "{malformed}: {:?}", codes(&cap));
    assert!(cap.connections.iter().all(|c| c.quic.as_ref().unwrap().initials_decrypted == 0));
}

#[test]
fn a_length_past_the_datagram_is_a_finding() {
    let mut p = initial(0, &[0x01]);
    // The 2-byte Length at offset 16 says 0x3fff bytes; the datagram has 1200.
    p[16] = 0x7f;
    p[17] = 0xff;
    let cap = run_with(Limits::default(), &[udp(50001, &p)]);
    let f: Vec<_> = cap.findings.iter().filter(|f| f.code == "quic.malformed").collect();
    assert_eq!(f.len(), 1, "{:?}", cap.findings);
    assert!(f[0].message.contains("Length"), "{}", f[0].message);
}

#[test]
fn crypto_far_out_is_a_finding_and_costs_nothing() {
    let mut f = Vec::new();
    crypto((1 << 62) - 2, b"x", &mut f);
    crypto(1 << 40, &[7; 100], &mut f);
    let datagrams: Vec<Vec<u8>> = (0..50).map(|i| udp(50002, &initial(i, &f))).collect();
    let (cap, cost) = alloc::measure(|| run_with(Limits::default(), &datagrams));
    assert_eq!(cap.findings.iter().filter(|f| f.code == "quic.crypto_limit").count(), 1, "{:?}", cap.findings);
    assert_eq!(cap.connections[0].quic.as_ref().unwrap().initials_decrypted, 50);
    assert!(cost.peak < 256 * 1024, "{cost:?}");
}

#[test]
fn huge_crypto_frame_counts_are_bounded() {
    // Each packet: 300 one-byte CRYPTO frames, all ahead of a hole at offset 0, at offsets that
    // differ from packet to packet; 200 packets are 60 000 fragments offered.
    let limits = Limits::default();
    let datagrams: Vec<Vec<u8>> = (0..200u32)
        .map(|i| {
            let mut f = Vec::new();
            for k in 0..300u64 {
                crypto(1 + u64::from(i) * 300 + k, b"z", &mut f);
            }
            udp(50003, &initial(i, &f))
        })
        .collect();
    let (cap, cost) = alloc::measure(|| run_with(limits.clone(), &datagrams));
    let q = cap.connections[0].quic.as_ref().unwrap();
    assert_eq!(q.initials_decrypted, 200);
    assert!(!q.client_hello);
    assert_eq!(cap.findings.iter().filter(|f| f.code == "quic.crypto_limit").count(), 1, "{:?}", codes(&cap));
    // At most max_quic_crypto_fragments fragments of one byte each, plus one datagram's scratch.
    assert!(cost.peak < 512 * 1024, "{cost:?}");
    // The same frames with the fragment cap at 10: still one finding, less held.
    let small = Limits { max_quic_crypto_fragments: 10, ..limits };
    let cap = run_with(small, &datagrams[..1]);
    assert_eq!(codes(&cap), ["quic.crypto_limit"]);
}

#[test]
fn frames_an_initial_may_not_carry_and_bad_tags_and_unknown_versions_are_findings() {
    // A STREAM frame (0x08) in an Initial.
    let stream = initial(0, &[0x08, 0x00, 0x01, b'x']);
    // A ciphertext byte flipped: the tag fails.
    let mut bad_tag = initial(0, &[0x01]);
    bad_tag[700] ^= 0x80;
    // A version without keys (a reserved one, RFC 9000 §15), 1200 bytes, on port 443.
    let mut unknown = vec![0xc0, 0x1a, 0x2a, 0x3a, 0x4a, 8];
    unknown.extend_from_slice(&DCID);
    unknown.resize(1200, 0);
    let cap = run_with(Limits::default(), &[udp(50004, &stream), udp(50005, &bad_tag), udp(50006, &unknown)]);
    let by_conn = |port: &str| {
        let c = cap.connections.iter().find(|c| c.client.ends_with(port)).unwrap();
        cap.findings.iter().filter(|f| f.connection == Some(c.id)).map(|f| f.code).collect::<Vec<_>>()
    };
    assert_eq!(by_conn(":50004"), ["quic.bad_frame"]);
    assert_eq!(by_conn(":50005"), ["quic.decrypt_failed"]);
    assert_eq!(by_conn(":50006"), ["quic.unknown_version"]);
}

#[test]
fn random_datagrams_on_443_never_panic() {
    // A deterministic xorshift stream of long-header-looking datagrams of every size to 1300.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let datagrams: Vec<Vec<u8>> = (0..400)
        .map(|i| {
            let n = (next() % 1300) as usize + 1;
            let mut d: Vec<u8> = (0..n).map(|_| next() as u8).collect();
            d[0] |= 0xc0;
            if i % 2 == 0 && d.len() > 5 {
                d[1..5].copy_from_slice(&V1.to_be_bytes());
            }
            udp(30000 + (i % 7) as u16, &d)
        })
        .collect();
    let (cap, cost) = alloc::measure(|| run_with(Limits::default(), &datagrams));
    assert_eq!(cap.connections.len(), 7);
    assert!(cost.peak < 1 << 20, "{cost:?}");
}

#[test]
fn a_thousand_quic_flows_that_never_finish_cost_little() {
    // One client Initial each (a ClientHello-less CRYPTO frame), from 1000 ports: each flow keeps
    // its Initial keys while it waits for a ServerHello.
    let mut f = Vec::new();
    crypto(0, b"\x01\x00\x01\x00", &mut f);
    let one = initial(0, &f);
    let datagrams: Vec<Vec<u8>> = (0..1000u16).map(|i| udp(20000 + i, &one)).collect();
    let (e, cost) = alloc::measure(|| {
        let mut e = Engine::new(Limits::default());
        for (i, d) in datagrams.iter().enumerate() {
            e.packet(i as u64 + 1, 1_700_000_000_000_000_000 + i as i64 * 1000, 1, d, 0, None);
            e.drain_events().for_each(drop);
        }
        e
    });
    assert_eq!(e.connection_count(), 1000);
    let per_flow = cost.held / 1000;
    eprintln!("QUIC flow waiting for its ServerHello: {per_flow} bytes held ({cost:?})");
    assert!(per_flow < 4096, "{per_flow} bytes per flow");
}

/// A bare TLS ClientHello (RFC 8446 §4.1.2) with one extension, server_name `name`.
fn client_hello(name: &str) -> Vec<u8> {
    let mut sni = vec![0];
    sni.extend_from_slice(&(name.len() as u16).to_be_bytes());
    sni.extend_from_slice(name.as_bytes());
    let mut ext = vec![0, 0];
    ext.extend_from_slice(&(sni.len() as u16 + 2).to_be_bytes());
    ext.extend_from_slice(&(sni.len() as u16).to_be_bytes());
    ext.extend(sni);
    let mut body = vec![3, 3];
    body.extend_from_slice(&[7; 32]);
    body.extend_from_slice(&[0, 0, 2, 0x13, 0x01, 1, 0]);
    body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    body.extend(ext);
    let mut m = vec![1];
    m.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    m.extend(body);
    m
}

#[test]
fn after_a_retry_the_new_dcid_brings_new_keys_once() {
    // The client's first Initial (DCID A) is answered with a Retry whose SCID is B; the client
    // sends its ClientHello again to B, sealed with B's keys (RFC 9001 §5.2), then one more
    // Initial still sealed with B's keys though it goes to the server's new CID C.
    let a = DCID;
    let b = [0xb0; 8];
    let c = [0xc0; 8];
    let mut hello = Vec::new();
    crypto(0, &client_hello("after.retry"), &mut hello);
    let first = initial_to(&a, 0, &hello);
    let mut retry = vec![0xf0];
    retry.extend_from_slice(&V1.to_be_bytes());
    retry.push(0);
    retry.push(8);
    retry.extend_from_slice(&b);
    retry.extend_from_slice(b"token");
    retry.extend_from_slice(&[0x55; 16]);
    let second = initial_to(&b, 1, &hello);
    let mut third = initial_to(&b, 2, &[0x01]);
    third[6..14].copy_from_slice(&c); // the DCID is not protected: readdress it to C
    let server = |payload: &[u8]| {
        let bd = PacketBuilder::ethernet2([2, 0, 0, 0, 0, 2], [2, 0, 0, 0, 0, 1]).ipv4([10, 0, 0, 2], [10, 0, 0, 1], 64).udp(443, 50010);
        let mut v = Vec::new();
        bd.write(&mut v, payload).unwrap();
        v
    };
    let cap = run_with(Limits::default(), &[udp(50010, &first), server(&retry), udp(50010, &second), udp(50010, &third)]);
    let conn = &cap.connections[0];
    let q = conn.quic.as_ref().unwrap();
    assert!(q.retry && q.client_hello, "{q:?} {:?}", cap.findings);
    assert_eq!(conn.tls.as_ref().unwrap().sni.as_deref(), Some("after.retry"));
    assert_eq!(q.server_cid.as_deref(), Some("b0b0b0b0b0b0b0b0"));
    // The first Initial opened with A's keys and the second with B's; the third is not opened
    // (the ClientHello is read) and, above all, C brings no new keys: no decrypt_failed.
    assert_eq!((q.initial_packets_client_to_server, q.initials_decrypted), (3, 2));
    assert!(cap.findings.is_empty(), "{:?}", cap.findings);
}
