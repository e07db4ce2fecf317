//! The TLS layer: a [`StreamDecoder`] that reads a connection's records, takes the hello
//! messages' SNI, ALPN, version, suite and randoms, and with the connection's secrets from the
//! key log decrypts its records and hands the application data to an inner decoder (HTTP/1,
//! HTTP/2, WebSocket), as the engine hands it TCP's bytes. Each direction goes on alone: a record
//! too long, a gap, a key missing or wrong stops that direction (one finding each) and the
//! connection stays shown as encrypted.

use super::decrypt::{self, HandshakeReader, Message, RecordHeader, MAX_CIPHERTEXT};
use super::keylog::{Secret, Secrets};
use super::session::{self, RecordKey};
use crate::model::{nanos_to_secs, Dir, Event, Nanos, PacketNo, PerDir, Protocol, Severity, TlsInfo, TlsRecord};
use crate::proto::{Figures, Finish, Shared, Sink, StreamBuf, StreamDecoder};

/// Makes the decoder of what TLS carries, from the protocol ALPN chose.
pub type MakeInner = fn(&Shared, alpn: Option<&str>) -> Box<dyn StreamDecoder>;

/// Handovers one `process` call follows at most (a decoder handing over to itself forever
/// cannot loop).
const MAX_HANDOVERS: usize = 8;

/// Why a direction is not decrypted (each reported once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// No key log entry (or no secret for this direction), or no ServerHello to derive from.
    NoKey,
    Unsupported,
    DecryptFailed,
    TooLong,
    NotTls,
    Gap,
}

/// Where one direction's record protection is.
#[derive(Default)]
struct Side {
    hs: HandshakeReader,
    /// The key records are read with now.
    key: Option<RecordKey>,
    /// TLS 1.2: a ChangeCipherSpec went this way (the records after it are encrypted).
    ccs: bool,
    /// TLS 1.3: the Finished went this way (the application secret follows).
    finished: bool,
    stop: Option<Stop>,
    /// An undecryptable record was met (with a key log given but no key): records are skipped.
    skipping: bool,
    /// Records can no longer be framed (a gap, bytes not TLS, a record too long): the rest of
    /// the direction is dropped.
    unframed: bool,
    /// Records decrypted.
    decrypted: u64,
}

/// A TLS connection: record layer, decryption, and the decoder of what it carries.
pub struct TlsLayer {
    shared: Shared,
    make_inner: MakeInner,
    info: TlsInfo,
    client_random: Option<[u8; 32]>,
    server: Option<super::ServerHello>,
    sides: PerDir<Side>,
    inner: Option<Box<dyn StreamDecoder>>,
    inner_bufs: PerDir<StreamBuf>,
    inner_ended: PerDir<bool>,
    /// A record's body, copied to be decrypted in place.
    scratch: Vec<u8>,
    messages: Vec<Message>,
}

impl TlsLayer {
    pub fn new(shared: Shared, make_inner: MakeInner) -> Self {
        TlsLayer {
            shared,
            make_inner,
            info: TlsInfo::default(),
            client_random: None,
            server: None,
            sides: PerDir::default(),
            inner: None,
            inner_bufs: PerDir::default(),
            inner_ended: PerDir::default(),
            scratch: Vec::new(),
            messages: Vec::new(),
        }
    }

    /// What is known of the connection's TLS so far.
    pub fn info(&self) -> &TlsInfo {
        &self.info
    }

    fn tls13(&self) -> bool {
        self.server.as_ref().is_some_and(|s| s.version == 0x0304)
    }

    /// Stops decrypting `dir`, with the finding saying why (once per direction).
    fn stop(&mut self, dir: Dir, why: Stop, packet: PacketNo, message: String, sink: &mut Sink) {
        let side = &mut self.sides[dir];
        if side.stop.is_some() {
            return;
        }
        side.stop = Some(why);
        side.key = None;
        let (code, severity) = match why {
            Stop::NoKey => ("tls.no_key", Severity::Info),
            Stop::Unsupported => ("tls.unsupported_suite", Severity::Info),
            Stop::DecryptFailed => ("tls.decrypt_failed", Severity::Warning),
            Stop::TooLong => ("tls.record_too_long", Severity::Error),
            Stop::NotTls => ("tls.bad_record", Severity::Warning),
            Stop::Gap => ("tls.gap", Severity::Warning),
        };
        sink.finding(packet, severity, code, format!("{} {message}", dir_name(dir)));
    }

    /// The key log's secrets for this connection, if a key log was given and has them.
    /// `Err(true)`: a key log is given but has no entry; `Err(false)`: no key log at all.
    fn secrets(&self) -> Result<Secrets, bool> {
        let Ok(log) = self.shared.keys.read() else { return Err(false) };
        if log.is_empty() {
            return Err(false);
        }
        self.client_random.and_then(|cr| log.get(&cr).copied()).ok_or(true)
    }

    /// Sets up `dir`'s key for its first protected record. False: the direction is not
    /// decrypted (reported, or silent when no key log was given at all).
    fn install_key(&mut self, dir: Dir, packet: PacketNo, sink: &mut Sink) -> bool {
        let Some(hello) = self.server.clone() else {
            self.stop(
                dir,
                Stop::NoKey,
                packet,
                "records are encrypted but the ServerHello (its random and suite) was not captured: they cannot be decrypted".into(),
                sink,
            );
            return false;
        };
        let secrets = match self.secrets() {
            Ok(s) => s,
            Err(given) => {
                if given {
                    let cr = self.client_random.map_or_else(|| "(ClientHello not captured)".into(), |c| hex(&c));
                    self.stop(
                        dir,
                        Stop::NoKey,
                        packet,
                        format!("records cannot be decrypted: the key log has no secrets for client random {cr}"),
                        sink,
                    );
                } else {
                    self.sides[dir].skipping = true;
                }
                return false;
            }
        };
        let Some(suite) = session::suite(hello.cipher_suite).filter(|s| s.tls13 == (hello.version == 0x0304)) else {
            let name = session::suite_name(hello.cipher_suite);
            self.stop(
                dir,
                Stop::Unsupported,
                packet,
                format!("records use {name}, which is not decrypted (AES-GCM and ChaCha20-Poly1305 suites are)"),
                sink,
            );
            return false;
        };
        let client = dir == Dir::ClientToServer;
        let key = if suite.tls13 {
            let s: Option<Secret> = match (client, self.sides[dir].finished) {
                (true, false) => secrets.client_handshake,
                (false, false) => secrets.server_handshake,
                (true, true) => secrets.client_traffic,
                (false, true) => secrets.server_traffic,
            };
            s.and_then(|s| RecordKey::tls13(suite, s))
        } else {
            match (secrets.master, self.client_random) {
                (Some(m), Some(cr)) => RecordKey::tls12(suite, m.bytes(), &cr, &hello.random, client),
                _ => None,
            }
        };
        match key {
            Some(k) => {
                self.sides[dir].key = Some(k);
                true
            }
            None => {
                let what = if suite.tls13 { "this direction's traffic secret" } else { "CLIENT_RANDOM (the master secret)" };
                self.stop(
                    dir,
                    Stop::NoKey,
                    packet,
                    format!("records cannot be decrypted: the key log has no {what} for this connection"),
                    sink,
                );
                false
            }
        }
    }

    /// Reads the complete records buffered in `dir`. Returns whether any was consumed.
    fn records(&mut self, dir: Dir, buf: &mut StreamBuf, other_ended: bool, sink: &mut Sink) -> bool {
        let mut progress = false;
        loop {
            if self.sides[dir].unframed {
                // Nothing more can be framed in this direction.
                let n = buf.len();
                buf.consume(n);
                return progress || n > 0;
            }
            let Some(h) = RecordHeader::parse(buf.bytes()) else { return progress };
            let at = buf.offset();
            let (first_packet, _) = buf.packet_at(at);
            if !h.plausible() {
                let msg = format!("bytes at stream offset {at} are not a TLS record (content type {}, version 0x{:04x}): the rest of this direction is not read", h.content_type, h.version);
                self.stop(dir, Stop::NotTls, first_packet, msg, sink);
                self.sides[dir].unframed = true;
                continue;
            }
            if h.len > MAX_CIPHERTEXT {
                let msg = format!(
                    "record of {} bytes is longer than 2^14 + 256 (RFC 8446 §5.2, RFC 5246 §6.2.3): the rest of this direction is not read",
                    h.len
                );
                self.stop(dir, Stop::TooLong, first_packet, msg, sink);
                self.sides[dir].unframed = true;
                continue;
            }
            let total = 5 + h.len;
            if buf.len() < total {
                return progress;
            }
            let protected = h.content_type == decrypt::APPLICATION_DATA
                || (self.sides[dir].ccs && h.content_type != decrypt::CHANGE_CIPHER_SPEC && !self.tls13());
            // Keys need the ServerHello: wait for it while the other direction may still bring it.
            if protected && self.server.is_none() && !other_ended && buf.len() <= self.shared.limits.max_tls_wait {
                return progress;
            }
            let (last_packet, last_ts) = buf.packet_at(at + total as u64 - 1);
            self.scratch.clear();
            self.scratch.extend_from_slice(buf.bytes().get(5..total).unwrap_or(&[]));
            buf.consume(total);
            progress = true;
            let at_rec = RecordAt { dir, first: first_packet, last: last_packet, ts: last_ts, content_type: h.content_type, len: h.len };
            if !protected {
                let first_msg = if h.content_type == decrypt::HANDSHAKE { self.scratch.first().copied() } else { None };
                self.record_event(&at_rec, first_msg, None, sink);
                match h.content_type {
                    decrypt::CHANGE_CIPHER_SPEC => self.sides[dir].ccs = true,
                    decrypt::HANDSHAKE => {
                        let data = std::mem::take(&mut self.scratch);
                        self.handshake(dir, &data, first_packet, sink);
                        self.scratch = data;
                    }
                    _ => {}
                }
                continue;
            }
            let side = &self.sides[dir];
            if side.stop.is_some() || side.skipping {
                self.record_event(&at_rec, None, None, sink);
                continue;
            }
            if side.key.is_none() && !self.install_key(dir, first_packet, sink) {
                self.record_event(&at_rec, None, None, sink);
                continue;
            }
            let Some(key) = self.sides[dir].key.as_mut() else { continue };
            let mut body = std::mem::take(&mut self.scratch);
            let opened = key.open(h.raw, &mut body);
            let plain = opened.as_ref().ok().map(|(ty, range)| (*ty, u32::try_from(range.len()).unwrap_or(u32::MAX)));
            self.record_event(&at_rec, None, plain, sink);
            match opened {
                Err(e) => {
                    let why = match e {
                        session::OpenError::BadTag => {
                            "the authentication tag does not match: a wrong key in the key log, or a damaged record"
                        }
                        session::OpenError::TooShort => "the record is shorter than its nonce and tag",
                        session::OpenError::NoContentType => "the plaintext has no content type (all padding)",
                    };
                    self.stop(
                        dir,
                        Stop::DecryptFailed,
                        first_packet,
                        format!("record could not be decrypted: {why}; the rest of this direction is not decrypted"),
                        sink,
                    );
                }
                Ok((ty, range)) => {
                    self.sides[dir].decrypted += 1;
                    let plain = body.get(range).unwrap_or(&[]);
                    match ty {
                        decrypt::APPLICATION_DATA => {
                            self.info.decrypted = true;
                            if self.inner.is_none() {
                                let alpn = self.server.as_ref().and_then(|s| s.alpn.clone());
                                self.inner = Some((self.make_inner)(&self.shared, alpn.as_deref()));
                            }
                            if !self.inner_ended[dir] {
                                self.inner_bufs[dir].push(plain, last_packet, last_ts);
                            }
                        }
                        decrypt::HANDSHAKE => {
                            let plain = plain.to_vec();
                            self.handshake(dir, &plain, first_packet, sink);
                        }
                        _ => {}
                    }
                }
            }
            self.scratch = body;
        }
    }

    /// The record as an event for the ladder (with frame events on): type and size as anyone sees
    /// them, and the plaintext's when it was opened.
    fn record_event(&self, r: &RecordAt, handshake: Option<u8>, plaintext: Option<(u8, u32)>, sink: &mut Sink) {
        if !self.shared.limits.frame_events {
            return;
        }
        sink.event(Event::TlsRecord(Box::new(TlsRecord {
            connection: sink.conn,
            direction: r.dir,
            packet: r.last,
            first_packet: r.first,
            time: nanos_to_secs(r.ts),
            content_type: r.content_type,
            len: u32::try_from(r.len).unwrap_or(u32::MAX),
            handshake,
            plaintext,
        })));
    }

    /// Handshake bytes of `dir` (plaintext, or decrypted).
    fn handshake(&mut self, dir: Dir, data: &[u8], packet: PacketNo, sink: &mut Sink) {
        let mut msgs = std::mem::take(&mut self.messages);
        self.sides[dir].hs.feed(data, self.shared.limits.max_tls_handshake, &mut msgs);
        let mut new_keys = None;
        for m in msgs.drain(..) {
            if m.too_long {
                let msg = format!(
                    "{} handshake message of type {} is {} bytes, more than max_tls_handshake ({}): it is not read",
                    dir_name(dir),
                    m.msg_type,
                    m.len,
                    self.shared.limits.max_tls_handshake
                );
                sink.finding(packet, Severity::Warning, "tls.handshake_too_long", msg);
                continue;
            }
            match (m.msg_type, dir, m.body) {
                (1, Dir::ClientToServer, Some(body)) => {
                    if let Some(random) = super::client_hello_body(&body, &mut self.info) {
                        self.client_random = Some(random);
                    }
                }
                (2, Dir::ServerToClient, Some(body)) => {
                    if let Some(h) = super::server_hello_body(&body) {
                        self.info.version = Some(super::version_name(h.version));
                        self.info.cipher_suite = Some(session::suite_name(h.cipher_suite));
                        if h.random != super::HELLO_RETRY_RANDOM {
                            self.server = Some(h);
                        }
                    }
                }
                (8, Dir::ServerToClient, Some(body)) => {
                    if let (Some(alpn), Some(s)) = (super::encrypted_extensions_alpn(&body), self.server.as_mut()) {
                        s.alpn = Some(alpn);
                    }
                }
                // Finished (TLS 1.3): the application traffic secret protects what follows.
                (20, _, _) if self.tls13() => new_keys = Some(false),
                // KeyUpdate: the next traffic secret.
                (24, _, _) if self.tls13() => new_keys = Some(true),
                _ => {}
            }
        }
        self.messages = msgs;
        match new_keys {
            Some(false) => {
                let side = &mut self.sides[dir];
                side.finished = true;
                side.key = None;
                if side.stop.is_none() && !side.skipping {
                    self.install_key(dir, packet, sink);
                }
            }
            Some(true) => {
                if let Some(k) = self.sides[dir].key.as_mut() {
                    if k.update().is_none() {
                        self.stop(dir, Stop::DecryptFailed, packet, "KeyUpdate: the next traffic secret could not be derived".into(), sink);
                    }
                }
            }
            None => {}
        }
    }

    /// Runs the inner decoder over what was decrypted, following its handovers.
    fn run_inner(&mut self, sink: &mut Sink) {
        for _ in 0..MAX_HANDOVERS {
            let Some(inner) = self.inner.as_mut() else { return };
            match inner.process(&mut self.inner_bufs, self.inner_ended.clone(), sink) {
                Some(next) => self.inner = Some(next),
                None => return,
            }
        }
    }

    /// A record left part way at the end of `dir`: one finding.
    fn truncated(&mut self, dir: Dir, buf: &StreamBuf, sink: &mut Sink) {
        if buf.is_empty() || self.sides[dir].unframed {
            return;
        }
        let (packet, _) = buf.packet_at(buf.offset());
        let need = RecordHeader::parse(buf.bytes()).map_or(5, |h| 5 + h.len);
        let msg = format!("{} ended inside a TLS record: {} of its {need} bytes were captured", dir_name(dir), buf.len());
        sink.finding(packet, Severity::Warning, "tls.truncated_record", msg);
    }
}

/// Where a record was and what its header said, for [`TlsLayer::record_event`].
struct RecordAt {
    dir: Dir,
    first: PacketNo,
    last: PacketNo,
    ts: Nanos,
    content_type: u8,
    len: usize,
}

fn dir_name(dir: Dir) -> &'static str {
    match dir {
        Dir::ClientToServer => "client → server:",
        Dir::ServerToClient => "server → client:",
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl StreamDecoder for TlsLayer {
    fn protocol(&self) -> Protocol {
        Protocol::Tls
    }

    fn process(&mut self, bufs: &mut PerDir<StreamBuf>, ended: PerDir<bool>, sink: &mut Sink) -> Option<Box<dyn StreamDecoder>> {
        // Both directions in turn until neither moves: a direction waiting for the ServerHello
        // goes on once the other has brought it. Each turn consumes a record or stops.
        loop {
            let mut progress = false;
            for dir in Dir::BOTH {
                let other = ended[dir.flip()];
                progress |= self.records(dir, &mut bufs[dir], other, sink);
            }
            if !progress {
                break;
            }
        }
        self.run_inner(sink);
        None
    }

    fn gap(&mut self, dir: Dir, len: u64, packet: PacketNo, buf: &mut StreamBuf, sink: &mut Sink) {
        // What was buffered is read first (complete records before the gap are good).
        let other = self.inner_ended[dir.flip()];
        self.records(dir, buf, other, sink);
        buf.skip_gap(len);
        if !self.sides[dir].unframed && self.secrets() != Err(false) {
            let msg = format!(
                "{len} bytes were not captured: records cannot be framed or decrypted past them, the rest of this direction is not read"
            );
            self.stop(dir, Stop::Gap, packet, msg, sink);
        }
        self.sides[dir].unframed = true;
        if let Some(inner) = self.inner.as_mut() {
            inner.gap(dir, len, packet, &mut self.inner_bufs[dir], sink);
        }
    }

    fn end(&mut self, dir: Dir, buf: &mut StreamBuf, sink: &mut Sink) {
        // Records waiting for the ServerHello wait no more.
        self.records(dir, buf, true, sink);
        self.truncated(dir, buf, sink);
        let n = buf.len();
        buf.consume(n);
        self.inner_ended[dir] = true;
        self.run_inner(sink);
        if let Some(inner) = self.inner.as_mut() {
            inner.end(dir, &mut self.inner_bufs[dir], sink);
        }
    }

    fn finish(&mut self, bufs: &mut PerDir<StreamBuf>, at: Finish, sink: &mut Sink) {
        for dir in Dir::BOTH {
            if !self.inner_ended[dir] {
                self.records(dir, &mut bufs[dir], true, sink);
                self.truncated(dir, &bufs[dir], sink);
            }
        }
        self.run_inner(sink);
        if let Some(inner) = self.inner.as_mut() {
            inner.finish(&mut self.inner_bufs, at, sink);
        }
    }

    fn figures(&self, f: &mut Figures) {
        if let Some(inner) = &self.inner {
            inner.figures(f);
        }
        if !self.info.decrypted || f.protocol.is_none() {
            f.protocol = Some(Protocol::Tls);
        }
        f.tls = Some(self.info.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Event;
    use crate::proto::Output;
    use ring::aead;

    const CR: [u8; 32] = [1; 32];
    const SR: [u8; 32] = [2; 32];
    const C_HS: [u8; 32] = [3; 32];
    const S_HS: [u8; 32] = [4; 32];
    const C_AP: [u8; 32] = [5; 32];
    const S_AP: [u8; 32] = [6; 32];

    fn record(ty: u8, body: &[u8]) -> Vec<u8> {
        let mut r = vec![ty, 3, 3];
        r.extend_from_slice(&(body.len() as u16).to_be_bytes());
        r.extend_from_slice(body);
        r
    }

    fn msg(ty: u8, body: &[u8]) -> Vec<u8> {
        let mut m = vec![ty];
        m.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        m.extend_from_slice(body);
        m
    }

    fn client_hello() -> Vec<u8> {
        let mut b = vec![3, 3];
        b.extend_from_slice(&CR);
        b.extend_from_slice(&[0, 0, 2, 0x13, 0x01, 1, 0, 0, 0]);
        record(22, &msg(1, &b))
    }

    fn server_hello() -> Vec<u8> {
        let mut b = vec![3, 3];
        b.extend_from_slice(&SR);
        b.extend_from_slice(&[0, 0x13, 0x01, 0]);
        b.extend_from_slice(&[0, 6, 0, 43, 0, 2, 3, 4]);
        record(22, &msg(2, &b))
    }

    /// A TLS 1.3 record sealed with ring under `secret` (TLS_AES_128_GCM_SHA256) at `seq`.
    fn sealed(secret: &[u8], seq: u64, ty: u8, plain: &[u8]) -> Vec<u8> {
        let (mut key, mut iv) = ([0u8; 16], [0u8; 12]);
        session::expand_label(session::Hash::Sha256, secret, b"key", b"", &mut key).unwrap();
        session::expand_label(session::Hash::Sha256, secret, b"iv", b"", &mut iv).unwrap();
        for (b, s) in iv[4..].iter_mut().zip(seq.to_be_bytes()) {
            *b ^= s;
        }
        let mut inner = plain.to_vec();
        inner.push(ty);
        inner.extend_from_slice(&[0; 3]); // padding
        let len = (inner.len() + 16) as u16;
        let header = [23, 3, 3, (len >> 8) as u8, len as u8];
        let k = aead::LessSafeKey::new(aead::UnboundKey::new(&aead::AES_128_GCM, &key).unwrap());
        k.seal_in_place_append_tag(aead::Nonce::assume_unique_for_key(iv), aead::Aad::from(header), &mut inner).unwrap();
        let mut r = header.to_vec();
        r.extend(inner);
        r
    }

    fn finished() -> Vec<u8> {
        msg(20, &[9; 32])
    }

    fn keylog(c_ap: &[u8; 32]) -> String {
        let h = |b: &[u8]| hex(b);
        format!(
            "CLIENT_HANDSHAKE_TRAFFIC_SECRET {cr} {}\nSERVER_HANDSHAKE_TRAFFIC_SECRET {cr} {}\nCLIENT_TRAFFIC_SECRET_0 {cr} {}\nSERVER_TRAFFIC_SECRET_0 {cr} {}\n",
            h(&C_HS),
            h(&S_HS),
            h(c_ap),
            h(&S_AP),
            cr = h(&CR)
        )
    }

    /// The two directions of a TLS 1.3 connection: one GET and its 200, the response in two
    /// records and after a KeyUpdate.
    fn streams() -> (Vec<u8>, Vec<u8>) {
        let mut c = client_hello();
        c.extend(record(20, &[1]));
        c.extend(sealed(&C_HS, 0, 22, &finished()));
        c.extend(sealed(&C_AP, 0, 23, b"GET /x HTTP/1.1\r\nHost: t\r\n\r\n"));
        let mut s = server_hello();
        s.extend(record(20, &[1]));
        let mut flight = msg(8, &[0, 0]);
        flight.extend(finished());
        s.extend(sealed(&S_HS, 0, 22, &flight));
        s.extend(sealed(&S_AP, 0, 23, b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234"));
        s.extend(sealed(&S_AP, 1, 22, &msg(24, &[0])));
        let mut next = [0u8; 32];
        session::expand_label(session::Hash::Sha256, &S_AP, b"traffic upd", b"", &mut next).unwrap();
        s.extend(sealed(&next, 0, 23, b"56789"));
        (c, s)
    }

    struct Run {
        out: Output,
        layer: TlsLayer,
        bufs: PerDir<StreamBuf>,
        left: u32,
        dropped: u32,
    }

    impl Run {
        fn new(keys: &str) -> Self {
            let shared = Shared::default();
            shared.keys.write().unwrap().add_text(keys);
            let layer = TlsLayer::new(shared, crate::proto::handover::inside_tls);
            Run { out: Output::default(), layer, bufs: PerDir::default(), left: 200, dropped: 0 }
        }

        fn push(&mut self, dir: Dir, bytes: &[u8], packet: PacketNo) {
            self.bufs[dir].push(bytes, packet, packet as i64);
            let mut sink = Sink { conn: 0, out: &mut self.out, findings_left: &mut self.left, findings_dropped: &mut self.dropped };
            self.layer.process(&mut self.bufs, PerDir::default(), &mut sink);
        }

        fn finish(&mut self) {
            let mut sink = Sink { conn: 0, out: &mut self.out, findings_left: &mut self.left, findings_dropped: &mut self.dropped };
            for d in Dir::BOTH {
                self.layer.end(d, &mut self.bufs[d], &mut sink);
            }
            self.layer.finish(&mut self.bufs, Finish { packet: 999, tcp_closed: true }, &mut sink);
        }

        fn findings(&self) -> Vec<&'static str> {
            self.out.events.iter().filter_map(|e| if let Event::Finding(f) = e { Some(f.code) } else { None }).collect()
        }

        fn exchanges(&self) -> Vec<(String, Option<u16>, Option<u64>)> {
            let ex = self.out.events.iter().filter_map(|e| if let Event::Http(x) = e { Some(x) } else { None });
            ex.map(|x| {
                let r = x.request.as_ref().map(|r| r.target.clone()).unwrap_or_default();
                (r, x.response.as_ref().map(|r| r.status), x.response.as_ref().map(|r| r.body_len))
            })
            .collect()
        }
    }

    #[test]
    fn decrypts_whole_and_byte_by_byte_alike() {
        let (c, s) = streams();
        // All at once; then in pieces of 1, 7 and 1000 bytes (records split and several in one).
        for piece in [usize::MAX, 1, 7, 1000] {
            let mut r = Run::new(&keylog(&C_AP));
            let (mut ci, mut si) = (c.chunks(piece.min(c.len())), s.chunks(piece.min(s.len())));
            let mut packet = 1;
            loop {
                let a = ci.next();
                let b = si.next();
                if let Some(a) = a {
                    r.push(Dir::ClientToServer, a, packet);
                }
                if let Some(b) = b {
                    r.push(Dir::ServerToClient, b, packet + 1);
                }
                packet += 2;
                if a.is_none() && b.is_none() {
                    break;
                }
            }
            r.finish();
            assert_eq!(r.findings(), Vec::<&str>::new(), "pieces of {piece}");
            assert_eq!(r.exchanges(), vec![("/x".to_string(), Some(200), Some(10))], "pieces of {piece}");
            let info = r.layer.info();
            assert!(info.decrypted);
            assert_eq!(info.cipher_suite.as_deref(), Some("TLS_AES_128_GCM_SHA256"));
            assert_eq!(info.version.as_deref(), Some("TLS 1.3"));
        }
    }

    #[test]
    fn wrong_missing_and_no_keys() {
        let (c, s) = streams();
        // A wrong client application secret: that direction fails once, the server's decrypts.
        let mut r = Run::new(&keylog(&[7; 32]));
        r.push(Dir::ClientToServer, &c, 1);
        r.push(Dir::ServerToClient, &s, 2);
        r.finish();
        // HTTP sees the response alone (the request stayed encrypted).
        assert_eq!(r.findings(), vec!["tls.decrypt_failed", "http.response_without_request"]);
        assert_eq!(r.exchanges(), vec![(String::new(), Some(200), Some(10))]);
        // A key log for another connection: no key, once per direction.
        let other = keylog(&C_AP).replace(&hex(&CR), &hex(&[8; 32]));
        let mut r = Run::new(&other);
        r.push(Dir::ClientToServer, &c, 1);
        r.push(Dir::ServerToClient, &s, 2);
        r.push(Dir::ServerToClient, &s[s.len() - 30..], 3);
        r.finish();
        assert_eq!(r.findings(), vec!["tls.no_key", "tls.no_key"]);
        assert!(!r.layer.info().decrypted && r.exchanges().is_empty());
        // No key log at all: nothing to say, the hellos are still read.
        let mut r = Run::new("");
        r.push(Dir::ClientToServer, &c, 1);
        r.push(Dir::ServerToClient, &s, 2);
        r.finish();
        assert_eq!(r.findings(), Vec::<&str>::new());
        assert_eq!(r.layer.info().cipher_suite.as_deref(), Some("TLS_AES_128_GCM_SHA256"));
    }

    #[test]
    fn a_record_too_long_stops_the_direction_and_a_cut_record_is_reported() {
        let (c, s) = streams();
        let mut r = Run::new(&keylog(&C_AP));
        r.push(Dir::ClientToServer, &c, 1);
        let mut bad = server_hello();
        let too_long = MAX_CIPHERTEXT + 1;
        bad.extend_from_slice(&[23, 3, 3, (too_long >> 8) as u8, too_long as u8]);
        bad.extend(vec![0u8; 40_000]);
        r.push(Dir::ServerToClient, &bad, 2);
        r.push(Dir::ServerToClient, &s, 3);
        assert!(r.bufs[Dir::ServerToClient].is_empty(), "nothing held after the bad record");
        r.finish();
        assert_eq!(r.findings(), vec!["tls.record_too_long", "http.no_response"]);
        // The client's request was decrypted (its keys need only the ServerHello).
        assert_eq!(r.exchanges(), vec![("/x".to_string(), None, None)]);

        let mut r = Run::new(&keylog(&C_AP));
        r.push(Dir::ClientToServer, &c[..c.len() - 3], 1);
        r.push(Dir::ServerToClient, &s, 2);
        r.finish();
        // The request's record is cut: HTTP sees the response alone.
        assert_eq!(r.findings(), vec!["http.response_without_request", "tls.truncated_record"]);
    }

    #[test]
    fn not_tls_and_gaps() {
        let mut r = Run::new(&keylog(&C_AP));
        r.push(Dir::ClientToServer, b"GET / HTTP/1.1\r\n\r\n", 1);
        r.push(Dir::ClientToServer, b"more", 2);
        assert!(r.bufs[Dir::ClientToServer].is_empty());
        let (_, s) = streams();
        r.push(Dir::ServerToClient, &s[..100], 3);
        let mut sink = Sink { conn: 0, out: &mut r.out, findings_left: &mut r.left, findings_dropped: &mut r.dropped };
        r.layer.gap(Dir::ServerToClient, 50, 4, &mut r.bufs[Dir::ServerToClient], &mut sink);
        r.push(Dir::ServerToClient, &s[150..], 5);
        r.finish();
        assert_eq!(r.findings(), vec!["tls.bad_record", "tls.gap"]);
    }
}
